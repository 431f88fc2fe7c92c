"""The hub desk: a ward's session logs and outreach records filtered and paged, one record
with who wrote what, and the audit log of desk actions, on SQLite and PostgreSQL."""

import itertools
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from server.directory.models import Area
from server.extensions import db
from sync.hlc import HLC

XSS = "<img src=x onerror=alert(1)>"
FIRST_DAY = date(2026, 1, 5)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class Made:
    collection: str
    record_id: str
    site_id: int
    day: date
    kind: str
    area_id: int | None
    authors: frozenset[int]


class Desk:
    """Ward A with four sites over two areas and three kinds, a site in ward B, people of
    each role, and 40 session logs and 8 outreach records pushed by three authors."""

    def __init__(self, client, ward, other_ward, create_site, create_user, auth_header):
        self.client = client
        self.code = ward.code
        self.areas = [Area(ward_id=ward.id, name=name) for name in ("北部", "南部")]
        db.session.add_all(self.areas)
        db.session.commit()
        north, south = (area.id for area in self.areas)
        self.sites = [create_site("salon", area_id=north), create_site("nursery_hiroba",
                                                                       area_id=north),
                      create_site("hub", area_id=south), create_site("salon")]
        self.elsewhere = create_site("salon", ward=other_ward)
        every = self.sites
        self.authors = [create_user("volunteer", sites=every), create_user("volunteer",
                                                                           sites=every),
                        create_user("site_staff", sites=every)]
        self.hub = create_user("hub_staff")
        self.admin = create_user("admin")
        self.officer = create_user("ward_officer")
        self.hub_elsewhere = create_user("hub_staff", ward=other_ward)
        self.volunteer = create_user("volunteer", sites=[self.sites[0]])
        self.site_staff = create_user("site_staff", sites=[self.sites[0]])
        self.writer_elsewhere = create_user("volunteer", ward=other_ward,
                                            sites=[self.elsewhere])
        people = [*self.authors, self.hub, self.admin, self.officer, self.hub_elsewhere,
                  self.volunteer, self.site_staff, self.writer_elsewhere]
        self.headers = {user.id: auth_header(user) for user in people}
        self.made: list[Made] = []
        self._clock = itertools.count(_now_ms() - 3_600_000, 10)

    def op(self, collection: str, record_id: str, changes: dict, *, device: str = "phone",
           **extra) -> dict:
        return {"op_id": str(uuid.uuid4()), "device_id": device, "user_id": "x",
                "collection": collection, "record_id": record_id,
                "hlc": HLC(next(self._clock), 0, device).format(), "base_version": None,
                "changes": changes, **extra}

    def push(self, user, *ops) -> list[dict]:
        response = self.client.post("/api/sync/push", json={"protocol": 1, "ops": list(ops)},
                                    headers=self.headers[user.id])
        assert response.status_code == 200, response.get_json()
        results = response.get_json()["results"]
        assert all(r["status"] == "applied" for r in results), results
        return results

    def fill(self) -> None:
        batches: dict[int, list] = {}
        for i in range(40):
            site = self.sites[i % 4]
            day = FIRST_DAY + timedelta(days=i // 2)
            record_id = f"{site.id}:{day.isoformat()}:{'am' if i % 2 == 0 else 'pm'}"
            first = self.authors[i % 3]
            authors = {first.id}
            changes = {"parents": 1 + i % 4, "children_0": 2}
            if i == 7:
                changes["notes"] = XSS
            batches.setdefault(first.id, []).append(
                self.op("visit", record_id, changes, device=f"phone-{first.id}"))
            if i % 5 == 0:  # a second author counts on their own phone
                second = self.authors[(i + 1) % 3]
                authors.add(second.id)
                batches.setdefault(second.id, []).append(
                    self.op("visit", record_id, {"parents": 1}, device=f"phone-{second.id}"))
            self.made.append(Made("visit", record_id, site.id, day, site.kind, site.area_id,
                                  frozenset(authors)))
        for i in range(8):
            place, visiting = self.sites[3 if i % 2 else 0], self.sites[2 if i < 5 else 1]
            day = FIRST_DAY + timedelta(days=3 * i)
            record_id = f"{place.id}:{day.isoformat()}:{visiting.id}"
            author = self.authors[i % 2]
            batches.setdefault(author.id, []).append(self.op(
                "outreach", record_id, {"went_nursery_teacher": 1, "parents": i + 1},
                device=f"phone-{author.id}"))
            self.made.append(Made("outreach", record_id, visiting.id, day, visiting.kind,
                                  visiting.area_id, frozenset({author.id})))
        by_id = {user.id: user for user in self.authors}
        for user_id, ops in batches.items():
            self.push(by_id[user_id], *ops)
        # Ward B's own session log, and its outreach visit to a salon of ward A: neither
        # is ward A's (an outreach record belongs to the visiting site's ward).
        elsewhere_day = FIRST_DAY.isoformat()
        self.push(self.writer_elsewhere,
                  self.op("visit", f"{self.elsewhere.id}:{elsewhere_day}:am", {"parents": 1}))

    def expected(self, collection: str, **criteria) -> list[str]:
        def keep(made: Made) -> bool:
            return (made.collection == collection
                    and made.day >= criteria.get("from", date.min)
                    and made.day <= criteria.get("to", date.max)
                    and criteria.get("area", made.area_id) == made.area_id
                    and criteria.get("kind", made.kind) == made.kind
                    and criteria.get("site", made.site_id) == made.site_id
                    and ("author" not in criteria or criteria["author"] in made.authors))
        return sorted(made.record_id for made in self.made if keep(made))

    def get(self, url: str, user, **params):
        return self.client.get(url, query_string=params, headers=self.headers[user.id])

    def all_pages(self, collection: str, user=None, **params) -> list[dict]:
        path = "visits" if collection == "visit" else "outreach"
        items, cursor = [], None
        for _page in range(100):
            query = {**params, **({"cursor": cursor} if cursor else {})}
            response = self.get(f"/api/wards/{self.code}/{path}", user or self.hub, **query)
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
            items += body["items"]
            cursor = body["next"]
            if cursor is None:
                return items
        raise AssertionError("paging did not end")


@pytest.fixture
def desk(client, ward, other_ward, create_site, create_user, auth_header):
    made = Desk(client, ward, other_ward, create_site, create_user, auth_header)
    made.fill()
    return made


def _ids(items: list[dict]) -> list[str]:
    return [item["record_id"] for item in items]


def test_each_filter_lists_exactly_the_matching_records(desk):
    north, south = (area.id for area in desk.areas)
    cases = [
        {},
        {"from": FIRST_DAY + timedelta(days=4), "to": FIRST_DAY + timedelta(days=9)},
        {"from": FIRST_DAY + timedelta(days=19)},
        {"to": FIRST_DAY},
        {"area": north}, {"area": south},
        {"kind": "salon"}, {"kind": "hub"}, {"kind": "kindergarten_hamakko"},
        {"site": desk.sites[1].id}, {"site": desk.elsewhere.id},
        {"author": desk.authors[0].id}, {"author": desk.authors[2].id}, {"author": desk.hub.id},
        {"area": north, "kind": "salon", "author": desk.authors[1].id,
         "from": FIRST_DAY + timedelta(days=2)},
    ]
    for collection in ("visit", "outreach"):
        for criteria in cases:
            params = {k: v.isoformat() if isinstance(v, date) else v
                      for k, v in criteria.items()}
            listed = desk.all_pages(collection, limit=200, **params)
            assert sorted(_ids(listed)) == desk.expected(collection, **criteria), (
                collection, criteria)


def test_paging_returns_every_record_once_newest_first(desk):
    whole = desk.all_pages("visit", limit=200)
    assert len(whole) == 40
    for limit in (1, 3, 7, 40):
        assert _ids(desk.all_pages("visit", limit=limit)) == _ids(whole)
    dates = [item["date"] for item in whole]
    assert dates == sorted(dates, reverse=True)
    filtered = desk.all_pages("visit", limit=200, kind="salon")
    assert _ids(desk.all_pages("visit", limit=4, kind="salon")) == _ids(filtered)
    outreach = desk.all_pages("outreach", limit=3)
    assert sorted(_ids(outreach)) == desk.expected("outreach")


def test_an_item_carries_its_site_area_date_data_and_conflicts(desk):
    response = desk.get(f"/api/wards/{desk.code}/visits", desk.officer, limit=200)
    by_id = {item["record_id"]: item for item in response.get_json()["items"]}
    first = by_id[f"{desk.sites[0].id}:{FIRST_DAY.isoformat()}:am"]
    assert first == {
        "collection": "visit", "record_id": first["record_id"], "site_id": desk.sites[0].id,
        "site_name": desk.sites[0].name, "site_kind": "salon", "area_id": desk.areas[0].id,
        "area_name": "北部", "date": FIRST_DAY.isoformat(), "session": "am",
        "data": first["data"], "version": 2, "deleted": False, "open_conflicts": 0,
        "open_reviews": 0}
    # Two phones counted the session: each one's share adds up.
    assert first["data"]["parents"] == 2 and first["data"]["site_id"] == str(desk.sites[0].id)
    assert by_id[f"{desk.sites[3].id}:{(FIRST_DAY + timedelta(days=1)).isoformat()}:pm"][
        "area_name"] is None
    outreach = desk.get(f"/api/wards/{desk.code}/outreach", desk.hub).get_json()["items"]
    place = {item["place_site_id"]: item["place_name"] for item in outreach}
    assert place == {str(desk.sites[0].id): desk.sites[0].name,
                     str(desk.sites[3].id): desk.sites[3].name}


def test_a_note_with_markup_comes_back_as_json_text(desk):
    response = desk.get(f"/api/wards/{desk.code}/visits", desk.hub, limit=200)
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    (noted,) = [item for item in response.get_json()["items"] if "notes" in item["data"]]
    assert noted["data"]["notes"] == XSS
    detail = desk.get(f"/api/wards/{desk.code}/records/visit/{noted['record_id']}", desk.hub)
    assert detail.mimetype == "application/json"
    assert detail.get_json()["data"]["notes"] == XSS


def test_only_the_wards_readers_and_admins_read_its_desk(desk):
    record = desk.made[0].record_id
    urls = [f"/api/wards/{desk.code}/visits", f"/api/wards/{desk.code}/outreach",
            f"/api/wards/{desk.code}/records/visit/{record}"]
    for url in urls:
        for user, status in ((desk.hub, 200), (desk.officer, 200), (desk.admin, 200),
                             (desk.hub_elsewhere, 403), (desk.volunteer, 403),
                             (desk.site_staff, 403), (desk.authors[0], 403)):
            assert desk.get(url, user).status_code == status, (url, user.role)
        assert desk.client.get(url).status_code == 401


def test_bad_parameters_are_422_naming_the_field(desk):
    url = f"/api/wards/{desk.code}/visits"
    for params, field in (({"from": "1999-12-31"}, "from"), ({"to": "2101-01-01"}, "to"),
                          ({"from": "2026-02-01", "to": "2026-01-31"}, "to"),
                          ({"from": "yesterday"}, "from"), ({"limit": 0}, "limit"),
                          ({"limit": 201}, "limit"), ({"cursor": "not-a-cursor"}, "cursor"),
                          ({"cursor": "WyIyMDI2LTAxLTA1Il0"}, "cursor"),
                          ({"area": "north"}, "area"), ({"kind": "castle"}, "kind"),
                          ({"author": -1}, "author"), ({"colour": "red"}, "colour")):
        response = desk.get(url, desk.hub, **params)
        assert response.status_code == 422, (params, response.get_json())
        assert field in response.get_json()["error"]["fields"], params
    assert desk.get("/api/wards/99999/visits", desk.admin).status_code == 404


def test_a_record_shows_who_wrote_each_part_and_its_history(desk):
    made = desk.made[0]  # counted by two authors, each on their own phone
    first_author, second_author = desk.authors[0], desk.authors[1]
    response = desk.get(f"/api/wards/{desk.code}/records/visit/{made.record_id}", desk.officer)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["collection"], body["record_id"], body["version"], body["deleted"]) == (
        "visit", made.record_id, 2, False)
    parents = {part["author"]: part for part in body["parts"] if part["field"] == "parents"}
    assert {author: part["value"] for author, part in parents.items()} == {
        str(first_author.id): 1, str(second_author.id): 1}
    mine = parents[str(first_author.id)]
    assert mine["kind"] == "counter" and mine["device_id"] == f"phone-{first_author.id}"
    assert mine["user_id"] == first_author.id
    assert mine["display_name"] == first_author.display_name
    assert mine["at"].endswith("+00:00")
    history = body["history"]
    assert [entry["version"] for entry in history] == [1, 2]
    assert [entry["user_id"] for entry in history] == [first_author.id, second_author.id]
    assert history[0]["device_id"] == f"phone-{first_author.id}"
    assert body["open_conflicts"] == []


