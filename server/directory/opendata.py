"""Read and write the national recommended open-data format 「子育て施設一覧」.

Pure functions over bytes and text: no database, no Flask. ``parse_sites`` turns a
municipality's CSV into ``SiteRow`` values plus a list of per-row problems, so one bad
row never blocks an import; ``write_sites`` writes rows back in the same format. This
module knows files and rows (encodings, the 28 columns, line numbers, duplicates);
reading and writing one cell is ``opendata_cells``.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time

from sync.vocabulary import SITE_KINDS

from .opendata_cells import (
    SKIP_KIND,
    format_coordinate,
    format_time,
    format_weekdays,
    normalise_text,
    parse_ages,
    parse_bool_jp,
    parse_capacity,
    parse_coordinate,
    parse_date,
    parse_kind,
    parse_time,
    parse_weekdays,
)
from .opendata_header import HeaderError, match_header

COLUMNS: tuple[str, ...] = (
    "都道府県コード又は市区町村コード",
    "NO",
    "都道府県名",
    "市区町村名",
    "名称",
    "名称_カナ",
    "種別",
    "住所",
    "方書",
    "緯度",
    "経度",
    "アクセス方法",
    "駐車場情報",
    "電話番号",
    "内線番号",
    "FAX番号",
    "法人番号",
    "団体名",
    "認可等年月日",
    "収容定員",
    "受入年齢",
    "利用可能曜日",
    "開始時間",
    "終了時間",
    "利用可能日時特記事項",
    "一時預かりの有無",
    "URL",
    "備考",
)


class OpenDataError(ValueError):
    """The whole file cannot be read (encoding, header, CSV syntax)."""


def _kind_table(pairs: Mapping[str, str]) -> dict[str, str]:
    # Keys normalised once here, so a cell (normalised on reading) is looked up as it is.
    return {normalise_text(k): v for k, v in pairs.items()}


DEFAULT_KIND_MAPPING: dict[str, str] = _kind_table(
    {
        "地域子育て支援拠点": "hub",
        "地域子育て支援拠点事業": "hub",
        "地域子育て支援拠点サテライト": "hub",
        "拠点サテライト": "hub",
        "親と子のつどいの広場": "tsudoi_hiroba",
        "親と子のつどいの広場事業": "tsudoi_hiroba",
        "つどいの広場": "tsudoi_hiroba",
        "子育て支援者事業": "supporter_program",
        "子育て支援者": "supporter_program",
        "保育所子育てひろば": "nursery_hiroba",
        "保育園子育てひろば": "nursery_hiroba",
        "認定こども園子育てひろば": "nursery_hiroba",
        "子育てひろば（保育所）": "nursery_hiroba",
        "子育てひろば（認定こども園）": "nursery_hiroba",
        "認定こども園及び保育所地域子育て支援事業": "nursery_hiroba",
        "認定こども園及び保育所地域子育て支援事業（子育てひろば）": "nursery_hiroba",
        "はまっ子広場": "kindergarten_hamakko",
        "私立幼稚園等はまっ子広場事業": "kindergarten_hamakko",
        "子育てサロン": "salon",
        # Support sites as other municipalities word them.
        "地域子育て支援センター": "hub",
        "子育て支援センター": "hub",
        "地域子育て支援拠点施設": "hub",
        "子育てひろば": "tsudoi_hiroba",
        "つどいの広場事業": "tsudoi_hiroba",
        # Childcare providers and other facilities that municipal files list beside the
        # support sites: skipped (counted in the summary), not errors.
        "認可保育所": SKIP_KIND,
        "認可私立保育所": SKIP_KIND,
        "認可公立保育所": SKIP_KIND,
        "私立認可保育所": SKIP_KIND,
        "公立認可保育所": SKIP_KIND,
        "保育所": SKIP_KIND,
        "保育園": SKIP_KIND,
        "認可外保育施設": SKIP_KIND,
        "小規模保育事業": SKIP_KIND,
        "小規模保育事業所": SKIP_KIND,
        "家庭的保育事業": SKIP_KIND,
        "事業所内保育事業": SKIP_KIND,
        "居宅訪問型保育事業": SKIP_KIND,
        "幼稚園": SKIP_KIND,
        "公立幼稚園": SKIP_KIND,
        "私立幼稚園": SKIP_KIND,
        "認定こども園": SKIP_KIND,
        "幼保連携型認定こども園": SKIP_KIND,
        "幼稚園型認定こども園": SKIP_KIND,
        "保育所型認定こども園": SKIP_KIND,
        "地方裁量型認定こども園": SKIP_KIND,
        "児童館": SKIP_KIND,
        "児童センター": SKIP_KIND,
        "放課後児童クラブ": SKIP_KIND,
        "学童保育": SKIP_KIND,
        "病児保育": SKIP_KIND,
        "病児・病後児保育": SKIP_KIND,
        "ファミリー・サポート・センター": SKIP_KIND,
    }
)


# --- decoding -------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """Decode ``data`` as UTF-8 (with or without BOM), else as cp932 (Shift_JIS).

    Raises ``OpenDataError`` when neither encoding fits.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError:
        raise OpenDataError("文字コードを判別できません / cannot detect encoding") from None


