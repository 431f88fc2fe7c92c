"""Merge rules per field kind, as tables of writes and the outcome they must give."""

from __future__ import annotations

import copy
import itertools

import pytest

from sync.collections import CARD_STATUS
from sync.hlc import HLC
from sync.merge import (
    EMPTY_REGISTER,
    Stamp,
    Tag,
    join_status,
    merge_counter,
    merge_flag,
    merge_register,
    merge_set,
    shown_conflicts,
)


def stamp(device, at_ms, op, version=1, base=None):
    return Stamp(op, device, f"user-{device}", HLC(at_ms, 0, device).format(), version, base)


def run(merge, meta, writes):
    """Apply writes in order, checking no merge mutates what it was given."""
    tags = []
    merged = None
    for write in writes:
        before = copy.deepcopy(meta)
        merged = merge(meta, *write)
        assert meta == before, "a merge function changed its input"
        meta = merged.meta
        tags.append(merged.tag)
    return merged, tags


# --- counter ----------------------------------------------------------------------------------

COUNTER_CASES = {
    "one device": ([("a", 1, "o1", 2)], 2, Tag.TOOK),
    "two devices both count": ([("a", 1, "o1", 2), ("b", 1, "o2", 3)], 5, Tag.TOOK),
    "a newer contribution replaces the older": (
        [("a", 1, "o1", 2), ("a", 2, "o2", 5)], 5, Tag.TOOK),
    "an older contribution arriving late is ignored": (
        [("a", 2, "o2", 5), ("a", 1, "o1", 2)], 5, Tag.STALE),
    "a retried op counts once": ([("a", 1, "o1", 2), ("a", 1, "o1", 2)], 2, Tag.STALE),
    "a device can go back to zero": ([("a", 1, "o1", 3), ("a", 2, "o2", 0)], 0, Tag.TOOK),
    "each device keeps its own latest": (
        [("a", 1, "o1", 3), ("b", 2, "o2", 4), ("a", 3, "o3", 1), ("b", 1, "o4", 9)], 5, Tag.STALE),
}


@pytest.mark.parametrize(("writes", "total", "last_tag"), COUNTER_CASES.values(),
                         ids=COUNTER_CASES.keys())
def test_counter_total_is_the_sum_of_each_devices_latest_contribution(writes, total, last_tag):
    merged, tags = run(
        merge_counter, {}, [(stamp(d, ms, op), amount) for d, ms, op, amount in writes]
    )
    assert merged.value == total
    assert tags[-1] is last_tag


# --- set ---------------------------------------------------------------------------------------


def add(device, at_ms, op, version, base=None, element="x"):
    return stamp(device, at_ms, op, version, base), [element], []


def remove(device, at_ms, op, version, base=None, element="x"):
    return stamp(device, at_ms, op, version, base), [], [element]


SET_CASES = {
    "an add shows": ([add("a", 1, "o1", 1)], ["x"]),
    "a remove that saw the add removes it": (
        [add("a", 1, "o1", 1), remove("b", 2, "o2", 2, base=1)], []),
    "a concurrent add wins over a remove": (
        [add("a", 1, "o1", 1), remove("b", 2, "o2", 2, base=None)], ["x"]),
    "a concurrent add arriving after the remove still wins": (
        [remove("b", 2, "o2", 1), add("a", 1, "o1", 2)], ["x"]),
    "a device's own later remove covers its add arriving late": (
        [remove("a", 2, "o2", 1), add("a", 1, "o1", 2)], []),
    "a device can add again after removing": (
        [add("a", 1, "o1", 1), remove("a", 2, "o2", 2), add("a", 3, "o3", 3)], ["x"]),
    "a re-delivered add changes nothing": ([add("a", 1, "o1", 1), add("a", 1, "o1", 1)], ["x"]),
    "removing an absent element is harmless": ([remove("a", 1, "o1", 1)], []),
    "a remove covers every add it saw": (
        [add("a", 1, "o1", 1), add("b", 1, "o2", 2), remove("c", 3, "o3", 3, base=2)], []),
    "a remove leaves adds it did not see": (
        [add("a", 1, "o1", 1), add("b", 1, "o2", 2), remove("c", 3, "o3", 3, base=1)], ["x"]),
    "elements are independent": (
        [add("a", 1, "o1", 1, element="x"), add("a", 2, "o2", 2, element="y"),
         remove("a", 3, "o3", 3, element="x")], ["y"]),
}


