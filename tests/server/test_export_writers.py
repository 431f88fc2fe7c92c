"""The export files' writers without a database: CSV for Excel, XLSX read back with
openpyxl, nothing a spreadsheet runs, and the monthly report's tables from figures in the
shape ``server.figures.compute`` answers."""

import csv
import io
import re
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from server.exports import labels
from server.exports.monthly import REPORT_HEADER, SiteFigures, report_sheets
from server.exports.writers import Sheet, csv_chunks
from server.exports.xlsx import xlsx_bytes
from sync.collections import CONSULTATION_ANSWERS
from sync.vocabulary import (
    CONSULTATION_TOPICS,
    LOCAL_PEOPLE_ROLES,
    OUTREACH_ROLES,
    SITE_KIND_NAMES,
    SITE_KINDS,
)

I18N = Path(__file__).resolve().parents[2] / "pwa" / "js" / "i18n.js"
HOSTILE = ["=HYPERLINK(\"http://x\",\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx",
           "＝1+1", "plain", "in=side"]


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "no BOM: Excel in Japan would read Shift_JIS"
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_has_a_bom_japanese_headers_and_escapes_formulas():
    rows = [[text, 3, date(2026, 11, 30)] for text in HOSTILE]
    text = "".join(csv_chunks(["メモ", "保護者", "日付"], rows))

    header, *body = read_csv(text)

    assert header == ["メモ", "保護者", "日付"]
    assert [row[0] for row in body] == [
        "'=HYPERLINK(\"http://x\",\"x\")", "'+1", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx",
        "'＝1+1", "plain", "in=side"]
    assert {row[1] for row in body} == {"3"}  # numbers are numbers, never escaped
    assert {row[2] for row in body} == {"2026-11-30"}


def test_csv_of_many_rows_comes_in_chunks_and_loses_none():
    rows = ([f"施設{i}", i] for i in range(250))
    chunks = list(csv_chunks(["施設名", "n"], rows))

    assert len(chunks) == 3
    assert [int(row[1]) for row in read_csv("".join(chunks))[1:]] == list(range(250))


def test_xlsx_keeps_text_as_typed_never_a_formula(tmp_path):
    rows = [[text, 1] for text in HOSTILE] + [["bell\x07 and nul\x00 gone", 2]]
    sheet = Sheet("記録", ["メモ", "数"], rows, [40, 8])

    book = load_workbook(io.BytesIO(xlsx_bytes([sheet])))

    cells = list(book["記録"].iter_rows(min_row=2, values_only=False))
    # A carriage return is a newline in XML: the one change besides dropped controls.
    typed = [text.replace("\r", "\n") for text in HOSTILE]
    assert [row[0].value for row in cells] == [*typed, "bell and nul gone"]
    assert {row[0].data_type for row in cells} == {"s"}
    assert [row[1].value for row in cells] == [1] * 9 + [2]


def test_xlsx_freezes_the_header_and_sets_widths():
    sheet = Sheet("区全体", ["施設の種類", "開所日数"], [["子育てサロン", 3]], [20, 12])

    book = load_workbook(io.BytesIO(xlsx_bytes([sheet, Sheet("二", ["a"], [], [5])])))

    first = book["区全体"]
    assert book.sheetnames == ["区全体", "二"]
    assert first.freeze_panes == "B2"
    assert first.column_dimensions["A"].width == 20
    assert first.column_dimensions["B"].width == 12
    assert first["A1"].font.bold
    assert first.row_dimensions[1].height == 15  # one line: every header fits its column


def test_a_long_header_makes_the_header_row_as_tall_as_its_lines():
    # 19 full-width characters and 2 spaces are 40 units: 4 lines in a column of 12 (10
    # inside its margins).
    sheet = Sheet("区全体", ["施設", "紹介 保育所・認定こども園 子育てひろばへ"], [], [10, 12])

    book = load_workbook(io.BytesIO(xlsx_bytes([sheet])))

    assert book["区全体"].row_dimensions[1].height == 15 * 4


# --- the monthly report from figures of the documented shape ----------------------------------


def shaped(*, sessions=0, days_open=0, adults=0, ages=(0, 0, 0, 0), expecting=0, fathers=0,
           first_time=0, in_ward=0, out_of_ward=0, consultations=(), flows=(),
           outreach_visits=0, outreach_roles=None) -> dict:
    """A ``figures.compute`` answer with these numbers and zeros elsewhere.

    ``consultations``: (topic, answer, count); ``flows``: (from_kind, to_kind, issued).
    """
    counts = {(t, a): n for t, a, n in consultations}
    issued = {(f, t): n for f, t, n in flows}
    totals = {"sessions": sessions, "days_open": days_open, "adults": adults,
              "children": sum(ages), "children_0": ages[0], "children_1": ages[1],
              "children_2": ages[2], "children_3plus": ages[3],
              "expecting_parents": expecting, "fathers": fathers, "grandparents": 0,
              "first_time": first_time, "in_ward": in_ward, "out_of_ward": out_of_ward,
              "worry": 0}
    by_role = {role: (outreach_roles or {}).get(role, 0) for role in OUTREACH_ROLES}
    return {
        "ward": {"code": "14101", "name": "鶴見区"}, "from": "2026-11-01",
        "to": "2026-11-30", "filters": {"area": None, "kind": None, "site_id": None},
        "totals": totals, "sites": [], "by_week": [], "by_month": [],
        "consultations": [{"topic": t, "answer": a, "count": counts.get((t, a), 0)}
                          for t in CONSULTATION_TOPICS for a in CONSULTATION_ANSWERS],
        "outreach": {"visits": outreach_visits, "by_role": by_role,
                     "parents": 0, "children": 0,
                     "met": {role: 0 for role in LOCAL_PEOPLE_ROLES}},
        "cards": {"issued": sum(issued.values()), "opened": 0, "arrived": 0, "expired": 0,
                  "cancelled": 0, "arrival_rate": None, "by_site": [], "by_wish": [],
                  "site_flows": [],
                  "kind_flows": [{"from_kind": f, "to_kind": t,
                                  "issued": issued.get((f, t), 0), "arrived": 0}
                                 for f in SITE_KINDS for t in SITE_KINDS],
                  "missing_kind_pairs": []},
        "comparison": None,
    }


