"""``/api/wards/<code>/meetings``: everyone of the ward reads its liaison meetings (those
who were not there most of all); its hub staff and admins write them."""

from flask import Blueprint, g

from schemas.liaison import (
    AttendanceQuerySchema,
    AttendanceSchema,
    MeetingEditSchema,
    MeetingInSchema,
    MeetingQuerySchema,
    MeetingSchema,
    MeetingVersionSchema,
)

from ..accounts import policy
from ..accounts.auth import login_required
from ..api import documented, load_body, load_query, respond
from ..directory.lookups import ward_by_code
from ..timeutil import today_local
from . import meetings

bp = Blueprint("liaison", __name__, url_prefix="/api")


def _readable_ward(code: str):
    ward = ward_by_code(code)
    # The same readers as the cooperation steps: every supporter of the ward.
    policy.require(policy.may_read_ward_checklists(g.user, ward.id))
    return ward


def _managed_ward(code: str):
    ward = ward_by_code(code)
    policy.require(policy.may_manage_ward(g.user, ward.id))
    return ward


@bp.get("/wards/<code>/meetings")
@login_required
@documented("The ward's liaison meetings, newest first; of one area, of one year (else "
            "the newest 100) (everyone of the ward, admins)", "meetings",
            query=MeetingQuerySchema, response=MeetingSchema, many=True,
            errors=(401, 403, 404, 422))
def listed(code: str):
    ward = _readable_ward(code)
    query = load_query(MeetingQuerySchema())
    return respond(MeetingSchema(many=True), meetings.listed(ward, query["area"],
                                                             query["year"]))


@bp.post("/wards/<code>/meetings")
@login_required
@documented("Record a liaison meeting of the ward or one of its areas (hub staff of the "
            "ward, admins)", "meetings", body=MeetingInSchema, response=MeetingSchema,
            status=201, errors=(400, 401, 403, 404, 409, 422))
def create(code: str):
    ward = _managed_ward(code)
    data = load_body(MeetingInSchema())
    return respond(MeetingSchema(), meetings.as_dict(ward, meetings.create(ward, g.user,
                                                                          data)), 201)


@bp.get("/wards/<code>/meetings/<int:meeting_id>")
@login_required
@documented("One liaison meeting (everyone of the ward, admins)", "meetings",
            response=MeetingSchema, errors=(401, 403, 404))
def one(code: str, meeting_id: int):
    ward = _readable_ward(code)
    return respond(MeetingSchema(), meetings.as_dict(ward, meetings.in_ward(ward, meeting_id)))


@bp.put("/wards/<code>/meetings/<int:meeting_id>")
@login_required
@documented("The whole of a meeting's record as edited from its current version; the "
            "earlier version is kept in its history (hub staff of the ward, admins)",
            "meetings", body=MeetingEditSchema, response=MeetingSchema,
            errors=(400, 401, 403, 404, 409, 422))
def edit(code: str, meeting_id: int):
    ward = _managed_ward(code)
    meeting = meetings.in_ward(ward, meeting_id)
    data = load_body(MeetingEditSchema())
    return respond(MeetingSchema(), meetings.as_dict(ward, meetings.edit(meeting, ward,
                                                                        g.user, data)))


@bp.get("/wards/<code>/meetings/<int:meeting_id>/history")
@login_required
@documented("Every version of a meeting's record, newest first, with who wrote it and "
            "when (everyone of the ward, admins)", "meetings",
            response=MeetingVersionSchema, many=True, errors=(401, 403, 404))
def history(code: str, meeting_id: int):
    ward = _readable_ward(code)
    return respond(MeetingVersionSchema(many=True),
                   meetings.history(ward, meetings.in_ward(ward, meeting_id)))


@bp.get("/wards/<code>/meetings/attendance")
@login_required
@documented("Each site of the ward with the meetings of a year it attended, those rarely "
            "or never reached marked (everyone of the ward, admins)", "meetings",
            query=AttendanceQuerySchema, response=AttendanceSchema,
            errors=(401, 403, 404, 422))
def attendance(code: str):
    ward = _readable_ward(code)
    year = load_query(AttendanceQuerySchema())["year"] or today_local().year
    return respond(AttendanceSchema(), meetings.attendance(ward, year))
