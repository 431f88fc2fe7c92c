"""Reading cards, which live as sync records (collection ``card``, id = short code)."""

import json

from sqlalchemy import select

from ..extensions import db
from ..replication.models import SyncRecord


def card_data(short_code: str) -> dict | None:
    """The card's merged public data, or ``None`` if no phone has sent it yet (or it was
    deleted)."""
    row = db.session.scalar(select(SyncRecord).where(
        SyncRecord.collection == "card", SyncRecord.record_id == short_code))
    if row is None or row.deleted:
        return None
    return json.loads(row.data_json)


def all_cards() -> list[tuple[str, dict]]:
    """Every card that is not deleted, as ``(short_code, data)``."""
    rows = db.session.execute(select(SyncRecord.record_id, SyncRecord.data_json).where(
        SyncRecord.collection == "card", SyncRecord.deleted.is_(False)))
    return [(record_id, json.loads(data)) for record_id, data in rows]