# --- rows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteRow:
    """One facility as published, with its fields parsed. Text fields keep the cell exactly
    as the city wrote it (full-width brackets, 「～」…); only the code and NO, which
    identify the row, are ``normalise_text``-ed."""

    municipality_code: str
    number: str
    prefecture: str
    municipality: str
    name: str
    name_kana: str
    source_type: str
    kind: str
    address: str
    address_extra: str
    latitude: float | None
    longitude: float | None
    access: str
    parking: str
    # The facility's published number: a public institution's, never a family's.
    phone: str
    extension: str
    fax: str
    corporate_number: str
    organisation: str
    approved_on: date | None
    capacity: int | None
    ages_text: str
    age_min_months: int | None
    age_max_months: int | None
    open_weekdays: tuple[int, ...]
    opens_at: time | None
    closes_at: time | None
    schedule_note: str
    temp_childcare: bool | None
    url: str
    note: str

    @property
    def schedule_kind(self) -> str:
        """Return "permanent" (常設) when open three or more days a week, else "periodic"."""
        return "permanent" if len(self.open_weekdays) >= 3 else "periodic"

    @property
    def source_key(self) -> str:
        """The identity that lets a re-import update a site instead of adding a duplicate."""
        if self.number:
            return f"{self.municipality_code}:{self.number}"
        return f"{self.municipality_code}:{self.name}:{self.address}"


@dataclass(frozen=True)
class RowProblem:
    """Why a row was refused: physical line (header = 1), column if known, reason (ja / en).

    ``group`` and ``subject`` gather problems with one fix (``unknown_kind`` and the 種別,
    ``cell`` and the column, …) for the import summary."""

    line: int
    column: str | None
    reason: str
    group: str = "cell"
    subject: str = ""


