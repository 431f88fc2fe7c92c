"""In real Chromium: the 「数字」 tab's ward figures as charts (Chart.js, loaded only when
the tab opens), each with its numbers as a table, the flows between kinds of site with
the missing pairs marked, and this month compared with earlier months in words. Until a
test says otherwise the figures API is answered by ``FIGURES`` below, a JSON of the exact
shape of ``GET /api/wards/{code}/figures`` with known numbers.

Screenshots go to pytest's tmp dir, and to ``TSUNAGU_SHOTS_DIR`` when it is set."""

import json
import os
import time
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
from playwright.sync_api import expect

from server.directory.models import Site
from server.extensions import db
from server.timeutil import today_local
from sync.hlc import HLC

pytestmark = pytest.mark.browser

PC = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
KINDS = ["hub", "tsudoi_hiroba", "supporter_program", "nursery_hiroba", "kindergarten_hamakko",
         "salon"]
TOPICS = ["work_life", "family_relations", "elder_care", "single_parent", "financial",
          "development", "parenting_approach", "health_daily", "places_childcare", "other"]
ANSWERS = ["answered_on_site", "referred_to_site", "connected_to_ward"]
TOTAL_KEYS = ["sessions", "days_open", "adults", "children", "children_0", "children_1",
              "children_2", "children_3plus", "expecting_parents", "fathers", "grandparents",
              "first_time", "in_ward", "out_of_ward", "worry"]


def totals(**counts):
    values = dict.fromkeys(TOTAL_KEYS, 0) | counts
    values["children"] = sum(values[f"children_{b}"] for b in ("0", "1", "2", "3plus"))
    return values


# Cards between kinds: these pairs had introductions (issued, arrived); all others none.
FLOWS = {("salon", "hub"): (6, 4), ("hub", "nursery_hiroba"): (3, 1),
         ("salon", "tsudoi_hiroba"): (2, 2), ("nursery_hiroba", "salon"): (1, 0)}
CONSULTED = {("development", "answered_on_site"): 4, ("development", "referred_to_site"): 2,
             ("work_life", "connected_to_ward"): 1, ("financial", "referred_to_site"): 3}
NOVEMBER = totals(sessions=10, days_open=8, adults=31, children_0=12, children_1=10,
                  children_2=8, children_3plus=9, expecting_parents=2, fathers=3,
                  grandparents=1, first_time=5, in_ward=25, out_of_ward=6, worry=1)
FIGURES = {
    "ward": {"code": "14101", "name": "鶴見区"},
    "from": "2026-11-01", "to": "2026-11-30",
    "filters": {"area": None, "kind": None, "site_id": None},
    "totals": NOVEMBER,
    "sites": [],
    "by_week": [
        {"week": "2026-11-02", "kind": "hub", "sessions": 5, "adults": 20, "children": 25},
        {"week": "2026-11-02", "kind": "salon", "sessions": 3, "adults": 7, "children": 9},
        {"week": "2026-11-16", "kind": "salon", "sessions": 2, "adults": 4, "children": 5},
    ],
    "by_month": [{"month": "2026-11", "children_0": 12, "children_1": 10, "children_2": 8,
                  "children_3plus": 9, "expecting_parents": 2, "adults": 31}],
    "consultations": [{"topic": t, "answer": a, "count": CONSULTED.get((t, a), 0)}
                      for t in TOPICS for a in ANSWERS],
    "outreach": {"visits": 4, "by_role": {"nursery_teacher": 3, "public_health_nurse": 2},
                 "parents": 11, "children": 13, "met": {"welfare_commissioner": 1}},
    "cards": {
        "issued": 12, "opened": 9, "arrived": 7, "expired": 0, "cancelled": 0,
        "arrival_rate": 7 / 12, "by_site": [], "by_wish": [], "site_flows": [],
        "kind_flows": [{"from_kind": f, "to_kind": t, "issued": FLOWS.get((f, t), (0, 0))[0],
                        "arrived": FLOWS.get((f, t), (0, 0))[1]} for f in KINDS for t in KINDS],
        "missing_kind_pairs": [[f, t] for f in KINDS for t in KINDS if (f, t) not in FLOWS],
    },
    "comparison": {
        "month": "2026-11",
        # Last November: fewer adults, more session logs, the same number of children.
        "last_year": {"month": "2025-11", "totals": totals(
            sessions=12, days_open=8, adults=25, children_0=6, children_1=10, children_2=12,
            children_3plus=11, first_time=5, fathers=1, worry=3)},
        "previous": [
            {"month": "2026-10", "totals": totals(sessions=9, adults=30, children_0=11,
                                                  children_1=9, children_2=9, children_3plus=10)},
            {"month": "2026-09", "totals": totals(sessions=8, adults=28, children_0=10,
                                                  children_1=9, children_2=10, children_3plus=10)},
            {"month": "2026-08", "totals": totals(sessions=7, adults=27, children_0=8,
                                                  children_1=9, children_2=11, children_3plus=11)},
        ],
    },
}


