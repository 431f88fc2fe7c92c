"""Push and pull over HTTP: idempotent retries, quarantine, scope, conflicts, clamping."""

import json
import uuid

import pytest
import sqlalchemy as sa

from schemas.sync import PullResponseSchema
from server.extensions import db
from server.replication.models import SyncOp, SyncQuarantine, SyncRecord
from sync.hlc import HLC

NOW_MS = 1_800_000_000_000  # a fixed wall clock for the ops' HLCs (2027)


def new_op(site, *, changes=None, session="am", date="2026-11-30", device="phone-a",
           collection="visit", record_id=None, base_version=None, at_ms=None, **extra):
    return {
        "op_id": str(uuid.uuid4()), "device_id": device, "user_id": "ignored",
        "collection": collection,
        "record_id": record_id or f"{site.id}:{date}:{session}",
        "hlc": HLC(at_ms or NOW_MS - 10_000, 0, device).format(),
        "base_version": base_version,
        "changes": changes if changes is not None else {"parents": 3},
        **extra,
    }


def push(client, headers, ops, protocol=1):
    return client.post("/api/sync/push", json={"protocol": protocol, "ops": ops},
                       headers=headers)


def pull_all(client, headers, cursor=0, limit=500):
    changes = []
    while True:
        response = client.get(f"/api/sync/pull?cursor={cursor}&limit={limit}", headers=headers)
        assert response.status_code == 200
        body = PullResponseSchema().load(response.get_json())
        changes += body["changes"]
        cursor = body["cursor"]
        if not body["more"]:
            return changes, cursor


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def salon(create_site):
    return create_site("salon")


@pytest.fixture
def volunteer(create_user, salon, auth_header):
    return auth_header(create_user("volunteer", sites=[salon]))


def test_a_retried_push_changes_nothing_and_gets_the_same_answers(client, salon, volunteer):
    ops = [new_op(salon, session="am"), new_op(salon, session="pm", changes={"fathers": 1})]
    first = push(client, volunteer, ops)
    assert first.status_code == 200
    assert [r["status"] for r in first.json["results"]] == ["applied", "applied"]
    records, op_rows = count(SyncRecord), count(SyncOp)
    again = push(client, volunteer, ops)
    assert [r["status"] for r in again.json["results"]] == ["duplicate", "duplicate"]
    for before, after in zip(first.json["results"], again.json["results"], strict=True):
        assert {**before, "status": "duplicate"} == after
    assert (count(SyncRecord), count(SyncOp)) == (records, op_rows)
    changes, cursor = pull_all(client, volunteer)
    assert sorted(c["record_id"] for c in changes) == sorted(o["record_id"] for o in ops)
    assert cursor == first.json["cursor"]


def test_two_phones_tallying_one_session_add_up(client, salon, create_user, auth_header):
    one = auth_header(create_user("volunteer", sites=[salon]))
    two = auth_header(create_user("volunteer", sites=[salon]))
    push(client, one, [new_op(salon, device="phone-1", changes={"parents": 4})])
    push(client, two, [new_op(salon, device="phone-2", changes={"parents": 3})])
    changes, _ = pull_all(client, one)
    assert [c["data"]["parents"] for c in changes] == [7]


def test_a_batch_over_the_limit_is_413_with_the_limit_and_stores_nothing(app, client, salon,
                                                                      volunteer):
    limit = app.config["SYNC_MAX_BATCH"]
    ops = [new_op(salon, session=f"s{i}") for i in range(limit + 1)]
    response = push(client, volunteer, ops)
    assert response.status_code == 413
    assert response.json["error"]["code"] == "batch_too_large"
    assert str(limit) in response.json["error"]["message"]
    assert count(SyncRecord) == count(SyncOp) == 0


@pytest.mark.parametrize("body, status, field", [
    ({"ops": []}, 422, "protocol"),
    ({"protocol": 1}, 422, "ops"),
    ({"protocol": 1, "ops": {"not": "a list"}}, 422, "ops"),
    ({"protocol": 1, "ops": [], "extra": True}, 422, "extra"),
])
def test_a_malformed_envelope_is_refused_and_stores_nothing(client, volunteer, body, status,
                                                           field):
    response = client.post("/api/sync/push", json=body, headers=volunteer)
    assert response.status_code == status
    assert field in response.json["error"]["fields"]
    assert count(SyncOp) == count(SyncQuarantine) == 0


def test_an_unknown_protocol_version_is_400(client, salon, volunteer):
    response = push(client, volunteer, [new_op(salon)], protocol=99)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "unsupported_protocol"
    assert count(SyncOp) == 0


