"""Steps, checkpoint wordings and assessments. Nothing here is updated in place: a new
wording of a checkpoint is a new version row, a new review is a new assessment, so every
earlier answer still names the exact wording it answered."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

STATUSES = ("met", "partly", "not_yet")


class CoopStep(db.Model):
    __tablename__ = "coop_step"

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # The glossary's id of the step (``step1_know``…), for code that names a step.
    code: Mapped[str] = mapped_column(String(30), unique=True)
    title_ja: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))


class CoopCheckpoint(db.Model):
    """One wording of one checkpoint. The current wording is the highest version."""

    __tablename__ = "coop_checkpoint"
    __table_args__ = (UniqueConstraint("step_number", "number", "version",
                                       name="uq_coop_checkpoint_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    step_number: Mapped[int] = mapped_column(ForeignKey("coop_step.number"))
    number: Mapped[int]
    version: Mapped[int]
    text_ja: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CoopAssessment(db.Model):
    """A review of one step for a ward (``area_id`` None) or one of its areas."""

    __tablename__ = "coop_assessment"
    # The standing and the history read one ward's assessments of a step, newest first.
    __table_args__ = (Index("ix_coop_assessment_ward_step", "ward_id", "step_number", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    step_number: Mapped[int] = mapped_column(ForeignKey("coop_step.number"))
    assessed_on: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    next_action: Mapped[str] = mapped_column(Text)
    next_action_on: Mapped[date | None]
    next_review_on: Mapped[date]

    answers: Mapped[list["CoopAnswer"]] = relationship(
        order_by="CoopAnswer.checkpoint_id", lazy="selectin")


class CoopAnswer(db.Model):
    """How one checkpoint stood at one assessment, against the wording then current."""

    __tablename__ = "coop_answer"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("coop_assessment.id"),
                                               primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("coop_checkpoint.id"),
                                               primary_key=True)
    status: Mapped[str] = mapped_column(String(8))
    evidence: Mapped[str] = mapped_column(Text)

    checkpoint: Mapped[CoopCheckpoint] = relationship(lazy="joined")
