"""The figures in SQL: GROUP BY statements on the projection tables (``models.py``) joined
to the directory's sites, each over a range of days of the sites a ``Scope`` names. The
same statements run on SQLite and PostgreSQL; each reads only the period's rows through
the (site, day) indexes, so its time grows with the period and the ward, not with the
whole database.

Every function returns plain rows (named tuples); ``compute.py`` shapes them.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select

from sync.vocabulary import FEATURE_TAGS

from ..directory.models import Area, Site
from ..extensions import db
from .models import FIGURE_CARD, FIGURE_OUTREACH, FIGURE_VISIT, OUTREACH_COUNTS, VISIT_COUNTS
from .projection import WISH_BITS

_SITE = Site.__table__
_AREA = Area.__table__
_V, _O, _C = FIGURE_VISIT, FIGURE_OUTREACH, FIGURE_CARD

CHILDREN = ("children_0", "children_1", "children_2", "children_3plus")
OPENED = ("opened", "arrived")


@dataclass(frozen=True)
class Scope:
    """The sites counted: those of ``ward_id``, narrowed by area, kind and site."""

    ward_id: int
    area_id: int | None = None
    kind: str | None = None
    site_id: int | None = None

    def where(self, site=_SITE) -> list:
        criteria = [site.c.ward_id == self.ward_id]
        if self.area_id is not None:
            criteria.append(site.c.area_id == self.area_id)
        if self.kind is not None:
            criteria.append(site.c.kind == self.kind)
        if self.site_id is not None:
            criteria.append(site.c.id == self.site_id)
        return criteria


def _sum(column):
    return func.coalesce(func.sum(column), 0)


def _site_days(scope: Scope, start: date, end: date):
    """One row per (site, day) open in the period: its sessions and summed counters. A
    day open is a day with at least one session log."""
    return (select(_V.c.site_id, _V.c.month, func.count().label("sessions"),
                   *(_sum(_V.c[name]).label(name) for name in VISIT_COUNTS))
            .select_from(_V.join(_SITE, _SITE.c.id == _V.c.site_id))
            .where(*scope.where(), _V.c.day >= start, _V.c.day <= end)
            .group_by(_V.c.site_id, _V.c.day, _V.c.month)
            .subquery("site_day"))


def visits_by_month(scope: Scope, start: date, end: date) -> list:
    """Per month with a session: ``month, days_open, sessions`` and every counter summed."""
    days = _site_days(scope, start, end)
    statement = (select(days.c.month, func.count().label("days_open"),
                        _sum(days.c.sessions).label("sessions"),
                        *(_sum(days.c[name]).label(name) for name in VISIT_COUNTS))
                 .group_by(days.c.month).order_by(days.c.month))
    return db.session.execute(statement).all()


def visits_by_site(scope: Scope, start: date, end: date) -> list:
    """Per site with a session: ``site_id, days_open, sessions, adults, children``."""
    days = _site_days(scope, start, end)
    children = sum((days.c[name] for name in CHILDREN[1:]), days.c[CHILDREN[0]])
    statement = (select(days.c.site_id, func.count().label("days_open"),
                        _sum(days.c.sessions).label("sessions"),
                        _sum(days.c.parents).label("adults"),
                        _sum(children).label("children"))
                 .group_by(days.c.site_id))
    return db.session.execute(statement).all()


def visits_by_week(scope: Scope, start: date, end: date) -> list:
    """Per (week's Monday, site kind) with a session: ``week, kind, sessions, adults,
    children``."""
    children = sum((_V.c[name] for name in CHILDREN[1:]), _V.c[CHILDREN[0]])
    statement = (select(_V.c.week, _SITE.c.kind, func.count().label("sessions"),
                        _sum(_V.c.parents).label("adults"), _sum(children).label("children"))
                 .select_from(_V.join(_SITE, _SITE.c.id == _V.c.site_id))
                 .where(*scope.where(), _V.c.day >= start, _V.c.day <= end)
                 .group_by(_V.c.week, _SITE.c.kind))
    return db.session.execute(statement).all()


def scoped_sites(scope: Scope) -> list:
    """The sites counted: ``id, name, kind, area`` (the area's name or None)."""
    statement = (select(_SITE.c.id, _SITE.c.name, _SITE.c.kind, _AREA.c.name.label("area"))
                 .select_from(_SITE.outerjoin(_AREA, _AREA.c.id == _SITE.c.area_id))
                 .where(*scope.where()))
    return db.session.execute(statement).all()


def outreach_totals(scope: Scope, start: date, end: date):
    """``visits`` and every outreach counter summed, of the visiting sites in scope."""
    statement = (select(func.count().label("visits"),
                        *(_sum(_O.c[name]).label(name) for name in OUTREACH_COUNTS))
                 .select_from(_O.join(_SITE, _SITE.c.id == _O.c.site_id))
                 .where(*scope.where(), _O.c.day >= start, _O.c.day <= end))
    return db.session.execute(statement).one()


def _status_counts(status):
    return (func.count().label("issued"),
            _sum(case((status.in_(OPENED), 1), else_=0)).label("opened"),
            _sum(case((status == "arrived", 1), else_=0)).label("arrived"),
            _sum(case((status == "expired", 1), else_=0)).label("expired"),
            _sum(case((status == "cancelled", 1), else_=0)).label("cancelled"))


def _cards(scope: Scope, start: date, end: date, *columns, source=None):
    """``columns`` of the cards issued in the period by the sites in scope."""
    source = _C.join(_SITE, _SITE.c.id == _C.c.issuing_site_id) if source is None else source
    return (select(*columns).select_from(source)
            .where(*scope.where(), _C.c.issued_on >= start, _C.c.issued_on <= end))


def cards_by_site(scope: Scope, start: date, end: date) -> list:
    """Per issuing site with a card: ``issuing_site_id, issued, opened, arrived, expired,
    cancelled`` (by each card's status now)."""
    statement = (_cards(scope, start, end, _C.c.issuing_site_id, *_status_counts(_C.c.status))
                 .group_by(_C.c.issuing_site_id))
    return db.session.execute(statement).all()


def cards_by_wish(scope: Scope, start: date, end: date):
    """One row: ``issued_<wish>`` and ``arrived_<wish>`` for every wish, a card counted
    once under each wish it carries."""
    columns = []
    for wish in FEATURE_TAGS:
        has = _C.c.wishes.op("&")(WISH_BITS[wish]) != 0
        columns += [_sum(case((has, 1), else_=0)).label(f"issued_{wish}"),
                    _sum(case((and_(has, _C.c.status == "arrived"), 1), else_=0))
                    .label(f"arrived_{wish}")]
    return db.session.execute(_cards(scope, start, end, *columns)).one()


def card_site_flows(scope: Scope, start: date, end: date) -> list:
    """Per (issuing site, target site): ``from_site_id, to_site_id, issued, arrived``."""
    arrived = _sum(case((_C.c.status == "arrived", 1), else_=0)).label("arrived")
    statement = (_cards(
        scope, start, end, _C.c.issuing_site_id.label("from_site_id"),
        _C.c.target_site_id.label("to_site_id"), func.count().label("issued"), arrived)
        .where(_C.c.target_site_id.is_not(None))
        .group_by(_C.c.issuing_site_id, _C.c.target_site_id))
    return db.session.execute(statement).all()


def card_kind_flows(scope: Scope, start: date, end: date) -> list:
    """Per (issuing site's kind, target site's kind), targets of any ward:
    ``from_kind, to_kind, issued, arrived``."""
    target = _SITE.alias("target")
    source = (_C.join(_SITE, _SITE.c.id == _C.c.issuing_site_id)
              .join(target, target.c.id == _C.c.target_site_id))
    arrived = _sum(case((_C.c.status == "arrived", 1), else_=0)).label("arrived")
    statement = (_cards(
        scope, start, end, _SITE.c.kind.label("from_kind"), target.c.kind.label("to_kind"),
        func.count().label("issued"), arrived, source=source)
        .group_by(_SITE.c.kind, target.c.kind))
    return db.session.execute(statement).all()