def test_each_kind_of_invalid_op_is_quarantined_while_the_good_ones_apply(
        client, salon, volunteer, create_site, other_ward, create_user, auth_header):
    elsewhere = create_site("salon", ward=other_ward)
    bad = {
        "unknown_collection": new_op(salon, collection="diary", record_id="x1"),
        "unknown_field": new_op(salon, changes={"family_name": "山田"}),
        "invalid_value": new_op(salon, session="pm", changes={"parents": "three"}),
        "out_of_scope": new_op(elsewhere),
        "invalid_status": new_op(salon, collection="card", record_id=str(uuid.uuid4()),
                                 changes={"status": "lost", "issuing_site_id": str(salon.id),
                                          "target_site_id": str(salon.id)}),
        "malformed": {"op_id": str(uuid.uuid4()), "changes": "???"},
    }
    good = new_op(salon, session="good", changes={"children_0": 2})
    response = push(client, volunteer, [good, *bad.values()])
    assert response.status_code == 200
    results = response.json["results"]
    assert results[0]["status"] == "applied"
    assert [(r["status"], r["reason"]) for r in results[1:]] == [
        ("rejected", reason) for reason in bad]
    listed = client.get("/api/sync/quarantine", headers=volunteer).json
    assert {e["op_id"]: e["reason"] for e in listed} == {
        op["op_id"]: reason for reason, op in bad.items()}
    kept = next(e for e in listed if e["reason"] == "unknown_field")
    assert kept["payload"]["changes"] == {"family_name": "山田"}
    hub = auth_header(create_user("hub_staff"))
    hub_view = {e["op_id"] for e in client.get("/api/sync/quarantine", headers=hub).json}
    assert bad["unknown_field"]["op_id"] in hub_view
    assert bad["out_of_scope"]["op_id"] not in hub_view  # aimed at another ward's site


def test_hub_staff_resubmit_a_corrected_op_or_dismiss_one_with_a_reason(
        client, salon, volunteer, create_user, auth_header):
    wrong = new_op(salon, changes={"parents": -1})
    other = new_op(salon, session="pm", changes={"fathers": "x"})
    push(client, volunteer, [wrong, other])
    hub = auth_header(create_user("hub_staff"))
    listed = {e["op_id"]: e["id"] for e in client.get("/api/sync/quarantine", headers=hub).json}
    wrong["id"], other["id"] = listed[wrong["op_id"]], listed[other["op_id"]]
    corrected = {**wrong, "op_id": str(uuid.uuid4()), "changes": {"parents": 1}}
    del corrected["id"]
    refused = client.post(f"/api/sync/quarantine/{wrong['id']}/resubmit",
                          json={"op": corrected}, headers=volunteer)
    assert refused.status_code == 403
    applied = client.post(f"/api/sync/quarantine/{wrong['id']}/resubmit",
                          json={"op": corrected}, headers=hub)
    assert applied.status_code == 200 and applied.json["status"] == "applied"
    dismissed = client.post(f"/api/sync/quarantine/{other['id']}/dismiss",
                            json={"note": "入力ミス、本人に確認済み"}, headers=hub)
    assert dismissed.status_code == 200 and dismissed.json["state"] == "dismissed"
    assert client.get("/api/sync/quarantine", headers=hub).json == []
    states = {e["op_id"]: e["state"] for e in
              client.get("/api/sync/quarantine?state=all", headers=hub).json}
    assert states == {wrong["op_id"]: "resubmitted", other["op_id"]: "dismissed"}
    changes, _ = pull_all(client, volunteer)
    assert changes[0]["data"]["parents"] == 1


def test_a_volunteers_pull_never_returns_another_wards_records(
        client, salon, volunteer, create_site, other_ward, create_user, auth_header):
    elsewhere = create_site("salon", ward=other_ward)
    stranger = auth_header(create_user("volunteer", ward=other_ward, sites=[elsewhere]))
    push(client, stranger, [new_op(elsewhere, session=f"s{i}") for i in range(5)])
    mine = push(client, volunteer, [new_op(salon)]).json["cursor"]
    push(client, stranger, [new_op(elsewhere, session="late")])
    for cursor in (0, 1, 3, mine - 1, mine, mine + 50, 10**12):
        changes, _ = pull_all(client, volunteer, cursor=cursor, limit=2)
        assert all(c["record_id"].startswith(f"{salon.id}:") for c in changes)
    assert client.get("/api/sync/pull?cursor=-1", headers=volunteer).status_code == 422


