"""Liaison meetings (連絡会): who reads and writes them, every version of a record kept,
bad input refused naming the field with nothing written, and the sites' attendance."""

import pytest
import sqlalchemy as sa

from server.directory.models import Area
from server.extensions import db
from server.liaison.models import LiaisonAttendance, LiaisonMeeting, LiaisonMeetingVersion


@pytest.fixture
def areas(app, ward):
    north, south = Area(ward_id=ward.id, name="北エリア"), Area(ward_id=ward.id, name="南エリア")
    db.session.add_all([north, south])
    db.session.commit()
    return north, south


@pytest.fixture
def sites(create_site, areas):
    north, south = areas
    return {"hub": create_site(kind="hub", name="拠点", area_id=None),
            "nursery": create_site(kind="nursery_hiroba", name="さくら保育園", area_id=north.id),
            "salon": create_site(kind="salon", name="森のサロン", area_id=north.id),
            "plaza": create_site(kind="supporter_program", name="南ケアプラザ", area_id=south.id)}


@pytest.fixture
def hub(create_user, auth_header):
    return auth_header(create_user("hub_staff"))


def body(sites, area=None, **fields):
    return {"area_id": area.id if area else None, "held_on": "2026-06-10",
            "title": "北エリア子育て連絡会",
            "site_ids": [sites["nursery"].id, sites["hub"].id],
            "organisations": ["chief_child_commissioner", "public_health_nurse"],
            "shared": "各施設の夏の予定を持ち寄った",
            "discussed": "外で遊ぶ子を見かけなくなった",
            "decided": [{"site_id": sites["hub"].id, "task": "カレンダーの原稿をまとめる",
                         "due_on": "2026-07-01"},
                        {"organisation": "chief_child_commissioner",
                         "task": "町内会の掲示板に貼る"}],
            "decided_note": "次回は公園の外遊びを検討", "looked_back": "初めて保育園が参加した",
            **fields}


def _create(client, headers, code, data):
    return client.post(f"/api/wards/{code}/meetings", json=data, headers=headers)


def test_hub_staff_record_a_meeting_and_everyone_of_the_ward_reads_it(
        client, ward, areas, sites, hub, create_user, auth_header):
    created = _create(client, hub, ward.code, body(sites, areas[0]))
    assert created.status_code == 201, created.get_json()
    meeting = created.get_json()
    assert meeting["version"] == 1 and meeting["area_name"] == "北エリア"
    assert [s["name"] for s in meeting["sites"]] == ["拠点", "さくら保育園"]
    assert meeting["decided"][0] == {"site_id": sites["hub"].id, "site_name": "拠点",
                                     "organisation": None, "task": "カレンダーの原稿をまとめる",
                                     "due_on": "2026-07-01"}
    assert meeting["decided"][1]["organisation"] == "chief_child_commissioner"
    volunteer = auth_header(create_user("volunteer"))
    read = client.get(f"/api/wards/{ward.code}/meetings/{meeting['id']}", headers=volunteer)
    assert read.status_code == 200 and read.get_json() == meeting
    assert client.post(f"/api/wards/{ward.code}/meetings", json=body(sites),
                       headers=volunteer).status_code == 403


def test_another_ward_gets_403_and_a_meeting_id_of_another_ward_is_not_found(
        client, ward, other_ward, sites, hub, create_user, auth_header, create_site):
    meeting = _create(client, hub, ward.code, body(sites)).get_json()
    elsewhere_hub = create_user("hub_staff", ward=other_ward)
    elsewhere = auth_header(elsewhere_hub)
    base = f"/api/wards/{ward.code}/meetings"
    for url in (base, f"{base}/{meeting['id']}", f"{base}/{meeting['id']}/history",
                f"{base}/attendance?year=2026"):
        assert client.get(url, headers=elsewhere).status_code == 403, url
    assert client.post(base, json=body(sites), headers=elsewhere).status_code == 403
    assert client.put(f"{base}/{meeting['id']}", json={**body(sites), "version": 1},
                      headers=elsewhere).status_code == 403
    # Their own ward's URL with our meeting's id: no such meeting there.
    assert client.get(f"/api/wards/{other_ward.code}/meetings/{meeting['id']}",
                      headers=elsewhere).status_code == 404
    # Nor may they name our sites in their ward's meeting.
    theirs = _create(client, elsewhere, other_ward.code,
                     {**body(sites), "decided": []})
    assert theirs.status_code == 422
    assert list(theirs.get_json()["error"]["fields"]) == ["site_ids"]