PASSWORD = "correct horse battery"  # the live fixture's


def api(live, method, path, token=None, body=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(live.url + path, data=data,
                                                       method=method, headers=headers)) as r:
        return json.load(r)


def token_of(live, login):
    return api(live, "POST", "/api/auth/login", body={
        "login": login, "password": PASSWORD, "device_name": "test phone"})["token"]


def shot(page, tmp_path, name):
    folders = [tmp_path]
    if os.environ.get("TSUNAGU_SHOTS_DIR"):
        folders.append(Path(os.environ["TSUNAGU_SHOTS_DIR"]))
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    return tmp_path / f"{name}.png"


@pytest.fixture
def problems(page):
    """Console errors and uncaught exceptions of the page, as they come."""
    seen = []
    page.on("console", lambda message: message.type == "error" and seen.append(message.text))
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


@pytest.fixture
def fake_figures(page):
    """The figures API answered with FIGURES; returns the queries it was asked."""
    asked = []

    def fulfil(route):
        asked.append({k: v[0] for k, v in parse_qs(urlparse(route.request.url).query).items()})
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps(FIGURES, ensure_ascii=False))

    page.route("**/api/wards/*/figures*", fulfil)
    return asked


def open_figures(page, live, signed_in, viewport=PC):
    page.set_viewport_size(viewport)
    signed_in(page, live.url, "hub")
    expect(page.locator("#log-view")).to_be_visible()
    page.get_by_role("button", name="数字", exact=True).click()
    expect(page.locator("#figures-charts")).to_have_attribute("data-drawn", "true")


def unfold_tables(page):
    for details in page.locator("#figures-view details.as-table").all():
        if not details.evaluate("(d) => d.open"):
            details.locator("summary").click()


def rows_of(page, table_id):
    return page.locator(f"#{table_id} tr").evaluate_all(
        "(rows) => rows.map((row) => [...row.cells].map((cell) => cell.textContent))")


def test_every_chart_is_drawn_at_1280_px_with_no_console_errors(live, page, signed_in,
                                                                fake_figures, problems,
                                                                tmp_path):
    signed_in(page, live.url, "hub")
    expect(page.locator("#log-view")).to_be_visible()
    # The library is not run on the way in: only the figures page needs it.
    assert page.evaluate("typeof globalThis.Chart") == "undefined"
    page.set_viewport_size(PC)
    page.get_by_role("button", name="数字", exact=True).click()
    expect(page.locator("#figures-charts")).to_have_attribute("data-drawn", "true")
    drawn = page.evaluate("""() => [...document.querySelectorAll('#figures-charts canvas')]
      .map((canvas) => ({ id: canvas.id, type: Chart.getChart(canvas)?.config.type,
        points: Chart.getChart(canvas)?.data.datasets.reduce((n, d) => n + d.data.length, 0),
        width: canvas.getBoundingClientRect().width }))""")
    assert [(c["id"], c["type"]) for c in drawn] == [
        ("chart-weekly-canvas", "bar"), ("chart-ages-canvas", "bar"),
        ("chart-topics-canvas", "bar"), ("chart-flows-canvas", "matrix")]
    assert all(c["points"] > 0 and c["width"] > 300 for c in drawn)
    # This month by default, in Tokyo; then November, chosen with the month picker.
    first = fake_figures[0]
    assert first["from"].endswith("-01") and first["from"][:7] == first["to"][:7]
    page.locator("#figures-view").get_by_label("月", exact=True).fill("2026-11")
    page.get_by_role("button", name="この条件で見る").click()
    expect(page.locator("#figures-period-words")).to_have_text(
        "2026-11-01 から 2026-11-30 までの数字")
    assert fake_figures[-1] == {"from": "2026-11-01", "to": "2026-11-30"}
    expect(page.locator("#figures-charts")).to_have_attribute("data-drawn", "true")
    # The card figures are still on the page.
    expect(page.get_by_role("region", name="区全体")).to_be_visible()
    path = shot(page, tmp_path, "figures-1280")
    assert path.stat().st_size > 20_000
    assert problems == []


