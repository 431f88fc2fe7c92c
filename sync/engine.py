"""The sync engine: apply a pushed batch of ops, answer pulls, settle conflicts and quarantine.

Every function takes the store, the time (``now_ms``), the ids it needs and the caller's
``Scope`` as arguments, and does nothing else outside memory. A push costs one
``Store.load_batch`` and one ``Store.write_batch`` whatever its size (repeated only when
a concurrent writer got there first, see ``StaleBatch``).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from . import hlc as clocks
from .collections import (
    COLLECTIONS,
    RECORD_ID,
    CollectionSpec,
    Kind,
    Problem,
    identifier,
    site_identifier,
)
from .errors import (
    BatchTooLarge,
    ConflictNotFound,
    InvalidRequest,
    OpIdReused,
    QuarantineClosed,
    QuarantineNotFound,
    RejectedOp,
    StaleBatch,
    UnknownRecord,
)
from .merge import Stamp, apply_op, conflict_write, new_state, open_conflicts
from .protocol import (
    DEFAULT_PULL_LIMIT,
    MAX_BATCH_OPS,
    MAX_PULL_LIMIT,
    Op,
    OpResult,
    PullPage,
    PushResult,
    QuarantineEntry,
    QuarantineState,
    Reason,
    RecordKey,
    Scope,
    Status,
    WirePage,
    parse_conflict_id,
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
"""How often a push is recomputed when concurrent writers keep invalidating it."""

MAX_VERSION = 2**31 - 1
"""A record's version is stored as a 32-bit integer: no op can have seen a later one."""


# --- public API -------------------------------------------------------------------------------


def apply_push(
    store: Store,
    ops: Sequence[Op | Mapping[str, Any]],
    *,
    now_ms: int,
    max_drift_ms: int,
    scope: Scope,
    server_node: str,
    author: str,
    max_batch: int = MAX_BATCH_OPS,
    minted: Mapping[str, str] | None = None,
) -> PushResult:
    """Apply a phone's batch of ops and answer each one, in order.

    Ops may be ``Op`` objects or their wire dicts. Each op is applied, recognised as a
    duplicate, or rejected; a rejected op is quarantined with its payload and reason and
    does not stop the others. An op id that ``author`` sent before (in this batch or any
    earlier one) gets the answer stored the first time, with ``status`` "duplicate"
    instead of "applied", and changes nothing. Op ids are ``author``'s own (``op_key``):
    the same id from another author is another op. Clocks more than ``max_drift_ms``
    ahead of ``now_ms`` are clamped. All of it is written in one atomic ``write_batch``.

    ``author`` is who the server signed in (never what the op says); the ops of the
    server itself are written under authors no account has (``write_as_server``).

    ``minted`` maps the ids the server minted for collections whose ids it mints (a
    card's short code) to the site each was minted for; when given, an op that names the
    owning site of such a record must name that one. ``None`` skips the check.

    :raise BatchTooLarge: more than ``max_batch`` ops; nothing is stored.
    :raise InvalidRequest: ``now_ms``, ``max_drift_ms``, ``server_node`` or ``author`` is
        invalid.
    :raise StaleBatch: concurrent writers invalidated every attempt; retry later.
    """
    if len(ops) > max_batch:
        raise BatchTooLarge(len(ops), max_batch)
    _check_clock_arguments(now_ms, max_drift_ms, server_node)
    _check_author(author)
    incoming = [_read(raw, author) for raw in ops]
    keys = {item.op.key for item in incoming if item.op is not None and _loadable(item.op)}

    def plan(loaded: Loaded) -> _Plan:
        planned = _Plan(loaded, now_ms=now_ms, max_drift_ms=max_drift_ms, scope=scope,
                        minted=minted)
        for item in incoming:
            planned.take(item)
        return planned

    results = _commit(store, [item.key for item in incoming], keys, plan)
    positions = [r.position for r in results if r.position is not None]
    clocks_seen = [r.hlc for r in results if r.hlc is not None]
    return PushResult(
        results=results,
        cursor=max(positions, default=None),
        server_hlc=_server_clock(max(clocks_seen, default=None), now_ms, server_node),
    )