def test_a_clock_far_ahead_is_clamped_and_the_clamp_reported(client, salon, volunteer):
    future = new_op(salon, at_ms=4_000_000_000_000)
    result = push(client, volunteer, [future]).json["results"][0]
    assert result["status"] == "applied" and result["clamped"] is True
    assert result["hlc"] < future["hlc"]


def test_a_concurrent_edit_keeps_the_losing_value_as_a_conflict_until_resolved(
        client, salon, create_user, auth_header):
    alice_user = create_user("volunteer", sites=[salon])
    alice, bob = auth_header(alice_user), auth_header(create_user("volunteer", sites=[salon]))
    base = push(client, alice, [new_op(salon, changes={"notes": "はじめ"})]).json
    version = base["results"][0]["version"]
    push(client, alice, [new_op(salon, device="a", base_version=version,
                                at_ms=NOW_MS - 5_000, changes={"notes": "雨で少なめ"})])
    push(client, bob, [new_op(salon, device="b", base_version=version,
                              at_ms=NOW_MS - 4_000, changes={"notes": "外遊び"})])
    hub = auth_header(create_user("hub_staff"))
    conflicts = client.get("/api/sync/conflicts", headers=hub).json
    assert [(c["field"], c["value"]) for c in conflicts] == [("notes", "雨で少なめ")]
    assert client.get("/api/sync/conflicts", headers=alice).json == conflicts  # the author
    resolved = client.post("/api/sync/conflicts/resolve", headers=hub, json={
        "conflict_id": conflicts[0]["conflict_id"], "resolution": "take_conflict",
        "op_id": str(uuid.uuid4())})
    assert resolved.status_code == 200 and resolved.json["status"] == "applied"
    assert client.get("/api/sync/conflicts", headers=hub).json == []
    changes, _ = pull_all(client, alice)
    assert changes[-1]["data"]["notes"] == "雨で少なめ"


def test_a_deleted_record_is_a_tombstone_that_hub_staff_restore(client, salon, volunteer,
                                                                create_user, auth_header):
    created = push(client, volunteer, [new_op(salon, changes={"parents": 2})]).json
    record_id = f"{salon.id}:2026-11-30:am"
    push(client, volunteer, [new_op(salon, delete=True, changes={},
                                    base_version=created["results"][0]["version"])])
    changes, _ = pull_all(client, volunteer)
    assert (changes[-1]["deleted"], changes[-1]["data"]) == (True, None)
    url = f"/api/sync/records/visit/{record_id}/restore"
    assert client.post(url, json={"op_id": str(uuid.uuid4())},
                       headers=volunteer).status_code == 403
    hub = auth_header(create_user("hub_staff"))
    restored = client.post(url, json={"op_id": str(uuid.uuid4())}, headers=hub)
    assert restored.status_code == 200
    changes, _ = pull_all(client, volunteer)
    assert changes[-1]["deleted"] is False and changes[-1]["data"]["parents"] == 2


def test_a_ward_officer_reads_the_ward_but_cannot_push(client, salon, volunteer, create_user,
                                                       auth_header):
    push(client, volunteer, [new_op(salon)])
    officer = auth_header(create_user("ward_officer"))
    assert len(pull_all(client, officer)[0]) == 1
    result = push(client, officer, [new_op(salon, session="pm")]).json["results"][0]
    assert (result["status"], result["reason"]) == ("rejected", "out_of_scope")


def test_the_pull_body_is_spliced_from_stored_json_yet_matches_its_schema(client, salon,
                                                                         volunteer):
    push(client, volunteer, [new_op(salon, changes={"notes": "「きょうは」\"引用\"\\n"})])
    raw = client.get("/api/sync/pull", headers=volunteer)
    body = json.loads(raw.get_data(as_text=True))
    assert PullResponseSchema().validate(body) == {}
    assert body["changes"][0]["data"]["notes"] == "「きょうは」\"引用\"\\n"


def test_the_push_body_is_encoded_directly_yet_equals_the_schemas_dump(app):
    from schemas.sync import PushResponseSchema
    from server.replication.operations import push_json
    from sync.protocol import OpResult, PushResult, Reason, Status

    result = PushResult(
        results=(
            OpResult("a", Status.APPLIED, version=3, position=7, conflicts=("visit/x/notes/b",),
                     clamped=True, hlc="001800000000000:000001:phone-a"),
            OpResult("b", Status.DUPLICATE, version=1, position=2,
                     hlc="001800000000000:000000:phone-b"),
            OpResult("c", Status.REJECTED, reason=Reason.INVALID_VALUE,
                     message="parents 「-1」 must be a whole number"),
        ),
        cursor=7, server_hlc="001800000000001:000000:server")
    assert json.loads(push_json(result)) == PushResponseSchema().dump(result)
    empty = PushResult(results=(), cursor=None, server_hlc="001800000000001:000000:server")
    assert json.loads(push_json(empty)) == PushResponseSchema().dump(empty)