def test_the_tables_hold_the_exact_numbers_of_the_figures(live, page, signed_in, fake_figures):
    open_figures(page, live, signed_in)
    unfold_tables(page)
    weekly = rows_of(page, "chart-weekly-table")
    assert weekly[0] == ["週", "地域子育て支援拠点", "子育てサロン", "合計"]
    # Every week touching November, from the Monday before the 1st; empty weeks are 0.
    assert weekly[1:] == [
        ["2026-10-26 の週", "0", "0", "0"], ["2026-11-02 の週", "45", "16", "61"],
        ["2026-11-09 の週", "0", "0", "0"], ["2026-11-16 の週", "0", "9", "9"],
        ["2026-11-23 の週", "0", "0", "0"], ["2026-11-30 の週", "0", "0", "0"]]
    ages = rows_of(page, "chart-ages-table")
    assert ages[0] == ["月", "子ども 0歳", "子ども 1歳", "子ども 2歳", "子ども 3歳以上", "合計",
                       "0歳の割合"]
    # One month is no trend: the three months before it come first.
    assert ages[1:] == [["2026-08", "8", "9", "11", "11", "39", "21%"],
                        ["2026-09", "10", "9", "10", "10", "39", "26%"],
                        ["2026-10", "11", "9", "9", "10", "39", "28%"],
                        ["2026-11", "12", "10", "8", "9", "39", "31%"]]
    topics = {row[0]: row[1:] for row in rows_of(page, "chart-topics-table")}
    assert topics["相談の内容"] == ["その場で対応", "他の施設を紹介", "区につないだ", "合計"]
    assert topics["子どもの発達"] == ["4", "2", "0", "6"]
    assert topics["経済的な困りごと"] == ["0", "3", "0", "3"]
    assert topics["仕事・家庭・子育ての両立"] == ["0", "0", "1", "1"]
    assert len(topics) == 1 + len(TOPICS)
    flows = {row[0]: row[1:] for row in rows_of(page, "chart-flows-table")}
    salon = dict(zip(flows["紹介元 ＼ 紹介先"], flows["子育てサロン"], strict=True))
    assert salon["地域子育て支援拠点"] == "6（来所 4）"
    assert salon["親と子のつどいの広場"] == "2（来所 2）"
    comparison = {row[0]: row[1:] for row in rows_of(page, "figures-comparison")}
    assert comparison["項目"] == ["2026-11", "2025-11", "2026-10", "2026-09", "2026-08"]
    assert comparison["おとな"] == ["31", "25", "30", "28", "27"]
    assert comparison["来所の記録"] == ["10", "12", "9", "8", "7"]
    headline = page.locator(".headline-item").evaluate_all(
        "(items) => items.map((i) => [i.querySelector('.headline-label').textContent, "
        "i.querySelector('.headline-value').textContent])")
    assert headline[:4] == [["来所の記録", "10"], ["開いた日", "8"], ["おとな", "31"],
                            ["子ども", "39"]]
    outreach = {row[0]: row[1:] for row in rows_of(page, "figures-outreach-table")}
    assert outreach == {"内容": ["数"], "訪問の記録": ["4"], "行った人：保育士": ["3"],
                        "行った人：保健師": ["2"], "会えた保護者": ["11"], "会えた子ども": ["13"],
                        "会った地域の方：民生委員・児童委員": ["1"]}


