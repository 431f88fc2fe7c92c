"""The card API for phones: mint tokens ahead, confirm an arrival."""

from flask import Blueprint, g

from schemas.cards import (
    ArrivalRequestSchema,
    CardStatusSchema,
    MintRequestSchema,
    MintResponseSchema,
)

from ..accounts.auth import login_required
from ..api import documented, load_body, respond
from ..directory.lookups import get_or_404
from ..directory.models import Site
from ..extensions import limiter
from . import operations

bp = Blueprint("cards", __name__, url_prefix="/api/cards")


@bp.post("/tokens")
@login_required
@limiter.limit("60 per minute")
@documented("Mint card tokens for a site: a phone's pool, or a printed sheet (hub staff)",
            "cards", body=MintRequestSchema, response=MintResponseSchema, status=201,
            errors=(400, 401, 403, 404, 409, 422, 429))
def mint():
    data = load_body(MintRequestSchema())
    site = get_or_404(Site, data["site_id"], "site_id")
    return respond(MintResponseSchema(), operations.mint_for(
        g.user, site, data["count"], printed=data["printed"]), 201)


@bp.post("/<short_code>/arrival")
@login_required
@documented("The family arrived: staff of the card's target site confirm it", "cards",
            body=ArrivalRequestSchema, response=CardStatusSchema,
            errors=(400, 401, 403, 404, 422))
def arrival(short_code: str):
    data = load_body(ArrivalRequestSchema())
    return respond(CardStatusSchema(),
                   operations.confirm_arrival(g.user, short_code, data["op_id"]))
