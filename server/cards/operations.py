"""What the card API does: mint tokens for a site, confirm a family's arrival."""

import uuid

from flask import current_app

from sync.errors import RejectedOp, UnknownRecord
from sync.protocol import Reason

from ..accounts import policy
from ..accounts.models import User
from ..directory.models import Site
from ..errors import ApiError
from ..extensions import db
from ..pairing import qr_svg
from ..replication import writes
from ..replication.scope import write_scope
from . import tokens
from .records import card_data


def mint_for(user: User, site: Site, count: int, *, printed: bool) -> dict:
    """:raise 403: the site is not the user's, or a volunteer asks for a printed sheet.
    :raise 409: the site would have more than ``tokens.outstanding_max()`` tokens out
        unused; nothing is minted."""
    policy.require(write_scope(user).covers(str(site.id)))
    if printed:
        policy.require(policy.may_manage_ward(user, site.ward_id))
    # Two requests at once may both pass and go past the cap by one request's count
    # (at most ``schemas.cards.MAX_MINT``): a bound on the work, not an exact quota.
    out, cap = tokens.outstanding(site.id), tokens.outstanding_max()
    if out + count > cap:
        raise ApiError(
            409, "too_many_outstanding_tokens",
            f"この拠点には未使用のカード番号が{out}件あり、上限の{cap}件を超えるため発行できません。"
            f"先にお手元のカードを使ってください / This site has {out} unused card tokens "
            f"already, and may have at most {cap}: use those first.",
            {"count": [f"at most {max(cap - out, 0)} more for this site"]})
    minted = tokens.mint(site.id, count, user_id=user.id, printed=printed)
    db.session.commit()
    return {
        "site_id": site.id,
        "pool_size": current_app.config["CARD_POOL_SIZE"],
        "tokens": [_minted(row, token) for row, token in minted],
    }


def _minted(row, token: str) -> dict:
    url = tokens.card_url(token, row.short_code)
    return {"short_code": row.short_code, "token": token, "url": url, "qr_svg": qr_svg(url)}


def confirm_arrival(user: User, short_code: str, op_id: uuid.UUID | None) -> dict:
    """Mark a card arrived, as ``user``: only staff of the card's target site may.

    :raise 404: no such card. :raise 403: not staff of its target site.
    """
    code = tokens.normalise_code(short_code)
    if card_data(code) is None:
        raise _no_such_card()
    try:
        result = writes.write_as_server("card", code, {"status": "arrived"},
                                        op_id=str(op_id or uuid.uuid4()), author=str(user.id),
                                        scope=write_scope(user))
    except UnknownRecord:
        raise _no_such_card() from None
    except RejectedOp as error:
        if error.code == Reason.OUT_OF_SCOPE:
            raise policy.forbidden() from None
        raise
    # "arrived" is the top of the status lattice: whatever the card was, it is that now.
    return {"short_code": code, "status": "arrived", "version": result.version}


def _no_such_card() -> ApiError:
    return ApiError(404, "not_found", "カードが見つかりません / No such card.",
                    {"short_code": ["unknown"]})
