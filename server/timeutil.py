"""The one place that reads the clock, so tests can pass a fixed time instead."""

import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

JAPAN = ZoneInfo("Asia/Tokyo")


def utcnow() -> datetime:
    """Naive UTC, stored alike on SQLite (which has no time zones) and PostgreSQL."""
    return now_utc().replace(tzinfo=None)


def now_utc() -> datetime:
    """Aware UTC, for what leaves the server with its offset (a calendar entry's stamp)."""
    return datetime.now(UTC)


def now_ms() -> int:
    """Epoch milliseconds, the sync core's clock (``sync.hlc``)."""
    return time.time_ns() // 1_000_000


def parse_day(value) -> date | None:
    """A stored ``YYYY-MM-DD`` as a date; ``None`` for anything else (a record holds what a
    phone sent)."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def today_local() -> date:
    """Today's date in Japan, where every site is: a date-only question needs local time."""
    return datetime.now(JAPAN).date()
