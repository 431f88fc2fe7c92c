"""The directory on the wire: wards, areas, sites, programmes, events, contact people."""

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from sync.vocabulary import (
    CONTACT_ROLES,
    FEATURE_TAGS,
    PROGRAMME_THEMES,
    SCHEDULE_KINDS,
    SITE_KINDS,
    WEEKDAY_CODES,
)

MONTHS = validate.Range(min=-9, max=18 * 12)  # -9: from pregnancy


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
    temp_childcare = fields.Boolean(allow_none=True)
    tags = fields.List(fields.String(), attribute="tag_codes")
    note = fields.String()


class SiteDetailSchema(SiteSchema):
    contacts = fields.List(fields.Nested(ContactSchema))


class SitePatchSchema(Schema):
    """What hub staff may change on a site after import (the rest comes from open data)."""

    class Meta:
        unknown = RAISE

    area_id = fields.Integer(allow_none=True)
    tags = fields.List(fields.String(validate=validate.OneOf(FEATURE_TAGS)))
    schedule_note = fields.String(validate=validate.Length(max=2000))
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
    area = fields.Integer(metadata={"description": "area id"})
    tag = fields.String(validate=validate.OneOf(FEATURE_TAGS))
    day = fields.String(validate=validate.OneOf(WEEKDAY_CODES),
                        metadata={"description": "open on this weekday: mon … sun"})
    site_id = fields.Integer()


class EventQuerySchema(DirectoryQuerySchema):
    start = fields.Date(data_key="from", metadata={"description": "first day (default today)"})
    end = fields.Date(data_key="to", metadata={"description": "last day (default +27 days)"})

    @validates_schema
    def _range(self, data, **_kwargs):
        if "start" in data and "end" in data:
            if data["end"] < data["start"]:
                raise ValidationError("must not be before from", "to")
            if (data["end"] - data["start"]).days > 366:
                raise ValidationError("at most 366 days after from", "to")


class ProgrammeSchema(Schema):
    """A programme as read and as written (``site_id`` comes from the URL on create)."""

    class Meta:
        unknown = RAISE

    id = fields.Integer(dump_only=True)
    site_id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    theme = fields.String(required=True, validate=validate.OneOf(PROGRAMME_THEMES))
    starts_on = fields.Date(required=True, metadata={"description": "first (or only) date"})
    rrule = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=300),
                          metadata={"description": "iCalendar RRULE, e.g. FREQ=WEEKLY;BYDAY=MO"})
    cancelled_dates = fields.List(fields.Date(), load_default=list)
    starts_at = fields.Time(allow_none=True, load_default=None, format="%H:%M")
    ends_at = fields.Time(allow_none=True, load_default=None, format="%H:%M")
    target_age_min_months = fields.Integer(allow_none=True, load_default=None, validate=MONTHS)
    target_age_max_months = fields.Integer(allow_none=True, load_default=None, validate=MONTHS)
    capacity = fields.Integer(allow_none=True, load_default=None,
                              validate=validate.Range(min=1, max=10000))
    booking_required = fields.Boolean(load_default=False)
    what_to_bring = fields.String(load_default="", validate=validate.Length(max=500))
    description = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def _times(self, data, **_kwargs):
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            raise ValidationError("must be after starts_at", "ends_at")
        low, high = data.get("target_age_min_months"), data.get("target_age_max_months")
        if low is not None and high is not None and high < low:
            raise ValidationError("must not be below target_age_min_months",
                                  "target_age_max_months")


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
    booking_required = fields.Boolean()
    capacity = fields.Integer(allow_none=True)
    what_to_bring = fields.String()


class KindMappingSchema(Schema):
    class Meta:
        unknown = RAISE

    source_type = fields.String(required=True, validate=validate.Length(min=1, max=120))
    kind = fields.String(required=True, validate=validate.OneOf(SITE_KINDS))


class ImportProblemSchema(Schema):
    line = fields.Integer()
    column = fields.String(allow_none=True)
    reason = fields.String()

