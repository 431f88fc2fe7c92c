"""Every Store keeps the contract: atomic batches, increasing positions, safe cursors."""

from __future__ import annotations

import threading
import uuid

import pytest

from sync.engine import apply_push, changes_since
from sync.errors import StaleBatch
from sync.hlc import HLC
from sync.protocol import (
    Op,
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


def test_readers_pulling_during_concurrent_pushes_see_every_record_exactly_once(store):
    writers, per_writer, batch = 4, 60, 10
    everywhere = Scope.everywhere()

    def write(n):
        ops = [
            Op(str(uuid.UUID(int=n * 1000 + i + 1)), f"phone-{n}", "u", "visit",
               f"site-{n}:2025-04-{1 + i % 28:02d}:s{i // 28}", HLC(1, i, f"phone-{n}").format(),
               None, {"parents": 1})
            for i in range(per_writer)
        ]
        for start in range(0, per_writer, batch):
            apply_push(store, ops[start:start + batch], now_ms=10, max_drift_ms=0,
                       scope=everywhere, server_node="s")

    seen = [[] for _ in range(2)]
    done = threading.Event()

    def read(n):
        cursor = 0
        while True:
            finished = done.is_set()
            page = changes_since(store, cursor, everywhere, 7)
            seen[n].extend(c.record_id for c in page.changes)
            cursor = page.cursor
            if finished and not page.more:
                return

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    readers = [threading.Thread(target=read, args=(n,)) for n in range(2)]
    for thread in threads + readers:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    for thread in readers:
        thread.join()
    for records in seen:
        assert len(records) == len(set(records)) == writers * per_writer
