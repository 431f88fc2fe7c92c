"""The storage port of the sync engine, and ``MemoryStore``, its in-memory twin.

The engine touches storage only through ``Store``: one ``load_batch`` and one
``write_batch`` per push, whatever its size. ``server/replication/store.py`` implements the same
port on SQLAlchemy, and one contract suite runs against both.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from .errors import StaleBatch
from .protocol import (
    Change,
    Conflict,
    OpResult,
    QuarantineEntry,
    QuarantineState,
    RecordKey,
    Scope,
    canonical_json,
)


@dataclass(frozen=True)
class StoredRecord:
    """A record's current state as stored: the JSON texts and the columns to filter on."""

    key: RecordKey
    version: int
    position: int
    deleted: bool
    public: bool
    sites: tuple[str, ...]
    data_json: str
    meta_json: str


@dataclass(frozen=True)
class Loaded:
    """What a push needs from storage: earlier answers to its op ids, and its records."""

    results: Mapping[str, OpResult]
    records: Mapping[RecordKey, StoredRecord]


@dataclass(frozen=True)
class RecordWrite:
    """A record's new state. ``expected_version`` is the version it was computed from
    (``None``: the record must not exist yet). ``conflicts`` lists every conflict the
    record now holds (the full set, replacing the previous one)."""

    key: RecordKey
    expected_version: int | None
    version: int
    deleted: bool
    public: bool
    sites: tuple[str, ...]
    data_json: str
    meta_json: str
    conflicts: tuple[Conflict, ...] = ()
    data: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    """``data_json`` as the planner held it, when it did: a store that reads fields of the
    record as it writes it (the server's figures) need not decode the text again."""


@dataclass(frozen=True)
class LogEntry:
    """The answer to one op, kept so that a retry gets the same answer.

    ``result.position`` is left empty: the store fills it with the position it gives
    ``record`` in the same batch (``None`` for a rejected op, which touches no record).
    The op itself is not kept: an applied op lives on in its record's merge metadata,
    a rejected one whole in the quarantine.
    """

    op_id: str
    record: RecordKey | None
    result: OpResult


@dataclass(frozen=True)
class QuarantineClose:
    """Closes an open quarantine entry (resubmitted or dismissed)."""

    op_id: str
    state: QuarantineState
    closed_by: str
    closed_ms: int
    note: str | None = None
    resubmitted_op_id: str | None = None


@dataclass(frozen=True)
class WriteBatch:
    records: tuple[RecordWrite, ...] = ()
    log: tuple[LogEntry, ...] = ()
    quarantine: tuple[QuarantineEntry, ...] = ()
    closes: tuple[QuarantineClose, ...] = ()

    def is_empty(self) -> bool:
        return not (self.records or self.log or self.quarantine or self.closes)