def test_the_pairs_of_kinds_with_no_introduction_are_marked(live, page, signed_in,
                                                            fake_figures):
    open_figures(page, live, signed_in)
    unfold_tables(page)
    missing = page.locator("#chart-flows-table td.missing")
    expect(missing).to_have_count(36 - len(FLOWS))
    assert set(missing.all_text_contents()) == {"0（紹介なし）"}
    marked = page.locator("#chart-flows-table td:not(.missing)")
    expect(marked).to_have_count(len(FLOWS))
    expect(page.locator("#figures-missing h4")).to_have_text(
        f"紹介がひとつもない組み合わせ（{36 - len(FLOWS)}）")
    # One line per kind that sends, naming the kinds it never sent to.
    pairs = page.locator("#figures-missing li").all_text_contents()
    assert len(pairs) == 6
    assert "サロン → 支援者事業・保育所ひろば・はまっ子広場・サロン" in pairs
    assert "拠点 → 拠点・つどいの広場・支援者事業・はまっ子広場・サロン" in pairs
    # The chart marks the same cells: a thick red border and no fill.
    styles = page.evaluate("""() => {
      const chart = Chart.getChart(document.getElementById('chart-flows-canvas'));
      return chart.getDatasetMeta(0).data.map((cell, i) => ({
        pair: chart.data.datasets[0].data[i].y + '>' + chart.data.datasets[0].data[i].x,
        border: cell.options.borderWidth, fill: cell.options.backgroundColor }));
    }""")
    missing_pairs = {f"{f}>{t}" for f, t in FIGURES["cards"]["missing_kind_pairs"]}
    assert {s["pair"] for s in styles if s["border"] == 3} == missing_pairs
    assert all(s["fill"] == "#ffffff" for s in styles if s["pair"] in missing_pairs)


def test_the_comparison_says_up_and_down_in_words(live, page, signed_in, fake_figures):
    open_figures(page, live, signed_in)
    item = page.locator(".headline-item")
    adults = item.filter(has_text="おとな").locator(".change")
    expect(adults).to_have_text([
        "↑ 去年の同じ月（2025-11）より 6 増えました",
        "↑ 前の3か月の平均より 2.7 増えました"])
    sessions = item.filter(has_text="来所の記録").locator(".change").first
    expect(sessions).to_have_text("↓ 去年の同じ月（2025-11）より 2 減りました")
    expect(sessions).to_have_class("change down")
    children = item.filter(has_text="子ども").locator(".change").first
    expect(children).to_have_text("→ 去年の同じ月（2025-11）と同じです")
    # The arrow is decoration; the words carry the change for a screen reader.
    assert sessions.locator("[aria-hidden=true]").text_content() == "↓"


def test_the_figures_page_passes_axe_in_japanese_and_english(live, page, signed_in,
                                                             fake_figures, axe_violations,
                                                             problems):
    open_figures(page, live, signed_in)
    assert axe_violations(page) == []
    unfold_tables(page)
    assert axe_violations(page) == []
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Ward figures")).to_be_visible()
    expect(page.locator("#figures-charts")).to_have_attribute("data-drawn", "true")
    expect(page.locator("#chart-flows h3")).to_have_text(
        "Introduction cards: from which kind of site to which")
    expect(page.locator(".headline-item").filter(has_text="Adults").locator(".change").first
           ).to_have_text("↑ 6 more than the same month last year (2025-11)")
    assert axe_violations(page) == []
    unfold_tables(page)
    assert axe_violations(page) == []
    assert problems == []


