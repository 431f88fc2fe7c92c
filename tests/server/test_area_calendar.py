"""The area calendar (``/calendar/<ward_code>``): its page and filters, the printable
month and the iCalendar feed, read back with ``ics``, a parser that shares nothing with
the ``icalendar`` library that writes it, and expanded with ``dateutil``."""

import html
import re
from datetime import UTC, date, datetime, time, timedelta

import ics
import pytest
from dateutil.rrule import rrulestr

from server.area_calendar import views
from server.directory.models import Area, Programme
from server.extensions import db, limiter
from server.timeutil import JAPAN

TODAY = date(2026, 11, 28)  # a Saturday
END = TODAY + timedelta(days=views.WINDOW_DAYS - 1)  # Friday 1 January 2027


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(views, "today_local", lambda: TODAY)


def _programme(site, title, **fields) -> Programme:
    fields.setdefault("theme", "chat")
    programme = Programme(site=site, title=title, **fields)
    db.session.add(programme)
    return programme


@pytest.fixture
def world(app, ward, other_ward, create_site):
    """Two areas of ward 14101 with a hub, a nursery and a salon, each with programmes;
    and a site of another ward with its own."""
    north, south = Area(ward=ward, name="北部地区"), Area(ward=ward, name="南部地区")
    elsewhere = Area(ward=other_ward, name="よその地区")
    db.session.add_all([north, south, elsewhere])
    db.session.commit()
    hub = create_site(kind="hub", weekdays="01234", name="わっくんひろば", area_id=north.id,
                      address="横浜市鶴見区豊岡町2-1", phone="045-333-4444",
                      latitude=35.508, longitude=139.676, tags=["outdoor_play"])
    nursery = create_site(kind="nursery_hiroba", weekdays="2", name="ひまわり保育園",
                          area_id=north.id, address="横浜市鶴見区ひまわり町1-2-3")
    salon = create_site(kind="salon", weekdays="1", name="ひだまりサロン", area_id=south.id,
                        phone="045-111-2222", tags=["small_homely"])
    far = create_site(kind="hub", ward=other_ward, weekdays="01234", name="よその区の拠点",
                      area_id=elsewhere.id)
    programmes = {
        # Mondays across the month's end, with one Monday called off.
        "weekly": _programme(hub, "月曜ひろば", starts_on=date(2026, 11, 2),
                             rrule="FREQ=WEEKLY;BYDAY=MO", starts_at=time(10),
                             ends_at=time(11, 30), booking_required=True,
                             what_to_bring="母子手帳と飲み物",
                             cancelled_dates=["2026-12-07"]),
        # Thursdays from a Monday: the rule, not starts_on, names the first date.
        "counted": _programme(hub, "木曜の体操", starts_on=date(2026, 11, 30),
                              rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=3", starts_at=time(14),
                              ends_at=time(15)),
        "monthly": _programme(salon, "赤ちゃんサロン", starts_on=date(2026, 10, 1),
                              rrule="FREQ=MONTHLY;BYDAY=1TU", starts_at=time(13, 30),
                              ends_at=time(14, 30), target_age_min_months=0,
                              target_age_max_months=11),
        # Wednesdays up to and including 16 December.
        "until": _programme(nursery, "園庭あそび", theme="yard_open",
                            starts_on=date(2026, 11, 4),
                            rrule="FREQ=WEEKLY;BYDAY=WE;UNTIL=20261216",
                            starts_at=time(10), ends_at=time(11),
                            target_age_min_months=12, target_age_max_months=71),
        "once": _programme(hub, "クリスマス会", theme="event", starts_on=date(2026, 12, 19),
                           starts_at=time(10), ends_at=time(12)),
        "all_day": _programme(hub, "プレママ相談の日", starts_on=date(2026, 12, 24),
                              target_age_min_months=-9, target_age_max_months=0),
        "called_off": _programme(salon, "中止になった会", starts_on=date(2026, 12, 5),
                                 starts_at=time(10), cancelled_dates=["2026-12-05"]),
        "elsewhere": _programme(far, "よその区のひろば", starts_on=date(2026, 11, 2),
                                rrule="FREQ=WEEKLY;BYDAY=MO,TU", starts_at=time(10)),
    }
    db.session.commit()
    return {"ward": ward, "north": north, "south": south, "elsewhere": elsewhere,
            "programmes": programmes}


