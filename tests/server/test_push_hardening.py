"""What the security review broke through push, over HTTP on both databases: records with
no site yet, op ids shared by everyone, and single ops that failed a whole batch."""

import json
import uuid

import pytest

from server.cards import public
from sync.hlc import HLC

NOW_MS = 1_800_000_000_000


def op(collection, record_id, changes, *, op_id=None, device="phone-a", at_ms=NOW_MS - 10_000):
    return {"op_id": op_id or str(uuid.uuid4()), "device_id": device, "user_id": "ignored",
            "collection": collection, "record_id": record_id,
            "hlc": HLC(at_ms, 0, device).format(), "base_version": None, "changes": changes}


def push(client, headers, ops):
    # Encoded here, escaped to ASCII as a phone's JSON.stringify does with a lone surrogate.
    response = client.post("/api/sync/push", data=json.dumps({"protocol": 1, "ops": ops}),
                           content_type="application/json", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def statuses(results):
    return [(r["status"], r["reason"]) for r in results]


@pytest.fixture
def world(create_site, create_user, other_ward, auth_header, mint_card):
    salon = create_site("salon")
    hub_site = create_site("hub", weekdays="01234")
    far_salon = create_site("salon", ward=other_ward)
    volunteer = create_user("volunteer", sites=[salon])
    stranger = create_user("volunteer", ward=other_ward, sites=[far_salon])
    minted = mint_card(volunteer, salon)
    return {"salon": salon, "hub_site": hub_site, "volunteer": volunteer, "minted": minted,
            "as_volunteer": auth_header(volunteer), "as_stranger": auth_header(stranger),
            "as_officer": auth_header(create_user("ward_officer")),
            "as_target_staff": auth_header(create_user("site_staff", sites=[hub_site])),
            "as_issuer_staff": auth_header(create_user("site_staff", sites=[salon]))}


def issue(world, **fields):
    changes = {"status": "issued", "issued_on": "2026-11-28",
               "issuing_site_id": str(world["salon"].id),
               "target_site_id": str(world["hub_site"].id), **fields}
    return push_card(world, world["as_volunteer"], changes)


def push_card(world, headers, changes, **extra):
    return push(world["client"], headers, [op("card", world["minted"]["short_code"], changes,
                                              **extra)])


@pytest.fixture(autouse=True)
def _client(world, client):
    world["client"] = client


# --- 1. a record's first op names its sites ---------------------------------------------


def test_another_wards_volunteer_cannot_write_a_minted_card_by_leaving_out_the_issuer(
        world, client):
    far = push_card(world, world["as_stranger"], {"target_site_id": str(world["hub_site"].id),
                                                  "message": "こちらに来てください"})
    assert statuses(far) == [("rejected", "out_of_scope")]
    assert statuses(issue(world, message="火曜にどうぞ")) == [("applied", None)]
    page = client.get(f"/c/{world['minted']['token']}")
    assert "火曜にどうぞ" in page.get_data(as_text=True)
    assert "こちらに来てください" not in page.get_data(as_text=True)


@pytest.mark.parametrize("collection, record_id, changes", [
    ("card", None, {"status": "issued", "issuing_site_id": "SALON", "target_site_id": "SALON"}),
    ("outreach", "SALON:2026-11-30:SALON", {"summary": "保健師が来訪"}),
    ("visit", "SALON:2026-11-30:am", {"parents": 1}),
    ("programme", "prog-1", {"site_id": "SALON", "title": "x"}),
])
def test_a_ward_officer_writes_nothing_through_push(world, collection, record_id, changes):
    salon = str(world["salon"].id)
    changes = {k: (salon if v == "SALON" else v) for k, v in changes.items()}
    record_id = (record_id or world["minted"]["short_code"]).replace("SALON", salon)
    results = push(world["client"], world["as_officer"], [op(collection, record_id, changes)])
    assert statuses(results) == [("rejected", "out_of_scope")]


def test_a_public_programme_without_a_site_never_reaches_any_phone(world, client):
    results = push(client, world["as_volunteer"],
                   [op("programme", "prog-x", {"title": "どの区にも届く"})])
    assert statuses(results) == [("rejected", "out_of_scope")]
    pulled = client.get("/api/sync/pull?cursor=0", headers=world["as_stranger"]).get_json()
    assert not [c for c in pulled["changes"] if c["record_id"] == "prog-x"]


def test_site_staff_cannot_create_an_arrived_card_with_no_issuing_site(world):
    results = push_card(world, world["as_target_staff"],
                        {"status": "arrived", "target_site_id": str(world["hub_site"].id)})
    assert statuses(results) == [("rejected", "out_of_scope")]


def test_issuing_staff_cannot_confirm_arrival_of_a_card_aimed_at_another_site(world):
    issue(world)
    moved = push_card(world, world["as_issuer_staff"],
                      {"status": "arrived", "target_site_id": str(world["salon"].id)})
    assert statuses(moved) == [("rejected", "out_of_scope")]
    confirmed = push_card(world, world["as_target_staff"], {"status": "arrived"})
    assert statuses(confirmed) == [("applied", None)]


# --- 2. op ids are each author's own ----------------------------------------------------------


def test_nobody_can_claim_the_op_id_that_marks_a_card_opened(world, client):
    issue(world)
    code = world["minted"]["short_code"]
    claimed = str(uuid.uuid5(public.OPENED_OPS, code))
    squat = push_card(world, world["as_volunteer"], {"message": "x"}, op_id=claimed)
    assert statuses(squat) == [("applied", None)]
    assert client.get(f"/c/{world['minted']['token']}").status_code == 200
    pulled = client.get("/api/sync/pull?cursor=0", headers=world["as_volunteer"]).get_json()
    (card,) = [c for c in pulled["changes"] if c["record_id"] == code]
    assert card["data"]["status"] == "opened"


def test_replaying_another_users_op_id_reveals_nothing(world, client):
    first = issue(world)[0]
    replay = push(client, world["as_stranger"],
                  [op("visit", f"{world['salon'].id}:2026-11-30:am", {"parents": 1},
                      op_id=first["op_id"])])
    assert replay[0]["status"] == "rejected"  # out of the stranger's scope, not "duplicate"
    assert replay[0]["hlc"] is None


def test_a_resubmission_under_an_op_id_already_used_is_refused_and_the_entry_stays_open(
        world, client, create_user, auth_header):
    salon = world["salon"]
    bad = op("visit", f"{salon.id}:2026-11-30:am", {"parents": -1})
    push(client, world["as_volunteer"], [bad])
    hub = auth_header(create_user("hub_staff"))
    used = op("visit", f"{salon.id}:2026-11-30:pm", {"parents": 2})
    push(client, hub, [used])
    (entry,) = client.get("/api/sync/quarantine", headers=hub).get_json()
    corrected = {**bad, "op_id": used["op_id"], "changes": {"parents": 1}}
    refused = client.post(f"/api/sync/quarantine/{entry['id']}/resubmit",
                          json={"op": corrected}, headers=hub)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "op_id_reused"
    (still,) = client.get("/api/sync/quarantine", headers=hub).get_json()
    assert still["state"] == "open"


# --- 6. one op never fails the batch ----------------------------------------------------------


@pytest.mark.parametrize("bad", [7, "op", None, [1, 2], {"op_id": "\ud800"},
                                 {"changes": {"notes": "\ud800"}}, {"base_version": 10**30}])
def test_one_odd_op_is_quarantined_and_the_others_apply(world, client, bad):
    salon = world["salon"]
    good = op("visit", f"{salon.id}:2026-11-30:am", {"parents": 1})
    if isinstance(bad, dict):
        bad = {**op("visit", f"{salon.id}:2026-11-30:pm", {"fathers": 1}), **bad}
    after = op("visit", f"{salon.id}:2026-11-30:am", {"children_0": 2}, device="phone-b")
    results = push(client, world["as_volunteer"], [good, bad, after])
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    listing = client.get("/api/sync/quarantine", headers=world["as_volunteer"])
    assert listing.status_code == 200
    json.loads(listing.get_data(as_text=True))  # still JSON
    assert len(listing.get_json()) == 1


def test_the_quarantine_listing_is_json_whatever_was_pushed(world, client):
    raw = '{"protocol": 1, "ops": [{"op_id": "y", "changes": {"notes": "\\ud800"}}]}'
    response = client.post("/api/sync/push", data=raw, content_type="application/json",
                           headers=world["as_volunteer"])
    assert response.status_code == 200
    assert [r["status"] for r in response.get_json()["results"]] == ["rejected"]
    listing = client.get("/api/sync/quarantine", headers=world["as_volunteer"])
    (entry,) = json.loads(listing.get_data(as_text=True), parse_constant=_refuse)
    assert entry["payload"]["changes"] == {"notes": "\ud800"}


@pytest.mark.parametrize("number", ["NaN", "Infinity", "1e400"])
def test_a_push_holding_a_number_json_has_not_is_refused_as_not_json(world, client, number):
    raw = '{"protocol": 1, "ops": [{"op_id": "y", "changes": {"parents": NUMBER}}]}'
    raw = raw.replace("NUMBER", number)
    response = client.post("/api/sync/push", data=raw, content_type="application/json",
                           headers=world["as_volunteer"])
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def _refuse(name):
    raise ValueError(f"{name} is not JSON")


# --- 8. another ward's record on a desk is forbidden, not explained ---------------------------


def test_another_wards_hub_staff_may_not_resolve_or_restore_and_learn_no_site(
        world, client, create_user, auth_header, other_ward):
    record = f"{world['salon'].id}:2026-11-30:am"
    push(client, world["as_volunteer"], [
        op("visit", record, {"notes": "A"}, device="phone-a", at_ms=NOW_MS - 20_000),
        op("visit", record, {"notes": "B"}, device="phone-b", at_ms=NOW_MS - 10_000)])
    here = auth_header(create_user("hub_staff"))
    (conflict,) = client.get("/api/sync/conflicts", headers=here).get_json()
    far_hub = auth_header(create_user("hub_staff", ward=other_ward))
    resolve = {"conflict_id": conflict["conflict_id"], "resolution": "keep_current",
               "op_id": str(uuid.uuid4())}
    refused = client.post("/api/sync/conflicts/resolve", json=resolve, headers=far_hub)
    assert refused.status_code == 403
    assert str(world["salon"].id) not in refused.get_data(as_text=True)

    push(client, world["as_volunteer"], [{**op("visit", record, {}), "delete": True,
                                          "changes": {}}])
    restore = client.post(f"/api/sync/records/visit/{record}/restore",
                          json={"op_id": str(uuid.uuid4())}, headers=far_hub)
    assert restore.status_code == 403
    assert str(world["salon"].id) not in restore.get_data(as_text=True)
    assert client.post(f"/api/sync/records/visit/{record}/restore",
                       json={"op_id": str(uuid.uuid4())}, headers=here).status_code == 200


def test_a_conflict_between_phones_with_the_longest_names_is_kept(world, client):
    # Its clock was cut to a 60-character column: PostgreSQL refused the whole push.
    record = f"{world['salon'].id}:2026-11-30:am"
    nodes = ["a" * 128, "b" * 128]  # as long as a clock's node may be
    ops = [{**op("visit", record, {"notes": note}, device=device),
            "hlc": HLC(at, 0, node).format()}
           for note, at, node, device in (("A", NOW_MS - 20_000, nodes[0], "phone-a"),
                                          ("B", NOW_MS - 10_000, nodes[1], "phone-b"))]
    results = push(client, world["as_volunteer"], ops)
    assert [r["status"] for r in results] == ["applied", "applied"]
    (conflict,) = client.get("/api/sync/conflicts", headers=world["as_volunteer"]).get_json()
    assert conflict["hlc"].rsplit(":", 1)[1] in nodes
