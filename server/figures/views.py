"""``GET /api/wards/<code>/figures``: hub staff and ward officers of the ward, and admins."""

from flask import Blueprint, g

from schemas.figures import FiguresQuerySchema, FiguresSchema

from ..accounts import policy
from ..accounts.auth import login_required
from ..api import documented, load_query, respond
from ..directory.lookups import ward_by_code
from ..timeutil import today_local
from .compute import compute, month_bounds

bp = Blueprint("figures", __name__, url_prefix="/api")


@bp.get("/wards/<code>/figures")
@login_required
@documented("A ward's figures for a period (this month when none is given): visits, "
            "consultations, outreach and cards, by site, week and month, with the "
            "comparison of a one-month period (hub staff and ward officers of the ward, "
            "admins)", "hub", query=FiguresQuerySchema, response=FiguresSchema,
            errors=(401, 403, 404, 422))
def figures(code: str):
    ward = ward_by_code(code)
    policy.require(policy.may_read_ward(g.user, ward.id))
    query = load_query(FiguresQuerySchema())
    start, end = ((query["start"], query["end"]) if "start" in query
                  else month_bounds(today_local()))
    return respond(FiguresSchema(), compute(ward.code, start, end, area=query.get("area"),
                                            kind=query.get("kind"), site_id=query.get("site")))
