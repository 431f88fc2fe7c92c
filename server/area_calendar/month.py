"""The printable month: the weeks of a month, Monday first, each day with its events."""

import calendar as stdlib_calendar
import re
from dataclasses import dataclass, field
from datetime import date

from schemas.directory import FIRST_DAY, LAST_DAY

from .occurrences import Occurrence

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass
class Day:
    day: date
    in_month: bool
    events: list[Occurrence] = field(default_factory=list)


def parse_month(text: str) -> date | None:
    """``YYYY-MM`` as the month's first day; ``None`` outside the directory's years."""
    match = _MONTH.fullmatch(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    first = date(int(match.group(1)), int(match.group(2)), 1)
    return first if FIRST_DAY <= first <= LAST_DAY else None


def month_end(first: date) -> date:
    return first.replace(day=stdlib_calendar.monthrange(first.year, first.month)[1])


def shift(first: date, months: int) -> date | None:
    """The first day of the month ``months`` away, ``None`` past the directory's years."""
    index = first.year * 12 + first.month - 1 + months
    moved = date(index // 12, index % 12 + 1, 1)
    return moved if FIRST_DAY <= moved <= LAST_DAY else None


def weeks(first: date, events: list[Occurrence]) -> list[list[Day]]:
    """The month's weeks, Monday to Sunday; days of the next or previous month are
    there (to fill the grid) but empty."""
    by_day: dict[date, list[Occurrence]] = {}
    for event in events:
        by_day.setdefault(event.day, []).append(event)
    grid = stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    return [[Day(day, day.month == first.month,
                 by_day.get(day, []) if day.month == first.month else []) for day in week]
            for week in grid]
