"""Every Store keeps the contract: atomic batches, increasing positions, safe cursors."""

from __future__ import annotations

import json

import pytest

from sync.errors import StaleBatch
from sync.protocol import (
    OpResult,
    QuarantineEntry,
    QuarantineState,
    Reason,
    RecordKey,
    Scope,
    Status,
)
from sync.store import LogEntry, QuarantineClose, RecordWrite, WriteBatch

DISMISSED = QuarantineState.DISMISSED
A = RecordKey("visit", "a:2025-04-08:am")
B = RecordKey("visit", "b:2025-04-08:am")


def write(key, expected=None, version=1, sites=("a",)):
    return RecordWrite(key, expected, version, False, False, sites, "{}", "{}")


def logged(op_id, key):
    return LogEntry(op_id, key, OpResult(op_id, Status.APPLIED, version=1))


def test_positions_strictly_increase_across_batches(store):
    first = store.write_batch(WriteBatch(records=(write(A), write(B))))
    second = store.write_batch(WriteBatch(records=(write(A, expected=1, version=2),)))
    assert list(first.values()) == [1, 2]
    assert second[A] == 3


def test_a_logged_answer_carries_the_position_of_its_record(store):
    store.write_batch(WriteBatch(records=(write(A),), log=(logged("op-1", A),)))
    assert store.load_batch(["op-1", "op-2"], []).results["op-1"].position == 1
    assert "op-2" not in store.load_batch(["op-1", "op-2"], []).results


@pytest.mark.parametrize(
    "bad_batch",
    [
        pytest.param(WriteBatch(records=(write(B), write(A, expected=7))), id="stale version"),
        pytest.param(WriteBatch(records=(write(B), write(A))), id="record already exists"),
        pytest.param(WriteBatch(records=(write(B),), log=(logged("op-1", B),)), id="op logged"),
        pytest.param(
            WriteBatch(records=(write(B),), closes=(QuarantineClose("q-x", DISMISSED, "h", 1),)),
            id="closing an unknown entry",
        ),
        pytest.param(WriteBatch(records=(write(B), write(B))), id="one record twice"),
    ],
)
def test_a_batch_that_fails_a_check_writes_nothing(store, bad_batch):
    store.write_batch(WriteBatch(records=(write(A),), log=(logged("op-1", A),)))
    before = store.snapshot()
    with pytest.raises(StaleBatch):
        store.write_batch(bad_batch)
    assert store.snapshot() == before


def test_a_quarantine_entry_is_closed_once(store):
    entry = QuarantineEntry("q-1", {}, Reason.MALFORMED, "bad", None, None, None, 0)
    store.write_batch(WriteBatch(quarantine=(entry,)))
    close = QuarantineClose("q-1", DISMISSED, "hub-1", 5, note="typo")
    store.write_batch(WriteBatch(closes=(close,)))
    with pytest.raises(StaleBatch):
        store.write_batch(WriteBatch(closes=(close,)))
    with pytest.raises(StaleBatch):
        store.write_batch(WriteBatch(quarantine=(entry,)))


def test_pulls_skip_the_old_positions_of_records_that_moved(store):
    store.write_batch(WriteBatch(records=(write(A), write(B))))
    store.write_batch(WriteBatch(records=(write(A, expected=1, version=2),)))
    changes = store.changes_since(0, Scope.everywhere(), 10)
    assert [(c.record_id, c.position) for c in changes] == [(B.record_id, 2), (A.record_id, 3)]
    assert len(store.changes_since(0, Scope.everywhere(), 1)) == 1


@pytest.mark.parametrize("scope", [Scope.everywhere(), Scope.of("a"), Scope.of("b")],
                         ids=["everywhere", "site a", "site b"])
def test_the_wire_form_of_a_pull_is_its_changes_as_json(store, scope):
    tombstone = RecordWrite(B, None, 1, True, False, ("b",), '{"parents":1}', "{}")
    store.write_batch(WriteBatch(records=(write(A), tombstone)))
    store.write_batch(WriteBatch(records=(
        RecordWrite(A, 1, 2, False, False, ("a",), '{"notes":"ひだまり \\"2\\""}', "{}"),)))
    changes = store.changes_since(0, scope, 10)
    wire = store.wire_since(0, scope, 10)
    assert [position for position, _ in wire] == [c.position for c in changes]
    assert [json.loads(body) for _, body in wire] == [
        {"position": c.position, "collection": c.collection, "record_id": c.record_id,
         "version": c.version, "deleted": c.deleted, "data": c.decoded()} for c in changes]
    assert len(changes) == (2 if scope.sites is None else 1)
    assert store.wire_since(0, scope, 1) == wire[:1]