def test_every_edit_keeps_the_whole_earlier_version_with_who_and_when(
        client, ward, areas, sites, hub, create_user, auth_header):
    meeting = _create(client, hub, ward.code, body(sites, areas[0])).get_json()
    url = f"/api/wards/{ward.code}/meetings/{meeting['id']}"
    other_hub_user = create_user("hub_staff")
    other_hub = auth_header(other_hub_user)
    first_edit = client.put(url, headers=other_hub, json={
        **body(sites, areas[0]), "version": 1, "site_ids": [sites["salon"].id],
        "shared": "書き直した共有", "decided": []})
    assert first_edit.status_code == 200, first_edit.get_json()
    assert first_edit.get_json()["version"] == 2
    assert [s["id"] for s in first_edit.get_json()["sites"]] == [sites["salon"].id]
    second_edit = client.put(url, headers=hub, json={
        **body(sites, areas[0]), "version": 2, "looked_back": "三度目"})
    assert second_edit.status_code == 200

    history = client.get(f"{url}/history", headers=hub).get_json()
    assert [row["version"] for row in history] == [3, 2, 1]
    assert history[1]["changed_by"] == other_hub_user.display_name
    assert history[1]["state"]["shared"] == "書き直した共有"
    assert history[1]["state"]["decided"] == []
    assert [s["id"] for s in history[1]["state"]["sites"]] == [sites["salon"].id]
    assert history[2]["state"]["shared"] == "各施設の夏の予定を持ち寄った"
    assert history[2]["state"]["decided"][0]["task"] == "カレンダーの原稿をまとめる"
    assert history[0]["state"]["looked_back"] == "三度目"
    assert all(row["changed_at"] for row in history)
    assert db.session.scalar(sa.select(sa.func.count())
                             .select_from(LiaisonMeetingVersion)) == 3


def test_an_edit_from_an_old_version_is_refused_and_writes_nothing(
        client, ward, sites, hub):
    meeting = _create(client, hub, ward.code, body(sites)).get_json()
    url = f"/api/wards/{ward.code}/meetings/{meeting['id']}"
    assert client.put(url, headers=hub, json={**body(sites), "version": 1,
                                              "shared": "先に書いた人"}).status_code == 200
    late = client.put(url, headers=hub, json={**body(sites), "version": 1,
                                              "shared": "後から上書きしようとした"})
    assert late.status_code == 409
    assert late.get_json()["error"]["fields"] == {"version": ["the current version is 2"]}
    db.session.expire_all()
    assert db.session.get(LiaisonMeeting, meeting["id"]).shared == "先に書いた人"
    assert db.session.scalar(sa.select(sa.func.count())
                             .select_from(LiaisonMeetingVersion)) == 2


@pytest.mark.parametrize(("change", "field"), [
    ({"held_on": "2026-13-01"}, "held_on"),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"organisations": ["mayor"]}, "organisations"),
    ({"site_ids": [1, 1]}, "site_ids"),
    ({"shared": "連絡先 090-1234-5678"}, "shared"),
    ({"looked_back": "あ" * 4001}, "looked_back"),
    ({"decided": [{"task": "だれかがやる"}]}, "decided"),
    ({"decided": [{"organisation": "care_plaza", "task": ""}]}, "decided"),
    ({"decided": [{"organisation": "care_plaza", "task": "x", "due_on": "soon"}]}, "decided"),
    ({"unknown": 1}, "unknown"),
    ({"area_id": 999_999}, "area_id"),
    ({"site_ids": [999_999]}, "site_ids"),
    ({"decided": [{"site_id": 999_999, "task": "配る"}]}, "decided.0.site_id"),
])
def test_bad_input_names_the_field_and_writes_nothing(client, ward, sites, hub, change,
                                                      field):
    response = _create(client, hub, ward.code, {**body(sites), **change})
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["error"]["fields"]) == [field]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LiaisonMeeting)) == 0
    assert db.session.scalar(sa.select(sa.func.count())
                             .select_from(LiaisonAttendance)) == 0