def changes_since(
    store: Store, cursor: int, scope: Scope, limit: int = DEFAULT_PULL_LIMIT
) -> PullPage:
    """Records changed after ``cursor`` that ``scope`` may read, oldest first.

    Exclusive: a change at position ``cursor`` is not returned again. ``more`` says that
    another page waits after the returned ``cursor``.

    :raise InvalidRequest: ``cursor`` < 0, or ``limit`` outside 1…``MAX_PULL_LIMIT``.
    """
    _check_pull_arguments(cursor, limit)
    rows = list(store.changes_since(cursor, scope, limit + 1))
    page = tuple(rows[:limit])
    return PullPage(page, page[-1].position if page else cursor, len(rows) > limit)


def wire_since(
    store: Store, cursor: int, scope: Scope, limit: int = DEFAULT_PULL_LIMIT
) -> WirePage:
    """``changes_since`` as the server sends it: the page's changes as UTF-8 JSON.

    :raise InvalidRequest: as ``changes_since``.
    """
    _check_pull_arguments(cursor, limit)
    rows = store.wire_since(cursor, scope, limit + 1)
    more = len(rows) > limit
    if more:
        rows = rows[:limit]
    return WirePage(tuple(wire for _position, wire in rows),
                    rows[-1][0] if rows else cursor, more)


def _check_pull_arguments(cursor: Any, limit: Any) -> None:
    if type(cursor) is not int or cursor < 0:
        raise InvalidRequest("cursor must be a whole number ≥ 0")
    if type(limit) is not int or not 1 <= limit <= MAX_PULL_LIMIT:
        raise InvalidRequest(f"limit must be from 1 to {MAX_PULL_LIMIT}")


class Resolution(StrEnum):
    KEEP_CURRENT = "keep_current"  # the field keeps the value it shows
    TAKE_CONFLICT = "take_conflict"  # the field takes the conflict's value
    WRITE_VALUE = "write_value"  # the field takes a new value


def resolve_conflict(
    store: Store,
    conflict_id: str,
    resolution: Resolution,
    *,
    value: Any = None,
    op_id: str,
    user_id: str,
    now_ms: int,
    scope: Scope,
    server_node: str,
) -> OpResult:
    """Settle one conflict with an op through the same merge path as a phone's.

    The op is stamped after every clock the record has merged and has seen its current
    version, so it wins and creates no new conflict. Retrying with the same ``op_id``
    returns the first answer.

    :raise ConflictNotFound: no such open conflict.
    :raise InvalidRequest: an unknown ``resolution``, or bad clock arguments.
    :raise RejectedOp: the op fails validation (a bad value, a record outside scope);
        nothing is stored.
    """
    _check_clock_arguments(now_ms, 0, server_node)
    parsed = parse_conflict_id(conflict_id)
    if parsed is None:
        raise ConflictNotFound(f"no conflict {conflict_id!r}")
    key, field, loser = parsed
    try:
        resolution = Resolution(resolution)
    except ValueError:
        raise InvalidRequest(f"resolution must be one of {[r.value for r in Resolution]}") from None

    def build(loaded: Loaded) -> Op:
        stored = loaded.records.get(key)
        state = _decode(stored) if stored is not None else None
        kept = conflict_write(state, field, loser) if state is not None else None
        if stored is None or kept is None:
            raise ConflictNotFound(f"no open conflict {conflict_id!r}")
        changes = {
            Resolution.KEEP_CURRENT: {},
            Resolution.TAKE_CONFLICT: {field: kept["value"]},
            Resolution.WRITE_VALUE: {field: value},
        }[resolution]
        return Op(
            op_id=op_id,
            device_id=server_node,
            user_id=user_id,
            collection=key.collection,
            record_id=key.record_id,
            hlc=_server_clock(state["meta"]["hlc"], now_ms, server_node),
            base_version=stored.version,
            changes=changes,
            resolves=(conflict_id,),
        )

    return _apply_server_op(store, user_id, op_id, key, build, now_ms=now_ms, scope=scope)


