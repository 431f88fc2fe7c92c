"""The directory refuses what it cannot serve: programmes that must dump, recurrences of at
most once a day, bounded event ranges and ids that fit the database."""

from datetime import date, time

import pytest
import sqlalchemy as sa

from server.directory import queries, views
from server.directory.models import Programme
from server.extensions import db

TODAY = date(2026, 12, 5)


@pytest.fixture
def hub(create_site):
    return create_site("hub", weekdays="012345")


@pytest.fixture
def editor(create_user, auth_header):
    return auth_header(create_user("hub_staff"))


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(views, "today_local", lambda: TODAY)


def stored(programme_id: int) -> Programme:
    db.session.expire_all()
    return db.session.get(Programme, programme_id)


def programme_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Programme))


def add_programme(site, **fields) -> Programme:
    """A row written straight to the table, as an older server (without these checks) did."""
    programme = Programme(site=site, title=fields.pop("title", "ひろば"),
                          theme=fields.pop("theme", "chat"),
                          starts_on=fields.pop("starts_on", TODAY), **fields)
    db.session.add(programme)
    db.session.commit()
    return programme


WEEKLY = {"title": "ひろば", "theme": "chat", "starts_on": "2026-12-01",
          "rrule": "FREQ=WEEKLY;BYDAY=TU"}


# Defect 1: a programme with cancelled dates is saved, read back and listed.

def test_cancelled_dates_are_saved_and_read_back_everywhere(client, ward, hub, editor):
    created = client.post(f"/api/sites/{hub.id}/programmes", headers=editor, json={
        **WEEKLY, "cancelled_dates": ["2026-12-15", "2026-12-08", "2026-12-15"]})
    assert created.status_code == 201, created.json
    assert created.json["cancelled_dates"] == ["2026-12-08", "2026-12-15"]
    url = f"/api/programmes/{created.json['id']}"
    assert client.get(url).json["cancelled_dates"] == ["2026-12-08", "2026-12-15"]
    listed = client.get(f"/api/wards/{ward.code}/programmes")
    assert listed.status_code == 200
    assert listed.json[0]["cancelled_dates"] == ["2026-12-08", "2026-12-15"]
    patched = client.patch(url, headers=editor, json={"cancelled_dates": ["2026-12-22"]})
    assert patched.status_code == 200 and patched.json["cancelled_dates"] == ["2026-12-22"]
    events = client.get(f"/api/wards/{ward.code}/events?from=2026-12-01&to=2026-12-31").json
    assert [e["date"] for e in events] == ["2026-12-01", "2026-12-08", "2026-12-15",
                                           "2026-12-29"]


def test_a_patch_is_checked_against_the_stored_programme_and_writes_nothing(
        client, hub, editor):
    programme = add_programme(hub, starts_at=time(10), ends_at=time(11),
                              target_age_min_months=12)
    url = f"/api/programmes/{programme.id}"
    early_end = client.patch(url, headers=editor, json={"ends_at": "09:00"})
    assert early_end.status_code == 422 and "ends_at" in early_end.json["error"]["fields"]
    younger = client.patch(url, headers=editor, json={"target_age_max_months": 6,
                                                      "title": "変更"})
    assert younger.status_code == 422
    assert "target_age_max_months" in younger.json["error"]["fields"]
    row = stored(programme.id)
    assert (row.ends_at, row.target_age_max_months, row.title) == (time(11), None, "ひろば")


# Defect 2: recurrences take place at most once a day and expand within bounds.

