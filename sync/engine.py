"""The sync engine: apply a pushed batch of ops, answer pulls, settle conflicts and quarantine.

Every function takes the store, the time (``now_ms``), the ids it needs and the caller's
``Scope`` as arguments, and does nothing else outside memory. A push costs one
``Store.load_batch`` and one ``Store.write_batch`` whatever its size (repeated only when
a concurrent writer got there first, see ``StaleBatch``).

Reading and checking an incoming op is ``incoming``'s; planning and committing a batch is
``batch``'s. This module is the public API over both, and the server's own ops.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from enum import StrEnum
from typing import Any

from . import hlc as clocks
from .batch import Plan, as_duplicate, commit, stored_state
from .collections import COLLECTIONS, Kind, identifier
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
from .incoming import MAX_VERSION, Incoming, loadable, op_key, own_op_id, read_op, read_ops
from .merge import conflict_write, kept_conflicts, written_ms
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
    RecordKey,
    Scope,
    WirePage,
    conflict_id,
    parse_conflict_id,
)
from .store import Loaded, QuarantineClose, Store, WriteBatch

__all__ = [
    "MAX_VERSION",
    "Resolution",
    "apply_push",
    "changes_since",
    "clear_fields",
    "dismiss_quarantined",
    "op_key",
    "own_op_id",
    "resolve_conflict",
    "restore_record",
    "resubmit_quarantined",
    "wire_since",
    "write_as_server",
]


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
    incoming = read_ops(ops, author)
    keys = {item.op.key for item in incoming if item.op is not None and loadable(item.op)}
    plans: list[Plan] = []

    def plan(loaded: Loaded) -> Plan:
        # Read again on every attempt: an entry closed meanwhile must not be closed twice.
        # One indexed query, empty for nearly every author.
        open_of_author = store.list_quarantine(Scope(frozenset()), author_id=author) if keys else ()
        planned = Plan(loaded, now_ms=now_ms, max_drift_ms=max_drift_ms, scope=scope,
                       minted=minted, open_of_author=open_of_author)
        for item in incoming:
            planned.take(item)
        plans.append(planned)
        return planned

    results = commit(store, [item.key for item in incoming], keys, plan)
    positions = [r.position for r in results if r.position is not None]
    clocks_seen = [r.hlc for r in results if r.hlc is not None]
    return PushResult(
        results=results,
        cursor=max(positions, default=None),
        server_hlc=_server_clock(max(clocks_seen, default=None), now_ms, server_node),
        settled=plans[-1].settled if plans else (),
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
        state = stored_state(stored) if stored is not None else None
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
    return _write_stored(store, collection, record_id, lambda state: {"restore": True},
                         op_id=op_id, user_id=user_id, now_ms=now_ms, scope=scope,
                         server_node=server_node)


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
            return as_duplicate(first)
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


# --- the server's own ops ---------------------------------------------------------------------


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
    op_fields = {"changes": dict(changes), "resolves": tuple(resolves)}
    return _write_stored(store, collection, record_id, lambda state: op_fields, op_id=op_id,
                         user_id=user_id, now_ms=now_ms, scope=scope, server_node=server_node)


def clear_fields(
    store: Store,
    collection: str,
    record_id: str,
    fields: Sequence[str],
    *,
    older_than_ms: int | None = None,
    op_id: str,
    user_id: str,
    now_ms: int,
    scope: Scope,
    server_node: str,
) -> OpResult | None:
    """Clear the register ``fields`` of a stored record and settle every conflict each one
    keeps, in one server op (as ``write_as_server``), so that no value they held is left in
    the record, its merge metadata included.

    With ``older_than_ms``, only the fields last written before it (``merge.written_ms``)
    are cleared, and a field never written is left alone. Which fields hold what is read
    from the record as it is when the op is written. Returns ``None``, writing nothing,
    when none of the fields to clear holds a value or keeps a conflict. Idempotent by
    ``op_id`` under ``user_id``: retrying returns the first answer.

    :raise InvalidRequest: a name in ``fields`` is not a register of ``collection``,
        ``older_than_ms`` is not a whole number, or the clock arguments are invalid.
    :raise UnknownRecord: the record was never stored.
    :raise RejectedOp: the record is outside ``scope``; nothing is stored.
    """
    spec = COLLECTIONS.get(collection)
    names = tuple(fields)
    for name in names:
        field = spec.fields.get(name) if spec is not None else None
        if field is None or field.kind is not Kind.REGISTER:
            raise InvalidRequest(f"{name!r} is not a register field of {collection!r}")
    if older_than_ms is not None and type(older_than_ms) is not int:
        raise InvalidRequest("older_than_ms must be a whole number of milliseconds or None")

    def clearing(state: Mapping[str, Any]) -> dict[str, Any]:
        due = [name for name in names
               if older_than_ms is None
               or (written := written_ms(state, name)) is not None and written < older_than_ms]
        settled = tuple(conflict_id(collection, record_id, name, loser)
                        for name in due for loser in kept_conflicts(state, name))
        if not settled and all(state["data"].get(name) is None for name in due):
            raise _NothingToWrite
        return {"changes": {name: None for name in due}, "resolves": settled}

    try:
        return _write_stored(store, collection, record_id, clearing, op_id=op_id,
                             user_id=user_id, now_ms=now_ms, scope=scope,
                             server_node=server_node)
    except _NothingToWrite:
        return None


class _NothingToWrite(Exception):
    """Raised by an op's ``op_fields`` that finds nothing to change: no op is written."""


def _write_stored(
    store: Store,
    collection: str,
    record_id: str,
    op_fields: Callable[[Mapping[str, Any]], Mapping[str, Any]],
    *,
    op_id: str,
    user_id: str,
    now_ms: int,
    scope: Scope,
    server_node: str,
) -> OpResult:
    """Apply one server op to a stored record, stamped after every clock it has merged and
    based on its current version. ``op_fields`` gives the op's changes, restore or
    resolves from the record's current state (see ``merge``).

    :raise UnknownRecord: the record was never stored.
    """
    _check_clock_arguments(now_ms, 0, server_node)
    key = RecordKey(collection, record_id)

    def build(loaded: Loaded) -> Op:
        stored = loaded.records.get(key)
        if stored is None:
            raise UnknownRecord(f"no record {collection}/{record_id}")
        state = stored_state(stored)
        return Op(
            op_id=op_id,
            device_id=server_node,
            user_id=user_id,
            collection=collection,
            record_id=record_id,
            hlc=_server_clock(state["meta"]["hlc"], now_ms, server_node),
            base_version=stored.version,
            **op_fields(state),
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

    def plan(loaded: Loaded) -> Plan:
        planned = Plan(
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
        planned.take(Incoming(None, op_id, None, None, author) if stored
                     else read_op(build(loaded), author))
        return planned

    def refuse_rejected(planned: Plan) -> None:
        rejected = planned.rejection
        if rejected is not None:
            assert rejected.reason is not None and rejected.message is not None
            raise RejectedOp(rejected.reason, rejected.message)

    return commit(store, [log_key], {key}, plan, check=refuse_rejected)[0]


# --- small helpers --------------------------------------------------------------------------


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