def restore_record(
    store: Store,
    collection: str,
    record_id: str,
    *,
    op_id: str,
    user_id: str,
    now_ms: int,
    scope: Scope,
    server_node: str,
) -> OpResult:
    """Bring a tombstone back with the data it had (and any edits merged since).

    :raise UnknownRecord: the record was never stored.
    :raise RejectedOp: ``scope`` may not restore, or the record is outside it.
    """
    return _write_stored(store, collection, record_id, op_id=op_id, user_id=user_id,
                         now_ms=now_ms, scope=scope, server_node=server_node, restore=True)


def resubmit_quarantined(
    store: Store,
    op_id: str,
    corrected: Op,
    *,
    closed_by: str,
    now_ms: int,
    max_drift_ms: int,
    scope: Scope,
) -> OpResult:
    """Apply a corrected version of a quarantined op and close its entry, atomically.

    ``corrected`` needs an op id of its own: the old one stays answered as rejected, so a
    phone retrying the bad op still gets the same answer. If the corrected op is still
    invalid nothing is stored and the entry stays open. Retrying a resubmission that
    went through returns its answer.

    :raise QuarantineNotFound: no entry for ``op_id``.
    :raise QuarantineClosed: the entry was dismissed or resubmitted as another op.
    :raise OpIdReused: ``corrected`` has an op id its author used before (the
        quarantined op's own, or any other).
    :raise RejectedOp: the corrected op fails validation too.
    """
    _check_author(corrected.user_id)
    entry = store.get_quarantine(op_id)
    if entry is None:
        raise QuarantineNotFound(f"no quarantined op {op_id!r}")
    key = op_key(corrected.user_id, corrected.op_id)
    if key == op_id:
        raise OpIdReused("a corrected op needs a new op_id")
    if entry.state is not QuarantineState.OPEN:
        if entry.resubmitted_op_id == key:
            first = store.load_batch([key], []).results[key]
            return _as_duplicate(first)
        raise QuarantineClosed(f"quarantined op {op_id!r} is already {entry.state}")
    close = QuarantineClose(
        op_id=op_id,
        state=QuarantineState.RESUBMITTED,
        closed_by=closed_by,
        closed_ms=now_ms,
        resubmitted_op_id=key,
    )
    _check_clock_arguments(now_ms, max_drift_ms, None)
    return _apply_server_op(
        store,
        corrected.user_id,
        corrected.op_id,
        corrected.key,
        lambda loaded: corrected,
        now_ms=now_ms,
        scope=scope,
        max_drift_ms=max_drift_ms,
        closes=(close,),
        fresh=True,
    )


def dismiss_quarantined(
    store: Store, op_id: str, *, note: str, closed_by: str, now_ms: int
) -> QuarantineEntry:
    """Close a quarantined op without applying it, saying why.

    :raise InvalidRequest: ``note`` is empty.
    :raise QuarantineNotFound: no entry for ``op_id``.
    :raise QuarantineClosed: the entry is already closed.
    """
    if not isinstance(note, str) or not note.strip():
        raise InvalidRequest("dismissing a quarantined op needs a reason")
    entry = store.get_quarantine(op_id)
    if entry is None:
        raise QuarantineNotFound(f"no quarantined op {op_id!r}")
    if entry.state is not QuarantineState.OPEN:
        raise QuarantineClosed(f"quarantined op {op_id!r} is already {entry.state}")
    close = QuarantineClose(op_id, QuarantineState.DISMISSED, closed_by, now_ms, note=note)
    try:
        store.write_batch(WriteBatch(closes=(close,)))
    except StaleBatch:
        raise QuarantineClosed(f"quarantined op {op_id!r} was closed meanwhile") from None
    return replace(
        entry, state=close.state, closed_by=closed_by, closed_ms=now_ms, note=note
    )


# --- reading incoming ops -----------------------------------------------------------------------


