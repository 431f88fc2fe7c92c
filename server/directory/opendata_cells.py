"""One cell of 「子育て施設一覧」: each function reads or writes a single field's text.

Pure functions of one string; rows and files are ``opendata``'s. A parser returns None
(or ``()``) for an empty cell and raises ``ValueError`` with a reason in Japanese and
English for text it cannot read, which ``opendata.parse_sites`` reports against the
column (``parse_ages`` alone never raises: the raw 受入年齢 is kept and shown anyway).
The parsers ``normalise_text`` their input first (``parse_kind`` is handed it so), so
full-width digits, ideographic spaces and the many dashes municipalities type all read
the same.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, time

from sync.vocabulary import SKIP_KIND  # noqa: F401  (the importer's modules take it from here)

_WHITESPACE = re.compile(r"\s+")


def normalise_text(s: str) -> str:
    """Return ``s`` NFKC-normalised, stripped, with whitespace runs collapsed to one space.

    Also spells 保土ヶ谷 with the large ケ, the ward's official spelling.
    """
    text = unicodedata.normalize("NFKC", s or "")
    text = _WHITESPACE.sub(" ", text).strip()
    # NFKC leaves the small ヶ alone, and both spellings turn up in municipal files.
    return text.replace("保土ヶ谷", "保土ケ谷")


# --- weekdays ---------------------------------------------------------------------------

WEEKDAY_CHARS = "月火水木金土日"

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


# --- opening days that are not every week ------------------------------------------------

_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_NTH = r"(?:第?[1-5]|最終)"
# 毎月第1火曜日, 第2・第4水曜日, 第1・3木曜, 毎月最終金曜日
_MONTHLY = re.compile(
    rf"(?:毎月)?((?:第[1-5]|最終)(?:[・、,と]{_NTH})*)([{WEEKDAY_CHARS}])曜日?")
# 隔週水曜日(2026年4月8日から): without the day it starts, which weeks is unknown.
_FORTNIGHTLY = re.compile(
    rf"隔週([{WEEKDAY_CHARS}])曜日?\((\d{{4}})年(\d{{1,2}})月(\d{{1,2}})日から\)")
# 8月は休み, 8月・12月は休み
_MONTHS_OFF = re.compile(r"(\d{1,2}月?(?:[・、,と]\d{1,2}月?)*)は(?:お)?休み")
# A monthly rule's weeks do not depend on the day it is counted from.
MONTHLY_SINCE = date(2000, 1, 1)


def parse_opening_rule(text: str) -> tuple[str, date] | None:
    """Return ``(RRULE, the day it counts from)`` for a 利用可能日時特記事項 whose first
    sentence is a common Japanese form of opening days that are not every week:
    毎月第1火曜日, 第2・第4水曜日 (also 第1・3木曜), 毎月最終金曜日, and
    隔週水曜日(2026年4月8日から); a second sentence 「8月は休み」 leaves those months out.

    None for anything else (the text stays the site's note and its weekdays hold), and
    never raises: a note is free text.
    """
    head, _dot, rest = normalise_text(text).partition("。")
    head = head.replace(" ", "")
    rule, since = _monthly(head) or _fortnightly(head) or (None, None)
    if rule is None:
        return None
    months_off = _MONTHS_OFF.fullmatch(rest.strip().rstrip("。").replace(" ", ""))
    if months_off:
        off = {int(n) for n in re.findall(r"\d+", months_off.group(1))}
        if not off <= set(range(1, 13)):
            return None
        rule += ";BYMONTH=" + ",".join(str(m) for m in range(1, 13) if m not in off)
    return rule, since


def _monthly(head: str) -> tuple[str, date] | None:
    match = _MONTHLY.fullmatch(head)
    if not match:
        return None
    weeks = re.findall(r"[1-5]|最終", match.group(1))
    day = _ICAL_DAYS[WEEKDAY_CHARS.index(match.group(2))]
    numbers = sorted({-1 if week == "最終" else int(week) for week in weeks},
                     key=lambda n: n % 6)
    return f"FREQ=MONTHLY;BYDAY={','.join(f'{n}{day}' for n in numbers)}", MONTHLY_SINCE


def _fortnightly(head: str) -> tuple[str, date] | None:
    match = _FORTNIGHTLY.fullmatch(head)
    if not match:
        return None
    try:
        since = date(int(match.group(2)), int(match.group(3)), int(match.group(4)))
    except ValueError:
        return None
    weekday = WEEKDAY_CHARS.index(match.group(1))
    if since.weekday() != weekday:
        return None
    return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={_ICAL_DAYS[weekday]}", since


# --- times ------------------------------------------------------------------------------

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


# --- ages -------------------------------------------------------------------------------

# Months used as the lower age bound for sites that welcome pregnant people: no child
# has a negative age, so any negative number can mean "from pregnancy" without a flag.
PRENATAL_MIN_MONTHS = -9

# 就学前: a child starts school in the April after turning six, so at most 6 years 11 months.
PRESCHOOL_MAX_MONTHS = 6 * 12 + 11

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


# --- yes/no, dates, counts, coordinates, kinds ------------------------------------------

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


def parse_coordinate(text: str, limit: float, ja: str, en: str) -> float | None:
    """Return a latitude or longitude (``limit`` 90 or 180), or None if empty.

    Raises ``ValueError`` (naming the column as ``ja`` / ``en``) for text that is not a
    finite number within ``limit``.
    """
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


def parse_kind(source_type: str, kinds: Mapping[str, str]) -> str:
    """Return the site kind (or ``SKIP_KIND``) that ``kinds`` gives the 種別 ``source_type``.

    ``source_type`` is taken as it comes: ``opendata.parse_sites`` has normalised both it
    and the keys of ``kinds``. Raises ``ValueError`` when the cell is empty or the wording
    is not in ``kinds``.
    """
    if not source_type:
        raise ValueError("種別が空です / kind (種別) is empty")
    try:
        return kinds[source_type]
    except KeyError:
        raise ValueError(
            f"種別「{source_type}」は対応表にありません / "
            f"kind {source_type!r} is not in the mapping table"
        ) from None


# --- writing one cell -------------------------------------------------------------------


def format_weekdays(days: Iterable[int]) -> str:
    """Return weekdays compactly, Monday first: (0, 1, 2, 3, 4) → 「月火水木金」."""
    return "".join(WEEKDAY_CHARS[d] for d in sorted(set(days)))


def format_time(value: time | None) -> str:
    """Return "H:MM" (e.g. "9:30"), or "" for None."""
    return "" if value is None else f"{value.hour}:{value.minute:02d}"


def format_coordinate(value: float | None) -> str:
    """Return a latitude or longitude as ``repr`` writes it, never in exponent form; "" for None."""
    if value is None:
        return ""
    text = repr(value)
    if "e" in text or "E" in text:
        # repr switches to exponent form for tiny values, which spreadsheets mangle.
        text = f"{value:.12f}".rstrip("0").rstrip(".")
    return text
