"""Group commit: batches queued together are written in one transaction, and each one is
written whole or not at all, with positions that leave no gap, on both engines."""

import threading

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.replication.models import SyncRecordSite
from server.replication.store import SqlStore, _GroupFailed, _Pending
from sync.errors import StaleBatch
from sync.protocol import OpResult, RecordKey, Status
from sync.store import LogEntry, RecordWrite, WriteBatch

RECORD_SITE = SyncRecordSite.__table__


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


@pytest.fixture
def engine(app, engine_name, tmp_path):
    """A file on SQLite (the app's in-memory database shares one connection, which would
    hide the locking between connections), the app's database on PostgreSQL."""
    if engine_name != "sqlite":
        yield db.engine
        return
    file_engine = sa.create_engine(f"sqlite:///{tmp_path / 'group.sqlite3'}")
    db.metadata.create_all(file_engine)
    yield file_engine
    file_engine.dispose()


def stored_positions(engine):
    store = SqlStore(engine)
    rows = store.load_batch([], [RecordKey("visit", f"7:2026-11-0{n}:am") for n in range(1, 9)])
    return {key.record_id: record.position for key, record in rows.records.items()}


def write_together(store, batches):
    """Queue ``batches`` and write them as the first one's thread would: as one group."""
    group = [_Pending(b, store.rows_of(b)) for b in batches]
    for pending in group:
        store._writers.queue(pending)
    store._write_group(group[0])
    return group


def test_a_bad_batch_keeps_out_of_the_group_and_leaves_no_gap(engine):
    store = SqlStore(engine)
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
    assert stored_positions(engine) == {"7:2026-11-01:am": 1, "7:2026-11-02:am": 2,
                                  "7:2026-11-03:am": 3, "7:2026-11-05:am": 4}


def test_when_the_transaction_fails_no_batch_of_the_group_is_written(engine, monkeypatch):
    store = SqlStore(engine)
    calls = []

    def fail_on_the_second(conn, rows, positions):
        calls.append(rows)
        if len(calls) == 2:
            raise KeyboardInterrupt  # not an Exception: the savepoint cannot catch it

    monkeypatch.setattr(store, "_write_log", fail_on_the_second)
    group = [_Pending(b, store.rows_of(b))
             for b in (batch("7:2026-11-01:am"), batch("7:2026-11-02:am"))]
    for pending in group:
        store._writers.queue(pending)
    with pytest.raises(KeyboardInterrupt):
        store._write_group(group[1])
    assert all(p.done and p.positions is None for p in group)
    assert all(isinstance(p.error, _GroupFailed) for p in group)
    assert stored_positions(engine) == {}


def test_a_failed_commit_is_the_callers_error_and_the_others_queue_again(engine, monkeypatch):
    store = SqlStore(engine)
    taken = store._take_positions

    def the_lock_fails(conn, count):
        if count == 0:  # the statement that opens a group of several
            raise sa.exc.OperationalError("UPDATE sync_counter", {}, Exception("disk I/O"))
        return taken(conn, count)

    monkeypatch.setattr(store, "_take_positions", the_lock_fails)
    mine, other = write_together(store, [batch("7:2026-11-01:am"), batch("7:2026-11-02:am")])
    assert isinstance(mine.error, sa.exc.OperationalError)
    assert isinstance(other.error, _GroupFailed) and other.error.cause is mine.error
    # Queued again, alone, the other batch lands: write_batch retries a failed group.
    assert store.write_batch(other.batch) == {RecordKey("visit", "7:2026-11-02:am"): 1}


def test_a_batch_whose_group_keeps_failing_gets_the_cause(engine, monkeypatch):
    store = SqlStore(engine)
    tries = []

    def always_someone_elses_fault(mine):
        tries.append(mine)
        for pending in store._writers.take():
            pending.error, pending.done = _GroupFailed(TimeoutError("the disk")), True

    monkeypatch.setattr(store, "_write_group", always_someone_elses_fault)
    with pytest.raises(TimeoutError, match="the disk"):
        store.write_batch(batch("7:2026-11-01:am"))
    assert len(tries) == 3


def test_concurrent_writers_all_land_once(engine):
    store = SqlStore(engine)
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
    positions = stored_positions(engine)
    assert sorted(positions.values()) == list(range(1, 9))
    assert {n: results[n][RecordKey("visit", f"7:2026-11-0{n}:am")] for n in results} == {
        n: positions[f"7:2026-11-0{n}:am"] for n in range(1, 9)}


def test_a_sites_ward_is_read_when_its_rows_are_written_not_when_they_are_made(
        engine, monkeypatch):
    # A directory import may move a site to another ward while a batch waits for the lock:
    # its site rows must carry the ward of the moment they are written.
    store = SqlStore(engine)
    made = batch("7:2026-11-01:am")
    pending = _Pending(made, store.rows_of(made))
    monkeypatch.setattr(store, "_wards_of", lambda conn, sites: {"7": "ward-after-the-move"})
    store._writers.queue(pending)
    store._write_group(pending)
    assert pending.error is None
    with engine.connect() as conn:
        wards = conn.execute(sa.select(RECORD_SITE.c.site_id, RECORD_SITE.c.ward)).all()
    assert wards == [("7", "ward-after-the-move")]
