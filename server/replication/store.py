"""``SqlStore``: the sync engine's ``Store`` port on SQLAlchemy, the only place where sync
meets the database.

Why the cursor is commit-order safe
-----------------------------------
Every write is one transaction whose *first* statement is
``UPDATE sync_counter SET position = position + n`` on the counter's single row. That
row lock is held until the transaction commits or rolls back, so

1. writers take their positions one at a time, each after the previous writer has
   committed (or rolled back, which also undoes its counter increment, leaving no gap);
2. therefore positions become visible in increasing order: when a reader sees
   position *p*, every position below *p* is already committed, and every position
   handed out later is above *p*.

A reader that received *p* can never be passed by a later commit at or below *p*, which
is exactly the lost-update that sequence-based feeds suffer on PostgreSQL (sequence
values are handed out before commit, and transactions commit out of order). On SQLite
the same statement takes the database's single write lock first, so the version checks
below also run while no one else can write. The price is that writes are serialised;
each batch holds the lock for a handful of bulk statements (measured in bench/).

Batches that wait for that lock in one process are written together (group commit, see
``_Writers``): one transaction, its first statement the same counter update, then each
batch in a savepoint that takes its own positions. All of them become visible at the
one commit, so the order argument above holds for the group as for one batch; a batch
that fails rolls back to its savepoint, counter increment included, and the others
still commit without a gap. On PostgreSQL this took concurrent pushes from about 2,300
to 2,700 records a second (bench/RESULTS.md).

The record checks (``expected_version``), the op-log and quarantine inserts and the
quarantine closes all run after the lock is taken, so two pushes computed from the same
state cannot both win: the second finds a moved version or a taken primary key and raises
``StaleBatch``, writing nothing; the engine reloads and merges again.
"""

import functools
import json
import os
import threading
import weakref
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import replace
from typing import NamedTuple

try:
    import fcntl
except ImportError:  # not on Windows: SQLite's busy handler alone orders processes there
    fcntl = None