def test_a_record_outside_the_ward_or_unknown_is_404(desk):
    elsewhere = f"{desk.elsewhere.id}:{FIRST_DAY.isoformat()}:am"
    for url in (f"/api/wards/{desk.code}/records/visit/{elsewhere}",
                f"/api/wards/{desk.code}/records/visit/{desk.sites[0].id}:2030-01-01:am",
                f"/api/wards/{desk.code}/records/programme/{desk.made[0].record_id}",
                f"/api/wards/{desk.code}/records/visit/no-such-record"):
        assert desk.get(url, desk.hub).status_code == 404, url


def _conflict(desk) -> str:
    """An open conflict on the notes of a session log of site 0, between two authors."""
    record_id = f"{desk.sites[0].id}:2026-03-01:am"
    (base,) = desk.push(desk.authors[0], desk.op("visit", record_id, {"notes": "はじめ"}))
    for author, notes in ((desk.authors[0], "雨で少なめ"), (desk.authors[1], "外遊び")):
        desk.push(author, desk.op("visit", record_id, {"notes": notes},
                                  device=f"desk-{author.id}", base_version=base["version"]))
    listed = desk.get("/api/sync/conflicts", desk.hub).get_json()
    (conflict,) = [c for c in listed if c["record_id"] == record_id]
    return conflict["conflict_id"]


