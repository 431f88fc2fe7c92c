"""A ward's hub messages and who has read them.

A message stores what it is about (counts, dates, the record it reminds of), never a
sentence: the desk words it in the reader's language, the e-mail in Japanese. Its
``(ward_id, kind, key)`` is unique, so a reminder or a week's digest is written once
however often, and by however many processes, the job that writes it runs.

Read is per person, not per ward: a reminder one colleague opened is still news to the
others (the guideline wants the practice to survive when people change, so each of the
hub's staff should see each review coming), and no one's reading hides a message from
another.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow

KINDS = ("reminder", "digest")


class HubMessage(db.Model):
    __tablename__ = "hub_message"
    __table_args__ = (UniqueConstraint("ward_id", "kind", "key", name="uq_hub_message_key"),
                      # The inbox reads one ward's messages, newest first.
                      Index("ix_hub_message_ward", "ward_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"))
    kind: Mapped[str] = mapped_column(String(20))
    # What makes it one message: "checklist_review:12:2026-12-10", "2026-W49".
    key: Mapped[str] = mapped_column(String(120))
    body_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the e-mail of a digest went out; None: not sent (no SMTP, or it failed).
    mailed_at: Mapped[datetime | None]


class HubMessageRead(db.Model):
    __tablename__ = "hub_message_read"

    message_id: Mapped[int] = mapped_column(ForeignKey("hub_message.id", ondelete="CASCADE"),
                                            primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True, index=True)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