@pytest.mark.parametrize(("writes", "members"), SET_CASES.values(), ids=SET_CASES.keys())
def test_set_is_an_add_wins_observed_remove_set(writes, members):
    merged, _tags = run(merge_set, {}, writes)
    assert merged.value == members


@pytest.mark.parametrize("writes", SET_CASES.values(), ids=SET_CASES.keys())
def test_set_members_do_not_depend_on_arrival_order(writes):
    ops, expected = writes
    for order in itertools.permutations(ops):
        # Versions are given at arrival, so renumber them in this arrival order.
        renumbered = [
            (Stamp(s.op_id, s.device_id, s.user_id, s.hlc, i + 1, s.base_version), a, r)
            for i, (s, a, r) in enumerate(order)
        ]
        if any(s.base_version is not None for s, _a, _r in renumbered):
            continue  # "saw version n" means something else once arrival order changes
        assert run(merge_set, {}, renumbered)[0].value == expected


# --- register ------------------------------------------------------------------------------------


def write(device, at_ms, op, value, version=1, base=None):
    return stamp(device, at_ms, op, version, base), value


REGISTER_CASES = {
    "the first write shows": ([write("a", 1, "o1", "x")], "x", set(), Tag.TOOK),
    "a write that saw the value replaces it quietly": (
        [write("a", 1, "o1", "x", 1), write("b", 2, "o2", "y", 2, base=1)], "y", set(), Tag.TOOK),
    "a concurrent newer write wins and keeps the old value": (
        [write("a", 1, "o1", "x", 1), write("b", 2, "o2", "y", 2)], "y", {"o1"}, Tag.TOOK),
    "a concurrent older write arriving late is kept as the conflict": (
        [write("b", 2, "o2", "y", 1), write("a", 1, "o1", "x", 2)], "y", {"o1"}, Tag.KEPT),
    "concurrent writes of the same value do not conflict": (
        [write("a", 1, "o1", "x", 1), write("b", 2, "o2", "x", 2)], "x", set(), Tag.TOOK),
    "a device's own newer write replaces its value": (
        [write("a", 1, "o1", "x", 1), write("a", 2, "o2", "y", 2)], "y", set(), Tag.TOOK),
    "a device's own older write arriving late is stale": (
        [write("a", 2, "o2", "y", 1), write("a", 1, "o1", "x", 2)], "y", set(), Tag.STALE),
    "equal clocks are broken by device id": (
        [write("b", 1, "o1", "x", 1), write("a", 1, "o2", "y", 2)], "x", {"o2"}, Tag.KEPT),
    "an author's new value replaces their losing one": (
        [write("b", 5, "o1", "x", 1), write("a", 1, "o2", "y", 2), write("a", 2, "o3", "z", 3)],
        "x", {"o3"}, Tag.KEPT),
    "a conflict whose value shows again is moot": (
        [write("a", 1, "o1", "x", 1), write("b", 2, "o2", "y", 2), write("c", 3, "o3", "x", 3)],
        "x", {"o2"}, Tag.TOOK),
    "a kept value its next author had on screen is replaced knowingly": (
        [write("s", 1, "o1", "w", 1), write("a", 2, "o2", "x", 2),
         write("b", 3, "o3", "y", 3, base=1)], "y", {"o2"}, Tag.TOOK),
    "a kept value its next author never saw stays kept": (
        [write("s", 1, "o1", "w", 1), write("a", 2, "o2", "x", 2),
         write("b", 3, "o3", "y", 3, base=2)], "y", {"o1"}, Tag.TOOK),
    "clearing a value concurrently keeps the text": (
        [write("a", 1, "o1", "text", 1), write("b", 2, "o2", None, 2)], None, {"o1"}, Tag.TOOK),
}


