"""A quarantined op is settled when its author sends the entry again, corrected: the hub's
quarantine list no longer shows it as open, and the audit log says who settled it."""

import uuid

import pytest

from .test_sync_api import new_op, push


@pytest.fixture
def salon(create_site):
    return create_site("salon")


@pytest.fixture
def volunteer(create_user, salon, auth_header):
    return auth_header(create_user("volunteer", sites=[salon]))


@pytest.fixture
def hub(create_user, auth_header):
    return auth_header(create_user("hub_staff"))


def open_entries(client, hub):
    return [e["op_id"] for e in client.get("/api/sync/quarantine", headers=hub).json]


def test_the_authors_corrected_resend_settles_the_rejected_op(
        client, salon, volunteer, hub, create_user, auth_header):
    rejected = new_op(salon, changes={"parents": 2, "notes": "あ" * 2001})
    (answer,) = push(client, volunteer, [rejected]).json["results"]
    assert answer["reason"] == "invalid_value"
    assert open_entries(client, hub) == [rejected["op_id"]]

    resent = new_op(salon, changes={"parents": 2, "notes": "園庭開放の案内を渡した"})
    (applied,) = push(client, volunteer, [resent]).json["results"]
    assert applied["status"] == "applied"
    assert open_entries(client, hub) == []
    (entry,) = client.get("/api/sync/quarantine?state=all", headers=hub).json
    assert (entry["op_id"], entry["state"]) == (rejected["op_id"], "resubmitted")

    admin = auth_header(create_user("admin"))
    (logged,) = [e for e in client.get("/api/audit", headers=admin).json["items"]
                 if e["action"] == "resubmit"]
    assert logged["target_id"] == entry["id"]
    assert logged["detail"] == {"op_id": resent["op_id"], "version": applied["version"],
                                "by": "author"}
    assert logged["record_id"] == resent["record_id"]


def test_a_retried_resend_logs_nothing_twice(client, salon, volunteer, hub, create_user,
                                             auth_header):
    push(client, volunteer, [new_op(salon, changes={"parents": -1})])
    resent = new_op(salon, changes={"parents": 1})
    push(client, volunteer, [resent])
    again = push(client, volunteer, [resent]).json["results"][0]
    assert again["status"] == "duplicate"
    admin = auth_header(create_user("admin"))
    assert [e["action"] for e in client.get("/api/audit", headers=admin).json["items"]] == [
        "resubmit"]


def test_someone_elses_op_on_the_same_session_leaves_the_entry_open(
        client, salon, volunteer, hub, create_user, auth_header):
    rejected = new_op(salon, changes={"parents": -1})
    push(client, volunteer, [rejected])
    colleague = auth_header(create_user("volunteer", sites=[salon]))
    push(client, colleague, [new_op(salon, device="b", changes={"parents": 4})])
    assert open_entries(client, hub) == [rejected["op_id"]]


def test_a_rejection_names_its_field_and_fault_in_codes(client, salon, volunteer):
    ops = [new_op(salon, changes={"notes": "あ" * 2001}),
           new_op(salon, session="pm", changes={"parents": 100_001}),
           new_op(salon, session="s3", changes={"needs": {"add": ["no_such_wish"]}}),
           {"op_id": str(uuid.uuid4()), "changes": "???"}]
    results = push(client, volunteer, ops).json["results"]
    assert [(r["reason"], r["field"], r["fault"], r["limit"]) for r in results] == [
        ("invalid_value", "notes", "too_long", 2000),
        ("invalid_value", "parents", "out_of_range", 100_000),
        ("invalid_value", "needs", "not_allowed", None),
        ("malformed", None, None, None)]


def test_the_hubs_quarantine_list_names_the_field_and_fault_of_each_entry(
        client, salon, volunteer, hub):
    push(client, volunteer, [new_op(salon, changes={"notes": "あ" * 2001}),
                             {"op_id": str(uuid.uuid4()), "changes": "???"}])
    listed = client.get("/api/sync/quarantine", headers=hub).json
    assert [(e["field"], e["fault"], e["limit"]) for e in listed] == [
        ("notes", "too_long", 2000)]
    (mine_too,) = [e for e in client.get("/api/sync/quarantine", headers=volunteer).json
                   if e["reason"] == "malformed"]
    assert (mine_too["field"], mine_too["fault"], mine_too["limit"]) == (None, None, None)