def text_of(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def titles(response) -> set[str]:
    return {title for title in ("月曜ひろば", "木曜の体操", "赤ちゃんサロン", "園庭あそび",
                                "クリスマス会", "プレママ相談の日", "中止になった会",
                                "よその区のひろば") if title in text_of(response)}


# --- the feed ---------------------------------------------------------------------------


def expand(event: ics.Event, start: date, end: date) -> list[datetime]:
    """The event's start times from ``start`` to ``end`` (inclusive), by its RRULE and
    EXDATE lines as written, expanded with dateutil (all-day events as midnight). DTSTART
    is always the first, as RFC 5545 says, even where the rule would not name it."""
    extra = {line.name: line for line in event.extra}
    first = event.begin.datetime
    if event.all_day:
        first = datetime.combine(event.begin.date(), time.min, tzinfo=JAPAN)
    if "RRULE" not in extra:
        moments = [first]
    else:
        rule = rrulestr(extra["RRULE"].value, dtstart=first)
        low = datetime.combine(start, time.min, tzinfo=JAPAN)
        high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=JAPAN)
        moments = sorted({first, *rule.between(low, high, inc=True)})
    skipped = set()
    for line in (item for item in event.extra if item.name == "EXDATE"):
        assert line.params["TZID"] == ["Asia/Tokyo"]
        for value in line.value.split(","):
            skipped.add(datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=JAPAN))
    return [m for m in moments if m not in skipped and start <= m.astimezone(JAPAN).date() <= end]


def parsed_feed(client, url) -> tuple[ics.Calendar, str]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.get_data(as_text=True)
    return ics.Calendar(text), text


def feed_dates(calendar: ics.Calendar) -> set[tuple[int, date]]:
    found = set()
    for event in calendar.events:
        programme_id = int(re.fullmatch(r"programme-([0-9]+)@tsunagu", event.uid).group(1))
        found |= {(programme_id, moment.astimezone(JAPAN).date())
                  for moment in expand(event, TODAY, END)}
    return found


def test_the_feed_holds_exactly_the_directorys_events_in_the_window(client, world):
    calendar, _text = parsed_feed(client, "/calendar/14101.ics")
    events = client.get(f"/api/wards/14101/events?from={TODAY}&to={END}").get_json()
    directory = {(event["programme_id"], date.fromisoformat(event["date"])) for event in events}
    assert directory  # the world has events in the window
    assert feed_dates(calendar) == directory


def test_a_recurring_programme_is_one_event_across_the_month_and_around_its_cancelled_day(
        client, world):
    calendar, text = parsed_feed(client, "/calendar/14101.ics")
    weekly = world["programmes"]["weekly"]
    (event,) = [e for e in calendar.events if e.uid == f"programme-{weekly.id}@tsunagu"]
    dates = [m.date() for m in expand(event, TODAY, END)]
    # 30 Nov, then December with 7 Dec called off.
    assert dates == [date(2026, 11, 30), date(2026, 12, 14), date(2026, 12, 21),
                     date(2026, 12, 28)]
    assert "EXDATE;TZID=Asia/Tokyo:20261207T100000" in text

    counted = world["programmes"]["counted"]
    (event,) = [e for e in calendar.events if e.uid == f"programme-{counted.id}@tsunagu"]
    assert event.begin.date() == date(2026, 12, 3)  # not its starts_on, a Monday
    assert [m.date() for m in expand(event, TODAY, END)] == [
        date(2026, 12, 3), date(2026, 12, 10), date(2026, 12, 17)]

    until = world["programmes"]["until"]
    (event,) = [e for e in calendar.events if e.uid == f"programme-{until.id}@tsunagu"]
    assert [m.date() for m in expand(event, TODAY, END)] == [
        date(2026, 12, 2), date(2026, 12, 9), date(2026, 12, 16)]


def test_feed_times_are_japan_time_with_a_vtimezone(client, world):
    calendar, text = parsed_feed(client, "/calendar/14101.ics")
    once = world["programmes"]["once"]
    (event,) = [e for e in calendar.events if e.uid == f"programme-{once.id}@tsunagu"]
    # 10:00 in Tokyo is 01:00 UTC the same day.
    assert event.begin.datetime.astimezone(UTC) == datetime(2026, 12, 19, 1, 0, tzinfo=UTC)
    assert event.end.datetime.astimezone(UTC) == datetime(2026, 12, 19, 3, 0, tzinfo=UTC)
    assert "BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo" in text
    assert "DTSTART;TZID=Asia/Tokyo:20261219T100000" in text
    all_day = world["programmes"]["all_day"]
    (event,) = [e for e in calendar.events if e.uid == f"programme-{all_day.id}@tsunagu"]
    assert event.all_day and event.begin.date() == date(2026, 12, 24)


