"""Which ward a row of 「子育て施設一覧」 belongs to, from its code and, for a city-wide or
prefecture-wide file, the ward named in its 市区町村名 or 住所.

A ward of Tsunagu is the unit every role is scoped by. Yokohama's wards (and the demo
ward) exist from the start; any other municipality or ward is made, once, from the
national list of local-government codes the first time a file names it.
"""

import re

from sqlalchemy import select

from ..extensions import db
from .local_government import PLACE_KINDS, CodeError, check_digit, read_code
from .models import LocalGovernment, Ward
from .opendata import SiteRow
from .opendata_cells import normalise_text

CODE_COLUMN = "都道府県コード又は市区町村コード"
# A 郡 before a town's name (西多摩郡奥多摩町): the list names the town alone. At least one
# character before 郡, so that 郡山市 and 郡上市 keep theirs.
_COUNTY = re.compile(r"^[^郡]{1,6}郡")


class UnknownPlace(ValueError):
    """No ward for a row; ``group`` and ``subject`` gather rows with one fix."""

    def __init__(self, reason: str, group: str, subject: str):
        super().__init__(reason)
        self.group = group
        self.subject = subject


def _fold(text: str) -> str:
    # Both spellings of the small ケ turn up in addresses (鶴ヶ島, 龍ケ崎), and spaces too.
    return normalise_text(text).replace("ヶ", "ケ").replace(" ", "")


class WardFinder:
    """Finds (or makes) the ward of each row of one import; ``made`` collects the names of
    the wards it made, for the summary."""

    def __init__(self, made: list[str]):
        self._wards = {w.code: w for w in db.session.scalars(select(Ward))}
        self._made = made

    def ward_for(self, row: SiteRow) -> Ward:
        """:raise UnknownPlace: a bad or unknown code, or a city-wide row whose ward cannot
        be told."""
        try:
            code = read_code(row.municipality_code)
        except CodeError as exc:
            raise UnknownPlace(str(exc), "bad_code", row.municipality_code) from None
        if code in self._wards:
            return self._wards[code]
        place = db.session.get(LocalGovernment, code)
        if place is None:
            raise UnknownPlace(
                f"コード「{code}{check_digit(code)}」は全国地方公共団体コードにありません / "
                f"code {row.municipality_code!r} is not a local-government code",
                "unknown_code", row.municipality_code)
        if place.kind not in PLACE_KINDS:
            place = self._named_in(place, row)
        return self._ward(place)

    def _named_in(self, area: LocalGovernment, row: SiteRow) -> LocalGovernment:
        """The ward or municipality of ``area`` (a designated city or a prefecture) that
        the row's 市区町村名 or 住所 begins with, the longest name winning."""
        query = select(LocalGovernment).where(LocalGovernment.prefecture == area.prefecture,
                                              LocalGovernment.kind.in_(PLACE_KINDS))
        if area.parent is not None:  # a designated city: its wards
            query = query.where(LocalGovernment.parent == area.code)
        candidates = list(db.session.scalars(query))
        texts = set()
        for text in (row.municipality, row.address):
            text = _fold(text).removeprefix(_fold(area.prefecture))
            texts.update({text, _COUNTY.sub("", text)})
            if area.parent is not None:
                texts.add(_fold(area.name) + text.removeprefix(_fold(area.name)))
        best: tuple[int, LocalGovernment] | None = None
        for candidate in candidates:
            name = _fold(candidate.name)
            if any(t.startswith(name) for t in texts) and (best is None or len(name) > best[0]):
                best = (len(name), candidate)
        if best is None:
            raise UnknownPlace(
                f"{area.name}のどの区・市町村か、市区町村名「{row.municipality}」と住所から判別"
                f"できません / cannot tell which ward of {area.name} from 市区町村名 "
                f"{row.municipality!r} or the address", "ward_unclear", area.name)
        return best[1]

    def _ward(self, place: LocalGovernment) -> Ward:
        ward = self._wards.get(place.code)
        if ward is None:
            # The list has no English names; the Japanese one is shown in both languages.
            ward = Ward(code=place.code, slug=place.code, name_ja=place.name,
                        name_en=place.name)
            db.session.add(ward)
            db.session.flush()
            self._wards[place.code] = ward
            self._made.append(f"{place.code6} {place.name}")
        return ward