@pytest.mark.parametrize("rule", [
    "FREQ=SECONDLY", "FREQ=MINUTELY;COUNT=5", "FREQ=HOURLY", "RRULE:FREQ=HOURLY",
    "freq=secondly", "FREQ=DAILY;BYHOUR=9,10", "FREQ=DAILY;BYMINUTE=0,30",
    "FREQ=WEEKLY;BYSECOND=1", "FREQ=DAILY;INTERVAL=0", "FREQ=DAILY;INTERVAL=-1",
    "DTSTART:19000101T000000\nRRULE:FREQ=DAILY", "FREQ=DAILY;FREQ=SECONDLY",
    "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=DAILY;UNTIL=20261201T000000Z",
    # Week numbers dateutil reads and then fails to expand (issue 13).
    "FREQ=MONTHLY;BYDAY=6TU", "FREQ=MONTHLY;BYDAY=1TU,-6FR", "FREQ=YEARLY;BYDAY=54MO",
    "FREQ=YEARLY;BYMONTH=2;BYDAY=6TU",
])
def test_a_rule_more_often_than_daily_or_never_is_refused(client, hub, editor, rule):
    created = client.post(f"/api/sites/{hub.id}/programmes", headers=editor,
                          json={**WEEKLY, "rrule": rule})
    assert created.status_code == 422
    assert created.json["error"]["code"] == "invalid"
    assert "rrule" in created.json["error"]["fields"]
    assert programme_count() == 0
    programme = add_programme(hub, rrule="FREQ=WEEKLY")
    patched = client.patch(f"/api/programmes/{programme.id}", headers=editor,
                           json={"rrule": rule})
    assert patched.status_code == 422 and "rrule" in patched.json["error"]["fields"]
    assert stored(programme.id).rrule == "FREQ=WEEKLY"


@pytest.mark.parametrize("rule", [
    "FREQ=DAILY", "RRULE:FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=MONTHLY;BYDAY=2TU;COUNT=6",
    "FREQ=WEEKLY;INTERVAL=2;UNTIL=20270601", "FREQ=YEARLY",
    "FREQ=MONTHLY;BYDAY=1TU,-1FR", "FREQ=MONTHLY;BYDAY=+5WE", "FREQ=YEARLY;BYDAY=53MO",
])
def test_rules_of_at_most_once_a_day_are_accepted(client, hub, editor, rule):
    created = client.post(f"/api/sites/{hub.id}/programmes", headers=editor,
                          json={**WEEKLY, "rrule": rule})
    assert created.status_code == 201, created.json


def test_a_stored_rule_more_often_than_daily_yields_no_events(client, ward, hub):
    add_programme(hub, title="毎秒", rrule="FREQ=SECONDLY")
    add_programme(hub, title="毎時", rrule="FREQ=DAILY;BYHOUR=1,2,3")
    add_programme(hub, title="ひろば", rrule="FREQ=DAILY")
    response = client.get(f"/api/wards/{ward.code}/events?from=2026-12-05&to=2026-12-05")
    assert response.status_code == 200
    assert [e["title"] for e in response.json] == ["ひろば"]


def test_events_stop_at_5000_earliest_first(client, ward, hub):
    for n in range(14):  # 14 × 365 = 5110 occurrences in 2027
        add_programme(hub, title=f"毎日{n}", rrule="FREQ=DAILY", starts_on=date(2026, 1, 1))
    response = client.get(f"/api/wards/{ward.code}/events?from=2027-01-01&to=2027-12-31")
    assert response.status_code == 200
    days = [e["date"] for e in response.json]
    assert len(days) == 5000 == queries.MAX_EVENTS
    assert days == sorted(days) and days[0] == "2027-01-01" and days[-1] == "2027-12-24"
    assert [e["title"] for e in response.json[:14]] == [f"毎日{n}" for n in range(14)]


def test_events_default_to_four_weeks_from_today(client, ward, hub):
    add_programme(hub, rrule="FREQ=DAILY", starts_on=date(2026, 1, 1))
    days = [e["date"] for e in client.get(f"/api/wards/{ward.code}/events").json]
    assert (days[0], days[-1], len(days)) == ("2026-12-05", "2027-01-01", 28)
    only_from = client.get(f"/api/wards/{ward.code}/events?from=2027-03-01").json
    assert (only_from[0]["date"], only_from[-1]["date"]) == ("2027-03-01", "2027-03-28")


@pytest.mark.parametrize("query, field", [
    ("from=9999-12-31", "from"),
    ("from=1999-12-31&to=2000-01-02", "from"),
    ("to=2126-12-31", "to"),
    ("to=2027-12-31", "to"),
    ("to=2026-12-04", "to"),
    ("from=2026-01-01&to=2027-01-03", "to"),
    ("from=2100-12-31&to=2101-01-01", "to"),
    ("from=0001-01-01", "from"),
    ("from=tomorrow", "from"),
])
def test_event_ranges_out_of_bounds_are_422_naming_the_parameter(client, ward, hub, query,
                                                                 field):
    add_programme(hub, rrule="FREQ=DAILY", starts_on=date(2026, 1, 1))
    response = client.get(f"/api/wards/{ward.code}/events?{query}")
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "invalid"
    assert field in response.json["error"]["fields"]


