"""``/api/wards/<code>/local-issues``: everyone of the ward reads the regional issues board;
its hub staff and admins move an issue along and record what was decided."""

from flask import Blueprint, g

from schemas.local_issues import IssueChangeSchema, IssueDetailSchema, IssueSchema

from ..accounts import policy
from ..accounts.auth import login_required
from ..api import documented, load_body, respond
from ..directory.lookups import ward_by_code
from . import board

bp = Blueprint("local_issues", __name__, url_prefix="/api")


def _readable_ward(code: str):
    ward = ward_by_code(code)
    policy.require(policy.may_read_ward_checklists(g.user, ward.id))
    return ward


@bp.get("/wards/<code>/local-issues")
@login_required
@documented("The ward's regional issues (地域課題), newest raised first, each with its "
            "state, meetings, initiative, roles and review dates (everyone of the ward, "
            "admins)", "local issues", response=IssueSchema, many=True,
            errors=(401, 403, 404))
def listed(code: str):
    ward = _readable_ward(code)
    return respond(IssueSchema(many=True), board.board(ward))


@bp.get("/wards/<code>/local-issues/<issue_id>")
@login_required
@documented("One regional issue with the history of the hub's changes (everyone of the "
            "ward, admins)", "local issues", response=IssueDetailSchema,
            errors=(401, 403, 404))
def shown(code: str, issue_id: str):
    ward = _readable_ward(code)
    return respond(IssueDetailSchema(), board.one(ward, issue_id))


@bp.patch("/wards/<code>/local-issues/<issue_id>")
@login_required
@documented("Move an issue's state, link its meetings, record the initiative, roles and "
            "review dates; each change is kept in its history (hub staff of the ward, "
            "admins)", "local issues", body=IssueChangeSchema, response=IssueDetailSchema,
            errors=(400, 401, 403, 404, 409, 422))
def changed(code: str, issue_id: str):
    ward = ward_by_code(code)
    policy.require(policy.may_manage_ward(g.user, ward.id))
    data = load_body(IssueChangeSchema())
    return respond(IssueDetailSchema(), board.change(ward, g.user, issue_id, data))
