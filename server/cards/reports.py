"""What hub staff and site staff read about cards: notices in a site's inbox, figures."""

from flask import Blueprint, g

from schemas.cards import CardFiguresQuerySchema, CardFiguresSchema, NoticeSchema

from ..accounts import policy
from ..accounts.auth import login_required
from ..api import documented, load_query, respond
from ..directory.lookups import ward_by_code
from . import figures, notices

bp = Blueprint("card_reports", __name__, url_prefix="/api")


@bp.get("/notices")
@login_required
@documented("The newest notices (at most 50) of the sites the user may read, such as "
            "the families expected tomorrow", "cards", response=NoticeSchema, many=True,
            errors=(401,))
def notice_list():
    return respond(NoticeSchema(many=True), notices.notices_for(g.user))


@bp.get("/wards/<code>/card-figures")
@login_required
@documented("A ward's card figures: issued, opened, arrived, by site, pair and wish "
            "(hub staff and ward officers of the ward)", "cards",
            query=CardFiguresQuerySchema, response=CardFiguresSchema,
            errors=(401, 403, 404, 422))
def card_figures(code: str):
    ward = ward_by_code(code)
    policy.require(policy.may_read_ward(g.user, ward.id))
    period = load_query(CardFiguresQuerySchema())
    return respond(CardFiguresSchema(),
                   figures.ward_figures(ward, period.get("start"), period.get("end")))