def op_key(author: str, op_id: str) -> str:
    """The op log's key of ``author``'s op ``op_id``.

    Idempotency is per author: a phone's retry is recognised, but nobody can claim an
    id another author (a phone, or the server's own timers) will use, nor learn from a
    "duplicate" answer what someone else's op did. An author is an identifier, so it
    holds no ``:`` and the key reads back unambiguously.
    """
    return f"{author}:{op_id}"


def own_op_id(key: str) -> str:
    """The op's own id in an op-log key (``op_key``)."""
    return key.partition(":")[2] or key


@dataclass(frozen=True)
class _Incoming:
    op: Op | None
    op_id: str  # the op's own id, or one derived from a payload without one
    raw: Any  # as received
    problem: Problem | None
    author: str

    @property
    def key(self) -> str:
        """The op-log key (``op_key``)."""
        return op_key(self.author, self.op_id)

    @property
    def payload(self) -> Any:
        """The op as received, JSON-ready, for the quarantine."""
        return _op_payload(self.raw) if isinstance(self.raw, Op) else _json_ready(self.raw)


def _read(raw: Op | Mapping[str, Any] | Any, author: str) -> _Incoming:
    if isinstance(raw, Op):
        op, problem = raw, None
    elif isinstance(raw, Mapping):
        try:
            op, problem = Op.from_dict(raw), None
        except ValueError as error:
            op, problem = None, (Reason.MALFORMED, str(error))
    else:
        op, problem = None, (Reason.MALFORMED, "an op is a JSON object")
    if op is not None:
        problem = _envelope_problem(op)
    claimed = op.op_id if op is not None else _claimed_op_id(raw)
    if _is_uuid(claimed):
        return _Incoming(op, claimed, raw, problem, author)
    unnamed = _Incoming(op, "", raw, problem, author)
    return replace(unnamed, op_id=_derived_op_id(unnamed.payload))


def _json_ready(value: Any) -> Any:
    """``value`` with what JSON cannot carry (``NaN``, infinities) made text, so that the
    quarantine keeps every op, and its listing stays JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, Mapping):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(item) for item in value]
    return value


def _op_payload(op: Op) -> Any:
    try:
        return op.to_dict()
    except (TypeError, ValueError):  # an Op built in code with a non-mapping ``changes``
        return {"unreadable_op": repr(op)}


def _claimed_op_id(raw: Any) -> Any:
    return raw.get("op_id") if isinstance(raw, Mapping) else None


def _derived_op_id(payload: Any) -> str:
    # An op without a usable id still needs one answer and one quarantine entry, also
    # when it is sent again: a digest of its content names it the same way every time.
    try:
        text = json.dumps(payload, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        text = repr(payload)
    return "malformed-" + hashlib.sha256(text.encode()).hexdigest()[:32]


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _is_uuid(value: Any) -> bool:
    """A UUID in its canonical text form (what ``str(uuid.UUID(...))`` gives)."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def _envelope_problem(op: Op) -> Problem | None:
    """What is wrong with an op on its own, without looking at stored state."""
    if not _is_uuid(op.op_id):
        return Reason.MALFORMED, "op_id must be a UUID in canonical lowercase form"
    for name in ("device_id", "user_id"):
        message = identifier(getattr(op, name))
        if message is not None:
            return Reason.MALFORMED, f"{name} {message}"
    try:
        clocks.parse(op.hlc)
    except ValueError:
        return Reason.MALFORMED, "hlc must read like 001733000000000:000000:node"
    if op.base_version is not None and (type(op.base_version) is not int
                                        or not 0 <= op.base_version <= MAX_VERSION):
        return Reason.MALFORMED, f"base_version must be null or an integer from 0 to {MAX_VERSION}"
    if not isinstance(op.changes, Mapping) or not all(isinstance(k, str) for k in op.changes):
        return Reason.MALFORMED, "changes must be an object"
    if op.delete and op.restore:
        return Reason.MALFORMED, "an op cannot both delete and restore"
    if (op.delete or op.restore) and op.changes:
        return Reason.MALFORMED, "a delete or restore carries no changes"
    if not (op.changes or op.delete or op.restore or op.resolves):
        return Reason.MALFORMED, "the op changes nothing"
    if not isinstance(op.collection, str) or not isinstance(op.record_id, str):
        return Reason.MALFORMED, "collection and record_id must be strings"
    spec = COLLECTIONS.get(op.collection)
    if spec is None:
        return Reason.UNKNOWN_COLLECTION, f"there is no collection {op.collection!r}"
    if not spec.accepts_id(op.record_id):
        return Reason.MALFORMED, f"{op.record_id!r} is not a valid {op.collection} record id"
    for settled in op.resolves:
        parsed = parse_conflict_id(settled)
        field = spec.fields.get(parsed[1]) if parsed is not None else None
        if (parsed is None or parsed[0] != op.key or field is None
                or field.kind != Kind.REGISTER or not _is_uuid(parsed[2])):
            return Reason.MALFORMED, f"{settled!r} is not a conflict of this record"
    return spec.problem(op.record_id, op.changes)


