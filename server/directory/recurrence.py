"""Which recurrence rules a programme may have: one iCalendar RRULE, at most once a day.

Expanding a rule is dateutil's job; this module only decides which rules it is given, so
that a rule saved once cannot make every public read of the ward's events expand millions
of occurrences (``FREQ=SECONDLY``), loop forever (``INTERVAL=0``) or start centuries
before its programme (a ``DTSTART`` line).
"""

import re
from datetime import date, datetime, time

from dateutil.rrule import rrule, rrulestr

from schemas.directory import FIRST_DAY, LAST_DAY

# A programme takes place on dates, at most once a day; its hours are starts_at/ends_at.
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
SUB_DAILY_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")
MAX_INTERVAL = 366
_WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")
_NTH_WEEKDAY = re.compile(r"[+-]?([0-9]{1,6})(?:MO|TU|WE|TH|FR|SA|SU)")


def parse_rule(text: str, starts_on: date) -> rrule:
    """``text`` as a dateutil rule starting on ``starts_on`` (cheap: nothing is expanded).

    :raise ValueError: the rule is not one RRULE line (an ``RRULE:`` prefix is allowed),
        recurs more often than daily, has an INTERVAL outside 1 … 366 or a COUNT below 1,
        starts outside 2000 … 2100, or dateutil cannot read it; the message says which.
    """
    if not FIRST_DAY <= starts_on <= LAST_DAY:
        raise ValueError(f"starts_on must be between {FIRST_DAY} and {LAST_DAY}")
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:"):]
    # A DTSTART, EXDATE or second RULE line would override starts_on or make a set.
    if not body or any(char in body for char in ":\r\n"):
        raise ValueError("give one RRULE such as FREQ=WEEKLY;BYDAY=MO, without other lines")
    parts: dict[str, str] = {}
    for pair in body.upper().split(";"):
        name, equals, value = pair.partition("=")
        if not equals or name in parts:
            raise ValueError(f"not a valid RRULE part: {pair!r}")
        parts[name] = value
    if parts.get("FREQ") not in FREQUENCIES:
        raise ValueError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY "
                         "(a programme takes place at most once a day)")
    for name in SUB_DAILY_PARTS:
        if name in parts:
            raise ValueError(f"{name} is not allowed: a programme takes place at most once a "
                             "day (give its hours in starts_at and ends_at)")
    if "INTERVAL" in parts and not 1 <= _whole_number(parts["INTERVAL"]) <= MAX_INTERVAL:
        raise ValueError(f"INTERVAL must be a whole number from 1 to {MAX_INTERVAL}")
    if "COUNT" in parts and not _whole_number(parts["COUNT"]) >= 1:
        raise ValueError("COUNT must be a whole number of at least 1")
    _check_week_numbers(parts)
    try:
        rule = rrulestr(body, dtstart=datetime.combine(starts_on, time.min))
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"not a valid RRULE: {exc}") from None
    if not isinstance(rule, rrule):
        raise ValueError("give one RRULE, not a whole iCalendar set")
    return rule


def _check_week_numbers(parts: dict[str, str]) -> None:
    """A BYDAY week number (1TU, -1FR) names one of the weeks of a month, or of a year;
    dateutil accepts 6TU and then fails while expanding it."""
    limit = 5 if parts["FREQ"] == "MONTHLY" or "BYMONTH" in parts else 53
    for item in parts.get("BYDAY", "").split(","):
        match = _NTH_WEEKDAY.fullmatch(item.strip())
        if match and not 1 <= int(match.group(1)) <= limit:
            raise ValueError(f"BYDAY {item}: the week number must be 1 to {limit} "
                             f"(or -1 to -{limit} from the end)")


def _whole_number(text: str) -> int:
    """``text`` as a number of at most six ASCII digits; -1 when it is not one."""
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else -1


def first_date(rule: rrule) -> date | None:
    """The rule's first date up to the end of the calendar, or None if it has none.

    This may expand (to year 9999 for a rule that never matches), so it is for saving a
    programme, never for reading one.
    """
    first = next(iter(rule), None)
    return first.date() if first is not None and first.date() <= LAST_DAY else None
