"""How the rest of the server reaches sync records: the store on the app's database, the
engine's clock arguments, and the one gateway for the writes the server makes itself.

A server write (a card expired by the timer or opened by a parent's page, an arrival
confirmed at a desk, text cleared after the retention period) goes through the same merge
as a phone's op. Only the record, the changes, the op id, the author and the scope differ
from one caller to the next; the store, the clock and this server's node id are filled in
here, the same way for all of them.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from flask import current_app

from sync import engine
from sync import hlc as clocks
from sync.protocol import OpResult, Scope

from ..extensions import db
from ..timeutil import now_ms as wall_ms
from .store import SqlStore


def store() -> SqlStore:
    """The sync store, reading on the connection the request's session already holds."""
    return SqlStore(db.engine, reads_on=db.session.connection)


def server_clock(now_ms: int | None = None) -> dict[str, Any]:
    """The engine's clock arguments: ``now_ms`` (the wall clock unless a job passes its
    own time) and this server's node id (``SYNC_NODE_ID``)."""
    return {"now_ms": wall_ms() if now_ms is None else now_ms,
            "server_node": current_app.config["SYNC_NODE_ID"]}


def write_as_user(collection: str, record_id: str, changes: Mapping[str, Any], *,
                  op_id: str, author: str, scope: Scope, now_ms: int | None = None) -> OpResult:
    """Write ``changes`` to a record, new or stored, as one op by the account ``author``
    with its ``scope``, made on this server (its clock, its node as the device): what a
    person does on a desk that a phone could have pushed (a review mark raised by hub
    staff). It is a push of one op (``sync.engine.apply_push``): the same checks, the
    same merge, a rejected op quarantined and answered, a retry of ``op_id`` answered as
    the first time. Unlike ``write_as_server`` it may create the record, so its first
    changes must name the record's sites.
    """
    clock = server_clock(now_ms)
    op = {"op_id": op_id, "device_id": clock["server_node"], "user_id": author,
          "collection": collection, "record_id": record_id, "base_version": None,
          "changes": dict(changes),
          "hlc": clocks.HLC(clock["now_ms"], 0, clock["server_node"]).format()}
    pushed = engine.apply_push(store(), [op], scope=scope, author=author,
                               max_drift_ms=current_app.config["SYNC_MAX_DRIFT_MS"], **clock)
    return pushed.results[0]


def write_as_server(collection: str, record_id: str, changes: Mapping[str, Any], *,
                    op_id: str, author: str, scope: Scope, resolves: Sequence[str] = (),
                    now_ms: int | None = None) -> OpResult:
    """Write ``changes`` to a stored record as the server, by ``author`` (an account id, or
    a name no account has for a timer or a page), settling the conflicts in ``resolves``.
    A retry with the same ``op_id`` gets the first answer (``sync.engine.write_as_server``).

    :raise UnknownRecord: the record was never stored.
    :raise RejectedOp: the changes fail validation or ``scope``; nothing is stored.
    """
    return engine.write_as_server(store(), collection, record_id, changes, op_id=op_id,
                                  user_id=author, scope=scope, resolves=resolves,
                                  **server_clock(now_ms))


def clear_fields(collection: str, record_id: str, fields: Sequence[str], *,
                 older_than_ms: int | None = None, op_id: str, author: str, scope: Scope,
                 now_ms: int | None = None) -> OpResult | None:
    """Clear ``fields`` of a stored record (only those last written before
    ``older_than_ms`` when given) and settle the conflicts they keep, as the server, by
    ``author``; None when none of them held anything (``sync.engine.clear_fields``).

    :raise UnknownRecord: the record was never stored.
    :raise RejectedOp: the record is outside ``scope``; nothing is stored.
    """
    return engine.clear_fields(store(), collection, record_id, fields,
                               older_than_ms=older_than_ms, op_id=op_id, user_id=author,
                               scope=scope, **server_clock(now_ms))
