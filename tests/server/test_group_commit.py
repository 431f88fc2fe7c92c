"""Group commit: batches queued together are written in one transaction, and each one is
written whole or not at all, with positions that leave no gap, on both engines."""

import threading

import pytest

from server.extensions import db
from server.store import SqlStore, _Pending
from sync.errors import StaleBatch
from sync.protocol import OpResult, RecordKey, Status
from sync.store import LogEntry, RecordWrite, WriteBatch


def batch(*record_ids, expected_version=None, op_id=None):
    writes, log = [], []
    for record_id in record_ids:
        key = RecordKey("visit", record_id)
        writes.append(RecordWrite(key=key, expected_version=expected_version,
                                  version=(expected_version or 0) + 1, deleted=False,
                                  public=False, sites=(record_id.split(":")[0],),
                                  data_json='{"parents":1}', meta_json="{}"))
        op = op_id or f"op-{record_id}"
        log.append(LogEntry(op, key, OpResult(op, Status.APPLIED, version=1)))
    return WriteBatch(records=tuple(writes), log=tuple(log))


def stored_positions():
    store = SqlStore(db.engine)
    rows = store.load_batch([], [RecordKey("visit", f"7:2026-11-0{n}:am") for n in range(1, 9)])
    return {key.record_id: record.position for key, record in rows.records.items()}


def write_together(store, batches):
    group = [_Pending(b) for b in batches]
    store._write_group(group, group[0])
    return group


def test_a_bad_batch_keeps_out_of_the_group_and_leaves_no_gap(app):
    store = SqlStore(db.engine)
    store.write_batch(batch("7:2026-11-01:am"))
    group = write_together(store, [
        batch("7:2026-11-02:am", "7:2026-11-03:am"),
        batch("7:2026-11-01:am", expected_version=5),  # stale: the record is at version 1
        batch("7:2026-11-04:am", op_id="op-7:2026-11-01:am"),  # an op id already logged
        batch("7:2026-11-05:am"),
    ])
    assert [type(p.error) for p in group] == [type(None), StaleBatch, StaleBatch, type(None)]
    assert all(p.done for p in group)
    assert group[0].positions == {RecordKey("visit", "7:2026-11-02:am"): 2,
                                  RecordKey("visit", "7:2026-11-03:am"): 3}
    assert group[3].positions == {RecordKey("visit", "7:2026-11-05:am"): 4}
    assert stored_positions() == {"7:2026-11-01:am": 1, "7:2026-11-02:am": 2,
                                  "7:2026-11-03:am": 3, "7:2026-11-05:am": 4}


def test_when_the_transaction_fails_no_batch_of_the_group_is_written(app, monkeypatch):
    store = SqlStore(db.engine)
    calls = []

    def fail_on_the_second(conn, batch, positions):
        calls.append(batch)
        if len(calls) == 2:
            raise KeyboardInterrupt  # not an Exception: the savepoint cannot catch it

    monkeypatch.setattr(store, "_write_log", fail_on_the_second)
    group = [_Pending(batch("7:2026-11-01:am")), _Pending(batch("7:2026-11-02:am"))]
    with pytest.raises(KeyboardInterrupt):
        store._write_group(group, group[1])
    assert all(p.done and p.positions is None for p in group)
    assert all(isinstance(p.error, StaleBatch) for p in group)
    assert stored_positions() == {}


def test_concurrent_writers_all_land_once(app):
    store = SqlStore(db.engine)
    results, errors = {}, []

    def write(n):
        try:
            results[n] = store.write_batch(batch(f"7:2026-11-0{n}:am"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    positions = stored_positions()
    assert sorted(positions.values()) == list(range(1, 9))
    assert {n: results[n][RecordKey("visit", f"7:2026-11-0{n}:am")] for n in results} == {
        n: positions[f"7:2026-11-0{n}:am"] for n in range(1, 9)}
