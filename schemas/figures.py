"""A ward's figures on the wire: the query (a period and filters) and the one shape the
desk's charts and the monthly report read (``server.figures.compute`` builds it).

Days are Asia/Tokyo calendar days as the records carry them (a session's date, an
outreach visit's, a card's ``issued_on``); both ends of the period are included. Every
count is a whole number; a rate is ``arrived / issued``, or null when nothing was issued.
"""

from datetime import timedelta

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from sync.collections import CONSULTATION_ANSWERS
from sync.vocabulary import (
    CONSULTATION_TOPICS,
    FEATURE_TAGS,
    LOCAL_PEOPLE_ROLES,
    OUTREACH_ROLES,
    SITE_KINDS,
)

from .directory import FIRST_DAY, LAST_DAY
from .fields import ROW_ID

MAX_PERIOD = timedelta(days=3 * 366)
"""The longest period asked for at once: three years (the comparison needs no more)."""

_IN_CALENDAR = validate.Range(min=FIRST_DAY, max=LAST_DAY,
                              error=f"must be from {FIRST_DAY} to {LAST_DAY}")
_KIND = {"enum": list(SITE_KINDS)}


class FiguresQuerySchema(Schema):
    """The period (both given, or neither for this month in Asia/Tokyo) and the sites."""

    class Meta:
        unknown = RAISE

    start = fields.Date(data_key="from", validate=_IN_CALENDAR,
                        metadata={"description": "first day counted (YYYY-MM-DD)"})
    end = fields.Date(data_key="to", validate=_IN_CALENDAR,
                      metadata={"description": "last day counted (YYYY-MM-DD)"})
    area = fields.Integer(validate=ROW_ID, metadata={"description": "area id of the sites"})
    kind = fields.String(validate=validate.OneOf(SITE_KINDS),
                         metadata={"description": "kind of the sites"})
    site = fields.Integer(validate=ROW_ID, metadata={"description": "one site's id"})

    @validates_schema
    def _period(self, data, **_kwargs):
        if ("start" in data) != ("end" in data):
            missing = "to" if "start" in data else "from"
            raise ValidationError("give both from and to, or neither", missing)
        if "start" not in data:
            return
        if data["end"] < data["start"]:
            raise ValidationError("must not be before from", "to")
        if data["end"] - data["start"] >= MAX_PERIOD:
            raise ValidationError(f"must be less than {MAX_PERIOD.days} days after from", "to")


class WardRefSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class FiltersSchema(Schema):
    area = fields.Integer(required=True, allow_none=True)
    kind = fields.String(required=True, allow_none=True, metadata=_KIND)
    site_id = fields.Integer(required=True, allow_none=True)


def _counts(*names: str, description: dict | None = None) -> dict:
    return {name: fields.Integer(required=True, metadata=(description or {}).get(name, {}))
            for name in names}


_TOTALS_DOC = {
    "sessions": {"description": "session logs"},
    "days_open": {"description": "distinct (site, day) with a session log"},
    "adults": {"description": "every adult who came (the counter parents)"},
    "children": {"description": "children_0 + children_1 + children_2 + children_3plus"},
    "worry": {"description": "families connected to the ward on the spot (心配なことがある)"},
}
TotalsSchema = Schema.from_dict(_counts(
    "sessions", "days_open", "adults", "children", "children_0", "children_1", "children_2",
    "children_3plus", "expecting_parents", "fathers", "grandparents", "first_time", "in_ward",
    "out_of_ward", "worry", description=_TOTALS_DOC), name="FigureTotalsSchema")


class SiteFiguresSchema(Schema):
    site_id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata=_KIND)
    area = fields.String(required=True, allow_none=True, metadata={"description": "area name"})
    sessions = fields.Integer(required=True)
    days_open = fields.Integer(required=True)
    adults = fields.Integer(required=True)
    children = fields.Integer(required=True)


class WeekFiguresSchema(Schema):
    week = fields.String(required=True, metadata={"description": "the week's Monday (YYYY-MM-DD)"})
    kind = fields.String(required=True, metadata=_KIND)
    sessions = fields.Integer(required=True)
    adults = fields.Integer(required=True)
    children = fields.Integer(required=True)


class MonthFiguresSchema(Schema):
    month = fields.String(required=True, metadata={"description": "YYYY-MM"})
    children_0 = fields.Integer(required=True)
    children_1 = fields.Integer(required=True)
    children_2 = fields.Integer(required=True)
    children_3plus = fields.Integer(required=True)
    expecting_parents = fields.Integer(required=True)
    adults = fields.Integer(required=True)


