"""Liaison meetings (連絡会, ``liaison_meeting``) on the wire: a meeting as hub staff send
it, as everyone of the ward reads it, its history and the sites' attendance over a year.

A meeting names who came by site (a site of the ward) and by kind of organisation
without a site (``ORGANISATION_KINDS``: roles, never people), and keeps four parts each
in its own field: what was shared, discussed, decided (rows "which site or organisation
does what, by when", and a note) and looked back on. The text is about the work of the
supporters, never about a family: a run of digits like a phone number is refused.
"""

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from .accounts import UtcDateTime
from .cooperation import _no_phone_number
from .directory import FIRST_DAY, LAST_DAY
from .fields import ROW_ID

ORGANISATION_KINDS = (
    "ward_cfsd",                 # 区役所こども家庭支援課
    "public_health_nurse",       # 保健師
    "chief_child_commissioner",  # 主任児童委員
    "welfare_commissioner",      # 民生委員・児童委員
    "care_plaza",                # 地域ケアプラザ
    "district_swc",              # 地区社会福祉協議会
    "neighborhood_assoc",        # 自治会・町内会
)
"""Who may attend without being a site of the directory (the glossary's ids)."""
MAX_PART = 4000
"""Characters of one part of a record: a page of minutes, not a case file."""
MAX_TITLE = 200
MAX_TASK = 400
MAX_SITES = 200
MAX_DECIDED = 30

_IN_CALENDAR = validate.Range(min=FIRST_DAY, max=LAST_DAY,
                              error=f"must be from {FIRST_DAY} to {LAST_DAY}")


def _text(limit: int, **kwargs) -> fields.String:
    return fields.String(validate=[validate.Length(max=limit), _no_phone_number], **kwargs)


class DecidedRowInSchema(Schema):
    """One thing decided: which site or which kind of organisation does what, by when."""

    class Meta:
        unknown = RAISE

    site_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ROW_ID,
                             metadata={"description": "the site that does it (or "
                                       "organisation)"})
    organisation = fields.String(load_default=None, allow_none=True,
                                 validate=validate.OneOf(ORGANISATION_KINDS))
    task = _text(MAX_TASK, required=True, metadata={"description": "what is done"})
    due_on = fields.Date(load_default=None, allow_none=True, validate=_IN_CALENDAR)

    @validates_schema
    def _one_doer(self, data, **_kwargs):
        if (data.get("site_id") is None) == (data.get("organisation") is None):
            raise ValidationError("name either a site or an organisation", "site_id")
        if not data["task"].strip():
            raise ValidationError("say what is done", "task")


class MeetingInSchema(Schema):
    """A new meeting, or (with ``version``) the whole of an edited one."""

    class Meta:
        unknown = RAISE

    area_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ROW_ID,
                             metadata={"description": "one area of the ward; null: the ward"})
    held_on = fields.Date(required=True, validate=_IN_CALENDAR)
    title = fields.String(required=True, validate=[validate.Length(min=1, max=MAX_TITLE),
                                                   _no_phone_number])
    site_ids = fields.List(fields.Integer(strict=True, validate=ROW_ID), load_default=list,
                           validate=validate.Length(max=MAX_SITES),
                           metadata={"description": "the sites of the ward that attended"})
    organisations = fields.List(fields.String(validate=validate.OneOf(ORGANISATION_KINDS)),
                                load_default=list,
                                validate=validate.Length(max=len(ORGANISATION_KINDS)))
    shared = _text(MAX_PART, load_default="", metadata={"description": "共有したこと"})
    discussed = _text(MAX_PART, load_default="", metadata={"description": "話し合ったこと"})
    decided = fields.List(fields.Nested(DecidedRowInSchema), load_default=list,
                          validate=validate.Length(max=MAX_DECIDED),
                          metadata={"description": "決めたこと: who does what, by when"})
    decided_note = _text(MAX_PART, load_default="")
    looked_back = _text(MAX_PART, load_default="", metadata={"description": "振り返り"})

    @validates_schema
    def _each_once(self, data, **_kwargs):
        for name in ("site_ids", "organisations"):
            if len(data[name]) != len(set(data[name])):
                raise ValidationError("name each once", name)
        if not data["title"].strip():
            raise ValidationError("must not be blank", "title")


class MeetingEditSchema(MeetingInSchema):
    version = fields.Integer(required=True, strict=True, validate=ROW_ID,
                             metadata={"description": "the version the edit was made "
                                       "from; an older one is refused (409)"})


class MeetingQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    area = fields.Integer(load_default=None, validate=ROW_ID,
                          metadata={"description": "meetings of this area only"})
    year = fields.Integer(load_default=None, validate=validate.Range(min=FIRST_DAY.year,
                                                                     max=LAST_DAY.year),
                          metadata={"description": "held in this calendar year; none: the "
                                    "newest 100"})


class AttendanceQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    year = fields.Integer(load_default=None, validate=validate.Range(min=FIRST_DAY.year,
                                                                     max=LAST_DAY.year),
                          metadata={"description": "calendar year; none: this year"})


class NamedSiteSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class DecidedRowSchema(Schema):
    site_id = fields.Integer(allow_none=True)
    site_name = fields.String(allow_none=True)
    organisation = fields.String(allow_none=True)
    task = fields.String()
    due_on = fields.Date(allow_none=True)


class MeetingStateSchema(Schema):
    """What one version of a meeting said."""

    area_id = fields.Integer(allow_none=True)
    area_name = fields.String(allow_none=True)
    held_on = fields.Date()
    title = fields.String()
    sites = fields.List(fields.Nested(NamedSiteSchema))
    organisations = fields.List(fields.String())
    shared = fields.String()
    discussed = fields.String()
    decided = fields.List(fields.Nested(DecidedRowSchema))
    decided_note = fields.String()
    looked_back = fields.String()


class MeetingSchema(MeetingStateSchema):
    id = fields.Integer()
    version = fields.Integer()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class MeetingVersionSchema(Schema):
    version = fields.Integer()
    changed_at = UtcDateTime()
    changed_by = fields.String(metadata={"description": "the display name of who wrote it"})
    state = fields.Nested(MeetingStateSchema)


class AttendedSchema(Schema):
    id = fields.Integer()
    held_on = fields.Date()
    title = fields.String()


class SiteAttendanceSchema(Schema):
    site_id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    area_id = fields.Integer(allow_none=True)
    area_name = fields.String(allow_none=True)
    held_for = fields.Integer(metadata={"description": "meetings of the year the site "
                                        "belongs to: the ward's and its area's"})
    attended = fields.List(fields.Nested(AttendedSchema))
    rarely = fields.Boolean(metadata={"description": "attended fewer than a third of "
                                      "held_for (never counts)"})


class AttendanceSchema(Schema):
    year = fields.Integer()
    meetings = fields.Integer(metadata={"description": "meetings of the ward in the year"})
    sites = fields.List(fields.Nested(SiteAttendanceSchema))
