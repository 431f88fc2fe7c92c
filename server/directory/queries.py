"""Reading the directory: filtered site lists and the dated occurrences of programmes."""

import heapq
from collections.abc import Iterator
from datetime import date, datetime, time
from itertools import islice, takewhile

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from schemas.directory import MAX_EVENT_DAYS
from sync.vocabulary import WEEKDAY_CODES

from ..extensions import db
from .models import Programme, Site, SiteTag, Ward
from .recurrence import parse_rule

# A programme takes place at most once a day, so a range of events has at most one
# occurrence per day per programme; a ward's events list stops at MAX_EVENTS.
MAX_OCCURRENCES = MAX_EVENT_DAYS + 1
MAX_EVENTS = 5000


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


def _occurrences(programme: Programme, start: date, end: date) -> Iterator[date]:
    """The dates from ``start`` to ``end`` (inclusive) on which ``programme`` takes place,
    in order, at most MAX_OCCURRENCES of them.

    A programme without an RRULE happens once, on ``starts_on``; cancelled dates are left
    out. A stored rule that breaks the rules for saving one (from before they were
    checked) yields nothing rather than millions of times or an error.
    """
    if not programme.rrule:
        dates = iter([programme.starts_on] if start <= programme.starts_on <= end else [])
    else:
        dates = rule_dates(programme.rrule, programme.starts_on, start, end)
    cancelled = set(programme.cancelled_dates or ())  # ISO texts
    yield from islice((day for day in dates if day.isoformat() not in cancelled),
                      MAX_OCCURRENCES)


def rule_dates(rule_text: str, starts_on: date, start: date, end: date) -> Iterator[date]:
    """The dates of the RRULE ``rule_text`` (counted from ``starts_on``) from ``start`` to
    ``end`` inclusive, in order; nothing for a rule ``parse_rule`` refuses."""
    try:
        rule = parse_rule(rule_text, starts_on)
    except ValueError:
        return
    first = datetime.combine(max(start, starts_on), time.min)
    last = datetime.combine(end, time.min)
    yield from (moment.date() for moment in
                takewhile(lambda moment: moment <= last, rule.xafter(first, inc=True)))


def occurrence_dates(programme: Programme, start: date, end: date) -> list[date]:
    """The dates from ``start`` to ``end`` (inclusive) on which ``programme`` takes place;
    see ``_occurrences``."""
    return list(_occurrences(programme, start, end))


def ward_events(ward: Ward, filters: dict) -> list[dict]:
    """The first MAX_EVENTS occurrences of the ward's matching programmes from
    ``filters["start"]`` to ``filters["end"]``, in date order (then hour, then site)."""
    weekday = WEEKDAY_CODES.index(filters["day"]) if "day" in filters else None

    def events_of(programme: Programme) -> Iterator[dict]:
        for day in _occurrences(programme, filters["start"], filters["end"]):
            if weekday is None or day.weekday() == weekday:
                yield _event(programme, day)

    # Each programme's events are already in date order, so merging them lazily expands
    # no more than the events returned (plus one per programme).
    merged = heapq.merge(*(events_of(p) for p in ward_programmes(ward, filters)),
                         key=lambda e: (e["date"], e["starts_at"] or time.min, e["site_id"]))
    return list(islice(merged, MAX_EVENTS))


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
