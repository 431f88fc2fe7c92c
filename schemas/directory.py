"""The directory on the wire: wards, areas, sites, programmes, events, contact people."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from sync.vocabulary import (
    CONTACT_ROLES,
    FEATURE_TAGS,
    KIND_MAPPING_TARGETS,
    PROGRAMME_THEMES,
    SCHEDULE_KINDS,
    SITE_KINDS,
    WEEKDAY_CODES,
)

from .fields import ROW_ID, StrictBoolean

MONTHS = validate.Range(min=-9, max=18 * 12)  # -9: from pregnancy

# The calendar the directory knows: programme dates and event ranges fall within it.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
# An events query covers at most this many days after its first; by default four weeks.
MAX_EVENT_DAYS = 366
DEFAULT_EVENT_DAYS = 27
MAX_CANCELLED_DATES = 500


OPEN_RRULE_TEXT = ("the days it opens when not every week, as one iCalendar RRULE at most "
                  "DAILY: FREQ=MONTHLY;BYDAY=1TU (毎月第1火曜日), FREQ=MONTHLY;BYDAY=2WE,4WE "
                  "(第2・第4水曜日), FREQ=WEEKLY;INTERVAL=2;BYDAY=TU (隔週火曜日)")
OPEN_SINCE_TEXT = "the day open_rrule counts from; for 隔週 a day the site opens"


def _in_calendar(value: date) -> None:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationError(f"must be between {FIRST_DAY} and {LAST_DAY}")


class StoredDate(fields.Date):
    """A date, dumped from a ``date`` or from its ISO text (as a JSON column keeps it)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return super()._serialize(value, attr, obj, **kwargs)


class WardSchema(Schema):
    code = fields.String()
    slug = fields.String()
    name_ja = fields.String()
    name_en = fields.String()
    office_name = fields.String(allow_none=True)
    office_phone = fields.String(allow_none=True)


class AreaSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class ContactSchema(Schema):
    id = fields.Integer(dump_only=True)
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    role = fields.String(required=True, validate=validate.OneOf(CONTACT_ROLES))

    class Meta:
        unknown = RAISE


class SiteSchema(Schema):
    id = fields.Integer()
    ward_code = fields.String(attribute="ward.code")
    area = fields.Nested(AreaSchema, allow_none=True)
    kind = fields.String(metadata={"enum": list(SITE_KINDS)})
    schedule_kind = fields.String(metadata={"enum": list(SCHEDULE_KINDS)})
    name = fields.String()
    name_kana = fields.String()
    organisation = fields.String()
    address = fields.String()
    address_extra = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    access = fields.String()
    phone = fields.String(metadata={"description": "the facility's published number"})
    url = fields.String()
    capacity = fields.Integer(allow_none=True)
    ages_text = fields.String()
    age_min_months = fields.Integer(allow_none=True)
    age_max_months = fields.Integer(allow_none=True)
    open_weekdays = fields.List(fields.Integer(), attribute="weekdays",
                                metadata={"description": "0 = Monday … 6 = Sunday"})
    opens_at = fields.Time(allow_none=True, format="%H:%M")
    closes_at = fields.Time(allow_none=True, format="%H:%M")
    schedule_note = fields.String()
    open_rrule = fields.String(allow_none=True, metadata={"description": OPEN_RRULE_TEXT})
    open_since = fields.Date(allow_none=True, metadata={"description": OPEN_SINCE_TEXT})
    next_open_dates = fields.List(fields.Date(), dump_only=True, metadata={
        "description": "the days it opens from today through the next eight weeks, by its "
                       "open_rrule or else every week on its open_weekdays"})
    temp_childcare = StrictBoolean(allow_none=True)
    tags = fields.List(fields.String(), attribute="tag_codes")
    note = fields.String()

    def __init__(self, *, open_dates: Callable[[Any], list[date]] | None = None, **kwargs):
        """``open_dates(site)`` gives ``next_open_dates`` (the server knows the rules and
        the day); without it the list is empty."""
        super().__init__(**kwargs)
        self.open_dates = open_dates

    def get_attribute(self, obj, attr, default):
        if attr == "next_open_dates":
            return self.open_dates(obj) if self.open_dates else []
        return super().get_attribute(obj, attr, default)


class SiteDetailSchema(SiteSchema):
    contacts = fields.List(fields.Nested(ContactSchema))


class SitePatchSchema(Schema):
    """What hub staff may change on a site after import (the rest comes from open data)."""

    class Meta:
        unknown = RAISE

    area_id = fields.Integer(allow_none=True, strict=True, validate=ROW_ID)
    tags = fields.List(fields.String(validate=validate.OneOf(FEATURE_TAGS)))
    schedule_note = fields.String(validate=validate.Length(max=2000))
    open_rrule = fields.String(allow_none=True, validate=validate.Length(max=300),
                               metadata={"description": OPEN_RRULE_TEXT + "; null: weekly"})
    open_since = fields.Date(allow_none=True, validate=_in_calendar,
                             metadata={"description": OPEN_SINCE_TEXT + " (default today)"})
    note = fields.String(validate=validate.Length(max=2000))


