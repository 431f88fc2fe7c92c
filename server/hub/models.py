"""The audit log of desk actions, and the index the desk's record history reads by."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..replication.models import SyncOp
from ..timeutil import utcnow


class AuditEntry(db.Model):
    """One change made on a desk: who, when, what (the action, the ids it named and a short
    JSON detail of codes and numbers, never the free text a person typed)."""

    __tablename__ = "audit_entry"
    # The admin's read: newest first, of one ward or of all.
    __table_args__ = (Index("ix_audit_entry_ward_id", "ward_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # The ward of the record or entry acted on (None: its site is not in the directory).
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("ward.id"))
    action: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str | None] = mapped_column(String(400))
    collection: Mapped[str | None] = mapped_column(String(30))
    record_id: Mapped[str | None] = mapped_column(String(200))
    detail_json: Mapped[str] = mapped_column(Text)


# A record's history is the op log of that record. The log is keyed by "author:op_id"
# only, so without this index a desk's history scans every op ever logged. Declared here,
# beside the query that needs it (``queries.record_history``), and made by migration 0005.
SYNC_OP_RECORD_INDEX = Index("ix_sync_op_record", SyncOp.__table__.c.collection,
                             SyncOp.__table__.c.record_id)