def _loadable(op: Op) -> bool:
    return (
        isinstance(op.collection, str)
        and op.collection in COLLECTIONS
        and isinstance(op.record_id, str)
        and RECORD_ID.fullmatch(op.record_id) is not None
    )


def _scope_problem(
    op: Op, spec: CollectionSpec, data: Mapping[str, Any], scope: Scope
) -> Problem | None:
    if op.restore and not scope.may_restore:
        return Reason.OUT_OF_SCOPE, "only hub staff may restore a deleted record"
    sites = spec.sites(data)
    if not sites:
        # A record's first op names the sites it belongs to: a record without one would
        # be writable by anyone signed in, and a public one would reach every ward.
        missing = [name for name in spec.site_fields if op.changes.get(name) is None]
        if missing:
            return Reason.OUT_OF_SCOPE, (
                f"a new {op.collection} must name {', '.join(missing)}")
    elif not any(scope.covers(site) for site in sites):
        return Reason.OUT_OF_SCOPE, f"{op.collection} {op.record_id} belongs to {sites[0]}"
    owner = op.changes.get(spec.site_field)
    if owner is not None and not scope.covers(owner):
        return Reason.OUT_OF_SCOPE, f"{spec.site_field} {owner} is not one of your sites"
    if spec.staff_writes:
        site = owner if owner is not None else data.get(spec.site_field)
        if not scope.staffs(site):
            return Reason.OUT_OF_SCOPE, f"only staff of {spec.site_field} {site} write it"
    for name, (value, site_field) in spec.staff_only.items():
        if op.changes.get(name) != value:
            continue
        # Both the site the record names now and the one this op would give it: an op
        # that moves a card to the staff's own site must not vouch for the old one. No
        # site known yet refuses: staff confirm only what their replica shows.
        named = [site for site in (data.get(site_field), op.changes.get(site_field))
                 if site is not None]
        if not named or not all(scope.staffs(site) for site in named):
            site = named[0] if named else None
            return Reason.OUT_OF_SCOPE, f"only staff of {site_field} {site} may set {name} {value}"
    return None


def _minted_problem(op: Op, spec: CollectionSpec, data: Mapping[str, Any],
                    minted: Mapping[str, str] | None) -> Problem | None:
    # Without it, anyone could claim the code printed on another site's paper card first.
    # Checked on every op that sets or keeps an owner, so leaving the owner out of an op
    # skips nothing.
    if minted is None or not spec.minted_ids:
        return None
    site = op.changes.get(spec.site_field, data.get(spec.site_field))
    if minted.get(op.record_id) != site:
        return Reason.OUT_OF_SCOPE, f"{op.record_id} was not minted for {spec.site_field} {site}"
    return None


# --- planning a batch (pure) ----------------------------------------------------------------


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