def _quarantined(desk) -> tuple[str, dict]:
    bad = desk.op("visit", f"{desk.sites[1].id}:2026-03-0{desk.serial()}:am", {"parents": -1})
    response = desk.client.post("/api/sync/push", json={"protocol": 1, "ops": [bad]},
                                headers=desk.headers[desk.authors[0].id])
    assert response.get_json()["results"][0]["reason"] == "invalid_value"
    corrected = {**bad, "op_id": str(uuid.uuid4()), "changes": {"parents": 1}}
    return f"{desk.authors[0].id}:{bad['op_id']}", corrected


def test_desk_actions_are_audited_and_only_admins_read_the_log(desk, other_ward):
    serial = itertools.count(2)
    desk.serial = lambda: next(serial)
    hub = desk.headers[desk.hub.id]
    conflict_id = _conflict(desk)
    assert desk.client.post("/api/sync/conflicts/resolve", headers=hub, json={
        "conflict_id": conflict_id, "resolution": "take_conflict",
        "op_id": str(uuid.uuid4())}).status_code == 200
    entry, corrected = _quarantined(desk)
    assert desk.client.post(f"/api/sync/quarantine/{entry}/resubmit", headers=hub,
                            json={"op": corrected}).status_code == 200
    dismissed, _corrected = _quarantined(desk)
    assert desk.client.post(f"/api/sync/quarantine/{dismissed}/dismiss", headers=hub,
                            json={"note": "電話で確認済み、重複"}).status_code == 200
    tombstone = desk.made[1].record_id
    (gone,) = desk.push(desk.authors[1], desk.op("visit", tombstone, {}, delete=True,
                                                 base_version=2))
    restore_op = str(uuid.uuid4())
    restore = f"/api/sync/records/visit/{tombstone}/restore"
    assert desk.client.post(restore, headers=hub, json={"op_id": restore_op}).status_code == 200
    # A retry changes nothing, and is not logged again.
    assert desk.client.post(restore, headers=hub, json={"op_id": restore_op}).status_code == 200

    for user in (desk.hub, desk.officer, desk.volunteer, desk.hub_elsewhere):
        assert desk.get("/api/audit", user).status_code == 403
    assert desk.client.get("/api/audit").status_code == 401
    body = desk.get("/api/audit", desk.admin).get_json()
    assert body["next"] is None
    entries = body["items"]
    assert [e["action"] for e in entries] == ["restore", "dismiss", "resubmit", "resolve"]
    assert {e["user_id"] for e in entries} == {desk.hub.id}
    assert {e["ward"] for e in entries} == {desk.code}
    restored, dismissed_entry, resubmitted, resolved = entries
    assert (restored["collection"], restored["record_id"]) == ("visit", tombstone)
    assert restored["detail"] == {"op_id": restore_op, "version": gone["version"] + 1}
    assert dismissed_entry["target_id"] == dismissed
    assert dismissed_entry["detail"] == {"reason": "invalid_value"}
    assert "電話" not in str(body)
    assert resubmitted["target_id"] == entry
    assert resubmitted["detail"]["op_id"] == corrected["op_id"]
    assert resolved["target_id"] == conflict_id
    assert resolved["detail"]["resolution"] == "take_conflict"
    assert resolved["detail"]["field"] == "notes"
    assert all(e["at"].endswith("+00:00") for e in entries)
    # Paged, and by ward.
    first = desk.get("/api/audit", desk.admin, limit=3).get_json()
    rest = desk.get("/api/audit", desk.admin, limit=3, cursor=first["next"]).get_json()
    assert [e["id"] for e in first["items"] + rest["items"]] == [e["id"] for e in entries]
    assert rest["next"] is None
    other = desk.get("/api/audit", desk.admin, ward=other_ward.code).get_json()
    assert other == {"items": [], "next": None}
    assert desk.get("/api/audit", desk.admin, ward="nowhere").status_code == 404
    assert desk.get("/api/audit", desk.admin, cursor="bad").status_code == 422
