"""Resolving a kept conflict: keep the current value, take the conflict's, or write anew."""

from __future__ import annotations

import json

import pytest

from sync.engine import Resolution, resolve_conflict
from sync.errors import ConflictNotFound, InvalidRequest, RejectedOp
from sync.protocol import Scope, Status

NOW_MS = 1_750_000_000_000
SITE = "kohoku-hiroba"
VISIT_ID = f"{SITE}:2025-04-08:am"
HUB = Scope.of(SITE, may_restore=True)


@pytest.fixture
def conflict(push, create_op, store):
    """Phone A wrote "A", phone B concurrently wrote "B" and won; "A" is kept."""
    push([create_op({"notes": "A"}, device="phone-a", at_ms=NOW_MS - 2)])
    push([create_op({"notes": "B"}, device="phone-b", at_ms=NOW_MS - 1)])
    (found,) = store.list_conflicts(HUB)
    return found


def notes(store):
    record = store.load_batch([], [("visit", VISIT_ID)]).records[("visit", VISIT_ID)]
    return json.loads(record.data_json)["notes"]


def resolve(store, conflict_id, resolution, op_id, **extra):
    return resolve_conflict(store, conflict_id, resolution, op_id=op_id, user_id="hub-1",
                            now_ms=NOW_MS + 1_000, scope=HUB, server_node="server-1", **extra)


@pytest.mark.parametrize(
    ("resolution", "value", "shown"),
    [
        (Resolution.KEEP_CURRENT, None, "B"),
        (Resolution.TAKE_CONFLICT, None, "A"),
        (Resolution.WRITE_VALUE, "A と B", "A と B"),
    ],
)
def test_resolving_a_conflict_sets_the_field_and_closes_the_conflict(
    store, conflict, new_op_id, resolution, value, shown
):
    result = resolve(store, conflict.conflict_id, resolution, new_op_id(), value=value)
    assert result.status is Status.APPLIED
    assert result.conflicts == ()
    assert notes(store) == shown
    assert store.list_conflicts(HUB) == []


def test_a_resolution_wins_over_clocks_ahead_of_the_server(store, push, create_op, new_op_id):
    push([create_op({"notes": "A"}, device="phone-a", at_ms=NOW_MS + 50_000)])
    push([create_op({"notes": "B"}, device="phone-b", at_ms=NOW_MS + 55_000)])
    (conflict,) = store.list_conflicts(HUB)
    resolve(store, conflict.conflict_id, Resolution.TAKE_CONFLICT, new_op_id())
    assert notes(store) == "A"


def test_a_retried_resolution_returns_the_first_answer(store, conflict, new_op_id):
    op_id = new_op_id()
    first = resolve(store, conflict.conflict_id, Resolution.TAKE_CONFLICT, op_id)
    stored = store.snapshot()
    again = resolve(store, conflict.conflict_id, Resolution.TAKE_CONFLICT, op_id)
    assert again.status is Status.DUPLICATE
    assert again.position == first.position
    assert store.snapshot() == stored


def test_resolving_a_closed_conflict_is_refused(store, conflict, new_op_id):
    resolve(store, conflict.conflict_id, Resolution.KEEP_CURRENT, new_op_id())
    with pytest.raises(ConflictNotFound):
        resolve(store, conflict.conflict_id, Resolution.KEEP_CURRENT, new_op_id())


@pytest.mark.parametrize("conflict_id", ["nonsense", f"visit/{VISIT_ID}/notes/no-such-op",
                                         "visit/no-record/notes/op"])
def test_resolving_an_unknown_conflict_is_refused(store, conflict, new_op_id, conflict_id):
    with pytest.raises(ConflictNotFound):
        resolve(store, conflict_id, Resolution.KEEP_CURRENT, new_op_id())


def test_an_invalid_new_value_is_refused_and_nothing_changes(store, conflict, new_op_id):
    stored = store.snapshot()
    with pytest.raises(RejectedOp) as raised:
        resolve(store, conflict.conflict_id, Resolution.WRITE_VALUE, new_op_id(), value=42)
    assert raised.value.code == "invalid_value"
    assert store.snapshot() == stored


def test_an_unknown_resolution_is_refused(store, conflict, new_op_id):
    with pytest.raises(InvalidRequest):
        resolve(store, conflict.conflict_id, "flip_a_coin", new_op_id())


def test_staff_outside_the_site_cannot_resolve(store, conflict, new_op_id):
    with pytest.raises(RejectedOp) as raised:
        resolve_conflict(store, conflict.conflict_id, Resolution.KEEP_CURRENT, op_id=new_op_id(),
                         user_id="x", now_ms=NOW_MS, scope=Scope.of("elsewhere"),
                         server_node="server-1")
    assert raised.value.code == "out_of_scope"


def test_the_author_of_a_losing_value_sees_its_conflict_from_any_scope(store, conflict):
    assert store.list_conflicts(Scope.of("elsewhere")) == []
    assert store.list_conflicts(Scope.of("elsewhere"), author_id="user-phone-a") == [conflict]


def test_the_author_can_settle_a_conflict_with_an_op_from_the_phone(
    store, conflict, push, create_op
):
    settle = create_op({"notes": "A, after all"}, device="phone-a", base_version=2,
                       at_ms=NOW_MS + 10, resolves=(conflict.conflict_id,))
    assert push([settle]).results[0].conflicts == ()
    assert notes(store) == "A, after all"
    assert store.list_conflicts(HUB) == []