class Store(Protocol):
    """Storage for records, the op log, conflicts and quarantine.

    **Atomic batches.** ``write_batch`` writes all of a batch or nothing (one
    transaction in SQL). Before writing it checks what the batch was computed from:
    each record's stored version equals ``expected_version``, no op id of ``log`` is
    logged yet, no op id of ``quarantine`` is quarantined yet, every entry in ``closes``
    is still open. If any check fails it raises ``StaleBatch`` and writes nothing; the
    engine then reloads and recomputes. This is what keeps two concurrent pushes to the
    same record from overwriting each other's merge.

    **Positions and the cursor contract.** ``write_batch`` gives each written record a
    new position, strictly greater than every position given before, in the order of
    ``batch.records``, and returns them. A record keeps only its latest position. The
    store must assign positions so that **a change committed after a reader's pull never
    gets a position at or below what that reader received**: once ``changes_since`` has
    returned position *p*, no later commit may appear at or below *p*. Otherwise a
    reader would step its cursor past a change that was still in flight and never see
    it. A single writer (SQLite, this class) keeps it by itself; on PostgreSQL, where
    sequence values are handed out before commit and transactions commit out of order,
    take the positions under a lock held until commit (a transaction-level advisory
    lock, or a one-row counter updated in the same transaction), or make readers stop
    below the oldest position still in flight.

    **Visibility.** A record is visible to a scope when it is public, or the scope has
    every site (``sites is None``), or it shares a site with the scope. Conflicts are
    listed for records sharing a site with the scope (public or not) and to their
    author; quarantine entries for their ``site_id`` and to their author.
    """

    def canonical_json(self, value: Any) -> str:
        """``value`` as ``sync.protocol.canonical_json`` writes it; the engine encodes the
        record states it hands to ``write_batch`` with this, so a store may use a faster
        encoder that writes the same text."""
        ...

    def load_batch(
        self, op_ids: Collection[str], keys: Collection[RecordKey]
    ) -> Loaded:
        """The logged answers among ``op_ids`` (positions filled in) and the stored
        records among ``keys``; unknown ids and keys are simply absent. One round trip."""
        ...

    def write_batch(self, batch: WriteBatch) -> Mapping[RecordKey, int]:
        """Write ``batch`` atomically and return the position given to each record.

        :raise StaleBatch: a precondition failed (see the class docstring); nothing
            was written.
        """
        ...

    def changes_since(self, cursor: int, scope: Scope, limit: int) -> Sequence[Change]:
        """Up to ``limit`` visible records with position > ``cursor``, by position.

        ``Change.data`` is the stored data text, or ``None`` for a tombstone."""
        ...

    def wire_since(self, cursor: int, scope: Scope, limit: int) -> Sequence[tuple[int, bytes]]:
        """The same changes as ``changes_since``, each as ``(position, Change.to_json()``
        in UTF-8``)``: what a pull sends, without building a ``Change`` for each."""
        ...

    def list_conflicts(
        self, scope: Scope, *, author_id: str | None = None
    ) -> Sequence[Conflict]:
        """Open conflicts of records in ``scope``, plus those written by ``author_id``,
        in the order of their ids (so by record, then field)."""
        ...

    def list_quarantine(
        self, scope: Scope, *, author_id: str | None = None, open_only: bool = True
    ) -> Sequence[QuarantineEntry]:
        """Quarantined ops aimed at sites in ``scope``, plus those sent by ``author_id``,
        oldest first, and by entry id (``op_key``) among those received together."""
        ...

    def get_quarantine(self, op_id: str) -> QuarantineEntry | None:
        """One quarantine entry, open or closed."""
        ...


def record_visible(scope: Scope, public: bool, sites: Iterable[str]) -> bool:
    return public or scope.sites is None or not scope.sites.isdisjoint(sites)


