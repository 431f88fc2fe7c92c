"""A site's opening days: its RRULE when it has one (毎月第1火曜日, 第2・第4水曜日, 隔週),
else every week on its weekdays.

The card page, the directory the phone keeps and the finder all take their dates from
here, so a monthly salon is never shown as open every week anywhere. A rule is checked
with the same limits as a programme's (``recurrence.parse_rule``), so a site's list of
dates is as cheap to read as a programme's events.
"""

import re
from datetime import date, timedelta
from itertools import islice

from marshmallow import ValidationError

from .models import Site
from .queries import rule_dates
from .recurrence import first_date, parse_rule

# How far ahead a site's open days are listed: far enough for the next two days of a
# monthly salon (in most months) and four of a fortnightly one. The phone's copy of the
# directory is fetched every time the app starts online, so this outlasts it by weeks.
HORIZON_DAYS = 56
ICAL_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # 0 = Monday, as weekdays
_BYDAY = re.compile(r"(?:^|;)BYDAY=([^;]*)")
_INTERVAL = re.compile(r"(?:^|;)INTERVAL=0*([2-9]|[1-9][0-9]+)(?:;|$)")


def open_dates(site: Site, start: date, end: date) -> list[date]:
    """The days from ``start`` to ``end`` (inclusive, at most HORIZON_DAYS apart is the
    intended use) on which ``site`` opens, in order."""
    if site.open_rrule:
        return list(islice(rule_dates(site.open_rrule, site.open_since or start, start, end),
                           (end - start).days + 1))
    weekdays = set(site.weekdays)
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [day for day in days if day.weekday() in weekdays]


def upcoming(site: Site, today: date) -> list[date]:
    """The days ``site`` opens in the HORIZON_DAYS from ``today`` (included)."""
    return open_dates(site, today, today + timedelta(days=HORIZON_DAYS - 1))


def upcoming_from(today: date):
    """``upcoming`` for a fixed ``today``, as the directory's site schemas take it."""
    return lambda site: upcoming(site, today)


def schedule_values(rule: str | None, since: date | None, today: date) -> dict:
    """The columns for a site that opens on ``rule`` counted from ``since``.

    No rule: every week on the weekdays, and no ``open_since``. A rule without a day to
    count from counts from ``today``, which fixes nothing but the first date for a
    monthly or weekly rule; a rule that skips (INTERVAL above 1, as 隔週) needs its day.
    With BYDAY, the site's weekdays become the rule's, so the weekday filter agrees.

    :raise ValidationError: naming ``open_rrule`` (a rule a programme could not have, or
        one that never takes place by 2100) or ``open_since`` (missing where needed).
    """
    if not rule:
        return {"open_rrule": None, "open_since": None}
    rule = rule.strip()
    body = rule.upper().removeprefix("RRULE:")
    if since is None:
        if _INTERVAL.search(body):
            raise ValidationError({"open_since": [
                "give a day the site opens, so that the weeks or months it skips are known"]})
        since = today
    try:
        parsed = parse_rule(rule, since)
    except ValueError as exc:
        raise ValidationError({"open_rrule": [str(exc)]}) from None
    if first_date(parsed) is None:
        raise ValidationError({"open_rrule": ["never takes place from open_since to 2100"]})
    values = {"open_rrule": rule, "open_since": since}
    weekdays = rule_weekdays(body)
    if weekdays:
        values["open_weekdays"] = "".join(str(day) for day in weekdays)
    return values


def rule_weekdays(body: str) -> list[int]:
    """The weekdays a rule's BYDAY names (0 = Monday), ``1TU,3TU`` as Tuesday; none
    without BYDAY."""
    match = _BYDAY.search(body.upper())
    if not match:
        return []
    codes = {item.strip()[-2:] for item in match.group(1).split(",")}
    return sorted(ICAL_WEEKDAYS.index(code) for code in codes if code in ICAL_WEEKDAYS)