from sqlalchemy import (
    Connection,
    Engine,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError

from sync.errors import StaleBatch
from sync.protocol import (
    Change,
    Conflict,
    OpResult,
    QuarantineEntry,
    QuarantineState,
    Reason,
    RecordKey,
    Scope,
    change_json_at,
    change_json_tail,
)
from sync.store import Loaded, StoredRecord, WriteBatch

from ..directory.lookups import as_site_id
from ..figures import projection as figures
from . import bulk
from .json_text import canonical_json
from .store_statements import (
    CONFLICT,
    COUNTER,
    COUNTER_ID,
    QUARANTINE,
    RECORD_SITE,
    TAKE_POSITIONS,
    Writes,
    by_op_ids,
    feed_statement,
    list_value,
    quarantine_statement,
    records_by_ids,
    site_wards,
    writes_for,
)

_DATA_MARK = ',"data":'


class _Rows(NamedTuple):
    """What a batch writes that is worth making before the counter's lock is taken (JSON
    texts and the figures' rows): under it the positions are filled in, with what depends
    on the stored records and the directory (which site rows move, the wards of new ones).
    At 80 phones a second on two cores, a PostgreSQL writer waited for the lock in three
    samples of four, while its holder built rows in Python among three other threads of
    its process (bench/RESULTS.md)."""

    change_tails: list[str]
    """Each record's ``change_json_tail``, in the batch's order."""
    figures: figures.Rows
    conflicts: list[tuple]
    log: list[tuple[str, RecordKey | None, str]]
    """(op id, record, result JSON); the position comes from the record's."""
    quarantine: list[dict]


class _Pending:
    """One ``write_batch`` call waiting for its group's transaction."""

    __slots__ = ("batch", "rows", "positions", "error", "done")

    def __init__(self, batch: WriteBatch, rows: _Rows):
        self.batch = batch
        self.rows = rows
        self.positions: Mapping[RecordKey, int] | None = None
        self.error: BaseException | None = None
        self.done = False


class _Writers:
    """The writers of one engine in this process.

    Group commit: a writer queues its batch, then waits for ``lock``. Whoever holds it
    writes every batch queued by then in one transaction, one after another, so a commit
    (with its fsync) and the pages the batches share are paid once for the group, not
    once for each (see the module docstring for what it measured). It also keeps SQLite
    fair: its busy handler polls with sleeps, and many writer threads of one
    process could starve one past busy_timeout. Other processes on the same SQLite file
    take turns through ``turn`` (``_FileTurn``).
    """

    def __init__(self, turn: "_FileTurn | None" = None) -> None:
        self.lock = threading.Lock()
        self._guard = threading.Lock()
        self._queued: list[_Pending] = []
        self.turn = turn if turn is not None else nullcontext()

    @classmethod
    def of(cls, engine: Engine) -> "_Writers":
        """The writers of ``engine`` as a new process has them: on a SQLite file, with
        their own turn at the file's write lock among the other processes."""
        path = _sqlite_file(engine)
        return cls(_FileTurn(path + "-writers.lock") if path else None)

    def queue(self, pending: _Pending) -> None:
        with self._guard:
            self._queued.append(pending)

    def take(self) -> list[_Pending]:
        with self._guard:
            taken, self._queued = self._queued, []
        return taken


def _sqlite_file(engine: Engine) -> str | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" \
            or database.startswith("file:") or fcntl is None:
        return None
    return database


class _FileTurn:
    """Processes writing one SQLite file take turns in the kernel, not in SQLite.

    SQLite's busy handler polls with growing sleeps (up to 100 ms), so a writer that has
    waited long loses the lock to one that just arrived: with 20 processes pushing, one
    was seen to wait past busy_timeout (30 s) and fail a push that did nothing wrong.
    A blocked ``flock`` is woken as soon as the lock is free, so the wait of every
    process stays near the time the others' transactions take. Each process (each
    ``_Writers``) opens the file on its own: ``flock`` locks belong to an open file.
    """

    def __init__(self, path: str):
        self._path = path
        self._fd: int | None = None
        self._pid: int | None = None

    def __enter__(self) -> None:
        # A worker forked after its parent wrote holds the parent's open file, and flock
        # would count the two as one holder: each process opens the file for itself.
        if self._pid != os.getpid():
            self._fd, self._pid = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *_exc) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)


def _stale_if_taken(exc: Exception) -> Exception:
    """A taken primary key (an op id or quarantine entry written meanwhile) as ``StaleBatch``."""
    if isinstance(exc, IntegrityError):
        return StaleBatch(f"a concurrent write got there first: {exc.orig}")
    return exc


_GROUP_ATTEMPTS = 3
"""How often a batch queues again after the transaction it shared with others failed."""


class _GroupFailed(Exception):
    """The transaction a batch shared failed for a reason outside this batch (another
    batch's error, the commit itself): the batch queues again, and after
    ``_GROUP_ATTEMPTS`` its caller gets ``cause``."""

    def __init__(self, cause: BaseException | None):
        super().__init__(repr(cause))
        self.cause = cause if cause is not None else RuntimeError(
            "the transaction was interrupted")


_WRITERS: "weakref.WeakKeyDictionary[Engine, _Writers]" = weakref.WeakKeyDictionary()
_WRITERS_GUARD = threading.Lock()


def _writers(engine: Engine) -> _Writers:
    with _WRITERS_GUARD:
        writers = _WRITERS.get(engine)
        if writers is None:
            writers = _WRITERS[engine] = _Writers.of(engine)
        return writers