class MemoryStore:
    """``Store`` in process memory: the fast twin for tests and tools.

    Thread-safe; one lock serialises writes and reads, which is what makes its positions
    commit-order safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[RecordKey, StoredRecord] = {}
        self._conflicts: dict[RecordKey, tuple[Conflict, ...]] = {}
        # Append-only feed of (position, key); an entry is stale once its record moved on.
        self._feed_positions: list[int] = []
        self._feed_keys: list[RecordKey] = []
        self._log: dict[str, tuple[LogEntry, int | None]] = {}
        self._quarantine: dict[str, QuarantineEntry] = {}
        self._last_position = 0

    canonical_json = staticmethod(canonical_json)

    def load_batch(self, op_ids: Collection[str], keys: Collection[RecordKey]) -> Loaded:
        with self._lock:
            results = {
                op_id: replace(self._log[op_id][0].result, position=self._log[op_id][1])
                for op_id in op_ids
                if op_id in self._log
            }
            records = {key: self._records[key] for key in keys if key in self._records}
        return Loaded(results, records)

    def write_batch(self, batch: WriteBatch) -> Mapping[RecordKey, int]:
        with self._lock:
            self._check(batch)
            # Everything below only assigns into dicts and lists: it cannot fail halfway.
            positions: dict[RecordKey, int] = {}
            for write in batch.records:
                self._last_position += 1
                positions[write.key] = self._last_position
                self._records[write.key] = StoredRecord(
                    key=write.key,
                    version=write.version,
                    position=self._last_position,
                    deleted=write.deleted,
                    public=write.public,
                    sites=write.sites,
                    data_json=write.data_json,
                    meta_json=write.meta_json,
                )
                self._conflicts[write.key] = write.conflicts
                self._feed_positions.append(self._last_position)
                self._feed_keys.append(write.key)
            for entry in batch.log:
                self._log[entry.op_id] = (entry, positions.get(entry.record))
            for entry in batch.quarantine:
                self._quarantine[entry.op_id] = entry
            for close in batch.closes:
                self._quarantine[close.op_id] = replace(
                    self._quarantine[close.op_id],
                    state=close.state,
                    closed_by=close.closed_by,
                    closed_ms=close.closed_ms,
                    note=close.note,
                    resubmitted_op_id=close.resubmitted_op_id,
                )
            return positions

    def _check(self, batch: WriteBatch) -> None:
        keys = [write.key for write in batch.records]
        if len(set(keys)) != len(keys):
            raise StaleBatch("a batch writes each record once")
        for write in batch.records:
            stored = self._records.get(write.key)
            if (stored.version if stored else None) != write.expected_version:
                raise StaleBatch(f"{write.key} changed since it was loaded")
        op_ids = [entry.op_id for entry in batch.log]
        if len(set(op_ids)) != len(op_ids) or any(op_id in self._log for op_id in op_ids):
            raise StaleBatch("an op of this batch is already logged")
        if any(entry.op_id in self._quarantine for entry in batch.quarantine):
            raise StaleBatch("an op of this batch is already quarantined")
        for close in batch.closes:
            entry = self._quarantine.get(close.op_id)
            if entry is None or entry.state is not QuarantineState.OPEN:
                raise StaleBatch(f"quarantine entry {close.op_id} is not open")

    def changes_since(self, cursor: int, scope: Scope, limit: int) -> Sequence[Change]:
        with self._lock:
            found: list[Change] = []
            start = bisect.bisect_right(self._feed_positions, cursor)
            for position, key in zip(
                self._feed_positions[start:], self._feed_keys[start:], strict=True
            ):
                if len(found) >= limit:
                    break
                record = self._records[key]
                if record.position != position:
                    continue
                if not record_visible(scope, record.public, record.sites):
                    continue
                found.append(
                    Change(
                        position=position,
                        collection=key.collection,
                        record_id=key.record_id,
                        version=record.version,
                        deleted=record.deleted,
                        data=None if record.deleted else record.data_json,
                    )
                )
            return found

    def wire_since(self, cursor: int, scope: Scope, limit: int) -> Sequence[tuple[int, bytes]]:
        changes = self.changes_since(cursor, scope, limit)
        return [(change.position, change.to_json().encode()) for change in changes]

    def list_conflicts(
        self, scope: Scope, *, author_id: str | None = None
    ) -> Sequence[Conflict]:
        with self._lock:
            listed = [
                conflict
                for key, conflicts in self._conflicts.items()
                for conflict in conflicts
                if record_visible(scope, False, self._records[key].sites)
                or (author_id is not None and conflict.user_id == author_id)
            ]
        return sorted(listed, key=lambda conflict: conflict.conflict_id)

    def list_quarantine(
        self, scope: Scope, *, author_id: str | None = None, open_only: bool = True
    ) -> Sequence[QuarantineEntry]:
        with self._lock:
            listed = [
                entry
                for entry in self._quarantine.values()
                if not (open_only and entry.state is not QuarantineState.OPEN)
                and (
                    (scope.sites is None or entry.site_id in scope.sites)
                    or (author_id is not None and entry.user_id == author_id)
                )
            ]
        return sorted(listed, key=lambda entry: (entry.received_ms, entry.op_id))

    def get_quarantine(self, op_id: str) -> QuarantineEntry | None:
        with self._lock:
            return self._quarantine.get(op_id)

    def snapshot(self) -> dict[str, Any]:
        """Everything stored, as plain values: for tests that check nothing changed."""
        with self._lock:
            return {
                "records": dict(self._records),
                "conflicts": dict(self._conflicts),
                "log": {op_id: (entry, position) for op_id, (entry, position) in self._log.items()},
                "quarantine": dict(self._quarantine),
                "last_position": self._last_position,
            }
