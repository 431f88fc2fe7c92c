"""``merge.parts``: who wrote each piece a record shows, read from a stored state."""

from __future__ import annotations

from sync.batch import stored_state
from sync.collections import CARD, VISIT
from sync.merge import DELETED_PART, Part, parts
from sync.protocol import RecordKey

from .conftest import NOW_MS, VISIT_ID


def _stored(store, collection="visit", record_id=VISIT_ID):
    key = RecordKey(collection, record_id)
    return stored_state(store.load_batch([], [key]).records[key])


def _by(found: list[Part], field: str) -> list[Part]:
    return [part for part in found if part.field == field]


def test_a_counter_has_one_part_per_device_adding_up_to_its_total(store, push, create_op):
    push([create_op({"parents": 2}, device="phone-a", at_ms=NOW_MS - 30)])
    push([create_op({"parents": 3}, device="phone-b", at_ms=NOW_MS - 20)])
    push([create_op({"parents": 4}, device="phone-a", at_ms=NOW_MS - 10)])
    state = _stored(store)
    counted = _by(parts(VISIT, state), "parents")
    assert [(p.device_id, p.value, p.kind, p.user_id) for p in counted] == [
        ("phone-a", 4, "counter", None), ("phone-b", 3, "counter", None)]
    assert sum(p.value for p in counted) == state["data"]["parents"]
    assert counted[0].wall_ms == NOW_MS - 10


def test_a_register_shows_the_winners_stamp(store, push, create_op):
    push([create_op({"notes": "はじめ"}, device="phone-a", user="7", at_ms=NOW_MS - 20)])
    (result,) = push([create_op({"notes": "外遊び"}, device="phone-b", user="8",
                                at_ms=NOW_MS - 10)]).results
    (noted,) = _by(parts(VISIT, _stored(store)), "notes")
    assert noted == Part(field="notes", kind="register", value="外遊び", device_id="phone-b",
                         op_id=result.op_id, hlc=result.hlc, wall_ms=NOW_MS - 10,
                         user_id="8")


def test_a_set_has_a_part_per_add_of_each_present_element(store, push, create_op):
    applied = push([create_op({"needs": {"add": ["outdoor_play", "saturday"]}}, device="phone-a",
                    at_ms=NOW_MS - 30)])
    assert applied.results[0].status == "applied"
    push([create_op({"needs": {"add": ["outdoor_play"]}}, device="phone-b", at_ms=NOW_MS - 20)])
    push([create_op({"needs": {"remove": ["saturday"]}}, device="phone-a", at_ms=NOW_MS - 10)])
    needs = _by(parts(VISIT, _stored(store)), "needs")
    assert [(p.value, p.device_id) for p in needs] == [("outdoor_play", "phone-a"),
                                                       ("outdoor_play", "phone-b")]


def test_a_status_and_the_deleted_flag_name_their_writer(store, push, create_op):
    push([create_op({"issuing_site_id": "kohoku-hiroba", "target_site_id": "kohoku-hiroba",
                     "status": "issued"}, collection="card", record_id="card-1",
                    user="5", at_ms=NOW_MS - 20)])
    push([create_op(collection="card", record_id="card-1", delete=True, device="phone-b",
                    user="6", at_ms=NOW_MS - 10)])
    found = parts(CARD, _stored(store, "card", "card-1"))
    (status,) = _by(found, "status")
    assert (status.kind, status.value, status.user_id) == ("status", "issued", "5")
    (flag,) = _by(found, DELETED_PART)
    assert (flag.kind, flag.value, flag.device_id, flag.user_id) == ("deleted", True,
                                                                      "phone-b", "6")


def test_parts_leave_the_state_untouched_and_skip_unwritten_fields(store, push, create_op):
    push([create_op({"parents": 1})])
    state = _stored(store)
    before = repr(state)
    found = parts(VISIT, state)
    assert repr(state) == before
    assert {p.field for p in found} == {"parents"}