class ConsultationFiguresSchema(Schema):
    topic = fields.String(required=True, metadata={"enum": list(CONSULTATION_TOPICS)})
    answer = fields.String(required=True, metadata={"enum": list(CONSULTATION_ANSWERS)})
    count = fields.Integer(required=True)


OutreachRolesSchema = Schema.from_dict(_counts(*OUTREACH_ROLES), name="OutreachRolesSchema")
LocalPeopleSchema = Schema.from_dict(_counts(*LOCAL_PEOPLE_ROLES), name="LocalPeopleSchema")


class OutreachFiguresSchema(Schema):
    visits = fields.Integer(required=True, metadata={"description": "outreach records"})
    by_role = fields.Nested(OutreachRolesSchema, required=True,
                            metadata={"description": "professionals who went, by role"})
    parents = fields.Integer(required=True)
    children = fields.Integer(required=True)
    met = fields.Nested(LocalPeopleSchema, required=True,
                        metadata={"description": "local people met, by role"})


_RATE = {"description": "arrived / issued; null when issued is 0"}


class SiteCardFiguresSchema(Schema):
    site_id = fields.Integer(required=True)
    name = fields.String(required=True)
    issued = fields.Integer(required=True)
    opened = fields.Integer(required=True)
    arrived = fields.Integer(required=True)
    arrival_rate = fields.Float(required=True, allow_none=True, metadata=_RATE)


class WishCardFiguresSchema(Schema):
    wish = fields.String(required=True, metadata={"enum": list(FEATURE_TAGS)})
    issued = fields.Integer(required=True)
    arrived = fields.Integer(required=True)
    arrival_rate = fields.Float(required=True, allow_none=True, metadata=_RATE)


class SiteFlowSchema(Schema):
    from_site_id = fields.Integer(required=True)
    to_site_id = fields.Integer(required=True)
    issued = fields.Integer(required=True)
    arrived = fields.Integer(required=True)


class KindFlowSchema(Schema):
    from_kind = fields.String(required=True, metadata=_KIND)
    to_kind = fields.String(required=True, metadata=_KIND)
    issued = fields.Integer(required=True)
    arrived = fields.Integer(required=True)


class WardCardFiguresSchema(Schema):
    """Cards issued in the period by the sites counted, by their status now."""

    issued = fields.Integer(required=True)
    opened = fields.Integer(required=True, metadata={
        "description": "status opened or arrived (an arrived family got there)"})
    arrived = fields.Integer(required=True)
    expired = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)
    arrival_rate = fields.Float(required=True, allow_none=True, metadata=_RATE)
    by_site = fields.List(fields.Nested(SiteCardFiguresSchema), required=True,
                          metadata={"description": "by the issuing site"})
    by_wish = fields.List(fields.Nested(WishCardFiguresSchema), required=True)
    site_flows = fields.List(fields.Nested(SiteFlowSchema), required=True)
    kind_flows = fields.List(fields.Nested(KindFlowSchema), required=True, metadata={
        "description": "every pair of site kinds, zeros included"})
    missing_kind_pairs = fields.List(
        fields.List(fields.String(metadata=_KIND)), required=True,
        metadata={"description": "[from_kind, to_kind] pairs with no card issued"})


class MonthTotalsSchema(Schema):
    month = fields.String(required=True, metadata={"description": "YYYY-MM"})
    totals = fields.Nested(TotalsSchema, required=True)


class ComparisonSchema(Schema):
    month = fields.String(required=True, metadata={"description": "YYYY-MM"})
    last_year = fields.Nested(MonthTotalsSchema, required=True)
    previous = fields.List(fields.Nested(MonthTotalsSchema), required=True,
                           metadata={"description": "the three months before, newest first"})


class FiguresSchema(Schema):
    """A ward's figures for a period (``server.figures.compute``)."""

    ward = fields.Nested(WardRefSchema, required=True)
    start = fields.String(required=True, attribute="from", data_key="from",
                          metadata={"description": "YYYY-MM-DD"})
    end = fields.String(required=True, attribute="to", data_key="to",
                        metadata={"description": "YYYY-MM-DD"})
    filters = fields.Nested(FiltersSchema, required=True)
    totals = fields.Nested(TotalsSchema, required=True)
    sites = fields.List(fields.Nested(SiteFiguresSchema), required=True)
    by_week = fields.List(fields.Nested(WeekFiguresSchema), required=True)
    by_month = fields.List(fields.Nested(MonthFiguresSchema), required=True)
    consultations = fields.List(fields.Nested(ConsultationFiguresSchema), required=True)
    outreach = fields.Nested(OutreachFiguresSchema, required=True)
    cards = fields.Nested(WardCardFiguresSchema, required=True)
    comparison = fields.Nested(ComparisonSchema, required=True, allow_none=True, metadata={
        "description": "only when the period is one calendar month"})
