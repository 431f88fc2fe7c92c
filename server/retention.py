"""Free text is redacted after the retention period (``TEXT_RETENTION_DAYS``).

Records describe families in vulnerable moments, and a note or a message may say more
than it should. Counts stay; text goes. For each collection with free text, a record
whose own date is older than the period gets its text fields cleared by a server write
through the sync core. That write also settles the conflicts kept for those fields, so
no losing value is left in the record's metadata. Rejected ops waiting in quarantine lose
the same fields of their payload once they are older than the period.
"""

import json
import uuid
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select, update

from sync import engine
from sync.protocol import Scope, conflict_id

from .extensions import db
from .replication.models import SyncQuarantine, SyncRecord
from .replication.operations import store

# collection: (the record's own date field, its free-text fields)
FREE_TEXT = {
    "visit": ("session_date", ("notes",)),
    "card": ("issued_on", ("message", "ask_for")),
    "outreach": ("visit_date", ("summary",)),
}
REDACTOR = "retention"


def _kept_text(meta: dict, fields: tuple[str, ...]) -> list[str]:
    return [name for name in fields
            if (meta["fields"].get(name) or {}).get("conflicts")]


def redact_old_text(today: date, now_ms: int) -> dict:
    """Clear free text older than the period; returns how many records and quarantined
    ops were redacted. Safe to run again: a redacted record is not written twice."""
    cutoff = today - timedelta(days=current_app.config["TEXT_RETENTION_DAYS"])
    counts = {"records": 0, "quarantined": 0}
    for collection, (date_field, fields) in FREE_TEXT.items():
        rows = db.session.execute(select(
            SyncRecord.record_id, SyncRecord.version, SyncRecord.data_json,
            SyncRecord.meta_json).where(SyncRecord.collection == collection)).all()
        for record_id, version, data_json, meta_json in rows:
            data = json.loads(data_json)
            if not isinstance(data.get(date_field), str) or data[date_field] >= cutoff.isoformat():
                continue
            meta = json.loads(meta_json)
            settled = tuple(conflict_id(collection, record_id, name, op)
                            for name in _kept_text(meta, fields)
                            for op in meta["fields"][name]["conflicts"])
            if not settled and all(data.get(name) is None for name in fields):
                continue
            engine.write_as_server(
                store(), collection, record_id, {name: None for name in fields},
                resolves=settled, op_id=str(uuid.uuid5(
                    uuid.NAMESPACE_URL, f"tsunagu:redact:{collection}:{record_id}:{version}")),
                user_id=REDACTOR, now_ms=now_ms, scope=Scope.everywhere(),
                server_node=current_app.config["SYNC_NODE_ID"])
            counts["records"] += 1
    period_ms = current_app.config["TEXT_RETENTION_DAYS"] * 24 * 3600 * 1000
    counts["quarantined"] = _redact_quarantine(now_ms - period_ms)
    return counts


def _redact_quarantine(before_ms: int) -> int:
    redacted = 0
    rows = db.session.execute(select(SyncQuarantine.op_id, SyncQuarantine.payload_json)
                              .where(SyncQuarantine.received_ms < before_ms)).all()
    for op_id, payload_json in rows:
        payload = json.loads(payload_json)
        changes = payload.get("changes") if isinstance(payload, dict) else None
        fields = FREE_TEXT.get(payload.get("collection"), (None, ()))[1] if changes else ()
        if not isinstance(changes, dict) or all(changes.get(n) is None for n in fields):
            continue
        payload["changes"] = {**changes, **{n: None for n in fields if n in changes}}
        db.session.execute(update(SyncQuarantine).where(SyncQuarantine.op_id == op_id)
                           .values(payload_json=json.dumps(payload, ensure_ascii=False)))
        redacted += 1
    db.session.commit()
    return redacted
