"""``/api/wards/<code>/checklists``: everyone of the ward reads which step it is at (the
guideline wants every supporter to know); its hub staff and admins record assessments."""

from flask import Blueprint, g

from schemas.cooperation import (
    AssessmentInSchema,
    AssessmentSchema,
    CheckpointSchema,
    CheckpointWordingSchema,
    HistoryQuerySchema,
    StandingListSchema,
    StepListSchema,
)

from ..accounts import policy
from ..accounts.auth import login_required
from ..api import documented, load_body, load_query, respond
from ..directory.lookups import ward_by_code
from ..errors import ApiError
from ..extensions import db
from ..timeutil import today_local
from . import assessments

bp = Blueprint("cooperation", __name__, url_prefix="/api")


def _readable_ward(code: str):
    ward = ward_by_code(code)
    policy.require(policy.may_read_ward_checklists(g.user, ward.id))
    return ward


@bp.get("/wards/<code>/checklists")
@login_required
@documented("The four cooperation steps with their current checkpoints (everyone of the "
            "ward, admins)", "checklists", response=StepListSchema,
            errors=(401, 403, 404))
def steps(code: str):
    _readable_ward(code)
    return respond(StepListSchema(), {"steps": assessments.steps_with_checkpoints()})


@bp.post("/wards/<code>/checklists/assessments")
@login_required
@documented("Record an assessment of one step for the ward or one of its areas: every "
            "current checkpoint met, partly or not yet, with the next action and review "
            "(hub staff of the ward, admins)", "checklists", body=AssessmentInSchema,
            response=AssessmentSchema, status=201, errors=(400, 401, 403, 404, 422))
def record(code: str):
    ward = ward_by_code(code)
    policy.require(policy.may_manage_ward(g.user, ward.id))
    data = load_body(AssessmentInSchema())
    return respond(AssessmentSchema(), assessments.as_dict(assessments.record(ward, g.user,
                                                                             data)), 201)


@bp.get("/wards/<code>/checklists/standing")
@login_required
@documented("Where the ward and each area stand on each step: the latest assessment, the "
            "change since the one before and when the next review is due (everyone of the "
            "ward, admins)", "checklists", response=StandingListSchema,
            errors=(401, 403, 404))
def standing(code: str):
    ward = _readable_ward(code)
    today = today_local()
    return respond(StandingListSchema(), {"today": today,
                                          "standings": assessments.standing(ward, today)})


@bp.get("/wards/<code>/checklists/history")
@login_required
@documented("The assessments of one step for the ward or one area, newest first "
            "(everyone of the ward, admins)", "checklists", query=HistoryQuerySchema,
            response=AssessmentSchema, many=True, errors=(401, 403, 404, 422))
def history(code: str):
    ward = _readable_ward(code)
    query = load_query(HistoryQuerySchema())
    return respond(AssessmentSchema(many=True),
                   assessments.history(ward, query["step"], query["area"]))


@bp.post("/checklists/steps/<int:step>/checkpoints/<int:number>")
@login_required
@documented("A new wording of one checkpoint, kept as a new version: the answers given "
            "against the earlier wording keep it (admins)", "checklists",
            body=CheckpointWordingSchema, response=CheckpointSchema, status=201,
            errors=(400, 401, 403, 404, 422))
def revise(step: int, number: int):
    policy.require(g.user.role == "admin")
    data = load_body(CheckpointWordingSchema())
    try:
        point = assessments.revise_checkpoint(step, number, data["text_ja"], data["text_en"])
    except LookupError:
        raise ApiError(404, "not_found", "見つかりません / Not found.",
                       {"number": ["no such checkpoint"]}) from None
    db.session.commit()
    return respond(CheckpointSchema(), point, 201)