class SqlStore:
    """``sync.store.Store`` on one SQLAlchemy engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, reads_on: Callable[[], Connection] | None = None):
        """``reads_on`` gives a connection of ``engine`` for the reads (each one statement)
        to run on, such as the one the request's session already holds: on PostgreSQL
        another checkout costs three round trips (its ping, BEGIN, ROLLBACK). Writes take
        their own transaction whatever it is."""
        self.engine = engine
        self._reads_on = reads_on
        self._writers = _writers(engine)

    canonical_json = staticmethod(canonical_json)

    def _reading(self):
        if self._reads_on is not None:
            return nullcontext(self._reads_on())
        return self.engine.connect()

    # -- push ---------------------------------------------------------------------------

    def load_batch(self, op_ids: Collection[str], keys: Collection[RecordKey]) -> Loaded:
        results: dict[str, OpResult] = {}
        records: dict[RecordKey, StoredRecord] = {}
        dialect = self.engine.dialect.name
        with self._reading() as conn:
            if op_ids:
                listed = sorted(op_ids)
                rows = conn.execute(by_op_ids(dialect, len(listed) > 1),
                                    {"listed": list_value(dialect, listed)})
                for op_id, result_json, position in rows:
                    results[op_id] = replace(OpResult.from_dict(json.loads(result_json)),
                                             position=position)
            for row in self._records_of(conn, keys, full=True):
                key = RecordKey(row.collection, row.record_id)
                records[key] = StoredRecord(
                    key=key, version=row.version, position=row.position,
                    deleted=row.deleted, public=row.public,
                    sites=tuple(json.loads(row.sites_json)),
                    data_json=row.data_json, meta_json=row.meta_json)
        return Loaded(results, records)

    def _records_of(self, conn, keys: Collection[RecordKey], *, full: bool) -> list:
        """The stored rows of ``keys``: every column (``full``) or what the version check
        needs. One statement per collection: a batch rarely spans more than one, and
        ``collection = ? AND record_id IN (…)`` walks the primary key on both engines."""
        by_collection: dict[str, list[str]] = {}
        for collection, record_id in keys:
            by_collection.setdefault(collection, []).append(record_id)
        dialect = self.engine.dialect.name
        rows = []
        for collection, ids in sorted(by_collection.items()):
            statement = records_by_ids(dialect, full, len(ids) > 1)
            rows += conn.execute(statement, {"collection": collection,
                                             "listed": list_value(dialect, ids)}).all()
        return rows

    def write_batch(self, batch: WriteBatch) -> Mapping[RecordKey, int]:
        """Write ``batch`` in one transaction, positions taken under the counter's lock.

        :raise StaleBatch: a record moved, an op id or quarantine entry already exists, or
            a quarantine entry to close is no longer open; nothing was written.
        """
        keys = [write.key for write in batch.records]
        if len(set(keys)) != len(keys):
            raise StaleBatch("a batch writes each record once")
        if batch.is_empty():
            return {}
        rows = self.rows_of(batch)
        for _attempt in range(_GROUP_ATTEMPTS):
            pending = _Pending(batch, rows)
            self._writers.queue(pending)
            while not pending.done:
                with self._writers.lock:
                    if not pending.done:
                        # The queue holds this batch and every batch queued since the last
                        # group was taken.
                        self._write_group(pending)
            if not isinstance(pending.error, _GroupFailed):
                break
        if isinstance(pending.error, _GroupFailed):
            raise pending.error.cause
        if pending.error is not None:
            raise pending.error
        return pending.positions

    def _write_group(self, mine: _Pending) -> None:
        """Write the queued batches in one transaction, each in a savepoint of its own when
        there are several: each gets its positions or the error that kept it out, and
        none is half-written. ``mine`` is the calling thread's own batch."""
        group: list[_Pending] = []
        committed, failure = False, None
        try:
            group = self._writers.take()
            writes = writes_for(self.engine.dialect)
            with self._writers.turn, self.engine.begin() as conn:
                if len(group) == 1:
                    group[0].positions = self._write_one(conn, writes, group[0])
                else:
                    # The first statement takes the counter's lock (on SQLite the
                    # database's write lock) and opens the transaction the savepoints
                    # nest in.
                    self._take_positions(conn, 0)
                    for pending in group:
                        savepoint = conn.begin_nested()
                        try:
                            pending.positions = self._write_one(conn, writes, pending)
                        except Exception as exc:
                            savepoint.rollback()
                            pending.error = _stale_if_taken(exc)
                        else:
                            savepoint.commit()
            committed = True
        except Exception as exc:
            failure = exc
        finally:
            for pending in group:
                if not committed:
                    # Nothing of the group was written. The caller's own batch gets the
                    # error as it is; the others were not at fault and queue again.
                    pending.positions = None
                    pending.error = (_stale_if_taken(failure)
                                     if pending is mine and failure is not None
                                     else _GroupFailed(failure))
                pending.done = True

    def rows_of(self, batch: WriteBatch) -> _Rows:
        """Everything ``batch`` writes that does not depend on positions or on the stored
        records, made before the lock."""
        return _Rows(
            change_tails=[change_json_tail(*write.key, write.version, write.deleted,
                                           write.data_json) for write in batch.records],
            figures=figures.rows(figures.Written(w.key.collection, w.key.record_id,
                                                 w.expected_version is not None, w.deleted,
                                                 w.data_json, w.data)
                                 for w in batch.records),
            conflicts=[(c.conflict_id, c.collection, c.record_id, c.field,
                        canonical_json(c.value), c.op_id, c.device_id, c.user_id, c.hlc,
                        c.winner_op_id)
                       for write in batch.records for c in write.conflicts],
            log=[(entry.op_id, entry.record, canonical_json(entry.result.to_dict()))
                 for entry in batch.log],
            quarantine=[_quarantine_row(entry) for entry in batch.quarantine],
        )

    def _write_one(self, conn, writes: Writes, pending: _Pending) -> dict[RecordKey, int]:
        """Write one batch, positions taken under the counter's lock.

        :raise StaleBatch: a record moved, or a quarantine entry to close is not open.
        :raise IntegrityError: an op id or quarantine entry already exists.
        """
        batch, rows = pending.batch, pending.rows
        last = self._take_positions(conn, len(batch.records))
        first = last - len(batch.records) + 1
        positions = {write.key: first + i for i, write in enumerate(batch.records)}
        old = self._check_versions(conn, batch)
        sites = self._placed_sites(conn, batch, first, old)
        with bulk.together(conn):
            self._write_records(conn, writes, batch, rows, first, old, sites)
            # Each write carries the record's full set of open conflicts: the old set goes.
            # A record written for the first time has none stored.
            writes.delete_conflicts.run(conn, [w.key for w in batch.records
                                               if w.expected_version is not None])
            writes.insert_conflict.run(conn, rows.conflicts)
            self._write_log(conn, rows, positions)
        self._write_quarantine(conn, rows, batch)
        return positions

    def _take_positions(self, conn, count: int) -> int:
        last = conn.execute(TAKE_POSITIONS, {"count": count}).scalar_one_or_none()
        if last is None:
            # A database built without migrations (create_all) has no counter row yet.
            conn.execute(insert(COUNTER).values(id=COUNTER_ID, position=0))
            last = conn.execute(TAKE_POSITIONS, {"count": count}).scalar_one()
        return last

    def _check_versions(self, conn, batch: WriteBatch) -> dict[RecordKey, tuple[int, str]]:
        """The stored position and sites of each record the batch rewrites.

        Only records the batch read are looked up: one it found missing is inserted, and
        the primary key refuses it if another writer created it meanwhile (``StaleBatch``
        through ``IntegrityError``). Most pushes create records, and on PostgreSQL this
        spares a round trip."""
        rewritten = [w for w in batch.records if w.expected_version is not None]
        if not rewritten:
            return {}
        stored = {RecordKey(row.collection, row.record_id): row
                  for row in self._records_of(conn, [w.key for w in rewritten], full=False)}
        for write in rewritten:
            version = stored[write.key].version if write.key in stored else None
            if version != write.expected_version:
                raise StaleBatch(f"{write.key} changed since it was loaded")
        return {key: (row.position, row.sites_json) for key, row in stored.items()}

    def _placed_sites(self, conn, batch: WriteBatch, first: int, old
                      ) -> tuple[list, list, list]:
        """(site rows moved to a record's new position, records whose site rows go,
        site rows to add with their wards). The wards are read here, under the lock and
        just before the write, so that a site a directory import moved is seen in its
        new ward (the import rehomes the rows already written: ``rehome_site``)."""
        moved, resited, site_rows = [], [], []
        for i, write in enumerate(batch.records):
            collection, record_id = key = write.key
            position = first + i
            if key in old and old[key][1] == _sites_json(write.sites):
                moved.append((position, collection, record_id))
                continue
            if key in old:
                resited.append((collection, record_id))
            site_rows += [(collection, record_id, site, position)
                          for site in dict.fromkeys(write.sites)]
        if site_rows:
            wards = self._wards_of(conn, {row[2] for row in site_rows})
            site_rows = [(*row, wards.get(row[2])) for row in site_rows]
        return moved, resited, site_rows

    def _write_records(self, conn, writes: Writes, batch: WriteBatch, rows: _Rows, first: int,
                       old, sites: tuple[list, list, list]) -> None:
        new_rows, changed_rows, change_rows = [], [], []
        for i, write in enumerate(batch.records):
            collection, record_id = write.key
            position = first + i
            change_rows.append((position, collection, record_id, write.version, write.deleted,
                                change_json_at(position, rows.change_tails[i])))
            state = (write.version, position, write.deleted, write.public,
                     _sites_json(write.sites), write.data_json, write.meta_json)
            if write.expected_version is None:
                new_rows.append((collection, record_id, *state))
            else:
                changed_rows.append((*state, collection, record_id))
        moved, resited, site_rows = sites
        writes.delete_change.run(conn, [(position,) for position, _sites in old.values()])
        writes.insert_change.run(conn, change_rows)
        writes.insert_record.run(conn, new_rows)
        writes.update_record.run(conn, changed_rows)
        writes.delete_sites.run(conn, resited)
        writes.move_sites.run(conn, moved)
        writes.insert_site.run(conn, site_rows)
        # The figures' rows, in this transaction: they commit with the records or not at all.
        figures.write(conn, rows.figures)

    def _wards_of(self, conn, site_ids: set[str]) -> dict[str, str]:
        """The ward of each site id the directory knows (sync site ids are its ids as text)."""
        # Only ids in the form a directory id takes as text, within its integer column.
        numbers = sorted(number for number in map(as_site_id, site_ids) if number is not None)
        if not numbers:
            return {}
        dialect = self.engine.dialect.name
        rows = conn.execute(site_wards(dialect, len(numbers) > 1),
                            {"listed": list_value(dialect, numbers)})
        return {str(site): str(ward) for site, ward in rows}

    def _write_log(self, conn, rows: _Rows, positions) -> None:
        writes_for(self.engine.dialect).insert_op.run(conn, [
            (op_id, *(record or (None, None)), positions[record] if record else None, result)
            for op_id, record, result in rows.log])

    def _write_quarantine(self, conn, rows: _Rows, batch: WriteBatch) -> None:
        if rows.quarantine:
            conn.execute(insert(QUARANTINE), rows.quarantine)
        for close in batch.closes:
            closed = conn.execute(
                update(QUARANTINE)
                .where(QUARANTINE.c.op_id == close.op_id,
                       QUARANTINE.c.state == QuarantineState.OPEN.value)
                .values(state=close.state.value, closed_by=close.closed_by,
                        closed_ms=close.closed_ms, note=close.note,
                        resubmitted_op_id=close.resubmitted_op_id))
            if closed.rowcount != 1:
                raise StaleBatch(f"quarantine entry {close.op_id} is not open")

    # -- pull ---------------------------------------------------------------------------

    def changes_since(self, cursor: int, scope: Scope, limit: int) -> Sequence[Change]:
        rows = self._feed(cursor, scope, limit)
        # The data text is the tail of the stored change: sliced, not decoded.
        return [Change(position, collection, record_id, version, deleted,
                       None if deleted else wire[wire.index(_DATA_MARK) + len(_DATA_MARK):-1],
                       wire)
                for position, collection, record_id, version, deleted, wire in rows]

    def wire_since(self, cursor: int, scope: Scope, limit: int) -> Sequence[tuple[int, bytes]]:
        return self._feed(cursor, scope, limit, wire=True)

    def _feed(self, cursor: int, scope: Scope, limit: int, wire: bool = False) -> list:
        params = {"cursor": cursor, "limit": limit}
        listed = None
        if scope.sites is not None:
            listed = sorted(scope.wards if scope.wards is not None else scope.sites)
            params["listed"] = list_value(self.engine.dialect.name, listed)
        statement = feed_statement(self.engine.dialect.name, wire,
                                   None if listed is None else scope.wards is not None,
                                   listed is not None and len(listed) > 1)
        with self._reading() as conn:
            return conn.execute(statement, params).all()

    # -- conflicts and quarantine ---------------------------------------------------------

    def list_conflicts(self, scope: Scope, *, author_id: str | None = None) -> Sequence[Conflict]:
        query = select(CONFLICT)
        if scope.sites is not None:
            in_scope = tuple_(CONFLICT.c.collection, CONFLICT.c.record_id).in_(
                select(RECORD_SITE.c.collection, RECORD_SITE.c.record_id)
                .where(RECORD_SITE.c.site_id.in_(sorted(scope.sites))))
            query = query.where(in_scope | (CONFLICT.c.user_id == author_id)
                                if author_id is not None else in_scope)
        with self._reading() as conn:
            return [Conflict(conflict_id=row.conflict_id, collection=row.collection,
                             record_id=row.record_id, field=row.field,
                             value=json.loads(row.value_json), op_id=row.op_id,
                             device_id=row.device_id, user_id=row.user_id, hlc=row.hlc,
                             winner_op_id=row.winner_op_id)
                    for row in conn.execute(query.order_by(CONFLICT.c.conflict_id))]

    def list_quarantine(self, scope: Scope, *, author_id: str | None = None,
                        open_only: bool = True) -> Sequence[QuarantineEntry]:
        params = {}
        if scope.sites:
            params["sites"] = sorted(scope.sites)
        if author_id is not None:
            params["author"] = author_id
        statement = quarantine_statement(open_only, scope.sites is None, bool(scope.sites),
                                         author_id is not None)
        with self._reading() as conn:
            return [_quarantine_entry(row) for row in conn.execute(statement, params)]

    def get_quarantine(self, op_id: str) -> QuarantineEntry | None:
        with self._reading() as conn:
            row = conn.execute(select(QUARANTINE).where(QUARANTINE.c.op_id == op_id)).first()
        return None if row is None else _quarantine_entry(row)