def test_the_list_filters_by_area_and_year_newest_first(client, ward, areas, sites, hub):
    north, south = areas
    ids = {}
    for key, area, day in (("north_old", north, "2025-11-01"), ("north", north, "2026-05-01"),
                           ("south", south, "2026-09-01"), ("ward", None, "2026-03-01")):
        ids[key] = _create(client, hub, ward.code, body(sites, area, held_on=day,
                                                        decided=[])).get_json()["id"]
    base = f"/api/wards/{ward.code}/meetings"

    def listed(query=""):
        return [m["id"] for m in client.get(base + query, headers=hub).get_json()]

    assert listed() == [ids["south"], ids["north"], ids["ward"], ids["north_old"]]
    assert listed("?year=2026") == [ids["south"], ids["north"], ids["ward"]]
    assert listed(f"?area={north.id}") == [ids["north"], ids["north_old"]]
    assert listed(f"?area={north.id}&year=2025") == [ids["north_old"]]
    assert client.get(f"{base}?area=999999", headers=hub).status_code == 422


def test_attendance_counts_the_meetings_held_for_each_site_and_marks_the_rarely_reached(
        client, ward, areas, sites, hub):
    north, south = areas
    meetings = [(None, "2026-02-01", ["hub", "nursery", "plaza"]),
                (None, "2026-07-01", ["hub", "nursery"]),
                (north, "2026-04-01", ["hub", "nursery"]),
                (north, "2026-10-01", ["hub"]),
                (None, "2025-12-01", ["salon"])]  # another year: not counted
    for area, day, who in meetings:
        assert _create(client, hub, ward.code, body(
            sites, area, held_on=day, decided=[],
            site_ids=[sites[name].id for name in who])).status_code == 201
    report = client.get(f"/api/wards/{ward.code}/meetings/attendance?year=2026",
                        headers=hub).get_json()
    assert (report["year"], report["meetings"]) == (2026, 4)
    rows = {row["name"]: row for row in report["sites"]}
    assert {name: (len(row["attended"]), row["held_for"], row["rarely"])
            for name, row in rows.items()} == {
        "拠点": (4, 2, False),           # no area: the ward's meetings are held for it
        "さくら保育園": (3, 4, False),
        "森のサロン": (0, 4, True),       # never reached this year
        "南ケアプラザ": (1, 2, False)}
    assert [m["held_on"] for m in rows["さくら保育園"]["attended"]] == [
        "2026-02-01", "2026-04-01", "2026-07-01"]


def test_attendance_marks_a_site_that_came_to_fewer_than_a_third(
        client, ward, sites, hub):
    for n, who in enumerate([["hub", "salon"], ["hub"], ["hub"], ["hub"]]):
        _create(client, hub, ward.code, body(sites, held_on=f"2026-0{n + 1}-01", decided=[],
                                             site_ids=[sites[name].id for name in who]))
    rows = {row["name"]: row for row in client.get(
        f"/api/wards/{ward.code}/meetings/attendance?year=2026", headers=hub).get_json()["sites"]}
    assert (len(rows["森のサロン"]["attended"]), rows["森のサロン"]["rarely"]) == (1, True)
    assert rows["拠点"]["rarely"] is False


def test_an_edit_racing_another_to_the_same_version_is_refused_whole(
        client, ward, sites, hub, create_user):
    # Two edits of version 1 both pass the version check; the one whose version row comes
    # second is refused by the (meeting, version) key and rolls back its changes too. The
    # first one's row is put in directly here, as if it had committed in between.
    meeting = _create(client, hub, ward.code, body(sites)).get_json()
    author = create_user("hub_staff")
    db.session.add(LiaisonMeetingVersion(meeting_id=meeting["id"], version=2,
                                         state={"shared": "先に保存された版"},
                                         changed_by=author.id))
    db.session.commit()
    late = client.put(f"/api/wards/{ward.code}/meetings/{meeting['id']}", headers=hub,
                      json={**body(sites), "version": 1, "shared": "後から保存しようとした",
                            "site_ids": [sites["salon"].id]})
    assert late.status_code == 409, late.get_json()
    db.session.expire_all()
    stored = db.session.get(LiaisonMeeting, meeting["id"])
    assert (stored.version, stored.shared) == (1, "各施設の夏の予定を持ち寄った")
    assert sorted(row.site_id for row in stored.sites) == sorted(
        [sites["nursery"].id, sites["hub"].id])
