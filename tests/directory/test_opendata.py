"""The 子育て施設一覧 open-data reader and writer."""

import csv
import io
from datetime import date, time
from pathlib import Path

import pytest

from server.directory.opendata import (
    COLUMNS,
    DEFAULT_KIND_MAPPING,
    OpenDataError,
    decode,
    parse_sites,
    write_sites,
)
from server.directory.opendata_cells import (
    PRENATAL_MIN_MONTHS,
    SKIP_KIND,
    normalise_text,
    parse_ages,
    parse_bool_jp,
    parse_time,
    parse_weekdays,
)
from sync.vocabulary import SITE_KINDS

DEMO = Path(__file__).resolve().parents[2] / "server" / "demo"


def site(**overrides: str) -> dict[str, str]:
    """A valid row as column → cell text; keyword names are column names."""
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        {
            "都道府県コード又は市区町村コード": "14199",
            "NO": "1",
            "都道府県名": "神奈川県",
            "市区町村名": "はまなみ市さくら区",
            "名称": "親と子のつどいの広場 どんぐり",
            "名称_カナ": "オヤトコノツドイノヒロバ ドングリ",
            "種別": "親と子のつどいの広場",
            "住所": "はまなみ市さくら区若葉台1-2-3",
            "緯度": "35.52",
            "経度": "139.61",
            "電話番号": "045-555-0101",
            "受入年齢": "0歳～就学前",
            "利用可能曜日": "月～金",
            "開始時間": "10:00",
            "終了時間": "15:00",
            "一時預かりの有無": "無",
        }
    )
    row.update(overrides)
    return row


