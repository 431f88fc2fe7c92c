"""What runs out: cards past their time, and minted tokens no card ever used."""

import logging
import uuid
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, exists, func, select, update

from sync.errors import UnknownRecord
from sync.protocol import Scope

from ..extensions import db
from ..job_skips import Skips
from ..replication import writes
from ..replication.models import SyncRecord
from ..timeutil import parse_day
from .models import CardToken
from .records import all_cards

log = logging.getLogger(__name__)

LIVE = frozenset({"issued", "opened"})
"""The states a timer may end; arrived, cancelled and expired are final already."""

_EXPIRY_OPS = uuid.UUID("6f0b7a52-3c1e-4d8a-9b7e-2f1c0e5d4a93")
SCHEDULER_USER = "scheduler"


def expiry_op_id(short_code: str) -> str:
    """The same op id every time a card is expired, so that a repeated run (two processes,
    a retried cron) is answered from the engine's op log and writes nothing new."""
    return str(uuid.uuid5(_EXPIRY_OPS, f"{short_code}:expired"))



def is_past_its_time(card: dict, today: date, *, expire_days: int, grace_days: int) -> bool:
    """True for an issued or opened card whose planned date is more than ``grace_days``
    before ``today``, or, with no planned date, issued more than ``expire_days`` before."""
    if card.get("status") not in LIVE:
        return False
    planned = parse_day(card.get("planned_date"))
    if planned is not None:
        return planned + timedelta(days=grace_days) < today
    issued = parse_day(card.get("issued_on"))
    return issued is not None and issued + timedelta(days=expire_days) < today


def expire_due_cards(today: date, now_ms: int) -> dict:
    """Write ``status: expired`` to every card past its time (``today`` is Japan's), as the
    server, through the same merge as a phone's op. Returns ``{"today", "expired":
    [codes]}``, and ``"skipped"`` when a card could not be read or expired (see
    ``job_skips.Skips``); the others are expired all the same."""
    config = current_app.config
    skips = Skips("expire_cards")
    due = []
    for code, data in all_cards(skips):
        with skips.item(f"card/{code}"):
            if is_past_its_time(data, today, expire_days=config["CARD_EXPIRE_DAYS"],
                                grace_days=config["CARD_GRACE_DAYS"]):
                due.append(code)
    # End the read before the store writes on connections of its own (SQLite has one
    # writer, and a reader's open snapshot there would block it).
    db.session.commit()
    expired = []
    for code in sorted(due):
        with skips.item(f"card/{code}"):
            if expire_card(code, now_ms):
                expired.append(code)
    return skips.noted_in({"today": today.isoformat(), "expired": expired})


def expire_card(code: str, now_ms: int) -> bool:
    """Expire one card; False when no such record is stored.

    :raise RejectedOp: the card rules no longer accept the record: a person must look.
    """
    try:
        writes.write_as_server("card", code, {"status": "expired"}, op_id=expiry_op_id(code),
                               author=SCHEDULER_USER, scope=Scope.everywhere(), now_ms=now_ms)
    except UnknownRecord:
        log.warning("card %s not expired: no such record", code)
        return False
    return True


def account_for_tokens(now: datetime) -> dict:
    """Void tokens minted more than ``CARD_TOKEN_UNUSED_DAYS`` before ``now`` (naive UTC)
    that no card uses, and count each site's tokens.

    Every token is in exactly one of ``used`` (a card with its short code exists, even a
    deleted one: the token was spent; this wins over voided, as a phone may have issued it
    offline before the voiding), ``voided`` or ``outstanding``; ``minted`` is their sum.
    Returns ``{site_id: {"minted", "used", "outstanding", "voided"}}`` with string keys,
    as JSON stores them.
    """
    card_with_code = and_(SyncRecord.collection == "card",
                          SyncRecord.record_id == CardToken.short_code)
    cutoff = now - timedelta(days=current_app.config["CARD_TOKEN_UNUSED_DAYS"])
    db.session.execute(
        update(CardToken)
        .where(CardToken.voided_at.is_(None), CardToken.minted_at < cutoff,
               ~exists().where(card_with_code))
        .values(voided_at=now)
        .execution_options(synchronize_session=False))
    used = SyncRecord.record_id.is_not(None)
    rows = db.session.execute(
        select(CardToken.site_id, func.count(CardToken.id), func.count(SyncRecord.record_id),
               func.sum(case((and_(~used, CardToken.voided_at.is_not(None)), 1), else_=0)))
        .outerjoin(SyncRecord, card_with_code)
        .group_by(CardToken.site_id)
        .order_by(CardToken.site_id))
    counts = {}
    for site_id, minted, used_count, voided in rows:
        counts[str(site_id)] = {"minted": minted, "used": used_count, "voided": int(voided),
                                "outstanding": minted - used_count - int(voided)}
    db.session.commit()
    return counts
