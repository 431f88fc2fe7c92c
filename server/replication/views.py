"""Push and pull for phones, and conflicts and quarantine for hub staff and authors."""

from flask import Blueprint, Response, g

from schemas.sync import (
    ConflictSchema,
    DismissSchema,
    MyConflictSchema,
    OpResultSchema,
    PullQuerySchema,
    PullResponseSchema,
    PushRequestSchema,
    PushResponseSchema,
    QuarantineEntrySchema,
    QuarantineQuerySchema,
    ResolveConflictSchema,
    RestoreSchema,
    ResubmitSchema,
)

from ..accounts import policy
from ..accounts.auth import login_required
from ..api import documented, load_body, load_query, respond
from ..errors import ApiError
from . import operations
from .scope import MANAGERS

bp = Blueprint("replication", __name__, url_prefix="/api/sync")

# A phone syncs every few minutes: its two requests reuse one schema each instead of
# building (deep-copying the fields of) a new one every time. Loading keeps no state.
_PULL_QUERY = PullQuerySchema()
_PUSH_REQUEST = PushRequestSchema()


@bp.post("/push")
@login_required
@documented("Push a batch of ops; each is applied, a duplicate, or rejected (quarantined)",
            "sync", body=PushRequestSchema, response=PushResponseSchema,
            errors=(400, 401, 409, 413, 422))
def push():
    data = load_body(_PUSH_REQUEST, verbatim=("ops",))
    result = operations.push(g.user, data["ops"], data["protocol"])
    if data["pull"] is None:
        return Response(operations.push_json(result), mimetype="application/json")
    # Read after the push has committed, so the page holds the phone's own writes.
    page = operations.pull(g.user, data["pull"]["cursor"], data["pull"]["limit"])
    return _streamed(*operations.push_and_pull_body(result, page))


@bp.get("/pull")
@login_required
@documented("Changes after a cursor that this user may read, oldest first, in pages",
            "sync", query=PullQuerySchema, response=PullResponseSchema, errors=(401, 422))
def pull():
    query = load_query(_PULL_QUERY)
    page = operations.pull(g.user, query["cursor"], query["limit"])
    return _streamed(*operations.pull_body(page))


def _streamed(pieces, length: int) -> Response:
    response = Response(pieces, mimetype="application/json")
    response.content_length = length
    return response


@bp.get("/conflicts")
@login_required
@documented("Open conflicts of records in my scope, and the ones I wrote", "sync",
            response=ConflictSchema, many=True, errors=(401,))
def conflicts():
    return respond(ConflictSchema(many=True), operations.conflicts(g.user))


@bp.post("/conflicts/resolve")
@login_required
@documented("Settle a conflict: keep the current value, take the conflict's, or write anew",
            "sync", body=ResolveConflictSchema, response=OpResultSchema,
            errors=(400, 401, 403, 404, 409, 422))
def resolve():
    data = load_body(ResolveConflictSchema())
    result = operations.resolve(g.user, data["conflict_id"], data["resolution"], data["value"],
                                str(data["op_id"]))
    return respond(OpResultSchema(), result)


@bp.get("/my-conflicts")
@login_required
@documented("Open conflicts where my value lost (on records I may read), with the value "
            "that won", "sync", response=MyConflictSchema, many=True, errors=(401,))
def my_conflicts():
    return respond(MyConflictSchema(many=True), operations.my_conflicts(g.user))


@bp.post("/my-conflicts/resolve")
@login_required
@documented("Settle a conflict I lost: keep my value, take the one that won, or write anew",
            "sync", body=ResolveConflictSchema, response=OpResultSchema,
            errors=(400, 401, 403, 404, 409, 422))
def resolve_mine():
    data = load_body(ResolveConflictSchema())
    result = operations.resolve_mine(g.user, data["conflict_id"], data["resolution"],
                                     data["value"], str(data["op_id"]))
    return respond(OpResultSchema(), result)


@bp.get("/quarantine")
@login_required
@documented("Rejected ops aimed at my sites or ward, and my own", "sync",
            query=QuarantineQuerySchema, response=QuarantineEntrySchema, many=True,
            errors=(401, 422))
def quarantine():
    query = load_query(QuarantineQuerySchema())
    return respond(QuarantineEntrySchema(many=True), operations.quarantine(g.user, query["state"]))


def _managed_entry(entry_id: str):
    policy.require(g.user.role in MANAGERS)
    entry = operations.quarantined_in_scope(g.user, entry_id)
    if entry is None:
        raise ApiError(404, "not_found", "見つかりません / Not found.",
                       {"entry_id": ["unknown id"]})
    return entry


@bp.post("/quarantine/<entry_id>/resubmit")
@login_required
@documented("Apply a corrected version of a quarantined op (hub staff)", "sync",
            body=ResubmitSchema, response=OpResultSchema, errors=(400, 401, 403, 404, 409, 422))
def resubmit(entry_id: str):
    _managed_entry(entry_id)
    data = load_body(ResubmitSchema())
    try:
        result = operations.resubmit(g.user, entry_id, data["op"])
    except ValueError as exc:
        raise ApiError(422, "invalid", str(exc), {"op": [str(exc)]}) from None
    return respond(OpResultSchema(), result)


@bp.post("/quarantine/<entry_id>/dismiss")
@login_required
@documented("Close a quarantined op without applying it, with a reason (hub staff)", "sync",
            body=DismissSchema, response=QuarantineEntrySchema,
            errors=(400, 401, 403, 404, 409, 422))
def dismiss(entry_id: str):
    _managed_entry(entry_id)
    data = load_body(DismissSchema())
    return respond(QuarantineEntrySchema(), operations.dismiss(g.user, entry_id, data["note"]))


@bp.post("/records/<collection>/<record_id>/restore")
@login_required
@documented("Bring a deleted record back (hub staff)", "sync", body=RestoreSchema,
            response=OpResultSchema, errors=(400, 401, 403, 404, 422))
def restore(collection: str, record_id: str):
    policy.require(g.user.role in MANAGERS)
    data = load_body(RestoreSchema())
    return respond(OpResultSchema(),
                   operations.restore(g.user, collection, record_id, str(data["op_id"])))