class _Plan:
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
    ) -> None:
        self._loaded = loaded
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

    def take(self, item: _Incoming) -> OpResult:
        """Plan one op; returns its answer (position not yet known)."""
        key = item.key
        stored = self._loaded.results.get(key)
        if stored is not None:
            return self._answer(_Answer(_as_duplicate(stored)))
        if key in self._first_answer:
            first = self._first_answer[key]
            return self._answer(_Answer(_as_duplicate(self._answers[first].result), again=first))
        self._first_answer[key] = len(self._answers)
        op, problem = item.op, item.problem
        record = None
        if op is not None and problem is None:
            record = self._record(op.key)
            assert record is not None  # the envelope check accepted the record id
            problem = (_scope_problem(op, record.spec, record.state["data"], self._scope)
                       or _minted_problem(op, record.spec, record.state["data"], self._minted))
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
        return self._answer(_Answer(result, record=op.key))

    def _reject(self, item: _Incoming, problem: Problem) -> OpResult:
        reason, message = problem
        result = OpResult(item.op_id, Status.REJECTED, reason=reason, message=message)
        self._log.append(LogEntry(item.key, None, result))
        payload = item.payload
        self._quarantined.append(
            QuarantineEntry(
                op_id=item.key,
                payload=payload,
                reason=reason,
                message=message,
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
            record = _Record(spec, _decode(stored), stored.version)
        else:
            state = new_state(spec, key.record_id)
            if state is None:
                return None
            record = _Record(spec, state, None)
        self._records[key] = record
        return record

    def _aimed_site(self, op: Op | None) -> str | None:
        if op is None or not _loadable(op):
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
            )
            for key, record in self._records.items()
            if record.touched
        )
        return WriteBatch(
            records=writes,
            log=tuple(self._log),
            quarantine=tuple(self._quarantined) if self._quarantine else (),
            closes=self._closes,
        )

    def finish(self, positions: Mapping[RecordKey, int]) -> tuple[OpResult, ...]:
        final: list[OpResult] = []
        for answer in self._answers:
            if answer.again is not None:
                final.append(_as_duplicate(final[answer.again]))
            elif answer.record is not None:
                final.append(_placed(answer.result, positions[answer.record]))
            else:
                final.append(answer.result)
        return tuple(final)


def _commit(
    store: Store,
    op_ids: Sequence[str],
    keys: set[RecordKey],
    plan: Callable[[Loaded], _Plan],
    *,
    check: Callable[[_Plan], None] | None = None,
) -> tuple[OpResult, ...]:
    """Load, plan, write; again from the start when a concurrent writer got there first."""
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


def write_as_server(
    store: Store,
    collection: str,
    record_id: str,
    changes: Mapping[str, Any],
    *,
    op_id: str,
    user_id: str,
    now_ms: int,
    scope: Scope,
    server_node: str,
    resolves: tuple[str, ...] = (),
) -> OpResult:
    """Write ``changes`` to a stored record as the server (a timer, a page a parent opened),
    through the same merge path as a phone's op, settling the conflicts in ``resolves``.
    ``user_id`` is the op's author: retrying with the same ``op_id`` returns the first
    answer, and as ops are idempotent per author (``op_key``), a timer writing under a
    name no account has (accounts are numbered) keeps ids no phone can claim first.

    :raise UnknownRecord: the record was never stored.
    :raise RejectedOp: the changes fail validation or ``scope``; nothing is stored.
    """
    return _write_stored(store, collection, record_id, op_id=op_id, user_id=user_id,
                         now_ms=now_ms, scope=scope, server_node=server_node,
                         changes=dict(changes), resolves=tuple(resolves))


def _write_stored(
    store: Store,
    collection: str,
    record_id: str,
    *,
    op_id: str,
    user_id: str,
    now_ms: int,
    scope: Scope,
    server_node: str,
    **op_fields: Any,
) -> OpResult:
    """Apply one server op (``op_fields``: changes, restore, resolves) to a stored record,
    stamped after every clock it has merged and based on its current version.

    :raise UnknownRecord: the record was never stored.
    """
    _check_clock_arguments(now_ms, 0, server_node)
    key = RecordKey(collection, record_id)

    def build(loaded: Loaded) -> Op:
        stored = loaded.records.get(key)
        if stored is None:
            raise UnknownRecord(f"no record {collection}/{record_id}")
        return Op(
            op_id=op_id,
            device_id=server_node,
            user_id=user_id,
            collection=collection,
            record_id=record_id,
            hlc=_server_clock(_decode(stored)["meta"]["hlc"], now_ms, server_node),
            base_version=stored.version,
            **op_fields,
        )

    return _apply_server_op(store, user_id, op_id, key, build, now_ms=now_ms, scope=scope)


