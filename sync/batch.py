"""A batch of ops, planned in memory and written in one go.

``Plan`` merges ops against what ``Store.load_batch`` returned, answering each (applied,
duplicate or rejected) and collecting the record writes, op-log entries and quarantine
entries they make; it does no I/O. ``commit`` loads, plans and writes the whole batch with
one ``Store.write_batch``, and starts again from the load when a concurrent writer got
there first (``StaleBatch``), so a push costs one load and one write whatever its size.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from . import hlc as clocks
from .collections import COLLECTIONS, CollectionSpec, Problem, identifier, site_identifier
from .errors import StaleBatch
from .incoming import Incoming, loadable, minted_problem, scope_problem
from .merge import Stamp, apply_op, new_state, open_conflicts
from .protocol import (
    Op,
    OpResult,
    QuarantineEntry,
    QuarantineState,
    RecordKey,
    Scope,
    Status,
)
from .store import (
    Loaded,
    LogEntry,
    QuarantineClose,
    RecordWrite,
    Store,
    StoredRecord,
    WriteBatch,
)

ATTEMPTS = 5
"""How often a batch is recomputed when concurrent writers keep invalidating it."""


@dataclass
class _Record:
    spec: CollectionSpec
    state: dict[str, Any]
    expected_version: int | None
    touched: bool = False


@dataclass(frozen=True)
class _Answer:
    result: OpResult
    record: RecordKey | None = None  # the position of this record's write goes in the result
    again: int | None = None  # an op id repeated in this batch: the answer at this index


class Plan:
    """Merges a batch in memory against what ``load_batch`` returned; no I/O."""

    def __init__(
        self,
        loaded: Loaded,
        *,
        now_ms: int,
        max_drift_ms: int | None,
        scope: Scope,
        quarantine: bool = True,
        closes: tuple[QuarantineClose, ...] = (),
        minted: Mapping[str, str] | None = None,
        open_of_author: Sequence[QuarantineEntry] = (),
    ) -> None:
        self._loaded = loaded
        self._open_of_author = open_of_author
        self._settling: dict[str, QuarantineClose] = {}
        self._minted = minted
        self._now_ms = now_ms
        self._max_drift_ms = max_drift_ms
        self._scope = scope
        self._quarantine = quarantine
        self._closes = closes
        self._records: dict[RecordKey, _Record] = {}
        self._first_answer: dict[str, int] = {}
        self._answers: list[_Answer] = []
        self._log: list[LogEntry] = []
        self._quarantined: list[QuarantineEntry] = []

    def take(self, item: Incoming) -> OpResult:
        """Plan one op; returns its answer (position not yet known)."""
        key = item.key
        stored = self._loaded.results.get(key)
        if stored is not None:
            return self._answer(_Answer(as_duplicate(stored)))
        if key in self._first_answer:
            first = self._first_answer[key]
            return self._answer(_Answer(as_duplicate(self._answers[first].result), again=first))
        self._first_answer[key] = len(self._answers)
        op, problem = item.op, item.problem
        record = None
        if op is not None and problem is None:
            record = self._record(op.key)
            assert record is not None  # the envelope check accepted the record id
            problem = (scope_problem(op, record.spec, record.state["data"], self._scope)
                       or minted_problem(op, record.spec, record.state["data"], self._minted))
        if problem is not None:
            return self._reject(item, problem)
        assert op is not None and record is not None
        return self._apply(op, key, record)

    def _apply(self, op: Op, key: str, record: _Record) -> OpResult:
        clock = clocks.parse(op.hlc)
        clamped = False
        if self._max_drift_ms is not None:
            clock, clamped = clocks.clamp(clock, self._now_ms, self._max_drift_ms)
        stamp = Stamp(
            op_id=op.op_id,
            device_id=op.device_id,
            user_id=op.user_id,
            # The envelope check parsed it, and a parsed clock formats back to the same text.
            hlc=clock.format() if clamped else op.hlc,
            version=record.state["version"] + 1,
            base_version=op.base_version,
        )
        applied = apply_op(record.state, op, stamp, record.spec)
        record.state = applied.state
        record.touched = True
        result = OpResult(
            op_id=op.op_id,
            status=Status.APPLIED,
            version=stamp.version,
            conflicts=applied.conflicts,
            clamped=clamped,
            hlc=stamp.hlc,
        )
        self._log.append(LogEntry(key, op.key, result))
        self._settle_superseded(op, key)
        return self._answer(_Answer(result, record=op.key))

    def _settle_superseded(self, op: Op, key: str) -> None:
        """Close the author's open quarantine entries that this applied op makes moot: on
        the same record, every field the rejected op carried now carries an accepted
        value from its author (a phone resends a corrected entry as a new op)."""
        if op.delete or op.restore:
            return
        for entry in self._open_of_author:
            payload = entry.payload
            if entry.op_id in self._settling or not isinstance(payload, Mapping):
                continue
            fields = payload.get("changes")
            if ((payload.get("collection"), payload.get("record_id")) != tuple(op.key)
                    or payload.get("delete") or payload.get("restore")
                    or not isinstance(fields, Mapping) or not fields
                    or not fields.keys() <= op.changes.keys()):
                continue
            self._settling[entry.op_id] = QuarantineClose(
                op_id=entry.op_id, state=QuarantineState.RESUBMITTED, closed_by=entry.user_id,
                closed_ms=self._now_ms, resubmitted_op_id=key)

    @property
    def settled(self) -> tuple[QuarantineClose, ...]:
        """The author's quarantine entries closed by ops of this batch."""
        return tuple(self._settling.values())

    def _reject(self, item: Incoming, problem: Problem) -> OpResult:
        reason, message = problem
        result = OpResult(item.op_id, Status.REJECTED, reason=reason, message=str(message),
                          field=getattr(message, "field", None),
                          fault=getattr(message, "fault", None),
                          limit=getattr(message, "limit", None))
        self._log.append(LogEntry(item.key, None, result))
        payload = item.payload
        self._quarantined.append(
            QuarantineEntry(
                op_id=item.key,
                payload=payload,
                reason=reason,
                message=str(message),
                # The author as signed in: the payload's own claim may be anything.
                user_id=item.author,
                device_id=_identifier_or_none(payload, "device_id"),
                site_id=self._aimed_site(item.op),
                received_ms=self._now_ms,
            )
        )
        return self._answer(_Answer(result))

    def _answer(self, answer: _Answer) -> OpResult:
        self._answers.append(answer)
        return answer.result

    def _record(self, key: RecordKey) -> _Record | None:
        if key in self._records:
            return self._records[key]
        spec = COLLECTIONS[key.collection]
        stored = self._loaded.records.get(key)
        if stored is not None:
            record = _Record(spec, stored_state(stored), stored.version)
        else:
            state = new_state(spec, key.record_id)
            if state is None:
                return None
            record = _Record(spec, state, None)
        self._records[key] = record
        return record

    def _aimed_site(self, op: Op | None) -> str | None:
        if op is None or not loadable(op):
            return None
        spec = COLLECTIONS[op.collection]
        named = op.changes.get(spec.site_field) if isinstance(op.changes, Mapping) else None
        if site_identifier(named) is None:
            return named
        record = self._record(op.key)
        owner = record.state["data"].get(spec.site_field) if record is not None else None
        return owner if site_identifier(owner) is None else None

    @property
    def rejection(self) -> OpResult | None:
        return next((a.result for a in self._answers if a.result.status is Status.REJECTED), None)

    def batch(self, encode: Callable[[Any], str]) -> WriteBatch:
        writes = tuple(
            RecordWrite(
                key=key,
                expected_version=record.expected_version,
                version=record.state["version"],
                deleted=record.state["deleted"],
                public=record.spec.public,
                sites=record.spec.sites(record.state["data"]),
                data_json=encode(record.state["data"]),
                meta_json=encode(record.state["meta"]),
                conflicts=tuple(open_conflicts(record.spec, key, record.state)),
                data=record.state["data"],
            )
            for key, record in self._records.items()
            if record.touched
        )
        return WriteBatch(
            records=writes,
            log=tuple(self._log),
            quarantine=tuple(self._quarantined) if self._quarantine else (),
            closes=self._closes + self.settled,
        )

    def finish(self, positions: Mapping[RecordKey, int]) -> tuple[OpResult, ...]:
        final: list[OpResult] = []
        for answer in self._answers:
            if answer.again is not None:
                final.append(as_duplicate(final[answer.again]))
            elif answer.record is not None:
                final.append(_placed(answer.result, positions[answer.record]))
            else:
                final.append(answer.result)
        return tuple(final)