def _weekday(value: str) -> int:
    if value in WEEKDAY_CODES:
        return WEEKDAY_CODES.index(value)
    raise ValidationError(f"one of {', '.join(WEEKDAY_CODES)}")


class DirectoryQuerySchema(Schema):
    """Filters shared by the site, programme and event lists."""

    class Meta:
        unknown = RAISE

    kind = fields.String(validate=validate.OneOf(SITE_KINDS))
    area = fields.Integer(validate=ROW_ID, metadata={"description": "area id"})
    tag = fields.String(validate=validate.OneOf(FEATURE_TAGS))
    day = fields.String(validate=validate.OneOf(WEEKDAY_CODES),
                        metadata={"description": "open on this weekday: mon … sun"})
    site_id = fields.Integer(validate=ROW_ID)


class EventQuerySchema(DirectoryQuerySchema):
    """The filters plus a date range, loaded with both ends filled in (``start``, ``end``).

    ``today`` is the default ``from``; without it, ``from`` is required.
    """

    start = fields.Date(data_key="from", validate=_in_calendar, metadata={
        "description": f"first day (default today), from {FIRST_DAY} to {LAST_DAY}"})
    end = fields.Date(data_key="to", validate=_in_calendar, metadata={
        "description": f"last day (default from + {DEFAULT_EVENT_DAYS} days; "
                       f"at most from + {MAX_EVENT_DAYS} days), up to {LAST_DAY}"})

    def __init__(self, *, today: date | None = None, **kwargs):
        super().__init__(**kwargs)
        self.today = today

    @post_load
    def _range(self, data, **_kwargs):
        start = data.get("start", self.today)
        if start is None:
            raise ValidationError("required", "from")
        if "end" not in data:
            data["end"] = min(start + timedelta(days=DEFAULT_EVENT_DAYS), LAST_DAY)
        given = "from" if "start" in data else "from (today when not given)"
        if data["end"] < start:
            raise ValidationError(f"must not be before {given}", "to")
        if (data["end"] - start).days > MAX_EVENT_DAYS:
            raise ValidationError(f"at most {MAX_EVENT_DAYS} days after {given}", "to")
        data["start"] = start
        return data


class ProgrammeSchema(Schema):
    """A programme as read and as written (``site_id`` comes from the URL on create)."""

    class Meta:
        unknown = RAISE

    id = fields.Integer(dump_only=True)
    site_id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    theme = fields.String(required=True, validate=validate.OneOf(PROGRAMME_THEMES))
    starts_on = fields.Date(required=True, metadata={
        "description": f"first (or only) date; from {FIRST_DAY} to {LAST_DAY} with an rrule"})
    rrule = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=300),
                          metadata={"description": "one iCalendar RRULE, at most DAILY, e.g. "
                                                   "FREQ=WEEKLY;BYDAY=MO"})
    cancelled_dates = fields.List(StoredDate(), load_default=list,
                                  validate=validate.Length(max=MAX_CANCELLED_DATES))
    starts_at = fields.Time(allow_none=True, load_default=None, format="%H:%M")
    ends_at = fields.Time(allow_none=True, load_default=None, format="%H:%M")
    target_age_min_months = fields.Integer(allow_none=True, strict=True, load_default=None,
                                           validate=MONTHS)
    target_age_max_months = fields.Integer(allow_none=True, strict=True, load_default=None,
                                           validate=MONTHS)
    capacity = fields.Integer(allow_none=True, strict=True, load_default=None,
                              validate=validate.Range(min=1, max=10000))
    booking_required = StrictBoolean(load_default=False)
    what_to_bring = fields.String(load_default="", validate=validate.Length(max=500))
    description = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def _consistent(self, data, **_kwargs):
        check_programme(data)


def check_programme(data: dict) -> None:
    """Check the fields of a programme against each other (any of them may be missing).

    The server calls this again on a stored programme with a patch applied.

    :raise ValidationError: naming the field at fault.
    """
    if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
        raise ValidationError({"ends_at": ["must be after starts_at"]})
    low, high = data.get("target_age_min_months"), data.get("target_age_max_months")
    if low is not None and high is not None and high < low:
        raise ValidationError(
            {"target_age_max_months": ["must not be below target_age_min_months"]})


class ProgrammePatchSchema(ProgrammeSchema):
    """Any subset of a programme's fields."""

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)

    class Meta:
        unknown = RAISE


class EventSchema(Schema):
    """One occurrence of a programme on a date."""

    date = fields.Date()
    starts_at = fields.Time(allow_none=True, format="%H:%M")
    ends_at = fields.Time(allow_none=True, format="%H:%M")
    programme_id = fields.Integer()
    title = fields.String()
    theme = fields.String()
    site_id = fields.Integer()
    site_name = fields.String()
    site_kind = fields.String()
    booking_required = StrictBoolean()
    capacity = fields.Integer(allow_none=True)
    what_to_bring = fields.String()


class KindMappingSchema(Schema):
    class Meta:
        unknown = RAISE

    source_type = fields.String(required=True, validate=validate.Length(min=1, max=120))
    # One of the six kinds, or "skip" for a 種別 that is not a support site.
    kind = fields.String(required=True, validate=validate.OneOf(KIND_MAPPING_TARGETS))
