"""Which days the finder says a site opens (issue 13, defect 2), in real Chromium: a
monthly or fortnightly salon only on its own days, from today on, from the directory the
phone keeps; and the finder's list shows those days."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from server.directory.models import Site
from server.extensions import db

pytestmark = pytest.mark.browser

RANK_JS = """async ([sites, query, today]) => {
  const f = await import('/js/finder.js');
  return f.rankSites(sites, [], query, {fromSite: null, today})
    .map(r => ({id: r.site.id, reasons: r.reasons, nextOpenDates: r.nextOpenDates}));
}"""


def site(id_, weekdays, rule=None, dates=None):
    """A site as GET /api/wards/<code>/sites sends it (only what the finder reads)."""
    return {"id": id_, "name": f"施設{id_}", "kind": "salon", "tags": [],
            "latitude": None, "longitude": None, "age_min_months": None,
            "age_max_months": None, "open_weekdays": weekdays, "open_rrule": rule,
            "open_since": None if rule is None else "2026-04-07",
            "next_open_dates": dates if dates is not None else []}


@pytest.fixture
def rank(live, page):
    page.goto(live.url + "/")
    return lambda sites, weekdays, today: page.evaluate(
        RANK_JS, [sites, {"wishes": [], "ageMonths": None, "weekdays": weekdays}, today])


def test_a_monthly_salon_is_open_only_on_first_tuesdays_from_today(rank):
    # The server listed its days on 1 December; the phone ranks on 2 December.
    monthly = site(1, [1], "FREQ=MONTHLY;BYDAY=1TU", ["2026-12-01", "2027-01-05"])
    weekly = site(2, [1])
    result = {r["id"]: r for r in rank([monthly, weekly], [1], "2026-12-02")}
    assert result[1]["nextOpenDates"] == ["2027-01-05"]
    assert result[2]["nextOpenDates"] == ["2026-12-08", "2026-12-15", "2026-12-22"]
    assert {"code": "open_on_day", "weekdays": [1]} in result[1]["reasons"]


def test_a_salon_whose_open_days_are_all_past_is_not_open_on_the_day_wished(rank):
    # A copy of the directory kept since November: its last listed day has gone by.
    stale = site(1, [1], "FREQ=MONTHLY;BYDAY=1TU", ["2026-11-03", "2026-12-01"])
    (result,) = rank([stale], [1], "2026-12-02")
    assert result["nextOpenDates"] == []
    assert result["reasons"] == []


def test_open_on_day_follows_the_days_the_rule_gives_not_the_weekdays(rank):
    # 第2・第4水曜日, while the open data still says Monday.
    salon = site(1, [0], "FREQ=MONTHLY;BYDAY=2WE,4WE",
                 ["2026-12-09", "2026-12-23", "2027-01-13"])
    assert rank([salon], [0], "2026-12-01")[0]["reasons"] == []
    assert rank([salon], [2], "2026-12-01")[0]["reasons"] == [
        {"code": "open_on_day", "weekdays": [2]}]


def test_an_every_other_week_salon_lists_its_fortnights(rank):
    salon = site(1, [2], "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE",
                 ["2026-12-02", "2026-12-16", "2026-12-30", "2027-01-13"])
    (result,) = rank([salon], [2], "2026-12-03")
    assert result["nextOpenDates"] == ["2026-12-16", "2026-12-30", "2027-01-13"]


def test_days_beyond_eight_weeks_are_not_listed(rank, page):
    far = site(1, [1], "FREQ=MONTHLY;BYDAY=1TU", ["2027-03-02"])
    assert rank([far], [1], "2026-12-02")[0]["nextOpenDates"] == []
    assert page.evaluate("import('/js/finder.js').then(f => f.OPEN_HORIZON_DAYS)") == 56


def _first_tuesdays(start: date, days: int) -> list[date]:
    return [start + timedelta(n) for n in range(days)
            if (start + timedelta(n)).weekday() == 1 and (start + timedelta(n)).day <= 7]


def test_the_finders_list_shows_the_nurserys_days_from_the_phones_directory(
        live, page, signed_in, axe_violations):
    with live.app.app_context():
        nursery = db.session.query(Site).filter_by(name="ひまわり保育園").one()
        nursery.open_rrule, nursery.open_since = "FREQ=MONTHLY;BYDAY=1TU", date(2026, 1, 6)
        db.session.commit()
    signed_in(page, live.url, "yamada")
    expect(page.locator("#finder-wishes input").first).to_be_attached(timeout=15_000)
    today = date.fromisoformat(page.evaluate(
        "import('/js/staging.js').then(s => s.localDate())"))
    page.get_by_role("button", name="紹介する", exact=True).click()
    page.get_by_role("button", name="合う場所をさがす").click()
    line = page.locator("#finder-results li", has_text="ひまわり保育園").locator(".open-days")
    expect(line).to_contain_text("開いている日: ")
    text = line.inner_text()
    shown = _first_tuesdays(today, 56)[:3]
    assert shown, "eight weeks always hold a first Tuesday"
    for day in shown:
        assert day == today or day == today + timedelta(1) or f"{day.month}月{day.day}日" in text
    others = [today + timedelta(n) for n in range(56)
              if (today + timedelta(n)).weekday() == 1 and (today + timedelta(n)).day > 7]
    assert not any(f"{d.month}月{d.day}日" in text for d in others), text
    assert axe_violations(page) == []
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Find places that fit").click()
    expect(page.locator("#finder-results .open-days").first).to_contain_text("Open on: ")
    assert axe_violations(page) == []