def test_the_figures_page_never_scrolls_sideways_at_360_px(live, page, signed_in, fake_figures,
                                                          tmp_path, axe_violations):
    open_figures(page, live, signed_in, PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    unfold_tables(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(page) == []
    shot(page, tmp_path, "figures-360")
    page.get_by_role("button", name="English").click()
    expect(page.locator("#chart-flows h3")).to_have_text(
        "Introduction cards: from which kind of site to which")
    expect(page.locator("#figures-charts")).to_have_attribute("data-drawn", "true")
    unfold_tables(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_printing_unfolds_every_table(live, page, signed_in, fake_figures):
    open_figures(page, live, signed_in)
    folded = page.locator("#figures-view details.as-table")
    assert folded.count() == 5
    page.evaluate("dispatchEvent(new Event('beforeprint'))")
    assert folded.evaluate_all("(all) => all.every((d) => d.open)")
    page.emulate_media(media="print")
    expect(page.locator("#chart-flows-table")).to_be_visible()
    expect(page.locator("#figures-form")).to_be_hidden()
    page.emulate_media(media="screen")
    page.evaluate("dispatchEvent(new Event('afterprint'))")
    assert folded.evaluate_all("(all) => all.every((d) => !d.open)")


def test_the_figures_data_module_reckons_periods_in_tokyo(live, page):
    page.goto(live.url + "/")
    result = page.evaluate("""async () => {
      const d = await import('/js/figures-data.js');
      return {
        feb: d.monthPeriod('2028-02'), dec: d.monthPeriod('2026-12'),
        whole: d.periodMonth('2026-11-01', '2026-11-30'),
        part: d.periodMonth('2026-11-01', '2026-11-29'),
        // 2026-11-30 15:30 UTC is 2026-12-01 00:30 in Tokyo.
        today: d.tokyoToday(new Date(Date.UTC(2026, 10, 30, 15, 30))),
        weeks: d.weeksOf('2026-11-01', '2026-11-10'),
        underWay: d.monthUnderWay({ to: '2026-11-30', comparison: { month: '2026-11' } },
          '2026-11-20'),
        over: d.monthUnderWay({ to: '2026-11-30', comparison: { month: '2026-11' } },
          '2026-12-01'),
      };
    }""")
    assert result == {
        "feb": {"from": "2028-02-01", "to": "2028-02-29"},
        "dec": {"from": "2026-12-01", "to": "2026-12-31"},
        "whole": "2026-11", "part": None, "today": "2026-12-01",
        "weeks": ["2026-10-26", "2026-11-02", "2026-11-09"],
        "underWay": {"month": "2026-11", "today": "2026-11-20"}, "over": None}


# --- against the real server ------------------------------------------------------------------


@pytest.fixture
def this_months_logs(live):
    """This month (in Tokyo), on its first day: a salon session and a nursery session with
    known counts, and three cards from the salon to the nursery, one arrived."""
    first = today_local().replace(day=1)
    with live.app.app_context():
        sites = {s.kind: s.id for s in db.session.query(Site)}
    volunteer, staff = token_of(live, "yamada"), token_of(live, "tanaka")
    clock = int(time.time() * 1000) - 60_000

    def op(n, collection, record_id, changes, device):
        return {"op_id": str(uuid.uuid4()), "device_id": device, "user_id": "ignored",
                "collection": collection, "record_id": record_id,
                "hlc": HLC(clock + n, 0, device).format(), "base_version": None,
                "changes": changes}

    def visit(n, kind, device, counts):
        record_id = f"{sites[kind]}:{first.isoformat()}:day"
        return op(n, "visit", record_id, {"site_id": str(sites[kind]),
                                          "session_date": first.isoformat(), "session": "day",
                                          **counts}, device)

    minted = api(live, "POST", "/api/cards/tokens", volunteer,
                 {"site_id": sites["salon"], "count": 3})["tokens"]
    ours = [visit(0, "salon", "phone-a", {
        "parents": 3, "children_0": 2, "children_1": 1, "first_time": 1,
        "consultation_development_answered_on_site": 2})]
    ours += [op(n + 1, "card", card["short_code"], {
        "status": "issued", "issued_on": first.isoformat(),
        "issuing_site_id": str(sites["salon"]), "target_site_id": str(sites["nursery_hiroba"]),
        "wishes": {"add": ["outdoor_play"]}}, "phone-a") for n, card in enumerate(minted)]
    for token, ops in ((volunteer, ours), (staff, [visit(9, "nursery_hiroba", "phone-b", {
            "parents": 4, "children_2": 3, "children_3plus": 1, "fathers": 1,
            "consultation_financial_referred_to_site": 1})])):
        results = api(live, "POST", "/api/sync/push", token, {"protocol": 1, "ops": ops})
        assert {r["status"] for r in results["results"]} == {"applied"}
    api(live, "POST", f"/api/cards/{minted[0]['short_code']}/arrival", staff, {})
    return first


def test_the_real_servers_figures_fill_the_charts_and_tables(live, page, signed_in,
                                                             this_months_logs, problems,
                                                             axe_violations, tmp_path):
    first = this_months_logs
    open_figures(page, live, signed_in)
    headline = dict(page.locator(".headline-item").evaluate_all(
        "(items) => items.map((i) => [i.querySelector('.headline-label').textContent, "
        "i.querySelector('.headline-value').textContent])"))
    assert {k: headline[k] for k in (
        "来所の記録", "開いた日", "おとな", "子ども", "はじめての方", "父親")} == {
        "来所の記録": "2", "開いた日": "2", "おとな": "7", "子ども": "7", "はじめての方": "1",
        "父親": "1"}
    # This month is not over: its comparison with whole months says so.
    expect(page.locator("#figures-under-way")).to_contain_text(
        f"{first:%Y-%m} はまだ途中です（{today_local().isoformat()} までの記録）")
    # Nothing last year: "7 more" in words, not only an arrow.
    expect(page.locator(".headline-item").filter(has_text="おとな").locator(".change").first
           ).to_have_text(f"↑ 去年の同じ月（{first.year - 1}-{first:%m}）より 7 増えました")
    unfold_tables(page)
    monday = first - timedelta(days=first.weekday())
    weekly = rows_of(page, "chart-weekly-table")
    assert weekly[0] == ["週", "保育所・認定こども園 子育てひろば", "子育てサロン", "合計"]
    assert [f"{monday.isoformat()} の週", "8", "6", "14"] in weekly
    topics = {row[0]: row[1:] for row in rows_of(page, "chart-topics-table")}
    assert topics["子どもの発達"] == ["2", "0", "0", "2"]
    assert topics["経済的な困りごと"] == ["0", "1", "0", "1"]
    flows = {row[0]: row[1:] for row in rows_of(page, "chart-flows-table")}
    salon = dict(zip(flows["紹介元 ＼ 紹介先"], flows["子育てサロン"], strict=True))
    assert salon["保育所・認定こども園 子育てひろば"] == "3（来所 1）"
    expect(page.locator("#chart-flows-table td.missing")).to_have_count(35)
    ages = rows_of(page, "chart-ages-table")
    assert ages[-1] == [f"{first:%Y-%m}", "2", "1", "3", "1", "7", "29%"]
    assert axe_violations(page) == []
    shot(page, tmp_path, "figures-real-1280")
    assert problems == []


def test_hub_staff_download_the_monthly_report_and_the_logs(live, page, signed_in,
                                                           this_months_logs, tmp_path,
                                                           axe_violations, problems):
    first = this_months_logs
    open_figures(page, live, signed_in)
    exports = page.get_by_role("region", name="ファイルでもらう（Excel・CSV）")
    with page.expect_download() as info:
        exports.get_by_role("button", name="月報（Excel）").click()
    download = info.value
    assert download.suggested_filename == f"tsunagu-14101-{first:%Y-%m}-monthly.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = openpyxl.load_workbook(saved, read_only=True)
    assert len(book.sheetnames) >= 2  # the ward, then one per kind of site
    header, *rows = book.worksheets[0].iter_rows(values_only=True)
    whole = dict(zip(header, rows[-1], strict=True))
    # The same numbers as the page: the report is written from the same figures.
    assert (whole["施設の種類"], whole["開催回数"], whole["大人（保護者）合計"],
            whole["子ども合計"], whole["紹介 保育所・認定こども園 子育てひろばへ"]) == (
        "区全体", 2, 7, 7, 3)
    with page.expect_download() as info:
        exports.get_by_role("button", name="来所の記録（CSV）").click()
    text = Path(info.value.path()).read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")  # the BOM: Excel opens Japanese right
    assert text.decode("utf-8-sig").count("\n") == 3  # the header and the two sessions
    expect(page.locator("#status")).to_have_text("ファイルを保存しました。")
    # A period that is not one month has no monthly report to offer.
    page.locator("#figures-view").get_by_label("いつまで").fill(
        (first + timedelta(days=9)).isoformat())
    page.locator("#figures-view").get_by_label("いつまで").dispatch_event("change")
    expect(exports.get_by_role("button", name="月報（Excel）")).to_be_disabled()
    expect(page.locator("#figures-monthly-hint")).to_be_visible()
    with page.expect_download() as info:
        exports.get_by_role("button", name="来所の記録（Excel）").click()
    info.value.save_as(tmp_path / "visits.xlsx")
    rows = list(openpyxl.load_workbook(tmp_path / "visits.xlsx", read_only=True).worksheets[0]
                .iter_rows(values_only=True))
    assert len(rows) == 3
    assert axe_violations(page) == []
    assert problems == []
