"""Minting card tokens: an unguessable secret for the parent's URL and a short code."""

import hashlib
import secrets
from collections.abc import Callable

from flask import current_app
from sqlalchemy import exists, func, select

from ..extensions import db
from ..replication.models import SyncRecord
from ..urls import public_url
from .models import CardToken

TOKEN_BYTES = 16  # 128 bits: the URL is the only key to a card's page
# Crockford's base32 without I, L, O, U: nothing to misread on a paper card.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})

def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_code(typed: str) -> str:
    """A short code as typed or scanned ("k7q2-m9xd") in its stored form ("K7Q2M9XD")."""
    return "".join(ch for ch in typed.upper().translate(_READ_AS) if ch in CODE_ALPHABET)


def card_url(token: str, short_code: str) -> str:
    """The parent's page, at the public address (``urls.public_url``).

    The fragment carries the short code, which the browser never sends: the target site's
    phone reads it when it scans the card, to find the card it has in its replica.
    """
    return public_url(f"c/{token}#{short_code}")


def mint(site_id: int, count: int, *, user_id: int | None, printed: bool = False,
         choose: Callable[[str], str] = secrets.choice) -> list[tuple[CardToken, str]]:
    """Mint ``count`` tokens for a site; returns each row with its secret, which is not
    stored and cannot be shown again. The caller commits. ``choose`` picks each character
    of a short code (the demo passes a seeded one, so its cards are the same each time)."""
    minted = []
    taken = set()
    while len(minted) < count:
        code = "".join(choose(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code in taken or db.session.scalar(select(CardToken.id).where(
                CardToken.short_code == code)):
            continue
        taken.add(code)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        row = CardToken(short_code=code, token_hash=digest(token), site_id=site_id,
                        minted_by_id=user_id, printed=printed)
        db.session.add(row)
        minted.append((row, token))
    db.session.flush()
    return minted


def outstanding(site_id: int) -> int:
    """How many of the site's tokens are out unused: not voided, and no card has taken
    the short code (a deleted card too: its token was spent), as the daily accounting
    counts them (``expiry.account_for_tokens``)."""
    used = exists().where(SyncRecord.collection == "card",
                          SyncRecord.record_id == CardToken.short_code)
    return db.session.scalar(select(func.count(CardToken.id)).where(
        CardToken.site_id == site_id, CardToken.voided_at.is_(None), ~used))


def outstanding_max() -> int:
    """Most tokens a site may have out unused (``CARD_TOKENS_OUTSTANDING_MAX``, 500).

    Each token costs the server a QR code when minted, so minting without a bound could
    keep the worker busy. Normal use stays well below: a phone keeps ``CARD_POOL_SIZE``
    (10) tokens per site, a printed sheet has 8 to 24 cards, and a reset phone's pool
    stays out until the daily accounting voids it (``CARD_TOKEN_UNUSED_DAYS``). 500 is the
    pools of 50 phones, or of 20 phones with a dozen full sheets besides."""
    return current_app.config["CARD_TOKENS_OUTSTANDING_MAX"]


def by_token(token: str) -> CardToken | None:
    return db.session.scalar(select(CardToken).where(CardToken.token_hash == digest(token)))