def test_the_feed_keeps_japanese_text_and_names_itself(client, world):
    calendar, text = parsed_feed(client, "/calendar/14101.ics")
    assert "X-WR-CALNAME:鶴見区 子育てカレンダー" in text
    weekly = world["programmes"]["weekly"]
    (event,) = [e for e in calendar.events if e.uid == f"programme-{weekly.id}@tsunagu"]
    assert event.name == "月曜ひろば"
    assert "わっくんひろば" in event.location and "横浜市鶴見区豊岡町2-1" in event.location
    assert "持ち物：母子手帳と飲み物" in event.description
    assert "要予約" in event.description
    # Stable: the same UIDs on every fetch.
    again, _text = parsed_feed(client, "/calendar/14101.ics")
    assert {e.uid for e in again.events} == {e.uid for e in calendar.events}


def test_an_areas_feed_holds_only_that_areas_programmes(client, world):
    south = world["south"].id
    calendar, text = parsed_feed(client, f"/calendar/14101.ics?area={south}")
    assert {e.name for e in calendar.events} == {"赤ちゃんサロン"}
    assert "X-WR-CALNAME:鶴見区 南部地区 子育てカレンダー" in text
    # Another ward's area is no area of this ward: the whole ward's feed.
    elsewhere = world["elsewhere"].id
    calendar, _text = parsed_feed(client, f"/calendar/14101.ics?area={elsewhere}")
    assert "よその区のひろば" not in {e.name for e in calendar.events}
    assert "月曜ひろば" in {e.name for e in calendar.events}


def test_another_wards_programmes_never_appear(client, world):
    calendar, _text = parsed_feed(client, "/calendar/14101.ics")
    assert "よその区のひろば" not in {e.name for e in calendar.events}
    assert "よその区のひろば" not in titles(client.get("/calendar/14101"))
    assert titles(client.get("/calendar/14102")) == {"よその区のひろば"}


# --- the page ---------------------------------------------------------------------------


def test_the_page_lists_five_weeks_by_day_with_the_public_facts(client, world):
    response = client.get("/calendar/14101")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert '<html lang="ja">' in body and "<script" not in body
    text = text_of(response)
    assert titles(response) == {"月曜ひろば", "木曜の体操", "赤ちゃんサロン", "園庭あそび",
                                "クリスマス会", "プレママ相談の日"}
    for shown in ("鶴見区 子育てカレンダー", "11月30日（月）", "10:00〜11:30", "わっくんひろば",
                  "地域子育て支援拠点", "要予約", "母子手帳と飲み物", "0か月〜11か月",
                  "横浜市鶴見区豊岡町2-1", "045-333-4444", "北部地区"):
        assert shown in text, shown
    assert "12月7日（月）" not in text  # called off, and nothing else that day
    assert "2027年1月1日（金）" in text or "1月1日" not in text
    assert 'href="tel:0453334444"' in body
    assert "https://www.google.com/maps/search/?api=1&amp;query=35.508%2C139.676" in body
    assert 'href="/calendar/14101.ics"' in body
    assert 'href="/calendar/14101/month/2026-11"' in body
    assert 'href="?lang=en"' in body


def test_the_page_is_in_english_when_asked(client, world):
    response = client.get("/calendar/14101?lang=en")
    body = response.get_data(as_text=True)
    assert '<html lang="en">' in body
    text = text_of(response)
    for shown in ("Tsurumi-ku: child-rearing calendar", "Mon 30 Nov", "Booking required",
                  "Regional child-rearing support hub", "Narrow down", "Your child's age"):
        assert shown in text, shown
    assert "要予約" not in text and "条件でしぼりこむ" not in text
    assert 'href="?lang=ja"' in body
    assert 'href="/calendar/14101.ics?lang=en"' in body


@pytest.mark.parametrize(("query", "expected"), [
    ("area={north}",
     {"月曜ひろば", "木曜の体操", "園庭あそび", "クリスマス会", "プレママ相談の日"}),
    ("area={south}", {"赤ちゃんサロン"}),
    ("kind=salon", {"赤ちゃんサロン"}),
    ("kind=nursery_hiroba", {"園庭あそび"}),
    ("age=pregnant", {"月曜ひろば", "木曜の体操", "クリスマス会", "プレママ相談の日"}),
    ("age=0", {"月曜ひろば", "木曜の体操", "赤ちゃんサロン", "クリスマス会"}),
    ("age=2", {"月曜ひろば", "木曜の体操", "園庭あそび", "クリスマス会"}),
    ("wish=small_homely", {"赤ちゃんサロン"}),
    ("wish=outdoor_play", {"月曜ひろば", "木曜の体操", "クリスマス会", "プレママ相談の日"}),
    ("day=mon", {"月曜ひろば"}),
    ("day=sat", {"クリスマス会"}),
    ("area={north}&day=wed", {"園庭あそび"}),
])
def test_the_page_filters(client, world, query, expected):
    url = "/calendar/14101?" + query.format(north=world["north"].id, south=world["south"].id)
    response = client.get(url)
    assert response.status_code == 200
    assert titles(response) == expected


