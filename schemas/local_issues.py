"""The regional issues board on the wire: the board a ward reads, one issue with its
history, and the hub's change to an issue.

The issue itself (title, detail, the site that raised it, the day) comes from a phone
through sync (``sync.collections.LOCAL_ISSUE``); the rest is the hub's: the state, the
meetings where it was shared and discussed, the initiative decided, the roles agreed and
the review dates. A change names only the fields it sets; a list replaces the whole list.
What the hub writes is about the work of the ward's sites, never about a family.
"""

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from .accounts import UtcDateTime
from .cooperation import _no_phone_number as no_phone_number
from .directory import FIRST_DAY, LAST_DAY
from .fields import ROW_ID

STATES = ("raised", "shared", "discussed", "decided", "in_progress", "reviewed")
"""raised → shared → discussed → decided → in progress → reviewed."""
MEETING_STAGES = ("shared", "discussed")
MAX_INITIATIVE = 1000
MAX_TASK = 300
MAX_ROLES = 30
MAX_MEETINGS = 40
MAX_REVIEW_DATES = 12

_IN_CALENDAR = validate.Range(min=FIRST_DAY, max=LAST_DAY,
                              error=f"must be from {FIRST_DAY} to {LAST_DAY}")


class MeetingLinkSchema(Schema):
    class Meta:
        unknown = RAISE

    meeting_id = fields.Integer(required=True, strict=True, validate=ROW_ID,
                                metadata={"description": "a liaison meeting's id"})
    stage = fields.String(required=True, validate=validate.OneOf(MEETING_STAGES),
                          metadata={"description": "shared there or discussed there"})


class RoleInSchema(Schema):
    class Meta:
        unknown = RAISE

    site_id = fields.Integer(required=True, strict=True, validate=ROW_ID,
                             metadata={"description": "a site of the ward"})
    task = fields.String(required=True, validate=[
        validate.Length(min=1, max=MAX_TASK), no_phone_number],
        metadata={"description": "what that site does"})

    @validates_schema
    def _not_blank(self, data, **_kwargs):
        if not data["task"].strip():
            raise ValidationError("must not be blank", "task")


class IssueChangeSchema(Schema):
    """What hub staff set on an issue; at least one field."""

    class Meta:
        unknown = RAISE

    state = fields.String(validate=validate.OneOf(STATES))
    initiative = fields.String(validate=[validate.Length(max=MAX_INITIATIVE), no_phone_number],
                               metadata={"description": "the initiative decided"})
    meetings = fields.List(fields.Nested(MeetingLinkSchema),
                           validate=validate.Length(max=MAX_MEETINGS))
    roles = fields.List(fields.Nested(RoleInSchema), validate=validate.Length(max=MAX_ROLES),
                        metadata={"description": "which site of the ward does what"})
    review_dates = fields.List(fields.Date(validate=_IN_CALENDAR),
                               validate=validate.Length(max=MAX_REVIEW_DATES))

    @validates_schema
    def _something(self, data, **_kwargs):
        if not data:
            raise ValidationError("name at least one field to change", "state")


class IssueMeetingSchema(Schema):
    meeting_id = fields.Integer()
    stage = fields.String(validate=validate.OneOf(MEETING_STAGES))
    held_on = fields.Date(metadata={"description": "the day the liaison meeting was held"})
    title = fields.String(metadata={"description": "the liaison meeting's name"})


class RoleSchema(Schema):
    site_id = fields.Integer()
    site_name = fields.String()
    task = fields.String()


class IssueSchema(Schema):
    id = fields.String(metadata={"description": "the sync record's id (made on the phone)"})
    site_id = fields.Integer(metadata={"description": "the site that raised it"})
    site_name = fields.String()
    title = fields.String()
    detail = fields.String()
    raised_on = fields.Date(allow_none=True)
    state = fields.String(validate=validate.OneOf(STATES))
    initiative = fields.String()
    meetings = fields.List(fields.Nested(IssueMeetingSchema))
    roles = fields.List(fields.Nested(RoleSchema))
    review_dates = fields.List(fields.Date())
    updated_at = UtcDateTime(allow_none=True, metadata={
        "description": "the hub's last change; null: not yet touched"})


class HistoryEntrySchema(Schema):
    at = UtcDateTime()
    by = fields.String(metadata={"description": "who changed it (hub staff's display name)"})
    changes = fields.Dict(keys=fields.String(), values=fields.Dict(), metadata={
        "description": "each changed field: {before, after}"})


class IssueDetailSchema(IssueSchema):
    history = fields.List(fields.Nested(HistoryEntrySchema))