def rehome_site(session, site_id: int, ward_id: int) -> None:
    """Point the ward index of a site's records at the ward the site moved to (a directory
    import moves a site whose municipality code changed), in the caller's transaction.

    Ward reads then match the ward's sites again; records written before the move reach
    the new ward's phones when they next pull from the start."""
    session.execute(update(RECORD_SITE).where(RECORD_SITE.c.site_id == str(site_id))
                    .values(ward=str(ward_id)))


@functools.lru_cache(maxsize=1024)
def _sites_json(sites: tuple[str, ...]) -> str:
    # Cached: a push writes many records of a few sites.
    return json.dumps(list(sites), separators=(",", ":"))


def _quarantine_row(entry: QuarantineEntry) -> dict:
    # Whatever the phone sent, kept whole: escaped to ASCII, since a lone surrogate has a
    # JSON form but no UTF-8 one for the database (the engine made non-finite floats text).
    return {"op_id": entry.op_id,
            "payload_json": json.dumps(entry.payload, sort_keys=True, separators=(",", ":")),
            "reason": entry.reason.value, "message": entry.message, "user_id": entry.user_id,
            "device_id": entry.device_id, "site_id": entry.site_id,
            "received_ms": entry.received_ms, "state": entry.state.value,
            "closed_by": entry.closed_by, "closed_ms": entry.closed_ms, "note": entry.note,
            "resubmitted_op_id": entry.resubmitted_op_id}


def _quarantine_entry(row) -> QuarantineEntry:
    return QuarantineEntry(
        op_id=row.op_id, payload=json.loads(row.payload_json), reason=Reason(row.reason),
        message=row.message, user_id=row.user_id, device_id=row.device_id,
        site_id=row.site_id, received_ms=row.received_ms,
        state=QuarantineState(row.state), closed_by=row.closed_by, closed_ms=row.closed_ms,
        note=row.note, resubmitted_op_id=row.resubmitted_op_id)
