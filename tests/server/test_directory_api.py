"""The public directory API: filters, programmes and their dated events."""

from datetime import date, time, timedelta

import pytest

from server.directory.models import Area, Programme
from server.directory.queries import occurrence_dates
from server.extensions import db


@pytest.fixture
def directory(create_site, ward):
    north = Area(ward=ward, name="北部エリア")
    db.session.add(north)
    db.session.commit()
    salon = create_site("salon", weekdays="1", tags=["small_homely"], area_id=north.id)
    nursery = create_site("nursery_hiroba", weekdays="01234", tags=["outdoor_play"])
    hub = create_site("hub", weekdays="012345", tags=["meet_many", "saturday"])
    return {"salon": salon, "nursery": nursery, "hub": hub, "north": north}


def ids(response):
    return [item["id"] for item in response.json]


def test_sites_are_public_and_filter_by_kind_area_tag_and_day(client, ward, directory):
    base = f"/api/wards/{ward.code}/sites"
    assert len(client.get(base).json) == 3
    assert ids(client.get(f"{base}?kind=salon")) == [directory["salon"].id]
    assert ids(client.get(f"{base}?area={directory['north'].id}")) == [directory["salon"].id]
    assert ids(client.get(f"{base}?tag=outdoor_play")) == [directory["nursery"].id]
    assert ids(client.get(f"{base}?day=sat")) == [directory["hub"].id]
    assert sorted(ids(client.get(f"{base}?day=tue"))) == sorted(
        s.id for s in (directory["salon"], directory["nursery"], directory["hub"]))
    assert client.get(f"/api/wards/{ward.slug}/sites?kind=hub").json[0]["tags"] == [
        "meet_many", "saturday"]


@pytest.mark.parametrize("query, field", [
    ("kind=castle", "kind"), ("tag=pool", "tag"), ("day=someday", "day"),
    ("area=north", "area"), ("colour=red", "colour"),
])
def test_bad_filters_name_the_parameter_at_fault(client, ward, query, field):
    response = client.get(f"/api/wards/{ward.code}/sites?{query}")
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_unknown_ward_is_404_with_the_envelope(client):
    response = client.get("/api/wards/99999/sites")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_weekly_programme_expands_to_dated_events_without_cancelled_dates(app, directory):
    monday = date(2026, 11, 30)
    programme = Programme(site=directory["salon"], title="月曜日のおしゃべり会", theme="chat",
                          starts_on=monday, rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=4",
                          cancelled_dates=["2026-12-07"], starts_at=time(10),
                          ends_at=time(11))
    db.session.add(programme)
    db.session.commit()
    dates = occurrence_dates(programme, monday - timedelta(days=7), monday + timedelta(days=60))
    assert dates == [date(2026, 11, 30), date(2026, 12, 14), date(2026, 12, 21)]
    assert occurrence_dates(programme, date(2026, 12, 1), date(2026, 12, 13)) == []


def test_events_api_lists_occurrences_in_range_filtered_by_day(client, ward, directory):
    one_off = Programme(site=directory["nursery"], title="園庭開放", theme="yard_open",
                        starts_on=date(2026, 12, 3), starts_at=time(10), booking_required=True,
                        capacity=8)
    weekly = Programme(site=directory["hub"], title="ひろば", theme="chat",
                       starts_on=date(2026, 11, 30), rrule="FREQ=WEEKLY;BYDAY=MO,TH",
                       starts_at=time(9, 30))
    db.session.add_all([one_off, weekly])
    db.session.commit()
    url = f"/api/wards/{ward.code}/events?from=2026-11-30&to=2026-12-06"
    events = client.get(url).json
    assert [(e["date"], e["title"]) for e in events] == [
        ("2026-11-30", "ひろば"), ("2026-12-03", "ひろば"), ("2026-12-03", "園庭開放")]
    assert events[2]["booking_required"] is True and events[2]["capacity"] == 8
    thursdays = client.get(url + "&day=thu&kind=hub").json
    assert [e["date"] for e in thursdays] == ["2026-12-03"]
    backwards = client.get(f"/api/wards/{ward.code}/events?from=2026-12-06&to=2026-11-30")
    assert backwards.status_code == 422 and "to" in backwards.json["error"]["fields"]


def test_site_detail_shows_contacts_by_display_name_and_role_only(client, directory,
                                                                 create_user, auth_header):
    site = directory["nursery"]
    staff = create_user("site_staff", sites=[site])
    added = client.post(f"/api/sites/{site.id}/contacts", headers=auth_header(staff),
                        json={"display_name": "さとうさん", "role": "nursery_teacher"})
    assert added.status_code == 201
    contacts = client.get(f"/api/sites/{site.id}").json["contacts"]
    assert contacts == [{"id": added.json["id"], "display_name": "さとうさん",
                         "role": "nursery_teacher"}]
    with_phone = client.post(f"/api/sites/{site.id}/contacts", headers=auth_header(staff),
                             json={"display_name": "x", "role": "staff", "phone": "090"})
    assert with_phone.status_code == 422 and "phone" in with_phone.json["error"]["fields"]


def test_invalid_rrule_is_refused_and_nothing_is_written(client, directory, create_user,
                                                        auth_header):
    hub = create_user("hub_staff")
    response = client.post(f"/api/sites/{directory['hub'].id}/programmes",
                           headers=auth_header(hub),
                           json={"title": "x", "theme": "chat", "starts_on": "2026-12-01",
                                 "rrule": "FREQ=SOMETIMES"})
    assert response.status_code == 422 and "rrule" in response.json["error"]["fields"]
    assert db.session.query(Programme).count() == 0
