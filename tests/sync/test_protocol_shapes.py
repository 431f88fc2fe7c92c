"""Wire shapes: ops and answers survive a round trip through plain JSON."""

from __future__ import annotations

import json

import pytest

from sync.collections import COLLECTIONS
from sync.protocol import (
    Fault,
    Op,
    OpResult,
    Reason,
    Scope,
    Status,
    canonical_json,
    conflict_id,
    parse_conflict_id,
)


def test_an_op_survives_a_json_round_trip(create_op):
    op = create_op({"needs": {"add": ["saturday"]}, "notes": "雨"}, base_version=3,
                   resolves=("visit/x:2025-01-01:am/notes/op-1",))
    assert Op.from_dict(json.loads(json.dumps(op.to_dict()))) == op


def test_an_answer_survives_a_json_round_trip():
    result = OpResult("op-1", Status.REJECTED, reason=Reason.OUT_OF_SCOPE, message="no")
    assert OpResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result
    applied = OpResult("op-2", Status.APPLIED, 4, 17, ("c-1",), True, "001:000000:a")
    assert OpResult.from_dict(json.loads(json.dumps(applied.to_dict()))) == applied
    at_fault = OpResult("op-3", Status.REJECTED, reason=Reason.INVALID_VALUE,
                        message="notes must be at most 2000 characters", field="notes",
                        fault=Fault.TOO_LONG, limit=2000)
    assert OpResult.from_dict(json.loads(json.dumps(at_fault.to_dict()))) == at_fault


def test_an_answer_stored_before_faults_existed_still_loads():
    stored = {"op_id": "op-1", "status": "rejected", "version": None, "position": None,
              "conflicts": [], "clamped": False, "hlc": None, "reason": "invalid_value",
              "message": "parents must be a whole number from 0 to 100000"}
    loaded = OpResult.from_dict(stored)
    assert (loaded.reason, loaded.field, loaded.fault, loaded.limit) == (
        Reason.INVALID_VALUE, None, None, None)


@pytest.mark.parametrize(
    ("changes", "field", "fault", "limit"),
    [
        ({"notes": "あ" * 2001}, "notes", Fault.TOO_LONG, 2000),
        ({"parents": -1}, "parents", Fault.OUT_OF_RANGE, 100_000),
        ({"needs": {"add": ["no_such_wish"]}}, "needs", Fault.NOT_ALLOWED, None),
        ({"notes": 12}, "notes", Fault.BAD_FORMAT, None),
        ({"session_date": "2025-01-02"}, "session_date", Fault.MISMATCH, None),
    ],
)
def test_a_rejected_value_names_its_field_and_fault_in_codes(changes, field, fault, limit):
    spec = COLLECTIONS["visit"]
    reason, message = spec.problem("site-1:2025-01-01:am", changes)
    assert reason is Reason.INVALID_VALUE
    assert (message.field, message.fault, message.limit) == (field, fault, limit)
    assert str(message).startswith(field)  # the English message stays for developers


@pytest.mark.parametrize(
    "payload",
    [
        {"op_id": "x"},
        {"op_id": "x", "device_id": "d", "user_id": "u", "collection": "visit",
         "record_id": "r", "hlc": "h", "changes": {}, "colour": "red"},
        {"op_id": 1, "device_id": "d", "user_id": "u", "collection": "visit",
         "record_id": "r", "hlc": "h", "changes": {}},
        {"op_id": "x", "device_id": "d", "user_id": "u", "collection": "visit",
         "record_id": "r", "hlc": "h", "changes": [], "base_version": 1},
        {"op_id": "x", "device_id": "d", "user_id": "u", "collection": "visit",
         "record_id": "r", "hlc": "h", "changes": {}, "base_version": -1},
        {"op_id": "x", "device_id": "d", "user_id": "u", "collection": "visit",
         "record_id": "r", "hlc": "h", "changes": {}, "delete": "yes"},
    ],
)
def test_an_op_with_missing_unknown_or_mistyped_keys_is_refused(payload):
    with pytest.raises(ValueError):
        Op.from_dict(payload)


def test_a_conflict_id_names_its_record_field_and_losing_op():
    text = conflict_id("visit", "site:2025-01-01:am", "notes", "op-1")
    assert parse_conflict_id(text) == (("visit", "site:2025-01-01:am"), "notes", "op-1")
    assert parse_conflict_id("visit/only/three") is None


def test_canonical_json_is_the_same_text_for_equal_values():
    assert canonical_json({"b": 1, "a": "雨"}) == canonical_json({"a": "雨", "b": 1})
    assert canonical_json({"a": "雨"}) == '{"a":"雨"}'


def test_a_scope_covers_its_sites_and_everywhere_covers_all():
    assert Scope.of("a").covers("a")
    assert not Scope.of("a").covers("b")
    assert not Scope.of("a").covers(None)
    assert Scope.everywhere().covers("anything")


def test_a_scope_of_wards_names_them_yet_covers_and_staffs_no_site():
    scope = Scope.of_wards("7")
    assert scope.wards == frozenset({"7"}) and scope.sites == frozenset()
    assert not scope.covers("1") and not scope.staffs("1") and not scope.may_restore
