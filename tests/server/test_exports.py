"""Exports over HTTP: a ward's synced records as CSV and XLSX filtered as on the desk, the
monthly report, who may ask, what a bad request gets, and the audit entry of each export,
on SQLite and PostgreSQL. Records are written through the sync engine (a phone's push)."""

import csv
import io
import itertools
import time
import uuid
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from server.directory.models import Area
from server.exports import logs
from server.extensions import db
from sync.hlc import HLC

FORMULA = '=HYPERLINK("http://example.invalid","見て")'
NOVEMBER = date(2026, 11, 1)


class Ward:
    """Ward A with three sites (a salon and a hub in the north area, a nursery in the
    south), one site of ward B, people of each role, and session logs and outreach records
    with known numbers, pushed by phones."""

    def __init__(self, client, ward, other_ward, create_site, create_user, auth_header):
        self.client, self.code = client, ward.code
        self.areas = [Area(ward_id=ward.id, name=name) for name in ("北部", "南部")]
        db.session.add_all(self.areas)
        db.session.commit()
        north, south = (area.id for area in self.areas)
        self.salon = create_site("salon", area_id=north, name="ひだまりサロン")
        self.hub = create_site("hub", area_id=north, name="にし拠点")
        self.nursery = create_site("nursery_hiroba", area_id=south, name="みなみ保育園ひろば")
        self.sites = [self.salon, self.hub, self.nursery]
        self.elsewhere = create_site("salon", ward=other_ward, name="よその区のサロン")
        self.writer = create_user("volunteer", sites=self.sites)
        self.second = create_user("site_staff", sites=self.sites)
        self.writer_elsewhere = create_user("volunteer", ward=other_ward,
                                            sites=[self.elsewhere])
        self.people = {
            "hub": create_user("hub_staff"), "officer": create_user("ward_officer"),
            "admin": create_user("admin"), "volunteer": create_user("volunteer",
                                                                     sites=[self.salon]),
            "site_staff": create_user("site_staff", sites=[self.salon]),
            "hub_elsewhere": create_user("hub_staff", ward=other_ward)}
        self.headers = {user.id: auth_header(user) for user in (
            self.writer, self.second, self.writer_elsewhere, *self.people.values())}
        self._clock = itertools.count(time.time_ns() // 1_000_000 - 3_600_000, 10)
        # record id -> (site, day, parents, author ids)
        self.visits: dict[str, tuple] = {}
        self.outreach: dict[str, tuple] = {}

    def op(self, collection, record_id, changes, **extra) -> dict:
        return {"op_id": str(uuid.uuid4()), "device_id": "phone", "user_id": "x",
                "collection": collection, "record_id": record_id,
                "hlc": HLC(next(self._clock), 0, "phone").format(), "base_version": None,
                "changes": changes, **extra}

    def push(self, user, *ops) -> list[dict]:
        # Each person counts on their own phone: a counter keeps a share per device.
        ops = [{**op, "device_id": f"phone-{user.id}"} for op in ops]
        response = self.client.post("/api/sync/push", json={"protocol": 1, "ops": list(ops)},
                                    headers=self.headers[user.id])
        assert response.status_code == 200, response.get_json()
        results = response.get_json()["results"]
        assert all(r["status"] == "applied" for r in results), results
        return results

    def fill(self) -> None:
        for i in range(12):
            site = self.sites[i % 3]
            day = NOVEMBER + timedelta(days=2 * i)
            record_id = f"{site.id}:{day.isoformat()}:{'am' if i % 2 else 'pm'}"
            changes = {"parents": i + 1, "children_0": i % 3, "fathers": i % 2,
                       "consultation_development_answered_on_site": 1}
            if i == 0:
                changes["notes"] = FORMULA
            if i == 1:
                changes["needs"] = {"add": ["saturday", "small_homely"]}
            self.push(self.writer, self.op("visit", record_id, changes))
            authors = {self.writer.id}
            if i % 4 == 0:  # a second person counts on their own phone
                self.push(self.second, self.op("visit", record_id, {"parents": 1}))
                authors.add(self.second.id)
            self.visits[record_id] = (site, day, i + 1 + (i % 4 == 0), authors)
        # A deleted log, and ward B's own: in no export of ward A.
        gone = f"{self.salon.id}:{NOVEMBER.isoformat()}:day"
        (made,) = self.push(self.writer, self.op("visit", gone, {"parents": 9}))
        self.push(self.writer, self.op("visit", gone, {}, delete=True,
                                       base_version=made["version"]))
        self.push(self.writer_elsewhere, self.op(
            "visit", f"{self.elsewhere.id}:{NOVEMBER.isoformat()}:am", {"parents": 5}))
        for i in range(3):
            day = NOVEMBER + timedelta(days=7 * i)
            record_id = f"{self.salon.id}:{day.isoformat()}:{self.hub.id}"
            self.push(self.writer, self.op("outreach", record_id, {
                "went_public_health_nurse": 1, "parents": 4 + i, "children": 5,
                "met_welfare_commissioner": i, "topics": {"add": ["sleep", "play"]},
                "summary": "-みんなで遊んだ" if i == 0 else "ねんねの話"}))
            self.outreach[record_id] = (self.hub, day, 4 + i)

    def get(self, url: str, who: str = "hub", **params):
        user = self.people[who]
        return self.client.get(url, query_string=params, headers=self.headers[user.id])

    def expected_visits(self, **criteria) -> dict[str, int]:
        """record id -> parents, of the logs the criteria keep."""
        return {record_id: parents
                for record_id, (site, day, parents, authors) in self.visits.items()
                if criteria.get("from", date.min) <= day <= criteria.get("to", date.max)
                and criteria.get("kind", site.kind) == site.kind
                and criteria.get("area", site.area_id) == site.area_id
                and criteria.get("site", site.id) == site.id
                and criteria.get("author", next(iter(authors))) in authors}


@pytest.fixture
def world(client, ward, other_ward, create_site, create_user, auth_header) -> Ward:
    made = Ward(client, ward, other_ward, create_site, create_user, auth_header)
    made.fill()
    return made


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.get_json(silent=True)
    assert response.mimetype == "text/csv"
    assert response.mimetype_params.get("charset") == "utf-8"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def xlsx_book(response):
    assert response.status_code == 200, response.get_json(silent=True)
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.get_data()))