@pytest.mark.parametrize("field, value", [
    ("starts_on", "9999-12-31"), ("starts_on", "0001-01-01"), ("starts_on", "1999-12-31"),
    ("cancelled_dates", ["2026-12-08"] * 501),
])
def test_a_repeating_programme_outside_the_calendar_is_refused(client, hub, editor, field,
                                                               value):
    created = client.post(f"/api/sites/{hub.id}/programmes", headers=editor,
                          json={**WEEKLY, field: value})
    assert created.status_code == 422 and field in created.json["error"]["fields"]
    assert programme_count() == 0
    programme = add_programme(hub, rrule="FREQ=WEEKLY")
    patched = client.patch(f"/api/programmes/{programme.id}", headers=editor,
                           json={field: value})
    assert patched.status_code == 422 and field in patched.json["error"]["fields"]
    assert stored(programme.id).starts_on == TODAY


def test_a_one_off_programme_on_any_date_saves_and_reads_back(client, ward, hub, editor):
    created = client.post(f"/api/sites/{hub.id}/programmes", headers=editor, json={
        "title": "昔", "theme": "event", "starts_on": "0001-01-01",
        "cancelled_dates": ["9999-12-31", "0001-01-01"]})
    assert created.status_code == 201
    assert created.json["cancelled_dates"] == ["0001-01-01", "9999-12-31"]
    assert client.get(f"/api/programmes/{created.json['id']}").status_code == 200
    assert client.get(f"/api/wards/{ward.code}/programmes").status_code == 200
    assert client.get(f"/api/wards/{ward.code}/events").json == []


def test_a_late_one_off_programme_lists_without_error(client, ward, hub, editor):
    created = client.post(f"/api/sites/{hub.id}/programmes", headers=editor, json={
        "title": "最後", "theme": "event", "starts_on": "2100-12-31"})
    assert created.status_code == 201
    events = client.get(f"/api/wards/{ward.code}/events?from=2100-12-31")
    assert events.status_code == 200 and [e["date"] for e in events.json] == ["2100-12-31"]


# Integers that go to the database stay within its columns.

@pytest.mark.parametrize("query, field", [
    ("area=2147483648", "area"), ("site_id=2147483648", "site_id"), ("area=0", "area"),
    ("site_id=-1", "site_id"),
])
def test_id_filters_beyond_the_id_column_are_422(client, ward, hub, query, field):
    for path in ("sites", "programmes", "events"):
        response = client.get(f"/api/wards/{ward.code}/{path}?{query}")
        assert response.status_code == 422 and field in response.json["error"]["fields"]


def test_an_area_beyond_the_id_column_is_422_naming_it(client, hub, editor):
    response = client.patch(f"/api/sites/{hub.id}", headers=editor,
                            json={"area_id": 2**31})
    assert response.status_code == 422
    assert response.json["error"]["fields"]["area_id"] != ["unknown area for this ward"]


@pytest.mark.parametrize("field, value", [
    ("capacity", 2**31), ("capacity", 0), ("target_age_min_months", 2**40),
    ("target_age_max_months", -2**40),
])
def test_programme_numbers_beyond_their_range_are_422(client, hub, editor, field, value):
    response = client.post(f"/api/sites/{hub.id}/programmes", headers=editor,
                           json={**WEEKLY, field: value})
    assert response.status_code == 422 and field in response.json["error"]["fields"]


@pytest.mark.parametrize("url, field", [
    ("/api/sites/9223372036854775807", "site_id"),
    ("/api/sites/2147483648", "site_id"),
    ("/api/programmes/2147483648", "programme_id"),
])
def test_ids_in_the_path_beyond_the_id_column_are_404(client, url, field):
    response = client.get(url)
    assert response.status_code == 404 and field in response.json["error"]["fields"]
