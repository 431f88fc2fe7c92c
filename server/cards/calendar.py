"""When a card sends a family: the day and hours of the visit, the site's next open days,
and the same visit as an iCalendar file.

Nothing here reads the clock or the database; ``today`` and the directory rows come in
as arguments, so the page and the ``.ics`` always agree on the day.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..directory import opening
from ..directory.models import Programme, Site
from ..directory.queries import occurrence_dates
from ..timeutil import JAPAN

# Far enough to find the next day of a monthly salon; a site that opens more rarely is
# described by its schedule note instead. The same horizon as the phone's open days.
HORIZON_DAYS = opening.HORIZON_DAYS

WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Visit:
    """The day a calendar entry goes on; the programme and its hours only when the
    programme really runs that day."""

    day: date
    programme: Programme | None = None
    starts_at: time | None = None
    ends_at: time | None = None


def next_open_days(site: Site, today: date, count: int = 3) -> list[date]:
    """Up to ``count`` days from ``today`` (inclusive) on which ``site`` opens: by its
    opening rule (毎月第1火曜日, 隔週) when it has one, else every week on its weekdays."""
    return opening.open_dates(site, today, today + timedelta(days=HORIZON_DAYS - 1))[:count]


def next_dates(programme: Programme, today: date, count: int = 3) -> list[date]:
    """The programme's next ``count`` dates from ``today``, cancelled ones left out."""
    return occurrence_dates(programme, today, today + timedelta(days=HORIZON_DAYS))[:count]


def takes_place(programme: Programme, day: date) -> bool:
    return occurrence_dates(programme, day, day) == [day]


def visit_for(planned: date | None, programme: Programme | None,
              site: Site, today: date) -> Visit | None:
    """The planned date, else the programme's next date, else the site's next open day
    (by its opening rule, if it has one); ``None`` when none of these is known."""
    day = planned
    if day is None and programme is not None:
        day = next(iter(next_dates(programme, today, 1)), None)
    if day is None:
        day = next(iter(next_open_days(site, today, 1)), None)
    if day is None:
        return None
    if programme is not None and takes_place(programme, day):
        return Visit(day, programme, programme.starts_at, programme.ends_at)
    return Visit(day)


def format_day(day: date, lang: str, today: date) -> str:
    """「12月3日（木）」 or "Thu 3 Dec"; the year only when it is not this year's."""
    if lang == "en":
        text = f"{WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]}"
        text += f" {day.year}" if day.year != today.year else ""
        return f"Today, {text}" if day == today else text
    text = f"{day.month}月{day.day}日（{WEEKDAYS_JA[day.weekday()]}）"
    text = f"{day.year}年{text}" if day.year != today.year else text
    return f"今日 {text}" if day == today else text


def format_hours(starts_at: time | None, ends_at: time | None, lang: str) -> str:
    if starts_at is None:
        return ""
    dash = "–" if lang == "en" else "〜"
    end = ends_at.strftime("%H:%M") if ends_at else ""
    return f"{starts_at:%H:%M}{dash}{end}"


def ics(visit: Visit, *, uid: str, summary: str, location: str, description: str,
        geo: tuple[float, float] | None, cancelled: bool, stamp: datetime) -> bytes:
    """One VEVENT for ``visit``: timed in Japan time (with its VTIMEZONE) when it has
    hours, else an all-day event. ``stamp`` is an aware datetime (DTSTAMP)."""
    import icalendar

    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    if visit.starts_at is None:
        event.add("dtstart", visit.day)
        # DTEND of an all-day event is exclusive: the next day.
        event.add("dtend", visit.day + timedelta(days=1))
    else:
        event.add("dtstart", datetime.combine(visit.day, visit.starts_at, tzinfo=JAPAN))
        if visit.ends_at and visit.ends_at > visit.starts_at:
            event.add("dtend", datetime.combine(visit.day, visit.ends_at, tzinfo=JAPAN))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if geo is not None:
        event.add("geo", geo)
    if cancelled:
        # A calendar that already holds the entry (same UID) shows it as called off.
        event.add("status", "CANCELLED")
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Tsunagu//Introduction card//JA")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