def sheet_rows(sheet) -> list[dict]:
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


# --- session logs ---------------------------------------------------------------------------


FILTERS = [
    {},
    {"from": NOVEMBER + timedelta(days=4), "to": NOVEMBER + timedelta(days=15)},
    {"kind": "salon"},
    {"area": "south"},
    {"site": "hub"},
    {"author": "second"},
]


@pytest.mark.parametrize("criteria", FILTERS, ids=lambda c: ",".join(c) or "all")
def test_visits_csv_holds_the_logs_the_desk_filters_would_list(world, criteria):
    params = dict(criteria)
    if params.get("area") == "south":
        params["area"] = world.areas[1].id
    if params.get("site") == "hub":
        params["site"] = world.hub.id
    if params.get("author") == "second":
        params["author"] = world.second.id
    wire = {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()}

    rows = csv_rows(world.get(f"/api/wards/{world.code}/exports/visits", format="csv",
                              **wire))

    expected = world.expected_visits(**params)
    assert expected, "a filter that keeps nothing tests nothing"
    assert {row["記録ID"]: int(row["保護者"]) for row in rows} == expected
    assert [row["日付"] for row in rows] == sorted((row["日付"] for row in rows),
                                                 reverse=True)


def test_visits_csv_has_the_phones_words_and_no_live_formula(world):
    rows = csv_rows(world.get(f"/api/wards/{world.code}/exports/visits", format="csv"))

    first = next(row for row in rows if row["日付"] == NOVEMBER.isoformat())
    assert first["メモ"] == "'" + FORMULA
    assert first["施設名"] == "ひだまりサロン"
    assert first["施設の種類"] == "子育てサロン"
    assert first["地域"] == "北部"
    assert first["回"] == "午後"
    assert first["相談 子どもの発達（その場で対応）"] == "1"
    second = next(row for row in rows if row["日付"] == "2026-11-03")
    assert second["希望"] == "少人数でアットホーム、土曜開所"
    assert second["子ども 0歳"] == "1" and second["父親"] == "1"
    assert "よその区のサロン" not in {row["施設名"] for row in rows}


