"""Reading the directory: filtered site lists and the dated occurrences of programmes."""

from datetime import date, datetime, timedelta

from dateutil.rrule import rrulestr
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sync.vocabulary import WEEKDAY_CODES

from ..extensions import db
from .models import Programme, Site, SiteTag, Ward


def _matching(query, ward: Ward, filters: dict):
    """``query`` (over sites) narrowed to the ward's sites that match every filter."""
    query = query.where(Site.ward_id == ward.id)
    if "kind" in filters:
        query = query.where(Site.kind == filters["kind"])
    if "area" in filters:
        query = query.where(Site.area_id == filters["area"])
    if "tag" in filters:
        query = query.where(
            Site.id.in_(select(SiteTag.site_id).where(SiteTag.tag == filters["tag"]))
        )
    if "day" in filters:
        digit = str(WEEKDAY_CODES.index(filters["day"]))
        query = query.where(Site.open_weekdays.contains(digit))
    if "site_id" in filters:
        query = query.where(Site.id == filters["site_id"])
    return query


def filtered_sites(ward: Ward, filters: dict):
    """The ward's sites that match every given filter, by kind then name."""
    query = _matching(select(Site), ward, filters).options(
        selectinload(Site.tags), selectinload(Site.area), selectinload(Site.ward))
    return db.session.scalars(query.order_by(Site.kind, Site.name, Site.id)).all()


def ward_programmes(ward: Ward, filters: dict) -> list[Programme]:
    """Programmes of the matching sites; ``day`` filters events by date, not sites here."""
    site_filters = {k: v for k, v in filters.items() if k != "day"}
    site_ids = _matching(select(Site.id), ward, site_filters)
    return db.session.scalars(
        select(Programme).where(Programme.site_id.in_(site_ids))
        .options(selectinload(Programme.site)).order_by(Programme.site_id, Programme.id)
    ).all()


def occurrence_dates(programme: Programme, start: date, end: date) -> list[date]:
    """The dates from ``start`` to ``end`` (inclusive) on which ``programme`` takes place.

    A programme without an RRULE happens once, on ``starts_on``; cancelled dates are left out.
    """
    cancelled = {date.fromisoformat(d) for d in programme.cancelled_dates or ()}
    if not programme.rrule:
        dates = [programme.starts_on] if start <= programme.starts_on <= end else []
    else:
        rule = rrulestr(programme.rrule, dtstart=datetime.combine(programme.starts_on,
                                                                  datetime.min.time()))
        first = datetime.combine(max(start, programme.starts_on), datetime.min.time())
        last = datetime.combine(end, datetime.min.time())
        dates = [moment.date() for moment in rule.between(first, last, inc=True)]
    return [d for d in dates if d not in cancelled]


def ward_events(ward: Ward, filters: dict, today: date) -> list[dict]:
    """Every occurrence of the ward's matching programmes in the asked range, in date order."""
    start = filters.get("start", today)
    end = filters.get("end", start + timedelta(days=27))
    weekday = WEEKDAY_CODES.index(filters["day"]) if "day" in filters else None
    events = []
    for programme in ward_programmes(ward, filters):
        for day in occurrence_dates(programme, start, end):
            if weekday is not None and day.weekday() != weekday:
                continue
            events.append(_event(programme, day))
    events.sort(key=lambda e: (e["date"], e["starts_at"] or datetime.min.time(), e["site_id"]))
    return events


def _event(programme: Programme, day: date) -> dict:
    return {
        "date": day,
        "starts_at": programme.starts_at,
        "ends_at": programme.ends_at,
        "programme_id": programme.id,
        "title": programme.title,
        "theme": programme.theme,
        "site_id": programme.site_id,
        "site_name": programme.site.name,
        "site_kind": programme.site.kind,
        "booking_required": programme.booking_required,
        "capacity": programme.capacity,
        "what_to_bring": programme.what_to_bring,
    }
