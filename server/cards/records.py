"""Reading cards, which live as sync records (collection ``card``, id = short code)."""

import json
import logging

from sqlalchemy import select

from ..extensions import db
from ..job_skips import Skips
from ..replication.models import SyncRecord

log = logging.getLogger(__name__)

def card_data(short_code: str) -> dict | None:
    """The card's merged public data, or ``None`` if no phone has sent it yet (or it was
    deleted)."""
    row = db.session.scalar(select(SyncRecord).where(
        SyncRecord.collection == "card", SyncRecord.record_id == short_code))
    if row is None or row.deleted:
        return None
    data = json.loads(row.data_json)
    return data if isinstance(data, dict) else None


def all_cards(skips: Skips | None = None) -> list[tuple[str, dict]]:
    """Every card that is not deleted, as ``(short_code, data)``. A row whose data is not
    a JSON object is left out: reported to ``skips`` when given, else logged."""
    rows = db.session.execute(select(SyncRecord.record_id, SyncRecord.data_json).where(
        SyncRecord.collection == "card", SyncRecord.deleted.is_(False)))
    cards = []
    for record_id, data_json in rows:
        try:
            data = json.loads(data_json)
            if not isinstance(data, dict):
                raise ValueError("a card's data is not a JSON object")
        except ValueError as error:
            if skips is None:
                log.error("card %s left out: %s", record_id, error)
            else:
                skips.report(f"card/{record_id}", error)
            continue
        cards.append((record_id, data))
    return cards
