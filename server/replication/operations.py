"""Named sync operations: the engine called with the caller's scope, clock and store."""

import json
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import select

from sync import engine
from sync.errors import RejectedOp
from sync.protocol import (
    Op,
    OpResult,
    PushResult,
    Reason,
    RecordKey,
    Status,
    WirePage,
    parse_conflict_id,
    require_protocol,
)

from ..accounts.models import User
from ..accounts.policy import forbidden
from ..cards.models import CardToken
from ..errors import ApiError
from ..extensions import db
from ..hub.operations import record_action
from ..timeutil import now_ms
from .json_text import compact_json
from .scope import feed_scope, read_scope, write_scope
from .writes import server_clock, store


def push(user: User, ops: list, protocol: int):
    """Apply a phone's batch as ``user``: the op's author is who signed in, not what the
    phone says.

    :raise UnsupportedProtocol, BatchTooLarge: see ``sync.engine``.
    """
    require_protocol(protocol)
    author = str(user.id)
    stamped = [{**op, "user_id": author} if isinstance(op, dict) else op for op in ops]
    result = engine.apply_push(store(), stamped,
                               max_drift_ms=current_app.config["SYNC_MAX_DRIFT_MS"],
                               scope=write_scope(user), minted=_minted_sites(stamped),
                               author=author, max_batch=current_app.config["SYNC_MAX_BATCH"],
                               **server_clock())
    if result.settled:
        _audit_settled(user, stamped, result)
    return result


def _audit_settled(user: User, ops: list, result: PushResult) -> None:
    # The author's resend closed quarantine entries: logged as the desk logs a resubmission,
    # so hub staff can tell who settled an entry and with which op.
    answers = {answer.op_id: answer for answer in result.results}
    records = {op["op_id"]: RecordKey(op["collection"], op["record_id"]) for op in ops
               if isinstance(op, dict) and "op_id" in op}
    for close in result.settled:
        new_op_id = engine.own_op_id(close.resubmitted_op_id)
        record_action(user, "resubmit", target_id=close.op_id, record=records.get(new_op_id),
                      detail={"op_id": new_op_id, "version": answers[new_op_id].version,
                              "by": "author"})


def push_json(result: PushResult) -> bytes:
    """The push response (``PushResponseSchema``): ``PushResult.to_dict`` already has the
    schema's shape, and encoding it directly spares a marshmallow dump of every answer."""
    return compact_json(result.to_dict())


def _minted_sites(ops: list) -> dict[str, str]:
    """The site each card code named in the batch was minted for (one query)."""
    codes = {op.get("record_id") for op in ops if isinstance(op, dict)
             and op.get("collection") == "card" and isinstance(op.get("record_id"), str)}
    if not codes:
        return {}
    rows = db.session.execute(select(CardToken.short_code, CardToken.site_id).where(
        CardToken.short_code.in_(codes)))
    return {code: str(site_id) for code, site_id in rows}


def pull(user: User, cursor: int, limit: int) -> WirePage:
    return engine.wire_since(store(), cursor, feed_scope(user), limit)


PULL_CHUNK = 500
"""Changes joined into one piece of the pull body: few writes, yet no copy of the whole."""


def pull_body(page: WirePage, before: bytes = b"", after: bytes = b""
              ) -> tuple[Iterator[bytes], int]:
    """The pull response, with each change's stored JSON spliced in, never re-encoded,
    as pieces to send one after another, and its length in bytes; ``before`` and
    ``after`` go around it.

    Its shape is ``PullResponseSchema`` (a test loads it through that schema). Sent in
    pieces, a pull of 20,000 changes holds one copy of its 10 MB instead of three. A page
    of up to ``PULL_CHUNK`` changes is one piece: the server writes each piece to the
    socket with a call of its own."""
    head = before + b'{"changes":['
    tail = b'],"cursor":%d,"more":%b}' % (page.cursor, b"true" if page.more else b"false")
    tail += after
    changes = page.changes
    length = (len(head) + sum(map(len, changes)) + max(len(changes) - 1, 0) + len(tail))

    def pieces() -> Iterator[bytes]:
        if not changes:
            yield head + tail
        for start in range(0, len(changes), PULL_CHUNK):
            stop = start + PULL_CHUNK
            yield b"".join((head if start == 0 else b",", b",".join(changes[start:stop]),
                            tail if stop >= len(changes) else b""))

    return pieces(), length


def push_and_pull_body(result: PushResult, page: WirePage) -> tuple[Iterator[bytes], int]:
    """A push's answer with a pull's page as its ``pull`` member, as pieces and length:
    the phone's sync in one request (the page is spliced in as ``pull_body`` makes it)."""
    return pull_body(page, before=push_json(result)[:-1] + b',"pull":', after=b"}")