@pytest.mark.parametrize(("writes", "value", "conflicts", "last_tag"),
                         REGISTER_CASES.values(), ids=REGISTER_CASES.keys())
def test_register_last_writer_wins_and_keeps_concurrent_losers(writes, value, conflicts, last_tag):
    merged, tags = run(merge_register, EMPTY_REGISTER, writes)
    assert merged.value == value
    assert set(shown_conflicts(merged.meta)) == conflicts
    assert tags[-1] is last_tag


def test_register_names_the_write_kept_as_conflict_in_its_outcome():
    first = merge_register(EMPTY_REGISTER, *write("a", 1, "o1", "x"))
    second = merge_register(first.meta, *write("b", 2, "o2", "y", version=2))
    assert first.conflict is None
    assert second.conflict["op"] == "o1"
    assert second.conflict["value"] == "x"
    assert second.conflict["user"] == "user-a"


# --- status lattice ----------------------------------------------------------------------------

STATES = CARD_STATUS.order

JOIN_TABLE = {
    ("issued", "opened"): "opened",
    ("issued", "arrived"): "arrived",
    ("opened", "arrived"): "arrived",
    ("opened", "expired"): "expired",
    ("opened", "cancelled"): "cancelled",
    ("issued", "expired"): "expired",
    ("issued", "cancelled"): "cancelled",
    ("expired", "cancelled"): "cancelled",
    ("expired", "arrived"): "arrived",
    ("cancelled", "arrived"): "arrived",
}


@pytest.mark.parametrize(("pair", "joined"), JOIN_TABLE.items(), ids=lambda v: str(v))
def test_card_status_join_takes_the_furthest_state_in_either_order(pair, joined):
    first, second = pair
    assert CARD_STATUS.join(first, second) == joined
    assert CARD_STATUS.join(second, first) == joined
    for order in (pair, pair[::-1]):
        meta = None
        for i, state in enumerate(order):
            meta = join_status(meta, stamp("a", i, f"o{i}"), state, CARD_STATUS).meta
        assert meta["value"] == joined


@pytest.mark.parametrize("state", STATES)
def test_card_status_join_is_idempotent_and_has_no_bottom_surprise(state):
    assert CARD_STATUS.join(state, state) == state
    assert CARD_STATUS.join(None, state) == state


def test_card_status_join_is_associative():
    for a, b, c in itertools.product(STATES, repeat=3):
        assert CARD_STATUS.join(CARD_STATUS.join(a, b), c) == CARD_STATUS.join(
            a, CARD_STATUS.join(b, c)
        )


def test_reaching_a_state_again_keeps_the_earliest_stamp():
    first = join_status(None, stamp("b", 5, "o1"), "opened", CARD_STATUS)
    again = join_status(first.meta, stamp("a", 3, "o2"), "opened", CARD_STATUS)
    later = join_status(again.meta, stamp("c", 9, "o3"), "opened", CARD_STATUS)
    assert later.meta["op"] == "o2"
    assert later.tag is Tag.KEPT


# --- tombstone flag ---------------------------------------------------------------------------

FLAG_CASES = {
    "a delete deletes": ([(stamp("a", 1, "o1"), True)], True),
    "a later restore wins": ([(stamp("a", 1, "o1"), True), (stamp("h", 2, "o2"), False)], False),
    "an older restore arriving late loses": (
        [(stamp("a", 2, "o1"), True), (stamp("h", 1, "o2"), False)], True),
}


@pytest.mark.parametrize(("writes", "deleted"), FLAG_CASES.values(), ids=FLAG_CASES.keys())
def test_deleted_flag_is_last_writer_wins(writes, deleted):
    merged, _tags = run(merge_flag, None, writes)
    assert merged.value is deleted