def test_visits_xlsx_reads_back_with_the_same_numbers(world):
    book = xlsx_book(world.get(f"/api/wards/{world.code}/exports/visits", format="xlsx"))

    (sheet,) = book.worksheets
    rows = sheet_rows(sheet)
    assert {row["記録ID"]: row["保護者"] for row in rows} == world.expected_visits()
    assert sum(row["子ども 0歳"] for row in rows) == sum(i % 3 for i in range(12))
    note = next(row for row in rows if row["メモ"])
    assert note["メモ"] == FORMULA  # the text as typed, stored as text
    assert sheet.freeze_panes == "B2"
    cell = next(c for c in sheet["A"][1:] if c.value is not None)
    assert cell.is_date


def test_outreach_exports_name_the_place_and_count_by_role(world):
    url = f"/api/wards/{world.code}/exports/outreach"
    rows = csv_rows(world.get(url, format="csv"))
    book_rows = sheet_rows(xlsx_book(world.get(url)).worksheets[0])

    assert {row["記録ID"]: int(row["保護者"]) for row in rows} == {
        record_id: parents for record_id, (_s, _d, parents) in world.outreach.items()}
    assert {row["訪問先"] for row in rows} == {"ひだまりサロン"}
    assert {row["訪問した施設"] for row in rows} == {"にし拠点"}
    assert sum(int(row["行った人 保健師"]) for row in rows) == 3
    assert sum(int(row["会った地域の方 民生委員・児童委員"]) for row in rows) == 3
    assert {row["話題"] for row in rows} == {"睡眠、遊び"}
    assert "'-みんなで遊んだ" in {row["訪問のようす"] for row in rows}
    assert {row["記録ID"]: row["保護者"] for row in book_rows} == {
        r["記録ID"]: int(r["保護者"]) for r in rows}
    assert "-みんなで遊んだ" in {row["訪問のようす"] for row in book_rows}


@pytest.mark.parametrize("who", ["officer", "admin"])
def test_ward_officers_and_admins_export_too(world, who):
    response = world.get(f"/api/wards/{world.code}/exports/visits", who, format="csv")
    assert len(csv_rows(response)) == len(world.visits)


@pytest.mark.parametrize("who", ["volunteer", "site_staff", "hub_elsewhere"])
def test_people_of_the_sites_and_other_wards_may_not_export(world, who):
    for path in ("exports/visits", "exports/outreach", "reports/monthly"):
        response = world.get(f"/api/wards/{world.code}/{path}", who, month="2026-11")
        assert response.status_code == 403, (path, response.get_json())
        assert response.get_json()["error"]["code"] == "forbidden"


def test_an_export_is_written_to_the_audit_log_with_its_period(world):
    world.get(f"/api/wards/{world.code}/exports/visits", format="csv", kind="salon",
              **{"from": "2026-11-01", "to": "2026-11-30"})

    audit = world.get("/api/audit", "admin", ward=world.code).get_json()["items"]
    (entry,) = [item for item in audit if item["action"] == "export"]
    assert entry["user_id"] == world.people["hub"].id
    assert entry["ward"] == world.code
    assert entry["at"]
    assert entry["detail"] == {"export": "visit", "format": "csv", "from": "2026-11-01",
                               "to": "2026-11-30", "kind": "salon",
                               "rows": len(world.expected_visits(kind="salon"))}


def test_a_refused_export_writes_no_audit_entry(world):
    world.get(f"/api/wards/{world.code}/exports/visits", "volunteer")
    world.get(f"/api/wards/{world.code}/exports/visits", format="pdf")

    audit = world.get("/api/audit", "admin").get_json()["items"]
    assert [item for item in audit if item["action"] == "export"] == []


def test_more_records_than_a_file_holds_is_refused_naming_the_period(world, monkeypatch):
    monkeypatch.setattr(logs, "MAX_ROWS", {"csv": 12, "xlsx": 5})

    as_xlsx = world.get(f"/api/wards/{world.code}/exports/visits", format="xlsx")

    assert as_xlsx.status_code == 422
    error = as_xlsx.get_json()["error"]
    assert error["code"] == "too_many_rows" and "from" in error["fields"]
    assert len(csv_rows(world.get(f"/api/wards/{world.code}/exports/visits",
                                  format="csv"))) == 12
    narrowed = world.get(f"/api/wards/{world.code}/exports/visits", format="xlsx",
                         site=world.hub.id)
    assert len(sheet_rows(xlsx_book(narrowed).worksheets[0])) == 4


