"""The hub desk's reads: hub staff and ward officers of the ward, and admins."""

from flask import Blueprint, g

from schemas.hub import (
    AuditPageSchema,
    AuditQuerySchema,
    DeskListQuerySchema,
    DeskOutreachPageSchema,
    DeskRecordSchema,
    DeskVisitPageSchema,
    ReviewMarkSchema,
    ReviewRequestSchema,
)

from ..accounts import policy
from ..accounts.auth import login_required
from ..api import documented, load_body, load_query, respond
from ..directory.lookups import ward_by_code
from . import operations

bp = Blueprint("hub", __name__, url_prefix="/api")

_LIST_ERRORS = (401, 403, 404, 422)


def _readable_ward(code: str):
    ward = ward_by_code(code)
    policy.require(policy.may_read_ward(g.user, ward.id))
    return ward


@bp.get("/wards/<code>/visits")
@login_required
@documented("A ward's session logs, newest date first, filtered and paged (hub staff and "
            "ward officers of the ward, admins)", "hub", query=DeskListQuerySchema,
            response=DeskVisitPageSchema, errors=_LIST_ERRORS)
def visits(code: str):
    ward = _readable_ward(code)
    query = load_query(DeskListQuerySchema())
    return respond(DeskVisitPageSchema(), operations.desk_list("visit", ward, query))


@bp.get("/wards/<code>/outreach")
@login_required
@documented("A ward's outreach records (by the visiting site), newest date first, filtered "
            "and paged (hub staff and ward officers of the ward, admins)", "hub",
            query=DeskListQuerySchema, response=DeskOutreachPageSchema, errors=_LIST_ERRORS)
def outreach(code: str):
    ward = _readable_ward(code)
    query = load_query(DeskListQuerySchema())
    return respond(DeskOutreachPageSchema(), operations.desk_list("outreach", ward, query))


@bp.get("/wards/<code>/records/<collection>/<record_id>")
@login_required
@documented("One record of the ward (visit, outreach or card) with who wrote each part "
            "from which device and when, its open conflicts, and its ops oldest first",
            "hub", response=DeskRecordSchema, errors=(401, 403, 404))
def record(code: str, collection: str, record_id: str):
    ward = _readable_ward(code)
    if collection not in ("visit", "outreach", "card"):
        raise operations.not_found("collection")
    return respond(DeskRecordSchema(), operations.record_detail(ward, collection, record_id))


@bp.post("/wards/<code>/records/<collection>/<record_id>/review")
@login_required
@documented("Mark a record of the ward 「要確認」 with a question for its author: a review "
            "mark its site's phones pull (hub staff of the ward, admins)", "hub",
            body=ReviewRequestSchema, response=ReviewMarkSchema, status=201,
            errors=(400, 401, 403, 404, 422))
def review(code: str, collection: str, record_id: str):
    ward = ward_by_code(code)
    policy.require(policy.may_manage_ward(g.user, ward.id))
    data = load_body(ReviewRequestSchema())
    mark = operations.raise_review(g.user, ward, collection, record_id, data["comment"],
                                   str(data["op_id"]))
    return respond(ReviewMarkSchema(), mark, 201)


@bp.get("/audit")
@login_required
@documented("What was changed on the desks (resolve, resubmit, dismiss, restore, review) "
            "and what was exported, newest first (admins)", "hub", query=AuditQuerySchema,
            response=AuditPageSchema, errors=(401, 403, 404, 422))
def audit():
    policy.require(g.user.role == "admin")
    query = load_query(AuditQuerySchema())
    return respond(AuditPageSchema(),
                   operations.audit_list(query.get("ward"), query.get("cursor"), query["limit"]))
