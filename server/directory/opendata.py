"""Read and write the national recommended open-data format 「子育て施設一覧」.

Pure functions over bytes and text: no database, no Flask. ``parse_sites`` turns a
municipality's CSV into ``SiteRow`` values plus a list of per-row problems, so one bad
row never blocks an import; ``write_sites`` writes rows back in the same format.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time

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

SITE_KINDS = (
    "hub",
    "tsudoi_hiroba",
    "supporter_program",
    "nursery_hiroba",
    "kindergarten_hamakko",
    "salon",
)

# Months used as the lower age bound for sites that welcome pregnant people: no child
# has a negative age, so any negative number can mean "from pregnancy" without a flag.
PRENATAL_MIN_MONTHS = -9

# 就学前: a child starts school in the April after turning six, so at most 6 years 11 months.
PRESCHOOL_MAX_MONTHS = 6 * 12 + 11

WEEKDAY_CHARS = "月火水木金土日"

_WHITESPACE = re.compile(r"\s+")


class OpenDataError(ValueError):
    """The whole file cannot be read (encoding, header, CSV syntax)."""


def normalise_text(s: str) -> str:
    """Return ``s`` NFKC-normalised, stripped, with whitespace runs collapsed to one space.

    Also spells 保土ヶ谷 with the large ケ, the ward's official spelling.
    """
    text = unicodedata.normalize("NFKC", s or "")
    text = _WHITESPACE.sub(" ", text).strip()
    # NFKC leaves the small ヶ alone, and both spellings turn up in municipal files.
    return text.replace("保土ヶ谷", "保土ケ谷")


def _kind_table(pairs: Mapping[str, str]) -> dict[str, str]:
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


# --- field parsers ----------------------------------------------------------------------

# Every dash and tilde municipalities type between two weekdays, after NFKC.
_RANGE_MARKS = "~〜～\\-ー−–—"
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕|「[^」]*」")
# 祝 must go before single characters are read, or the 日 of 祝日 would count as Sunday.
_HOLIDAYS = re.compile(r"(?:国民の)?祝(?:祭)?日?(?:を)?(?:除く|休み|は休み)?")
_WEEKDAY_SEPARATORS = re.compile(r"[・、,/\s]|及び|および|と")
_WEEKDAY_SPEC = re.compile(rf"(?:[{WEEKDAY_CHARS}](?:[{_RANGE_MARKS}][{WEEKDAY_CHARS}])?)+")
_WEEKDAY_ITEM = re.compile(rf"([{WEEKDAY_CHARS}])(?:[{_RANGE_MARKS}]([{WEEKDAY_CHARS}]))?")


def parse_weekdays(text: str) -> tuple[int, ...]:
    """Return the weekdays named in ``text`` (0 = Monday … 6 = Sunday), sorted and unique.

    Understands runs (火水木金土), ranges (月～金, also wrapping 金～月), lists (月・水・金),
    曜日 suffixes, 平日 and 毎日. Holidays (祝) and bracketed remarks are ignored.
    Empty text gives ``()``; anything else unreadable raises ``ValueError``.
    """
    original = normalise_text(text)
    s = _BRACKETED.sub(" ", original)
    s = s.replace("平日", "月~金").replace("毎日", "月~日")
    s = _HOLIDAYS.sub(" ", s)
    s = re.sub(r"曜日?", "", s)
    s = s.replace("毎週", "").replace("から", "~").replace("まで", "")
    s = _WEEKDAY_SEPARATORS.sub("", s)
    if not s:
        if original and not _HOLIDAYS.fullmatch(_BRACKETED.sub("", original).strip()):
            # Only brackets, e.g. 「（要問合せ）」: saying nothing is not saying "no days".
            raise _weekday_error(original)
        return ()
    if not _WEEKDAY_SPEC.fullmatch(s):
        raise _weekday_error(original)
    days: set[int] = set()
    for first, last in _WEEKDAY_ITEM.findall(s):
        days.update(_weekday_span(WEEKDAY_CHARS.index(first), WEEKDAY_CHARS.index(last or first)))
    return tuple(sorted(days))


def _weekday_span(first: int, last: int) -> list[int]:
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def _weekday_error(text: str) -> ValueError:
    return ValueError(f"曜日を読み取れません「{text}」 / cannot read weekdays {text!r}")


_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::00)?")
_JP_CLOCK = re.compile(r"(午前|午後)?(\d{1,2})時(?:(\d{1,2})分|(半))?")


def parse_time(text: str) -> time | None:
    """Return the time in ``text`` ("9:30", "９：３０", "9時30分", "午後1時半"); None if empty.

    Raises ``ValueError`` for anything else or an impossible time.
    """
    s = normalise_text(text).replace(" ", "")
    if not s:
        return None
    hour = minute = None
    if m := _CLOCK.fullmatch(s):
        hour, minute = int(m[1]), int(m[2])
    elif m := _JP_CLOCK.fullmatch(s):
        hour = int(m[2]) + (12 if m[1] == "午後" and int(m[2]) < 12 else 0)
        minute = 30 if m[4] else int(m[3] or 0)
    if hour is None or minute is None or hour > 23 or minute > 59:
        raise ValueError(f"時刻を読み取れません「{s}」 / cannot read time {s!r}")
    return time(hour, minute)


_PRENATAL = re.compile(r"妊娠|妊婦|プレママ|マタニティ")
_PRESCHOOL = re.compile(r"就学前|未就学|小学校入学前")
_AGE_RANGE = re.compile(rf"[{_RANGE_MARKS.replace('ー', '')}]|(?<=[\d歳月])ー|から")
_MONTH_UNIT = r"(?:か|ヶ|ケ|カ|ヵ|箇)月"
_AGE_POINT = re.compile(
    rf"(?:生後)?(?:(\d+)歳(?:児)?(?:(\d+){_MONTH_UNIT})?|(\d+){_MONTH_UNIT}|(\d+))"
    r"(未満|以上|まで|以下)?"
)


def parse_ages(text: str) -> tuple[int | None, int | None]:
    """Return the age range served, in months, as ``(min, max)``; either end may be None (open).

    ``min == PRENATAL_MIN_MONTHS`` (-9) means "from pregnancy". 就学前/未就学 ends at 83
    months; "3歳" as an upper bound includes the whole year (47 months). Empty or
    unreadable text gives ``(None, None)``: never raises, because the raw 受入年齢 text is
    kept alongside and shown as published, so a row is not rejected for wording alone.
    """
    s = normalise_text(text).replace(" ", "")
    if not s:
        return (None, None)
    parts = _AGE_RANGE.split(s, maxsplit=1)
    if len(parts) == 2:
        result = _age_range(parts[0], parts[1])
    else:
        result = _single_age(s)
    low, high = result
    if low is not None and high is not None and low > high:
        return (None, None)
    return result


def _age_range(left: str, right: str) -> tuple[int | None, int | None]:
    unit_years = "月" not in right or "歳" in right
    if _PRENATAL.search(left):
        low: int | None = PRENATAL_MIN_MONTHS
    elif not left:
        low = 0 if right else None
    else:
        low = _age_point(left, upper=False, bare_years=unit_years)
    high = _age_point(right, upper=True, bare_years=unit_years) if right else None
    if (left and low is None) or (right and high is None):
        return (None, None)
    return (low, high)


def _single_age(s: str) -> tuple[int | None, int | None]:
    prenatal = bool(_PRENATAL.search(s))
    rest = _PRENATAL.sub("", s).strip("・、,中")
    if _PRESCHOOL.search(rest):
        return (PRENATAL_MIN_MONTHS if prenatal else 0, PRESCHOOL_MAX_MONTHS)
    if not rest:
        return (PRENATAL_MIN_MONTHS, None) if prenatal else (None, None)
    m = _AGE_POINT.fullmatch(rest)
    if not m:
        return (None, None)
    years, extra, months, bare, qualifier = m.groups()
    value = _months(years, extra, months, bare, bare_years=True)
    low = PRENATAL_MIN_MONTHS if prenatal else None
    if qualifier == "未満":
        return (low if prenatal else 0, value - 1)
    if qualifier in ("まで", "以下"):
        return (low if prenatal else 0, _inclusive_end(value, years, extra, bare))
    if qualifier == "以上":
        return (low if prenatal else value, None)
    return (low if prenatal else value, _inclusive_end(value, years, extra, bare))


def _age_point(s: str, *, upper: bool, bare_years: bool) -> int | None:
    s = s.strip("・、,")
    if upper and _PRESCHOOL.search(s):
        return PRESCHOOL_MAX_MONTHS
    m = _AGE_POINT.fullmatch(s)
    if not m:
        return None
    years, extra, months, bare, qualifier = m.groups()
    value = _months(years, extra, months, bare, bare_years=bare_years)
    if not upper:
        return value
    if qualifier == "未満":
        return value - 1
    return _inclusive_end(value, years, extra, bare if bare_years else None)


def _months(years, extra, months, bare, *, bare_years: bool) -> int:
    if years is not None:
        return int(years) * 12 + int(extra or 0)
    if months is not None:
        return int(months)
    return int(bare) * 12 if bare_years else int(bare)


def _inclusive_end(value: int, years, extra, bare_years_value) -> int:
    # "～3歳" includes every month of being three; "～1歳6か月" and "～6か月" name a month.
    whole_years = (years is not None and extra is None) or bare_years_value is not None
    return value + 11 if whole_years else value


_TRUE_WORDS = frozenset({"有", "有り", "あり", "○", "〇", "◯", "可", "1", "true", "yes"})
_FALSE_WORDS = frozenset({"無", "無し", "なし", "×", "✕", "不可", "0", "false", "no"})


def parse_bool_jp(text: str) -> bool | None:
    """Return True for 有/あり/○/可/1/true, False for 無/なし/×/不可/0/false, None if empty.

    Raises ``ValueError`` for anything else.
    """
    s = normalise_text(text).lower()
    if not s:
        return None
    if s in _TRUE_WORDS:
        return True
    if s in _FALSE_WORDS:
        return False
    raise ValueError(f"有・無を読み取れません「{s}」 / cannot read yes/no {s!r}")


_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{4})年(\d{1,2})月(\d{1,2})日")
_ERA_DATE = re.compile(r"(令和|平成|昭和)(元|\d{1,2})年(\d{1,2})月(\d{1,2})日")


def parse_date(text: str) -> date | None:
    """Return the date in ``text`` (2019-04-01, 2019/4/1, 2019年4月1日, 令和元年4月1日), or None.

    Raises ``ValueError`` for anything else or an impossible date.
    """
    s = normalise_text(text).replace(" ", "")
    if not s:
        return None
    parts: tuple[int, int, int] | None = None
    if m := _DATE.fullmatch(s):
        y, mo, d = (m[1], m[2], m[3]) if m[1] else (m[4], m[5], m[6])
        parts = (int(y), int(mo), int(d))
    elif m := _ERA_DATE.fullmatch(s):
        era_year = 1 if m[2] == "元" else int(m[2])
        parts = (_ERAS[m[1]] + era_year, int(m[3]), int(m[4]))
    try:
        if parts is None:
            raise ValueError
        return date(*parts)
    except ValueError:
        raise ValueError(f"日付を読み取れません「{s}」 / cannot read date {s!r}") from None


_COUNT = re.compile(r"約?(\d+)(?:人|名|組)?(?:程度)?")


def parse_capacity(text: str) -> int | None:
    """Return the capacity as an int ("20", "20人", "約20名"), or None if empty.

    Raises ``ValueError`` for anything else.
    """
    s = normalise_text(text).replace(",", "").replace(" ", "")
    if not s:
        return None
    if m := _COUNT.fullmatch(s):
        return int(m[1])
    raise ValueError(f"収容定員が整数ではありません「{s}」 / capacity is not a whole number {s!r}")


def _parse_coordinate(text: str, limit: float, ja: str, en: str) -> float | None:
    s = normalise_text(text)
    if not s:
        return None
    try:
        value = float(s)
    except ValueError:
        raise ValueError(f"{ja}が数値ではありません / {en} is not a number") from None
    if not math.isfinite(value) or abs(value) > limit:
        raise ValueError(f"{ja}が範囲外です「{s}」 / {en} is out of range {s!r}")
    return value


# --- rows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteRow:
    """One facility as published, with its fields parsed; all text is ``normalise_text``-ed."""

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
    """Why a row was skipped: physical line (header = 1), column if known, reason (ja / en)."""

    line: int
    column: str | None
    reason: str


@dataclass
class ParseResult:
    rows: list[SiteRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    # The physical line of each row in ``rows``, so later checks can report where it was.
    lines: list[int] = field(default_factory=list)


# Columns copied as plain text, by SiteRow field.
_TEXT_FIELDS = {
    "municipality_code": "都道府県コード又は市区町村コード",
    "number": "NO",
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
        if len(cells) != width:
            result.problems.append(RowProblem(line, None, _width_reason(len(cells), width)))
            continue
        values = {column: normalise_text(cells[index]) for column, index in header.items()}
        row, problems = _parse_row(values, line, kinds)
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
    unknown = sorted({v for v in kinds.values() if v not in SITE_KINDS})
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
    names = [normalise_text(cell.lstrip("\ufeff")) for cell in cells]
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        positions.setdefault(name, index)
    missing = [column for column in COLUMNS if column not in positions]
    if missing:
        listed = "、".join(missing)
        raise OpenDataError(
            f"見出しに必要な列がありません: {listed} / header is missing columns: {listed}"
        )
    return {column: positions[column] for column in COLUMNS}


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
        )
    return RowProblem(
        line,
        "名称",
        f"同じ名称・住所の行が{first_line}行目にもあります / "
        f"same name and address already on line {first_line}",
    )


def _parse_row(
    values: dict[str, str], line: int, kinds: Mapping[str, str]
) -> tuple[SiteRow | None, list[RowProblem]]:
    """Build a SiteRow from normalised cell values, or collect every problem found."""
    problems: list[RowProblem] = []

    def read(column: str, convert):
        try:
            return convert(values[column])
        except ValueError as exc:
            problems.append(RowProblem(line, column, str(exc)))
            return None

    text = {attr: values[column] for attr, column in _TEXT_FIELDS.items()}
    if not text["name"]:
        problems.append(RowProblem(line, "名称", "名称が空です / name is empty"))
    kind = read("種別", lambda s: _kind_for(s, kinds))
    latitude = read("緯度", lambda s: _parse_coordinate(s, 90, "緯度", "latitude"))
    longitude = read("経度", lambda s: _parse_coordinate(s, 180, "経度", "longitude"))
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
            RowProblem(line, "終了時間", "終了時間が開始時間より前です / closes before it opens")
        )
    if problems:
        return None, problems
    age_min, age_max = parse_ages(text["ages_text"])
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


def _kind_for(source_type: str, kinds: Mapping[str, str]) -> str:
    if not source_type:
        raise ValueError("種別が空です / kind (種別) is empty")
    try:
        return kinds[source_type]
    except KeyError:
        raise ValueError(
            f"種別「{source_type}」は対応表にありません / "
            f"kind {source_type!r} is not in the mapping table"
        ) from None


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
            "緯度": _format_float(row.latitude),
            "経度": _format_float(row.longitude),
            "認可等年月日": row.approved_on.isoformat() if row.approved_on else "",
            "収容定員": "" if row.capacity is None else str(row.capacity),
            "利用可能曜日": format_weekdays(row.open_weekdays),
            "開始時間": format_time(row.opens_at),
            "終了時間": format_time(row.closes_at),
            "一時預かりの有無": {True: "有", False: "無", None: ""}[row.temp_childcare],
        }
    )
    return [cells[column] for column in COLUMNS]


def format_weekdays(days: Iterable[int]) -> str:
    """Return weekdays compactly, Monday first: (0, 1, 2, 3, 4) → 「月火水木金」."""
    return "".join(WEEKDAY_CHARS[d] for d in sorted(set(days)))


def format_time(value: time | None) -> str:
    """Return "H:MM" (e.g. "9:30"), or "" for None."""
    return "" if value is None else f"{value.hour}:{value.minute:02d}"


def _format_float(value: float | None) -> str:
    if value is None:
        return ""
    text = repr(value)
    if "e" in text or "E" in text:
        # repr switches to exponent form for tiny values, which spreadsheets mangle.
        text = f"{value:.12f}".rstrip("0").rstrip(".")
    return text