def csv_bytes(
    *rows: dict[str, str],
    encoding: str = "utf-8",
    columns: tuple[str, ...] = COLUMNS,
    raw_lines: dict[int, str] | None = None,
) -> bytes:
    """Encode rows under a header; ``raw_lines`` inserts literal text before data row i."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for index, row in enumerate(rows):
        if raw_lines and index in raw_lines:
            buffer.write(raw_lines[index])
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue().encode(encoding)


def parse(data: bytes):
    return parse_sites(data, DEFAULT_KIND_MAPPING)


# --- encodings -----------------------------------------------------------------------


def test_a_cp932_file_parses():
    result = parse(csv_bytes(site(名称="わかば保育園 子育てひろば"), encoding="cp932"))

    assert result.problems == []
    assert result.rows[0].name == "わかば保育園 子育てひろば"


def test_a_utf8_file_with_bom_parses():
    result = parse(csv_bytes(site(), encoding="utf-8-sig"))

    assert result.problems == []
    assert result.rows[0].municipality_code == "14199"


def test_a_utf8_file_without_bom_parses():
    result = parse(csv_bytes(site(), encoding="utf-8"))

    assert result.problems == []
    assert result.rows[0].name == "親と子のつどいの広場 どんぐり"


def test_undecodable_bytes_raise_open_data_error():
    # 0x81 0x20 is invalid in both UTF-8 and cp932.
    with pytest.raises(OpenDataError, match="cannot detect encoding"):
        decode(b"\x81\x20")


# --- text and field parsers ----------------------------------------------------------


def test_normalise_text_folds_width_and_whitespace_and_the_small_ke():
    assert normalise_text("  ９：３０\u3000 から  ") == "9:30 から"
    assert normalise_text("横浜市保土ヶ谷区") == "横浜市保土ケ谷区"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("9:30", time(9, 30)),
        ("９：３０", time(9, 30)),
        ("09:30", time(9, 30)),
        ("9時30分", time(9, 30)),
        ("９時３０分", time(9, 30)),
        ("9時", time(9, 0)),
        ("13:00", time(13, 0)),
        ("", None),
    ],
)
def test_times_are_read_in_half_and_full_width_and_japanese_forms(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "9:75", "朝", "9.5"])
def test_an_impossible_time_is_a_value_error(text):
    with pytest.raises(ValueError, match="cannot read time"):
        parse_time(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("火水木金土", (1, 2, 3, 4, 5)),
        ("月～金", (0, 1, 2, 3, 4)),
        ("月〜金", (0, 1, 2, 3, 4)),
        ("月-金", (0, 1, 2, 3, 4)),
        ("月ー金", (0, 1, 2, 3, 4)),
        ("月−金", (0, 1, 2, 3, 4)),
        ("平日", (0, 1, 2, 3, 4)),
        ("毎日", (0, 1, 2, 3, 4, 5, 6)),
        ("月・水・金", (0, 2, 4)),
        ("月、水", (0, 2)),
        ("月曜日", (0,)),
        ("月曜、木曜", (0, 3)),
        ("土日", (5, 6)),
        ("土日祝", (5, 6)),
        ("土・日・祝", (5, 6)),
        ("月～土（祝日除く）", (0, 1, 2, 3, 4, 5)),
        ("水月水", (0, 2)),
        ("", ()),
    ],
)
def test_weekday_strings_become_sorted_weekday_numbers(text, expected):
    assert parse_weekdays(text) == expected


@pytest.mark.parametrize("text", ["随時", "月～", "第2火曜", "(要問合せ)"])
def test_unreadable_weekdays_are_a_value_error_in_both_languages(text):
    with pytest.raises(ValueError, match="曜日を読み取れません.* / cannot read weekdays"):
        parse_weekdays(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0歳～就学前", (0, 83)),
        ("0～3歳", (0, 47)),
        ("生後6か月～3歳", (6, 47)),
        ("6ヶ月～", (6, None)),
        ("未就学児", (0, 83)),
        ("妊娠中～", (PRENATAL_MIN_MONTHS, None)),
        ("妊婦", (PRENATAL_MIN_MONTHS, None)),
        ("妊娠中～就学前", (PRENATAL_MIN_MONTHS, 83)),
        ("", (None, None)),
        ("どなたでも", (None, None)),
    ],
)
def test_ages_become_a_range_in_months(text, expected):
    assert parse_ages(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("有", True), ("あり", True), ("○", True), ("可", True), ("1", True), ("TRUE", True)]
    + [("無", False), ("なし", False), ("×", False), ("不可", False), ("0", False)]
    + [("", None)],
)
def test_yes_no_words_become_booleans(text, expected):
    assert parse_bool_jp(text) is expected


def test_an_unknown_yes_no_word_is_a_value_error():
    with pytest.raises(ValueError):
        parse_bool_jp("たぶん")


# --- whole files ---------------------------------------------------------------------


def test_a_row_is_parsed_into_typed_fields():
    row = parse(
        csv_bytes(
            site(
                開始時間="９：３０",
                終了時間="15時",
                緯度="35.5123",
                収容定員="20人",
                認可等年月日="2019/4/1",
                一時預かりの有無="有",
                方書="2階",
            )
        )
    ).rows[0]

    assert row.kind == "tsudoi_hiroba"
    assert (row.opens_at, row.closes_at) == (time(9, 30), time(15, 0))
    assert (row.latitude, row.longitude) == (35.5123, 139.61)
    assert (row.capacity, row.approved_on) == (20, date(2019, 4, 1))
    assert row.temp_childcare is True
    # The display text is kept as published; only the parsed ages are normalised.
    assert (row.age_min_months, row.age_max_months, row.ages_text) == (0, 83, "0歳～就学前")
    assert row.open_weekdays == (0, 1, 2, 3, 4)
    assert row.address_extra == "2階"


def test_a_broken_row_is_reported_with_its_physical_line_while_the_others_parse():
    data = csv_bytes(
        site(NO="1"),
        site(NO="2", 備考="二行に\nわたる備考"),  # lines 3-4: a quoted newline
        site(NO="3", 緯度="北のほう"),  # line 6, after a blank line 5
        site(NO="4"),
        raw_lines={2: "\r\n"},
    )

    result = parse(data)

    assert [r.number for r in result.rows] == ["1", "2", "4"]
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert (problem.line, problem.column) == (6, "緯度")
    assert problem.reason == "緯度が数値ではありません / latitude is not a number"


@pytest.mark.parametrize(
    "overrides, column, reason",
    [
        ({"名称": ""}, "名称", "name is empty"),
        ({"経度": "200"}, "経度", "longitude is out of range"),
        ({"開始時間": "朝"}, "開始時間", "cannot read time"),
        ({"利用可能曜日": "随時"}, "利用可能曜日", "cannot read weekdays"),
        ({"収容定員": "たくさん"}, "収容定員", "capacity is not a whole number"),
        ({"認可等年月日": "2019-02-30"}, "認可等年月日", "cannot read date"),
        ({"一時預かりの有無": "たぶん"}, "一時預かりの有無", "cannot read yes/no"),
    ],
)
def test_each_kind_of_bad_cell_is_a_problem_naming_its_column(overrides, column, reason):
    result = parse(csv_bytes(site(NO="1"), site(NO="2", **overrides)))

    assert [r.number for r in result.rows] == ["1"]
    assert [(p.line, p.column) for p in result.problems] == [(3, column)]
    assert reason in result.problems[0].reason


def test_a_row_with_the_wrong_number_of_cells_is_a_problem():
    data = csv_bytes(site()) + "14199,2,神奈川県\r\n".encode()

    result = parse(data)

    assert len(result.rows) == 1
    assert result.problems[0].line == 3
    assert "row has 3 cells but the header has 28" in result.problems[0].reason


def test_an_unknown_kind_is_reported_not_guessed():
    result = parse(csv_bytes(site(種別="子育てカフェ")))

    assert result.rows == []
    assert result.problems[0].column == "種別"
    assert result.problems[0].reason == (
        "種別「子育てカフェ」は対応表にありません / kind '子育てカフェ' is not in the mapping table"
    )


def test_a_caller_mapping_extends_the_kinds_understood():
    mapping = {**DEFAULT_KIND_MAPPING, "子育てカフェ": "salon"}

    result = parse_sites(csv_bytes(site(種別="子育てカフェ")), mapping)

    assert result.rows[0].kind == "salon"


def test_every_default_mapping_key_is_normalised_and_every_kind_is_known():
    assert all(normalise_text(k) == k for k in DEFAULT_KIND_MAPPING)
    assert set(DEFAULT_KIND_MAPPING.values()) == {*SITE_KINDS, SKIP_KIND}
    assert DEFAULT_KIND_MAPPING[normalise_text("子育てひろば（保育所）")] == "nursery_hiroba"


def test_missing_header_columns_raise_open_data_error_naming_them():
    columns = tuple(c for c in COLUMNS if c not in ("緯度", "経度"))

    with pytest.raises(OpenDataError, match="緯度、経度"):
        parse(csv_bytes(site(), columns=columns))


def test_header_order_and_surrounding_whitespace_do_not_matter():
    columns = tuple(reversed(COLUMNS))
    data = csv_bytes(site(), columns=columns).replace("名称_カナ".encode(), " 名称_カナ ".encode())

    result = parse(data)

    assert result.problems == []
    assert result.rows[0].name_kana == "オヤトコノツドイノヒロバ ドングリ"


def test_a_repeated_no_is_a_problem_for_the_later_row():
    result = parse(csv_bytes(site(名称="A"), site(名称="B")))

    assert [r.name for r in result.rows] == ["A"]
    assert result.problems[0].line == 3
    assert result.problems[0].reason.startswith("同じNOの行が2行目にもあります")


def test_write_then_parse_gives_the_same_rows():
    original = parse(
        csv_bytes(
            site(NO="1", 開始時間="９：３０", 一時預かりの有無="○", 認可等年月日="令和元年5月1日"),
            site(NO="2", 利用可能曜日="土・日・祝", 受入年齢="生後6か月～3歳", 緯度="", 経度=""),
            site(NO="3", 備考='カンマ, と"引用符"', 収容定員="約15名", 一時預かりの有無=""),
        )
    ).rows
    assert len(original) == 3

    written = write_sites(original)

    assert written.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in written and b"\n" not in written.replace(b"\r\n", b"")
    assert parse(written).rows == original


def test_written_cells_use_the_compact_published_forms():
    row = parse(
        csv_bytes(site(開始時間="09:05", 利用可能曜日="平日", 一時預かりの有無="あり"))
    ).rows[0]

    header, cells = csv.reader(io.StringIO(decode(write_sites([row]))))
    values = dict(zip(header, cells, strict=True))

    assert tuple(header) == COLUMNS
    assert (values["開始時間"], values["利用可能曜日"]) == ("9:05", "月火水木金")
    assert (values["一時預かりの有無"], values["緯度"]) == ("有", "35.52")


def test_three_or_more_days_a_week_is_permanent_and_fewer_is_periodic():
    rows = parse(
        csv_bytes(site(NO="1", 利用可能曜日="月水金"), site(NO="2", 利用可能曜日="火・金"))
    ).rows

    assert [r.schedule_kind for r in rows] == ["permanent", "periodic"]


def test_source_key_is_code_and_no_and_survives_edits_to_other_fields():
    before = parse(csv_bytes(site(NO="7"))).rows[0]
    after = parse(csv_bytes(site(NO="7", 名称="新しい名前", 住所="別の住所"))).rows[0]

    assert before.source_key == after.source_key == "14199:7"


def test_without_a_no_the_source_key_falls_back_to_name_and_address():
    row = parse(csv_bytes(site(NO=""))).rows[0]

    assert row.source_key == "14199:親と子のつどいの広場 どんぐり:はまなみ市さくら区若葉台1-2-3"
    assert parse(write_sites([row])).rows[0].source_key == row.source_key


# --- the shipped demo ward -----------------------------------------------------------


def test_the_shipped_demo_directory_parses_cleanly_and_is_plausible():
    result = parse((DEMO / "sites.csv").read_bytes())

    assert result.problems == []
    assert len(result.rows) >= 60
    assert {r.kind for r in result.rows} == set(SITE_KINDS)
    for row in result.rows:
        assert 35.500 <= row.latitude <= 35.540, row.name
        assert 139.590 <= row.longitude <= 139.640, row.name
    assert len({r.source_key for r in result.rows}) == len(result.rows)


def test_every_demo_profile_refers_to_a_site_in_the_demo_directory():
    numbers = {r.number for r in parse((DEMO / "sites.csv").read_bytes()).rows}
    with (DEMO / "site_profiles.csv").open(encoding="utf-8", newline="") as f:
        profiles = list(csv.DictReader(f))

    assert profiles
    assert {p["NO"] for p in profiles} <= numbers