@pytest.mark.parametrize("chunk", [1, 2, 5, 500])
def test_a_pull_sent_in_pieces_is_one_exact_json_body(client, salon, volunteer, monkeypatch,
                                                      chunk):
    from server.replication import operations

    monkeypatch.setattr(operations, "PULL_CHUNK", chunk)
    push(client, volunteer, [new_op(salon, session=f"s{n}", changes={"notes": f"メモ{n}"})
                             for n in range(5)])
    for limit, expected in ((500, 5), (3, 3)):
        raw = client.get(f"/api/sync/pull?limit={limit}", headers=volunteer)
        data = raw.get_data()
        assert int(raw.headers["Content-Length"]) == len(data)
        body = PullResponseSchema().load(json.loads(data))
        assert [c["data"]["notes"] for c in body["changes"]] == [f"メモ{n}" for n in
                                                                 range(expected)]
        assert body["more"] is (expected < 5)
    empty = client.get("/api/sync/pull?cursor=999", headers=volunteer)
    assert json.loads(empty.get_data()) == {"changes": [], "cursor": 999, "more": False}
    assert int(empty.headers["Content-Length"]) == len(empty.get_data())


@pytest.mark.parametrize("count, pieces", [(0, 1), (1, 1), (3, 1), (4, 2), (7, 3)])
def test_a_page_goes_out_in_as_few_pieces_as_its_chunks(monkeypatch, count, pieces):
    # Each piece is one write to the socket: an idle pull is one piece, not three.
    from server.replication import operations
    from sync.protocol import WirePage

    monkeypatch.setattr(operations, "PULL_CHUNK", 3)
    changes = tuple(b'{"n":%d}' % n for n in range(count))
    sent, length = operations.pull_body(WirePage(changes, 9, False), before=b"[", after=b"]")
    sent = list(sent)
    assert len(sent) == pieces
    assert len(b"".join(sent)) == length
    assert json.loads(b"".join(sent)) == [{"changes": [{"n": n} for n in range(count)],
                                           "cursor": 9, "more": False}]


def test_a_push_that_asks_brings_back_the_pull_a_get_would_give_after_it(
        client, salon, volunteer, create_site, other_ward, create_user, auth_header):
    from schemas.sync import PushResponseSchema

    elsewhere = create_site("salon", ward=other_ward)
    stranger = auth_header(create_user("volunteer", ward=other_ward, sites=[elsewhere]))
    push(client, stranger, [new_op(elsewhere, session="theirs")])
    before = push(client, volunteer, [new_op(salon, session="s0")]).json["cursor"]
    ops = [new_op(salon, session=f"s{n}", changes={"notes": f"メモ{n}"}) for n in (1, 2, 3)]
    for limit in (500, 2):
        answer = client.post("/api/sync/push", headers=volunteer, json={
            "protocol": 1, "ops": ops, "pull": {"cursor": before, "limit": limit}})
        raw = answer.get_data()
        assert answer.status_code == 200
        assert int(answer.headers["Content-Length"]) == len(raw)
        body = PushResponseSchema().load(json.loads(raw))
        # The page holds this push's own records (read after it), nothing of another ward,
        # and is what a GET from the same cursor answers now.
        expected = client.get(f"/api/sync/pull?cursor={before}&limit={limit}",
                              headers=volunteer).json
        assert body["pull"] == PullResponseSchema().load(expected)
        assert [c["record_id"].split(":")[-1] for c in body["pull"]["changes"]] == [
            "s1", "s2", "s3"][:limit]
        assert body["pull"]["more"] is (limit < 3)
        assert [r["status"] for r in body["results"]] == (
            ["applied"] * 3 if limit == 500 else ["duplicate"] * 3)
    plain = push(client, volunteer, [new_op(salon, session="s4")]).json
    assert "pull" not in plain


@pytest.mark.parametrize("ask", [{"cursor": -1}, {"limit": 10}, {"cursor": 0, "limit": 0},
                                 {"cursor": 0, "limit": 10**6}, {"cursor": 0, "since": 1},
                                 "0"])
def test_a_wrong_pull_ask_on_a_push_is_422_and_applies_nothing(client, salon, volunteer, ask):
    answer = client.post("/api/sync/push", headers=volunteer, json={
        "protocol": 1, "ops": [new_op(salon)], "pull": ask})
    assert answer.status_code == 422
    assert "pull" in json.dumps(answer.json["error"])
    assert count(SyncRecord) == 0
