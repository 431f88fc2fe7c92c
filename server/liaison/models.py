"""A meeting's current record, the sites that attended it and every version it had.

The current record is what the lists and the attendance read; ``LiaisonMeetingVersion``
keeps the whole state of each version (the first included) with who wrote it and when, so
an edit never loses the text before it."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class LiaisonMeeting(db.Model):
    """A meeting of a ward (``area_id`` None) or one of its areas."""

    __tablename__ = "liaison_meeting"
    # The lists read one ward's meetings by date.
    __table_args__ = (Index("ix_liaison_meeting_ward_held", "ward_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    held_on: Mapped[date]
    title: Mapped[str] = mapped_column(String(200))
    # Kinds of organisation without a site (schemas.liaison.ORGANISATION_KINDS).
    organisations: Mapped[list] = mapped_column(JSON)
    shared: Mapped[str] = mapped_column(Text)
    discussed: Mapped[str] = mapped_column(Text)
    # Rows {"site_id", "organisation", "task", "due_on"}: who does what, by when.
    decided: Mapped[list] = mapped_column(JSON)
    decided_note: Mapped[str] = mapped_column(Text)
    looked_back: Mapped[str] = mapped_column(Text)
    version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    sites: Mapped[list["LiaisonAttendance"]] = relationship(
        order_by="LiaisonAttendance.site_id", lazy="selectin", cascade="all, delete-orphan")


class LiaisonAttendance(db.Model):
    """A site of the ward that attended a meeting (as the meeting's current record has it)."""

    __tablename__ = "liaison_attendance"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("liaison_meeting.id"),
                                            primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True, index=True)


class LiaisonMeetingVersion(db.Model):
    """The whole of one version of a meeting's record, as it was written."""

    __tablename__ = "liaison_meeting_version"
    __table_args__ = (UniqueConstraint("meeting_id", "version",
                                       name="uq_liaison_meeting_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("liaison_meeting.id"))
    version: Mapped[int]
    state: Mapped[dict] = mapped_column(JSON)
    changed_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