@pytest.mark.parametrize(("path", "params", "field"), [
    ("exports/visits", {"format": "pdf"}, "format"),
    ("exports/visits", {"from": "2026-11-31"}, "from"),
    ("exports/visits", {"from": "2026-11-10", "to": "2026-11-01"}, "to"),
    ("exports/outreach", {"to": "yesterday"}, "to"),
    ("exports/outreach", {"kind": "school"}, "kind"),
    ("exports/visits", {"limit": "5"}, "limit"),
    ("reports/monthly", {}, "month"),
    ("reports/monthly", {"month": "2026-13"}, "month"),
    ("reports/monthly", {"month": "2026-1"}, "month"),
    ("reports/monthly", {"month": "1999-12"}, "month"),
    ("reports/monthly", {"month": "0000-01"}, "month"),
    ("reports/monthly", {"month": "2026-11", "format": "ods"}, "format"),
])
def test_bad_input_is_a_422_naming_the_field(world, path, params, field):
    response = world.get(f"/api/wards/{world.code}/{path}", **params)

    assert response.status_code == 422, response.get_data(as_text=True)[:200]
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error


# --- the monthly report -------------------------------------------------------------------------


@pytest.fixture
def month_world(world, client, mint_card, issue_card, auth_header) -> Ward:
    """The world's November, with a session on each side of the month, introductions and a
    weekly programme (Mondays from 2 November: five in November)."""
    # The last day of November counts in November, whatever the hour; 1 December does not.
    world.push(world.writer, world.op("visit", f"{world.nursery.id}:2026-11-30:pm",
                                      {"parents": 3, "children_2": 2, "in_ward": 3}))
    world.push(world.writer, world.op("visit", f"{world.nursery.id}:2026-12-01:am",
                                      {"parents": 50, "children_2": 50}))
    for issuing, target in ((world.salon, world.hub), (world.salon, world.hub),
                            (world.salon, world.nursery), (world.hub, world.salon)):
        issue_card(world.writer, mint_card(world.writer, issuing)["short_code"], issuing,
                   target)
    admin = world.people["admin"]
    response = client.post(f"/api/sites/{world.salon.id}/programmes",
                           headers=world.headers[admin.id], json={
                               "title": "親子あそび", "theme": "chat",
                               "starts_on": "2026-11-02", "rrule": "FREQ=WEEKLY;BYDAY=MO"})
    assert response.status_code == 201, response.get_json()
    return world


def november(world: Ward, site=None) -> dict:
    """The known November numbers of the world (``month_world``), of one site or all."""
    logs = [(s, day, parents, i) for i, (s, day, parents, _a) in enumerate(
        world.visits.values()) if site is None or s.id == site.id]
    late = site is None or site.id == world.nursery.id  # the log of 30 November
    return {
        "開催回数": len(logs) + late, "開所日数": len(logs) + late,
        "大人（保護者）合計": sum(p for _s, _d, p, _i in logs) + 3 * late,
        "子ども合計": sum(i % 3 for *_x, i in logs) + 2 * late,
        "子ども 0歳": sum(i % 3 for *_x, i in logs), "子ども 2歳": 2 * late,
        "父親": sum(i % 2 for *_x, i in logs), "区内から": 3 * late,
        "相談 子どもの発達": len(logs), "相談の対応 その場で対応": len(logs),
        "相談 合計": len(logs),
    }