def conflicts(user: User):
    return store().list_conflicts(read_scope(user), author_id=str(user.id))


def my_conflicts(user: User) -> list[dict]:
    """Open conflicts whose losing value is the user's own, on records the user may still
    read, each with the field's current value (what beat theirs)."""
    mine = [c for c in store().list_conflicts(read_scope(user)) if c.user_id == str(user.id)]
    records = store().load_batch([], {RecordKey(c.collection, c.record_id) for c in mine}).records
    listed = []
    for found in mine:
        record = records.get(RecordKey(found.collection, found.record_id))
        data = json.loads(record.data_json) if record is not None and not record.deleted else {}
        listed.append({**found.to_dict(), "current": data.get(found.field)})
    return listed


def resolve_mine(user: User, conflict_id: str, resolution: str, value, op_id: str):
    """Settle a conflict the user lost, as its author.

    :raise 404: no open conflict by that id on a record the user may read (another ward's
        is unknown to them), unless ``op_id`` already settled it (then its first answer).
    :raise 403: the conflict is open, in scope, but someone else's losing value.
    """
    listed = {c.conflict_id: c for c in store().list_conflicts(read_scope(user))}
    found = listed.get(conflict_id)
    if found is None:
        logged = engine.op_key(str(user.id), op_id)
        if logged in store().load_batch([logged], []).results:
            return resolve(user, conflict_id, resolution, value, op_id)  # a retry
        raise ApiError(404, "not_found", "見つかりません / Not found.",
                       {"conflict_id": ["no open conflict of yours"]})
    if found.user_id != str(user.id):
        raise forbidden()
    return resolve(user, conflict_id, resolution, value, op_id)


def resolve(user: User, conflict_id: str, resolution: str, value, op_id: str):
    """:raise 403: the record is outside the user's scope (its site is not named)."""
    with _outside_scope_forbidden():
        result = engine.resolve_conflict(store(), conflict_id, resolution, value=value,
                                         op_id=op_id, user_id=str(user.id),
                                         scope=write_scope(user), **server_clock())
    if _changed(result):
        key, field, _loser = parse_conflict_id(conflict_id)
        record_action(user, "resolve", target_id=conflict_id, record=key,
                      detail={"resolution": str(resolution), "field": field,
                              "version": result.version})
    return result


def quarantine(user: User, state: str):
    return store().list_quarantine(read_scope(user), author_id=str(user.id),
                                   open_only=state == "open")


def quarantined_in_scope(user: User, op_id: str):
    """The quarantine entry if ``user`` may act on it, else None (answered as 404)."""
    entry = store().get_quarantine(op_id)
    if entry is None:
        return None
    scope = read_scope(user)
    return entry if scope.sites is None or entry.site_id in scope.sites else None


def resubmit(user: User, op_id: str, corrected: dict):
    """:raise ValueError: ``corrected`` is not an op; :raise RejectedOp: still invalid."""
    op = Op.from_dict({**corrected, "user_id": str(user.id)})
    result = engine.resubmit_quarantined(store(), op_id, op, closed_by=str(user.id),
                                         now_ms=now_ms(),
                                         max_drift_ms=current_app.config["SYNC_MAX_DRIFT_MS"],
                                         scope=write_scope(user))
    if _changed(result):
        record_action(user, "resubmit", target_id=op_id, record=op.key,
                      detail={"op_id": op.op_id, "version": result.version})
    return result


def dismiss(user: User, op_id: str, note: str):
    entry = engine.dismiss_quarantined(store(), op_id, note=note, closed_by=str(user.id),
                                       now_ms=now_ms())
    # The note is a person's words: the log keeps the entry's reason code instead.
    record_action(user, "dismiss", target_id=op_id, site_id=entry.site_id,
                  detail={"reason": str(entry.reason)})
    return entry


def restore(user: User, collection: str, record_id: str, op_id: str):
    """:raise 403: the record is outside the user's scope (its site is not named)."""
    with _outside_scope_forbidden():
        result = engine.restore_record(store(), collection, record_id, op_id=op_id,
                                       user_id=str(user.id), scope=write_scope(user),
                                       **server_clock())
    if _changed(result):
        record_action(user, "restore", record=RecordKey(collection, record_id),
                      detail={"op_id": op_id, "version": result.version})
    return result


def _changed(result: OpResult) -> bool:
    # A retried desk action gets its first answer ("duplicate") and changes nothing more:
    # the audit log already has it.
    return result.status is Status.APPLIED


@contextmanager
def _outside_scope_forbidden() -> Iterator[None]:
    # On a desk, a record of another ward is not the user's to act on: answered like any
    # other forbidden act, without naming the site that owns it.
    try:
        yield
    except RejectedOp as error:
        if error.code == Reason.OUT_OF_SCOPE:
            raise forbidden() from None
        raise
