"""The cooperation steps' checklists on the wire: the steps with their checkpoints, an
assessment as hub staff send it, and the standing and history the desk reads.

An assessment answers every current checkpoint of one step (met / partly / not_yet) for
the ward (``area_id`` null) or one of its areas. Its notes are about the work of the
supporters, never about a family: they are short, and a run of digits that looks like a
phone number is refused.
"""

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from .directory import FIRST_DAY, LAST_DAY
from .fields import ROW_ID

STATUSES = ("met", "partly", "not_yet")
MAX_NOTE = 400
"""Characters of an evidence note or a next action: a line or two, not a case file."""
MAX_ANSWERS = 20

_IN_CALENDAR = validate.Range(min=FIRST_DAY, max=LAST_DAY,
                              error=f"must be from {FIRST_DAY} to {LAST_DAY}")
# A Japanese phone number: a 0 starting ten or more digits, one separator at most between
# two (dates and times such as 10:00-12:00 2026-12-01 are not one).
_PHONE_LIKE = re.compile(r"(?<![0-9０-９])[0０](?:[-‐－ー()（）]?[0-9０-９]){9,}")


def _no_phone_number(text: str) -> None:
    if _PHONE_LIKE.search(text):
        raise ValidationError("must not hold a phone number (no family data here)")


def _note(**kwargs) -> fields.String:
    return fields.String(validate=[validate.Length(max=MAX_NOTE), _no_phone_number],
                         **kwargs)


class CheckpointAnswerInSchema(Schema):
    class Meta:
        unknown = RAISE

    checkpoint_id = fields.Integer(required=True, strict=True, validate=ROW_ID,
                                   metadata={"description": "a current checkpoint's id"})
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    evidence = _note(load_default="", metadata={"description": "what shows it (no family "
                                                "data)"})


class AssessmentInSchema(Schema):
    class Meta:
        unknown = RAISE

    step = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=99))
    area_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ROW_ID,
                             metadata={"description": "one area of the ward; null: the ward"})
    assessed_on = fields.Date(required=True, validate=_IN_CALENDAR)
    answers = fields.List(fields.Nested(CheckpointAnswerInSchema), required=True,
                          validate=validate.Length(min=1, max=MAX_ANSWERS))
    next_action = _note(required=True, metadata={"description": "what is done next"})
    next_action_on = fields.Date(load_default=None, allow_none=True, validate=_IN_CALENDAR)
    next_review_on = fields.Date(required=True, validate=_IN_CALENDAR)

    @validates_schema
    def _dates_follow(self, data, **_kwargs):
        for name in ("next_action_on", "next_review_on"):
            if data.get(name) is not None and data[name] < data["assessed_on"]:
                raise ValidationError("must not be before assessed_on", name)

    @validates_schema
    def _each_checkpoint_once(self, data, **_kwargs):
        ids = [answer["checkpoint_id"] for answer in data["answers"]]
        if len(ids) != len(set(ids)):
            raise ValidationError("answer each checkpoint once", "answers")


class CheckpointWordingSchema(Schema):
    """A new wording of a checkpoint (admins, when the city revises its guideline)."""

    class Meta:
        unknown = RAISE

    text_ja = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    text_en = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class HistoryQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    step = fields.Integer(required=True, validate=validate.Range(min=1, max=99))
    area = fields.Integer(load_default=None, validate=ROW_ID,
                          metadata={"description": "an area of the ward; none: the ward"})


class CheckpointSchema(Schema):
    id = fields.Integer()
    number = fields.Integer()
    version = fields.Integer()
    text_ja = fields.String()
    text_en = fields.String()


class StepSchema(Schema):
    number = fields.Integer()
    code = fields.String(metadata={"description": "the glossary's id: step1_know…"})
    title_ja = fields.String()
    title_en = fields.String()
    checkpoints = fields.List(fields.Nested(CheckpointSchema))


class StepListSchema(Schema):
    steps = fields.List(fields.Nested(StepSchema))


class CheckpointAnswerSchema(Schema):
    checkpoint_id = fields.Integer()
    number = fields.Integer()
    version = fields.Integer()
    text_ja = fields.String(metadata={"description": "the wording this answer answered"})
    text_en = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    evidence = fields.String()


class StatusCountsSchema(Schema):
    met = fields.Integer()
    partly = fields.Integer()
    not_yet = fields.Integer()


class AssessmentSchema(Schema):
    id = fields.Integer()
    step = fields.Integer()
    area_id = fields.Integer(allow_none=True)
    assessed_on = fields.Date()
    recorded_at = fields.DateTime()
    next_action = fields.String()
    next_action_on = fields.Date(allow_none=True)
    next_review_on = fields.Date()
    counts = fields.Nested(StatusCountsSchema)
    answers = fields.List(fields.Nested(CheckpointAnswerSchema))


class CheckpointChangeSchema(Schema):
    number = fields.Integer()
    before = fields.String(allow_none=True)
    now = fields.String()


class StandingSchema(Schema):
    area_id = fields.Integer(allow_none=True)
    area_name = fields.String(allow_none=True)
    step = fields.Integer()
    current = fields.Nested(AssessmentSchema)
    previous = fields.Nested(AssessmentSchema, allow_none=True)
    changes = fields.List(fields.Nested(CheckpointChangeSchema),
                          metadata={"description": "checkpoints whose status moved since "
                                    "the previous assessment"})
    counts_change = fields.Nested(StatusCountsSchema, allow_none=True)
    next_review_on = fields.Date()
    review_due = fields.Boolean(metadata={"description": "the next review is today or past"})


class StandingListSchema(Schema):
    today = fields.Date()
    standings = fields.List(fields.Nested(StandingSchema))