def _apply_server_op(
    store: Store,
    author: str,
    op_id: str,
    key: RecordKey,
    build: Callable[[Loaded], Op],
    *,
    now_ms: int,
    scope: Scope,
    max_drift_ms: int | None = None,
    closes: tuple[QuarantineClose, ...] = (),
    fresh: bool = False,
) -> OpResult:
    """Apply one op built on the server as ``author``; a rejection raises instead of
    quarantining. ``fresh``: the op id must be new (:raise OpIdReused: otherwise)."""
    _check_author(author)
    log_key = op_key(author, op_id)

    def plan(loaded: Loaded) -> _Plan:
        planned = _Plan(
            loaded,
            now_ms=now_ms,
            max_drift_ms=max_drift_ms,
            scope=scope,
            quarantine=False,
            closes=closes,
        )
        stored = loaded.results.get(log_key)
        if stored is not None and fresh:
            raise OpIdReused(f"op_id {op_id} was used before")
        planned.take(_Incoming(None, op_id, None, None, author) if stored
                     else _read(build(loaded), author))
        return planned

    def refuse_rejected(planned: _Plan) -> None:
        rejected = planned.rejection
        if rejected is not None:
            assert rejected.reason is not None and rejected.message is not None
            raise RejectedOp(rejected.reason, rejected.message)

    return _commit(store, [log_key], {key}, plan, check=refuse_rejected)[0]


# --- small helpers --------------------------------------------------------------------------


def _decode(stored: StoredRecord) -> dict[str, Any]:
    return {
        "version": stored.version,
        "deleted": stored.deleted,
        "data": json.loads(stored.data_json),
        "meta": json.loads(stored.meta_json),
    }


def _placed(result: OpResult, position: int) -> OpResult:
    # Spelled out: ``dataclasses.replace`` inspects the fields on every call, once per op.
    return OpResult(result.op_id, result.status, result.version, position, result.conflicts,
                    result.clamped, result.hlc, result.reason, result.message)


def _as_duplicate(result: OpResult) -> OpResult:
    return replace(result, status=Status.DUPLICATE) if result.status is Status.APPLIED else result


def _identifier_or_none(payload: Any, name: str) -> str | None:
    value = payload.get(name) if isinstance(payload, Mapping) else None
    return value if identifier(value) is None else None


def _server_clock(after: str | None, now_ms: int, server_node: str) -> str:
    """A server clock reading past ``after`` (an HLC text) and not before ``now_ms``."""
    start = clocks.HLC(0, 0, server_node)
    if after is None:
        return start.tick(now_ms).format()
    return start.receive(clocks.parse(after), now_ms).format()


def _check_author(author: Any) -> None:
    if identifier(author) is not None:
        raise InvalidRequest("author must be an id of letters, digits, '_', '.' or '-'")


def _check_clock_arguments(now_ms: Any, max_drift_ms: Any, server_node: Any) -> None:
    if type(now_ms) is not int or now_ms < 0:
        raise InvalidRequest("now_ms must be a whole number of milliseconds since the epoch")
    if type(max_drift_ms) is not int or max_drift_ms < 0:
        raise InvalidRequest("max_drift_ms must be a whole number ≥ 0")
    if now_ms + max_drift_ms > clocks.MAX_WALL_MS:
        raise InvalidRequest("now_ms + max_drift_ms is past the range of the clock")
    if server_node is not None and identifier(server_node) is not None:
        raise InvalidRequest("server_node must be an id of letters, digits, '_', '.' or '-'")