def column(name: str) -> int:
    return 1 + REPORT_HEADER.index(name)


def test_the_monthly_report_has_a_ward_sheet_and_one_per_kind_with_a_row_per_site():
    salon_a = shaped(sessions=4, days_open=3, adults=10, ages=(2, 3, 1, 4), expecting=1,
                     fathers=2, first_time=3, in_ward=8, out_of_ward=2,
                     consultations=[("development", "answered_on_site", 2),
                                    ("financial", "connected_to_ward", 1)],
                     flows=[("salon", "hub", 2), ("salon", "nursery_hiroba", 1)])
    salon_b = shaped(sessions=1, days_open=1, adults=3, ages=(1, 0, 0, 0),
                     consultations=[("development", "referred_to_site", 1)],
                     outreach_visits=1, outreach_roles={"public_health_nurse": 2})
    hub = shaped(sessions=20, days_open=18, adults=40, ages=(10, 10, 5, 5),
                 flows=[("hub", "salon", 3)], outreach_visits=1,
                 outreach_roles={"nursery_teacher": 1})
    ward = shaped(sessions=25, days_open=22, adults=53, ages=(13, 13, 6, 9), expecting=1,
                  fathers=2, first_time=3, in_ward=8, out_of_ward=2,
                  consultations=[("development", "answered_on_site", 2),
                                 ("financial", "connected_to_ward", 1),
                                 ("development", "referred_to_site", 1)],
                  flows=[("salon", "hub", 2), ("salon", "nursery_hiroba", 1),
                         ("hub", "salon", 3)],
                  outreach_visits=2,
                  outreach_roles={"public_health_nurse": 2, "nursery_teacher": 1})
    sites = [SiteFigures("ハブ", "hub", hub, 5), SiteFigures("サロンA", "salon", salon_a, 2),
             SiteFigures("サロンB", "salon", salon_b, 0)]

    sheets = report_sheets(ward, sites, 7)

    assert [s.title for s in sheets] == ["区全体", *(SITE_KIND_NAMES[k][0] for k in SITE_KINDS)]
    salons = {row[0]: row for row in sheets[1 + SITE_KINDS.index("salon")].rows}
    assert list(salons) == ["サロンA", "サロンB", "合計"]
    a = salons["サロンA"]
    assert a[column("開催回数")] == 4 and a[column("開所日数")] == 3
    assert a[column("大人（保護者）合計")] == 10 and a[column("子ども合計")] == 10
    assert [a[column(labels.word(f"counter.children_{b}"))] for b in ("0", "1", "2", "3plus")] \
        == [2, 3, 1, 4]
    assert a[column("相談 子どもの発達")] == 2 and a[column("相談 経済的な困りごと")] == 1
    assert a[column("相談の対応 その場で対応")] == 2
    assert a[column("相談の対応 区につないだ")] == 1 and a[column("相談 合計")] == 3
    assert a[column("講座・催しの開催回数")] == 2
    assert a[column("紹介 地域子育て支援拠点へ")] == 2
    assert a[column("紹介 保育所・認定こども園 子育てひろばへ")] == 1
    assert a[column("紹介 合計")] == 3
    total = salons["合計"]
    assert total[column("大人（保護者）合計")] == 13
    assert total[column("アウトリーチ 保健師")] == 2
    assert total[column("アウトリーチ 訪問件数")] == 1
    assert total[column("相談の対応 他の施設を紹介")] == 1
    by_kind = {row[0]: row for row in sheets[0].rows}
    assert list(by_kind) == [*(SITE_KIND_NAMES[k][0] for k in SITE_KINDS), "区全体"]
    assert by_kind["子育てサロン"] == ["子育てサロン", *total[1:]]
    assert by_kind["私立幼稚園 はまっ子広場"][1:] == [0] * len(REPORT_HEADER)
    # The ward's own figures equal the sum of its kinds, column by column.
    kinds = [row[1:] for name, row in by_kind.items() if name != "区全体"]
    assert by_kind["区全体"][1:] == [sum(c) for c in zip(*kinds, strict=True)]
    assert all(list(s.header[1:]) == list(REPORT_HEADER) for s in sheets)


def test_a_kind_without_sites_has_only_its_zero_total_row():
    sheets = report_sheets(shaped(), [], 0)

    for sheet in sheets[1:]:
        assert sheet.rows == [["合計", *[0] * len(REPORT_HEADER)]]


# --- the headers say what the phones say --------------------------------------------------------


def japanese_words() -> dict[str, str]:
    """The ``ja`` dictionary of pwa/js/i18n.js (its first ``'key': 'value'`` of each key)."""
    source = I18N.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for key, value in re.findall(r"^\s*'([a-z0-9_.]+)':\s*'([^']*)',?$", source, re.M):
        found.setdefault(key, value)
    return found


def test_the_export_headers_use_the_phones_japanese_words():
    ja = japanese_words()
    missing = sorted(set(labels.PHONE_WORDS) - set(ja))
    assert not missing, f"no such key in pwa/js/i18n.js: {missing}"
    differ = {k: (v, ja[k]) for k, v in labels.PHONE_WORDS.items() if ja[k] != v}
    assert not differ, "server/exports/labels.py != pwa/js/i18n.js (ja)"