def test_the_monthly_xlsx_holds_the_months_exact_totals(month_world):
    w = month_world

    book = xlsx_book(w.get(f"/api/wards/{w.code}/reports/monthly", month="2026-11",
                           format="xlsx"))

    assert book.sheetnames == ["区全体", "地域子育て支援拠点", "親と子のつどいの広場",
                               "子育て支援者事業", "保育所・認定こども園 子育てひろば",
                               "私立幼稚園 はまっ子広場", "子育てサロン"]
    ward_rows = {row["施設の種類"]: row for row in sheet_rows(book["区全体"])}
    total = ward_rows["区全体"]
    for header, number in november(w).items():
        assert total[header] == number, header
    assert total["講座・催しの開催回数"] == 5
    assert total["紹介 地域子育て支援拠点へ"] == 2
    assert total["紹介 保育所・認定こども園 子育てひろばへ"] == 1
    assert total["紹介 子育てサロンへ"] == 1 and total["紹介 合計"] == 4
    assert total["アウトリーチ 訪問件数"] == 3 and total["アウトリーチ 保健師"] == 3
    kinds = [row for name, row in ward_rows.items() if name != "区全体"]
    for header, value in total.items():
        if header != "施設の種類":
            assert sum(row[header] for row in kinds) == value, header
    salons = {row["施設名"]: row for row in sheet_rows(book["子育てサロン"])}
    assert list(salons) == ["ひだまりサロン", "合計"]
    for header, number in november(w, w.salon).items():
        assert salons["ひだまりサロン"][header] == number, header
    assert salons["ひだまりサロン"]["講座・催しの開催回数"] == 5
    assert salons["ひだまりサロン"]["紹介 合計"] == 3
    nursery = sheet_rows(book["保育所・認定こども園 子育てひろば"])[0]
    assert nursery["施設名"] == "みなみ保育園ひろば"
    for header, number in november(w, w.nursery).items():
        assert nursery[header] == number, header
    hub = sheet_rows(book["地域子育て支援拠点"])[0]
    assert hub["アウトリーチ 訪問件数"] == 3 and hub["紹介 子育てサロンへ"] == 1
    assert book["区全体"].freeze_panes == "B2"
    assert book["区全体"].column_dimensions["B"].width >= 10


def test_the_monthly_csv_holds_the_ward_sheet(month_world):
    w = month_world

    rows = csv_rows(w.get(f"/api/wards/{w.code}/reports/monthly", month="2026-11",
                          format="csv"))

    assert [row["施設の種類"] for row in rows] == [
        "地域子育て支援拠点", "親と子のつどいの広場", "子育て支援者事業",
        "保育所・認定こども園 子育てひろば", "私立幼稚園 はまっ子広場", "子育てサロン", "区全体"]
    for header, number in november(w).items():
        assert int(rows[-1][header]) == number, header


def test_the_next_month_has_only_its_own_day(month_world):
    w = month_world

    rows = csv_rows(w.get(f"/api/wards/{w.code}/reports/monthly", month="2026-12",
                          format="csv"))

    assert int(rows[-1]["大人（保護者）合計"]) == 50
    assert int(rows[-1]["開所日数"]) == 1
    assert int(rows[-1]["講座・催しの開催回数"]) == 4  # Mondays 7, 14, 21, 28 December


def test_a_monthly_report_is_written_to_the_audit_log(month_world):
    w = month_world
    w.get(f"/api/wards/{w.code}/reports/monthly", "officer", month="2026-11")

    audit = w.get("/api/audit", "admin").get_json()["items"]
    (entry,) = [item for item in audit if item["action"] == "export"]
    assert entry["user_id"] == w.people["officer"].id and entry["ward"] == w.code
    assert entry["detail"] == {"export": "monthly", "format": "xlsx", "month": "2026-11"}


def test_every_sites_figures_at_once_equal_compute_for_that_site(month_world, create_site):
    from server.figures import compute
    from server.figures.by_site import compute_by_site

    w = month_world
    quiet = create_site("kindergarten_hamakko")  # a site with nothing this month
    start, end = date(2026, 11, 1), date(2026, 11, 30)

    found = compute_by_site(w.code, start, end)

    assert set(found) == {*(site.id for site in w.sites), quiet.id}
    for site_id, figures in found.items():
        alone = compute(w.code, start, end, site_id=site_id)
        assert figures["totals"] == alone["totals"], site_id
        assert figures["consultations"] == alone["consultations"], site_id
        assert figures["outreach"] == alone["outreach"], site_id
        assert figures["cards"]["issued"] == alone["cards"]["issued"], site_id
        # The report reads how many were issued to each kind, not how many arrived.
        assert figures["cards"]["kind_flows"] == [
            {key: value for key, value in flow.items() if key != "arrived"}
            for flow in alone["cards"]["kind_flows"]], site_id
    assert found[w.salon.id]["totals"]["adults"] > 0
    assert found[w.salon.id]["cards"]["issued"] == 3
