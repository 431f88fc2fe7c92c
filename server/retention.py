"""Free text is redacted after the retention period (``TEXT_RETENTION_DAYS``).

Records describe families in vulnerable moments, and a note or a message may say more
than it should. Counts stay; text goes. For each collection with free text, a record
whose own date is older than the period gets its text fields cleared by a server write
through the sync core. That write also settles the conflicts kept for those fields, so
no losing value is left in the record's metadata. Rejected ops waiting in quarantine lose
the same fields of their payload once they are older than the period.

A record with no own date, or one in the future (a phone sets it freely: 2999-01-01),
counts from when the server received its text instead (see ``redact_record``), so no text
outlives the period whatever the record says.
"""

import json
import uuid
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select, update

from sync.protocol import Scope

from .extensions import db
from .job_skips import Skips
from .replication import writes
from .replication.models import SyncQuarantine, SyncRecord
from .timeutil import parse_day

# collection: (the record's own date field or None, its free-text fields)
FREE_TEXT = {
    "visit": ("session_date", ("notes",)),
    "card": ("issued_on", ("message", "ask_for")),
    "outreach": ("visit_date", ("summary", "follow_up")),
    # A review mark has no date of its own: its text counts from when it was received.
    "review": (None, ("comment", "done_note")),
}
ANY_FREE_TEXT = tuple(sorted({name for _date, fields in FREE_TEXT.values() for name in fields}))
"""What a quarantined op loses when its collection is none of the above (quarantine
keeps any payload, so its ``collection`` may be anything, a list even)."""
REDACTOR = "retention"
DAY_MS = 24 * 3600 * 1000


def redact_old_text(today: date, now_ms: int) -> dict:
    """Clear free text older than the period; returns how many records and quarantined
    ops were redacted, and ``"skipped"`` for those that could not be (see
    ``job_skips.Skips``): each is logged and tried again on the next run, and the
    others are redacted all the same. Safe to run again: a redacted record is not
    written twice."""
    days = current_app.config["TEXT_RETENTION_DAYS"]
    cutoff, before_ms = today - timedelta(days=days), now_ms - days * DAY_MS
    skips = Skips("redact_old_text")
    counts = {"records": 0, "quarantined": 0}
    for collection in FREE_TEXT:
        rows = db.session.execute(select(
            SyncRecord.record_id, SyncRecord.version, SyncRecord.data_json)
            .where(SyncRecord.collection == collection)).all()
        for record_id, version, data_json in rows:
            # The store writes on a connection of its own: a failure rolls the session's
            # reads back (``writes=False``).
            with skips.item(f"{collection}/{record_id}"):
                if redact_record(collection, record_id, version, json.loads(data_json),
                                 today=today, cutoff=cutoff, before_ms=before_ms,
                                 now_ms=now_ms):
                    counts["records"] += 1
    rows = db.session.execute(select(SyncQuarantine.op_id, SyncQuarantine.payload_json)
                              .where(SyncQuarantine.received_ms < before_ms)).all()
    for op_id, payload_json in rows:
        with skips.item(f"quarantine/{op_id}", writes=True):
            if redact_quarantined(op_id, payload_json):
                counts["quarantined"] += 1
    db.session.commit()
    return skips.noted_in(counts)


def redact_record(collection: str, record_id: str, version: int, data: dict, *,
                  today: date, cutoff: date, before_ms: int, now_ms: int) -> bool:
    """Clear the record's free text that is past the period, and the conflicts kept for
    those fields, by a server write (``sync.engine.clear_fields``); False when there was
    none.

    Text counts from the record's own date when it has one that is not in the future
    (``today``): older than ``cutoff``, it all goes. Otherwise each field counts from
    when its text was received, older than ``before_ms``.

    Received when: the change feed (``sync_change``) and the op log (``sync_op``) hold
    positions and answers, but no time; only quarantine rows keep a receipt time. The
    merge metadata keeps each write's hybrid logical clock, and the engine clears a field
    by the newest of its own (``sync.merge.written_ms``, over its value and the values
    kept as conflicts): the phone's clock when it wrote, which the push clamps to the
    server's own when it runs more than ``SYNC_MAX_DRIFT_MS`` ahead. So, unlike a date the
    phone sets, it is never later than the receipt (give or take that drift), and text
    cannot stay past the period through it. It can be earlier (written offline, or a
    phone clock behind, though a phone moves its clock past every server clock it has
    seen): then the text goes sooner, the safe side for a rule that exists to forget. It
    is the field's own: a later write to another field (a status) does not extend a
    message's life, and a new text restarts its period.
    """
    date_field, fields = FREE_TEXT[collection]
    own = parse_day(data.get(date_field)) if date_field else None
    if own is not None and own <= today:
        if own >= cutoff:
            return False
        older_than_ms = None  # all of it goes
    else:
        older_than_ms = before_ms
    return writes.clear_fields(
        collection, record_id, fields, older_than_ms=older_than_ms,
        op_id=str(uuid.uuid5(
            uuid.NAMESPACE_URL, f"tsunagu:redact:{collection}:{record_id}:{version}")),
        author=REDACTOR, scope=Scope.everywhere(), now_ms=now_ms) is not None


def redact_quarantined(op_id: str, payload_json: str) -> bool:
    """Clear the free text in a quarantined op's changes; False when there was none. The
    caller commits."""
    payload = json.loads(payload_json)
    changes = payload.get("changes") if isinstance(payload, dict) else None
    if not isinstance(changes, dict):
        return False
    collection = payload.get("collection")
    fields = (FREE_TEXT[collection][1] if isinstance(collection, str) and collection in FREE_TEXT
              else ANY_FREE_TEXT)
    if all(changes.get(name) is None for name in fields):
        return False
    payload["changes"] = {**changes, **{name: None for name in fields if name in changes}}
    # Escaped to ASCII, as the store keeps it: a payload may hold a lone surrogate, which
    # has a JSON form but no UTF-8 one for the database.
    db.session.execute(update(SyncQuarantine).where(SyncQuarantine.op_id == op_id)
                       .values(payload_json=json.dumps(payload)))
    return True

