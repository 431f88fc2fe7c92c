"""The author of a losing value sees their own conflicts, with the value that beat theirs,
and settles them (``/api/sync/my-conflicts``); nobody else's, and never another ward's."""

import uuid

import pytest

from server.accounts.models import Membership
from server.extensions import db

from .test_sync_api import NOW_MS, new_op, pull_all, push


@pytest.fixture
def people(client, create_site, create_user, auth_header):
    """Alice and Bob log one session of one salon; both edit its note offline from the
    version they saw, and Bob's later edit wins: Alice's note is kept as a conflict."""
    salon = create_site("salon")
    alice_user = create_user("volunteer", sites=[salon])
    alice, bob = auth_header(alice_user), auth_header(create_user("volunteer", sites=[salon]))
    base = push(client, alice, [new_op(salon, changes={"notes": "はじめ"})]).json
    version = base["results"][0]["version"]
    push(client, alice, [new_op(salon, device="a", base_version=version,
                                at_ms=NOW_MS - 5_000, changes={"notes": "雨で少なめ"})])
    push(client, bob, [new_op(salon, device="b", base_version=version,
                              at_ms=NOW_MS - 4_000, changes={"notes": "外遊び"})])
    return {"salon": salon, "alice_user": alice_user, "alice": alice, "bob": bob,
            "hub": auth_header(create_user("hub_staff"))}


def settle(client, headers, conflict_id, resolution, op_id=None):
    return client.post("/api/sync/my-conflicts/resolve", headers=headers, json={
        "conflict_id": conflict_id, "resolution": resolution,
        "op_id": op_id or str(uuid.uuid4())})


def test_the_loser_sees_their_conflict_with_both_texts(client, people):
    (mine,) = client.get("/api/sync/my-conflicts", headers=people["alice"]).json
    assert (mine["field"], mine["value"], mine["current"]) == ("notes", "雨で少なめ", "外遊び")
    assert mine["user_id"] == str(people["alice_user"].id)


def test_the_winner_and_others_see_none_of_it(client, people, create_user, auth_header):
    assert client.get("/api/sync/my-conflicts", headers=people["bob"]).json == []
    assert client.get("/api/sync/my-conflicts", headers=people["hub"]).json == []


@pytest.mark.parametrize(("resolution", "shown"),
                         [("take_conflict", "雨で少なめ"), ("keep_current", "外遊び")])
def test_the_loser_keeps_theirs_or_takes_the_other_and_the_hub_sees_it_settled(
        client, people, resolution, shown):
    (mine,) = client.get("/api/sync/my-conflicts", headers=people["alice"]).json
    answer = settle(client, people["alice"], mine["conflict_id"], resolution)
    assert answer.status_code == 200 and answer.json["status"] == "applied"
    assert client.get("/api/sync/my-conflicts", headers=people["alice"]).json == []
    assert client.get("/api/sync/conflicts", headers=people["hub"]).json == []
    changes, _ = pull_all(client, people["hub"])
    assert changes[-1]["data"]["notes"] == shown


def test_a_retried_settlement_gets_its_first_answer(client, people):
    (mine,) = client.get("/api/sync/my-conflicts", headers=people["alice"]).json
    op_id = str(uuid.uuid4())
    first = settle(client, people["alice"], mine["conflict_id"], "take_conflict", op_id)
    again = settle(client, people["alice"], mine["conflict_id"], "take_conflict", op_id)
    assert again.status_code == 200
    assert (again.json["status"], again.json["version"]) == ("duplicate", first.json["version"])


def test_someone_elses_conflict_is_forbidden_even_at_the_same_site(client, people):
    (conflict,) = client.get("/api/sync/conflicts", headers=people["hub"]).json
    refused = settle(client, people["bob"], conflict["conflict_id"], "keep_current")
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "forbidden"
    assert len(client.get("/api/sync/conflicts", headers=people["hub"]).json) == 1


def test_an_unknown_or_settled_conflict_is_not_found(client, people):
    (mine,) = client.get("/api/sync/my-conflicts", headers=people["alice"]).json
    settle(client, people["alice"], mine["conflict_id"], "keep_current")
    for conflict_id in (mine["conflict_id"], "visit/x/notes/y", "nonsense"):
        refused = settle(client, people["alice"], conflict_id, "keep_current")
        assert refused.status_code == 404
        assert refused.json["error"]["fields"] == {"conflict_id": ["no open conflict of yours"]}


def test_an_author_who_left_for_another_ward_neither_sees_nor_settles_it(
        client, people, create_site, other_ward):
    (mine,) = client.get("/api/sync/my-conflicts", headers=people["alice"]).json
    user = db.session.merge(people["alice_user"])
    user.ward_id = other_ward.id
    user.memberships = [Membership(site_id=create_site("salon", ward=other_ward).id)]
    db.session.commit()
    assert client.get("/api/sync/my-conflicts", headers=people["alice"]).json == []
    refused = settle(client, people["alice"], mine["conflict_id"], "take_conflict")
    assert refused.status_code == 404
    assert len(client.get("/api/sync/conflicts", headers=people["hub"]).json) == 1


def test_a_settlement_is_in_the_audit_log(client, people, create_user, auth_header):
    (mine,) = client.get("/api/sync/my-conflicts", headers=people["alice"]).json
    settle(client, people["alice"], mine["conflict_id"], "take_conflict")
    admin = auth_header(create_user("admin"))
    (entry,) = [e for e in client.get("/api/audit", headers=admin).json["items"]
                if e["action"] == "resolve"]
    assert entry["target_id"] == mine["conflict_id"]
    assert entry["detail"]["resolution"] == "take_conflict"
