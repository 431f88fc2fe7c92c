"""Named sync operations: the engine called with the caller's scope, clock and store."""

import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Dialect

from sync import engine
from sync.errors import RejectedOp
from sync.protocol import Op, PushResult, Reason, Scope, WirePage, require_protocol

from ..accounts.models import User
from ..accounts.policy import forbidden
from ..cards.models import CardToken
from ..directory.models import Site
from ..extensions import db
from ..json_text import compact_json
from ..prepared import Prepared
from ..store import SqlStore

RESTORERS = {"hub_staff", "admin"}
STAFF = {"site_staff", "hub_staff"}


def store() -> SqlStore:
    """The sync store, reading on the connection the request's session already holds."""
    return SqlStore(db.engine, reads_on=db.session.connection)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@functools.cache
def _ward_sites(dialect: Dialect) -> Prepared:
    # Read on every push and pull of hub staff: through the ORM session the 200 ids of a
    # ward took 0.6 ms, run on the driver 0.2 ms (fetched all at once: row by row cost
    # PostgreSQL another 0.1 ms).
    site = Site.__table__
    return Prepared(select(site.c.id).where(site.c.ward_id == bindparam("ward_id")), dialect,
                    ["ward_id"])


def read_scope(user: User) -> Scope:
    """What a user may pull: own sites (volunteer, site staff), the ward (hub staff, ward
    officer), everything (admin)."""
    if user.role == "admin":
        return Scope.everywhere(may_restore=True)
    if user.role in {"hub_staff", "ward_officer"}:
        found = _ward_sites(db.engine.dialect).run(db.session.connection(), [(user.ward_id,)])
        site_ids = found.scalars().all()
        return Scope(frozenset(map(str, site_ids)), may_restore=user.role in RESTORERS,
                     wards=frozenset({str(user.ward_id)}))
    return Scope(frozenset(str(i) for i in user.site_ids))


def write_scope(user: User) -> Scope:
    """What a user may push to: as ``read_scope``, but a ward officer only reads, and only
    site and hub staff vouch for their sites (a family's arrival)."""
    if user.role == "ward_officer":
        return Scope(frozenset())
    scope = read_scope(user)
    if user.role in STAFF:
        return replace(scope, staff_sites=scope.sites)
    return scope


def _clock() -> dict:
    return {"now_ms": now_ms(), "server_node": current_app.config["SYNC_NODE_ID"]}


def push(user: User, ops: list, protocol: int):
    """Apply a phone's batch as ``user``: the op's author is who signed in, not what the
    phone says.

    :raise UnsupportedProtocol, BatchTooLarge: see ``sync.engine``.
    """
    require_protocol(protocol)
    author = str(user.id)
    stamped = [{**op, "user_id": author} if isinstance(op, dict) else op for op in ops]
    return engine.apply_push(store(), stamped, max_drift_ms=current_app.config["SYNC_MAX_DRIFT_MS"],
                             scope=write_scope(user), minted=_minted_sites(stamped),
                             author=author, max_batch=current_app.config["SYNC_MAX_BATCH"],
                             **_clock())


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
    return engine.wire_since(store(), cursor, read_scope(user), limit)


PULL_CHUNK = 500
"""Changes joined into one piece of the pull body: few writes, yet no copy of the whole."""


def pull_body(page: WirePage) -> tuple[Iterator[bytes], int]:
    """The pull response, with each change's stored JSON spliced in, never re-encoded,
    as pieces to send one after another, and its length in bytes.

    Its shape is ``PullResponseSchema`` (a test loads it through that schema). Sent in
    pieces, a pull of 20,000 changes holds one copy of its 10 MB instead of three."""
    head = b'{"changes":['
    tail = b'],"cursor":%d,"more":%b}' % (page.cursor, b"true" if page.more else b"false")
    changes = page.changes
    length = (len(head) + sum(map(len, changes)) + max(len(changes) - 1, 0) + len(tail))

    def pieces() -> Iterator[bytes]:
        yield head
        for start in range(0, len(changes), PULL_CHUNK):
            yield (b"," if start else b"") + b",".join(changes[start:start + PULL_CHUNK])
        yield tail

    return pieces(), length


def conflicts(user: User):
    return store().list_conflicts(read_scope(user), author_id=str(user.id))


def resolve(user: User, conflict_id: str, resolution: str, value, op_id: str):
    """:raise 403: the record is outside the user's scope (its site is not named)."""
    with _outside_scope_forbidden():
        return engine.resolve_conflict(store(), conflict_id, resolution, value=value,
                                       op_id=op_id, user_id=str(user.id),
                                       scope=write_scope(user), **_clock())


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
    return engine.resubmit_quarantined(store(), op_id, op, closed_by=str(user.id),
                                       now_ms=now_ms(),
                                       max_drift_ms=current_app.config["SYNC_MAX_DRIFT_MS"],
                                       scope=write_scope(user))


def dismiss(user: User, op_id: str, note: str):
    return engine.dismiss_quarantined(store(), op_id, note=note, closed_by=str(user.id),
                                      now_ms=now_ms())


def restore(user: User, collection: str, record_id: str, op_id: str):
    """:raise 403: the record is outside the user's scope (its site is not named)."""
    with _outside_scope_forbidden():
        return engine.restore_record(store(), collection, record_id, op_id=op_id,
                                     user_id=str(user.id), scope=write_scope(user), **_clock())


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
