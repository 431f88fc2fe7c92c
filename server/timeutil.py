"""The one place that reads the clock, so tests can pass a fixed time instead."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

JAPAN = ZoneInfo("Asia/Tokyo")


def utcnow() -> datetime:
    """Naive UTC, stored alike on SQLite (which has no time zones) and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def today_local() -> date:
    """Today's date in Japan, where every site is: a date-only question needs local time."""
    return datetime.now(JAPAN).date()