@dataclass
class ParseResult:
    rows: list[SiteRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    # The physical line of each row in ``rows``, so later checks can report where it was.
    lines: list[int] = field(default_factory=list)
    # Data rows in the file (blank lines not counted).
    read: int = 0
    # Rows left out because their 種別 maps to ``SKIP_KIND``, by 種別 (normalised).
    skipped: Counter = field(default_factory=Counter)
    # Rows imported with a reading worth a look (e.g. a capacity of 0 taken as unknown).
    warnings: list[RowProblem] = field(default_factory=list)


# Columns that identify a row: read as ``normalise_text`` makes them.
_KEY_FIELDS = {
    "municipality_code": "都道府県コード又は市区町村コード",
    "number": "NO",
}
# Columns kept exactly as published, by SiteRow field.
_DISPLAY_FIELDS = {
    "prefecture": "都道府県名",
    "municipality": "市区町村名",
    "name": "名称",
    "name_kana": "名称_カナ",
    "source_type": "種別",
    "address": "住所",
    "address_extra": "方書",
    "access": "アクセス方法",
    "parking": "駐車場情報",
    "phone": "電話番号",
    "extension": "内線番号",
    "fax": "FAX番号",
    "corporate_number": "法人番号",
    "organisation": "団体名",
    "ages_text": "受入年齢",
    "schedule_note": "利用可能日時特記事項",
    "url": "URL",
    "note": "備考",
}
_TEXT_FIELDS = {**_KEY_FIELDS, **_DISPLAY_FIELDS}


def parse_sites(data: bytes, kind_mapping: Mapping[str, str]) -> ParseResult:
    """Parse a 子育て施設一覧 CSV into rows and per-row problems.

    A row with any problem (wrong cell count, no 名称, 種別 not in ``kind_mapping``, bad
    coordinates, time, weekdays, capacity, date or 一時預かりの有無, or a ``source_key``
    already used earlier in the file) is reported and skipped; blank lines are skipped
    silently. ``kind_mapping`` keys are normalised here, so callers may pass raw wording.

    Raises ``OpenDataError`` when the file cannot be decoded or parsed as CSV, the header
    lacks any of ``COLUMNS``, or ``kind_mapping`` names a kind outside ``SITE_KINDS``.
    """
    kinds = _checked_mapping(kind_mapping)
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    result = ParseResult()
    header: dict[str, int] | None = None
    width = 0
    seen: dict[str, int] = {}
    for line, cells in _records(reader):
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header, width = _read_header(cells), len(cells)
            continue
        result.read += 1
        if len(cells) != width:
            result.problems.append(RowProblem(line, None, _width_reason(len(cells), width),
                                              group="width"))
            continue
        raw = {column: cells[index] for column, index in header.items()}
        source_type = normalise_text(raw["種別"])
        if kinds.get(source_type) == SKIP_KIND:
            result.skipped[source_type] += 1
            continue
        row, problems = _parse_row(raw, line, kinds, result.warnings)
        if row is not None and row.source_key in seen:
            problems.append(_duplicate_problem(row, line, seen[row.source_key]))
        if problems:
            result.problems.extend(problems)
            continue
        seen[row.source_key] = line
        result.rows.append(row)
        result.lines.append(line)
    if header is None:
        raise OpenDataError("見出し行がありません / the file has no header row")
    return result


def _checked_mapping(kind_mapping: Mapping[str, str]) -> dict[str, str]:
    kinds = _kind_table(kind_mapping)
    unknown = sorted({v for v in kinds.values() if v not in (*SITE_KINDS, SKIP_KIND)})
    if unknown:
        raise OpenDataError(f"対応表に不明な種類があります / unknown kinds in mapping: {unknown}")
    return kinds


def _records(reader) -> Iterable[tuple[int, list[str]]]:
    """Yield (physical line where the record starts, cells); quoted newlines span lines."""
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise OpenDataError(
                f"{start}行目をCSVとして読めません / line {start} is not valid CSV: {exc}"
            ) from None
        yield start, cells


def _read_header(cells: list[str]) -> dict[str, int]:
    try:
        return match_header(cells, COLUMNS)
    except HeaderError as exc:
        raise OpenDataError(str(exc)) from None


def _width_reason(found: int, expected: int) -> str:
    return (
        f"列の数が見出しと違います（{found}列、見出しは{expected}列） / "
        f"row has {found} cells but the header has {expected}"
    )


def _duplicate_problem(row: SiteRow, line: int, first_line: int) -> RowProblem:
    if row.number:
        return RowProblem(
            line,
            "NO",
            f"同じNOの行が{first_line}行目にもあります / "
            f"NO {row.number!r} already used on line {first_line}",
            group="duplicate",
        )
    return RowProblem(
        line,
        "名称",
        f"同じ名称・住所の行が{first_line}行目にもあります / "
        f"same name and address already on line {first_line}",
        group="duplicate",
    )


# A note telling people to ask: next to a capacity of 0, the 0 means "not stated".
_ASK = re.compile(r"問(?:い)?合(?:わ)?せ|問合|お問|要確認|ご確認|お尋ね")


def _parse_row(
    raw: dict[str, str], line: int, kinds: Mapping[str, str], warnings: list[RowProblem]
) -> tuple[SiteRow | None, list[RowProblem]]:
    """Build a SiteRow from the cells as published, or collect every problem found."""
    problems: list[RowProblem] = []
    values = {column: normalise_text(cell) for column, cell in raw.items()}

    def read(column: str, convert):
        try:
            return convert(values[column])
        except ValueError as exc:
            problems.append(RowProblem(line, column, str(exc), subject=column))
            return None

    text = {attr: values[column] for attr, column in _KEY_FIELDS.items()}
    text.update({attr: raw[column] for attr, column in _DISPLAY_FIELDS.items()})
    if not values["名称"]:
        problems.append(RowProblem(line, "名称", "名称が空です / name is empty", subject="名称"))
    try:
        kind = parse_kind(values["種別"], kinds)
    except ValueError as exc:
        kind = None
        problems.append(RowProblem(line, "種別", str(exc), group="unknown_kind",
                                   subject=values["種別"]))
    latitude = read("緯度", lambda s: parse_coordinate(s, 90, "緯度", "latitude"))
    longitude = read("経度", lambda s: parse_coordinate(s, 180, "経度", "longitude"))
    if (values["緯度"] == "") != (values["経度"] == ""):
        problems.append(
            RowProblem(
                line, "緯度", "緯度と経度は両方必要です / latitude and longitude go together"
            )
        )
    parsed = {
        "approved_on": read("認可等年月日", parse_date),
        "capacity": read("収容定員", parse_capacity),
        "open_weekdays": read("利用可能曜日", parse_weekdays),
        "opens_at": read("開始時間", parse_time),
        "closes_at": read("終了時間", parse_time),
        "temp_childcare": read("一時預かりの有無", parse_bool_jp),
    }
    opens, closes = parsed["opens_at"], parsed["closes_at"]
    if opens is not None and closes is not None and closes <= opens:
        problems.append(
            RowProblem(line, "終了時間", "終了時間が開始時間より前です / closes before it opens",
                       subject="終了時間")
        )
    if problems:
        return None, problems
    if parsed["capacity"] == 0 and _ASK.search(values["備考"] + values["利用可能日時特記事項"]):
        parsed["capacity"] = None
        warnings.append(RowProblem(
            line, "収容定員", "収容定員0は備考に問い合わせとあるため「不明」として読みました / "
            "capacity 0 read as unknown: the note says to ask", group="warning",
            subject="収容定員"))
    age_min, age_max = parse_ages(values["受入年齢"])
    row = SiteRow(
        **text,
        **parsed,
        kind=kind,
        latitude=latitude,
        longitude=longitude,
        age_min_months=age_min,
        age_max_months=age_max,
    )
    return row, problems



# --- writing -----------------------------------------------------------------------------


def write_sites(rows: Iterable[SiteRow]) -> bytes:
    """Return rows as a 子育て施設一覧 CSV: UTF-8 with BOM, CRLF, ``COLUMNS`` in order.

    ``parse_sites(write_sites(rows), mapping).rows == rows`` for rows that ``parse_sites``
    produced with the same mapping.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(_row_cells(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _row_cells(row: SiteRow) -> list[str]:
    cells = {column: getattr(row, attr) for attr, column in _TEXT_FIELDS.items()}
    cells.update(
        {
            "緯度": format_coordinate(row.latitude),
            "経度": format_coordinate(row.longitude),
            "認可等年月日": row.approved_on.isoformat() if row.approved_on else "",
            "収容定員": "" if row.capacity is None else str(row.capacity),
            "利用可能曜日": format_weekdays(row.open_weekdays),
            "開始時間": format_time(row.opens_at),
            "終了時間": format_time(row.closes_at),
            "一時預かりの有無": {True: "有", False: "無", None: ""}[row.temp_childcare],
        }
    )
    return [cells[column] for column in COLUMNS]