def test_a_chosen_filter_is_kept_in_the_form_and_the_links(client, world):
    south = world["south"].id
    body = client.get(f"/calendar/14101?area={south}&day=tue").get_data(as_text=True)
    assert f'<option value="{south}" selected>南部地区</option>' in body
    assert '<option value="tue" selected>火曜日</option>' in body
    assert f'href="/calendar/14101.ics?area={south}"' in body
    assert f'href="?area={south}&amp;day=tue&amp;lang=en"' in body


def test_unknown_filter_values_are_ignored_and_never_echoed(client, world):
    elsewhere = world["elsewhere"].id
    plain = titles(client.get("/calendar/14101"))
    response = client.get(f"/calendar/14101?area={elsewhere}&kind=%3Cscript%3Ex&age=7"
                          "&wish=zzzwish&day=funday&day=mon&lang=xx")
    assert response.status_code == 200
    assert titles(response) == plain
    body = response.get_data(as_text=True)
    for echoed in ("<script>x", "&lt;script&gt;x", "zzzwish", "funday", "よその地区", "xx"):
        assert echoed not in body, echoed
    assert " selected" not in body


def test_an_unknown_ward_is_a_404_page(client, world):
    for url in ("/calendar/99999", "/calendar/99999.ics", "/calendar/99999/month/2026-12",
                "/calendar/14101/month/2026-13", "/calendar/14101/month/1999-12",
                "/calendar/%3Cb%3E"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.mimetype == "text/html"
        assert "ページが見つかりません" in text_of(response)
        assert "&lt;b&gt;" not in response.get_data(as_text=True)


def test_every_answer_has_a_strict_policy_without_scripts(client, world):
    for url in ("/calendar/14101", "/calendar/14101.ics", "/calendar/14101/month/2026-12",
                "/calendar/99999"):
        headers = client.get(url).headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy, url
        assert "form-action 'self'" in policy and "frame-ancestors 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/calendar/14101.ics").headers["Cache-Control"].startswith("public")


def test_the_stylesheet_is_kept_by_its_hash_and_prints_on_a4(client, world):
    body = client.get("/calendar/14101").get_data(as_text=True)
    href = re.search(r'href="(/calendar/static/calendar\.css\?v=[0-9a-f]{12})"', body).group(1)
    response = client.get(href)
    assert response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "@page { size: A4 portrait;" in response.get_data(as_text=True)


def test_the_page_is_rate_limited(app, client, world):
    # The app fixture binds the limiter switched off; bind it again, on, before any request.
    app.config.update(RATELIMIT_ENABLED=True, CALENDAR_RATE_LIMIT="2 per minute")
    limiter.init_app(app)
    assert client.get("/calendar/14101").status_code == 200
    assert client.get("/calendar/14101.ics").status_code == 200
    response = client.get("/calendar/14101/month/2026-12")
    assert response.status_code == 429
    assert "少し待ってから" in text_of(response)


# --- the month --------------------------------------------------------------------------


def test_the_month_shows_each_day_of_the_month_with_its_events(client, world):
    response = client.get("/calendar/14101/month/2026-12")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    text = text_of(response)
    assert "鶴見区 子育てカレンダー 2026年12月" in text
    cells = re.findall(r'<td class="[^"]*">(.*?)</td>', body, re.S)
    assert len(cells) % 7 == 0 and len(cells) >= 35
    by_day = {}
    for cell in cells:
        number = re.search(r'class="day-number">([0-9]+)<', cell)
        if number:
            by_day[int(number.group(1))] = html.unescape(re.sub(r"<[^>]+>", " ", cell))
    assert sorted(by_day) == list(range(1, 32))
    assert "赤ちゃんサロン" in by_day[1] and "13:30〜14:30" in by_day[1]
    assert "月曜ひろば" not in by_day[7] and "月曜ひろば" in by_day[14]
    assert "クリスマス会" in by_day[19] and "わっくんひろば" in by_day[19]
    assert 'href="/calendar/14101/month/2026-11"' in body
    assert 'href="/calendar/14101/month/2027-01"' in body


def test_the_month_keeps_the_filters(client, world):
    south = world["south"].id
    response = client.get(f"/calendar/14101/month/2026-12?area={south}&lang=en")
    assert titles(response) == {"赤ちゃんサロン"}
    body = response.get_data(as_text=True)
    assert '<html lang="en">' in body and "December 2026" in body
    assert f'href="/calendar/14101/month/2027-01?area={south}&amp;lang=en"' in body
