"""Reading the header row of 「子育て施設一覧」 as people write it.

Column names are compared after folding what looks alike on screen: NFKC (full- and
half-width forms), every dash and long-vowel mark (ー ｰ ― ‐ - – — −) as one, no spaces,
no BOM, no surrounding quotes. Known older spellings of the format are accepted. A column
that still cannot be found is reported with the file's nearest header shown with its
unusual characters made visible (``コ―ド (U+2015)``), since staff cannot see them.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence

# Marks that look like the long-vowel mark or a hyphen; after NFKC (so ｰ is ー already).
_DASHES = re.compile("[\u002d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2500\u2501\u30fc\uff0d]")
_NOISE = re.compile("[\\s\ufeff\u200b\u200c\u200d\u2060\"'\u201c\u201d\u2018\u2019]")

# Older or looser spellings seen in the format's versions and municipal files, by the
# current column name. Compared by ``header_key`` like the current names.
ALIASES: dict[str, tuple[str, ...]] = {
    "都道府県コード又は市区町村コード": ("都道府県コードまたは市区町村コード",
                                         "市区町村コード", "全国地方公共団体コード"),
    "名称_カナ": ("名称カナ", "名称(カナ)", "名称_よみがな", "ふりがな"),
    "住所": ("所在地", "所在地_連結表記"),
    "方書": ("所在地_方書",),
    "FAX番号": ("ファックス番号", "FAX"),
    "開始時間": ("開始時刻",),
    "終了時間": ("終了時刻",),
    "一時預かりの有無": ("一時預かり",),
    "URL": ("ホームページ", "ホームページURL"),
}


def header_key(text: str) -> str:
    """``text`` folded so that names that look alike compare equal."""
    s = unicodedata.normalize("NFKC", text or "")
    s = _NOISE.sub("", s)
    return _DASHES.sub("ー", s)


def visible(text: str) -> str:
    """``text`` followed by the code points of its unusual characters, e.g.
    ``コ―ド (U+2015)``; plain text (kana, kanji, ASCII letters and digits) as it is."""
    odd = [f"U+{ord(ch):04X}" for ch in text if not _plain(ch)]
    return f"{text} ({', '.join(odd)})" if odd else text


def _plain(ch: str) -> bool:
    code = ord(ch)
    return ((ch.isascii() and (ch.isalnum() or ch in "_()")) or 0x3041 <= code <= 0x3096
            or 0x30A1 <= code <= 0x30FA or code == 0x30FC or 0x4E00 <= code <= 0x9FFF
            or ch in "々ヶ（）")


class HeaderError(ValueError):
    """The header lacks columns; ``missing`` names them, the message says what to fix."""

    def __init__(self, message: str, missing: list[str]):
        super().__init__(message)
        self.missing = missing


def match_header(cells: Sequence[str], columns: Sequence[str]) -> dict[str, int]:
    """The position of each of ``columns`` in the header ``cells``.

    :raise HeaderError: a column is not there by any accepted spelling.
    """
    wanted: dict[str, str] = {}
    for column in columns:
        for spelling in (column, *ALIASES.get(column, ())):
            wanted.setdefault(header_key(spelling), column)
    positions: dict[str, int] = {}
    unmatched: list[int] = []
    for index, cell in enumerate(cells):
        column = wanted.get(header_key(cell))
        if column is None:
            unmatched.append(index)
        else:
            positions.setdefault(column, index)
    missing = [column for column in columns if column not in positions]
    if missing:
        raise HeaderError(_missing_message(missing, [cells[i] for i in unmatched]), missing)
    return positions


def _missing_message(missing: list[str], leftovers: list[str]) -> str:
    listed = "、".join(missing)
    lines = [f"見出しに必要な列がありません: {listed} / header is missing columns: {listed}"]
    keys = {header_key(cell): cell for cell in leftovers}
    for column in missing:
        near = difflib.get_close_matches(header_key(column), list(keys), n=1, cutoff=0.5)
        if near:
            found = visible(keys[near[0]])
            lines.append(f"  列「{column}」: ファイルの見出しは「{found}」です。「{column}」と"
                         f"書き直してください / column {column}: the file has {found!r}; "
                         f"write it as {column!r}")
        else:
            lines.append(f"  列「{column}」: 見出しにありません。列を加えてください（空でも可） / "
                         f"column {column}: not in the header; add it (it may be empty)")
    return "\n".join(lines)
