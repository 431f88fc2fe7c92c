"""The hub's record of a regional issue, beside the synced record the phone raised.

The issue itself (site, title, detail, raised_on) is a ``local_issue`` sync record: it is
written offline on a phone and merged like any other record. What the hub decides about
it lives here, keyed by that record's id, because only hub staff may write it and a
phone's replica must never hold it as fields it could overwrite. An issue with no row here
is simply ``raised``. Nothing in the history table is changed once written.
"""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class LocalIssue(db.Model):
    __tablename__ = "local_issue"
    # reviews_due reads the decided and in-progress issues of every ward.
    __table_args__ = (Index("ix_local_issue_state", "state"),)

    record_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    state: Mapped[str] = mapped_column(String(12))
    initiative: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    meetings: Mapped[list["LocalIssueMeeting"]] = relationship(
        order_by="(LocalIssueMeeting.stage, LocalIssueMeeting.meeting_id)", lazy="selectin",
        cascade="all, delete-orphan")
    roles: Mapped[list["LocalIssueRole"]] = relationship(
        order_by="LocalIssueRole.id", lazy="selectin", cascade="all, delete-orphan")
    reviews: Mapped[list["LocalIssueReview"]] = relationship(
        order_by="LocalIssueReview.review_on", lazy="selectin", cascade="all, delete-orphan")


class LocalIssueMeeting(db.Model):
    """A liaison meeting (連絡会) of the issue's ward where it was shared or discussed."""

    __tablename__ = "local_issue_meeting"

    issue_id: Mapped[str] = mapped_column(ForeignKey("local_issue.record_id"),
                                          primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("liaison_meeting.id"), primary_key=True,
                                            autoincrement=False)
    stage: Mapped[str] = mapped_column(String(10), primary_key=True)


class LocalIssueRole(db.Model):
    """Which site of the ward does what for the initiative decided."""

    __tablename__ = "local_issue_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[str] = mapped_column(ForeignKey("local_issue.record_id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    task: Mapped[str] = mapped_column(Text)


class LocalIssueReview(db.Model):
    """A date on which the initiative is to be looked back on (振り返り)."""

    __tablename__ = "local_issue_review"

    issue_id: Mapped[str] = mapped_column(ForeignKey("local_issue.record_id"),
                                          primary_key=True)
    review_on: Mapped[date] = mapped_column(primary_key=True)


class LocalIssueEvent(db.Model):
    """One change by the hub: who, when, and each field's value before and after (JSON
    ``{field: {"before": …, "after": …}}``)."""

    __tablename__ = "local_issue_event"
    __table_args__ = (Index("ix_local_issue_event_issue", "issue_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[str] = mapped_column(ForeignKey("local_issue.record_id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    changes_json: Mapped[str] = mapped_column(Text)
