"""The iCalendar feed of a ward (or one area) that calendar apps subscribe to.

Each recurring programme is ONE event with its RRULE and its cancelled dates as EXDATE,
so a subscriber's calendar stays small and a cancellation edits one entry. The directory
expands a rule from ``starts_on`` at midnight, counting only dates the rule names; an
iCalendar app counts DTSTART itself and compares UNTIL with the start time. So DTSTART is
the first date the rule really names, and UNTIL becomes the end of its last day in Japan
time: an app then shows exactly the dates the directory lists.
"""

from datetime import UTC, date, datetime, time, timedelta

import icalendar

from ..directory.models import Programme, Site, Ward
from ..directory.recurrence import first_date, parse_rule
from ..timeutil import JAPAN
from .labels import target_ages


def feed(ward: Ward, programmes: list[Programme], *, name: str, stamp: datetime) -> bytes:
    """The calendar of ``programmes`` named ``name``; ``stamp`` is an aware DTSTAMP."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Tsunagu//Area calendar//JA")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Tokyo")
    # Public data that changes a few times a month: a day between fetches is plenty.
    calendar.add("refresh-interval", timedelta(hours=12), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT12H")
    for programme in programmes:
        event = programme_event(programme, stamp)
        if event is not None:
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def programme_event(programme: Programme, stamp: datetime) -> icalendar.Event | None:
    """The programme as one VEVENT; ``None`` when it never takes place (a stored rule the
    directory refuses, or a one-off event that was cancelled)."""
    cancelled = sorted({day for day in map(_day, programme.cancelled_dates or ()) if day})
    first, rule = programme.starts_on, None
    if programme.rrule:
        try:
            parsed = parse_rule(programme.rrule, programme.starts_on)
        except ValueError:
            return None
        first = first_date(parsed)
        if first is None:
            return None
        rule = _rule(programme.rrule, parsed, timed=programme.starts_at is not None)
    elif first in cancelled:
        return None
    event = icalendar.Event()
    event.add("uid", f"programme-{programme.id}@tsunagu")
    event.add("dtstamp", stamp)
    event.add("summary", programme.title)
    start, end = _span(programme, first)
    event.add("dtstart", start)
    event.add("dtend", end)
    if rule is not None:
        event.add("rrule", rule)
        if cancelled:
            event.add("exdate", [_span(programme, day)[0] for day in cancelled])
    site = programme.site
    location = " ".join(part for part in (site.name, site.address, site.address_extra) if part)
    event.add("location", location)
    if site.latitude is not None and site.longitude is not None:
        event.add("geo", (site.latitude, site.longitude))
    event.add("description", _description(programme, site))
    if site.url.startswith(("https://", "http://")):
        event.add("url", site.url)
    return event


def _span(programme: Programme, day: date) -> tuple[date | datetime, date | datetime]:
    """Start and end on ``day``: Japan time when the programme has hours, else all day."""
    if programme.starts_at is None:
        return day, day + timedelta(days=1)
    start = datetime.combine(day, programme.starts_at, tzinfo=JAPAN)
    ends_at = programme.ends_at
    end = (datetime.combine(day, ends_at, tzinfo=JAPAN) if ends_at and ends_at > programme.starts_at
           else start + timedelta(hours=1))
    return start, end


def _rule(text: str, parsed, *, timed: bool) -> icalendar.vRecur:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:"):]
    rule = icalendar.vRecur.from_ical(body)
    until = getattr(parsed, "_until", None)
    if "UNTIL" in rule and until is not None:
        # The directory keeps every date up to UNTIL's day, whatever its time of day.
        last = until.date()
        rule["UNTIL"] = [datetime.combine(last, time(23, 59, 59), tzinfo=JAPAN).astimezone(UTC)
                         if timed else last]
    return rule


def _description(programme: Programme, site: Site) -> str:
    lines = [f"{site.name}"]
    if programme.booking_required:
        lines.append("要予約 / Booking required")
    ages = target_ages(programme.target_age_min_months, programme.target_age_max_months, "ja")
    if ages:
        lines.append(f"対象：{ages}")
    if programme.what_to_bring:
        lines.append(f"持ち物：{programme.what_to_bring}")
    if site.phone:
        lines.append(f"電話：{site.phone}")
    if programme.description:
        lines.append(programme.description)
    return "\n".join(lines)


def _day(text) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