def commit(
    store: Store,
    op_ids: Sequence[str],
    keys: set[RecordKey],
    plan: Callable[[Loaded], Plan],
    *,
    check: Callable[[Plan], None] | None = None,
) -> tuple[OpResult, ...]:
    """Load, plan, write; again from the start when a concurrent writer got there first.

    :raise StaleBatch: concurrent writers invalidated all ``ATTEMPTS``.
    """
    for attempt in range(ATTEMPTS):
        planned = plan(store.load_batch(op_ids, keys))
        if check is not None:
            check(planned)
        batch = planned.batch(store.canonical_json)
        if batch.is_empty():
            return planned.finish({})
        try:
            positions = store.write_batch(batch)
        except StaleBatch:
            if attempt == ATTEMPTS - 1:
                raise
            continue
        return planned.finish(positions)
    raise AssertionError("unreachable")


def stored_state(stored: StoredRecord) -> dict[str, Any]:
    """A stored record as the record state the merge rules take (see ``merge``)."""
    return {
        "version": stored.version,
        "deleted": stored.deleted,
        "data": json.loads(stored.data_json),
        "meta": json.loads(stored.meta_json),
    }


def as_duplicate(result: OpResult) -> OpResult:
    """The answer an op id sent again gets: the first one, "applied" read as "duplicate"."""
    return replace(result, status=Status.DUPLICATE) if result.status is Status.APPLIED else result


def _placed(result: OpResult, position: int) -> OpResult:
    # Spelled out: ``dataclasses.replace`` inspects the fields on every call, once per op.
    return OpResult(result.op_id, result.status, result.version, position, result.conflicts,
                    result.clamped, result.hlc, result.reason, result.message, result.field,
                    result.fault, result.limit)


def _identifier_or_none(payload: Any, name: str) -> str | None:
    value = payload.get(name) if isinstance(payload, Mapping) else None
    return value if identifier(value) is None else None
