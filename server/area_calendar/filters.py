"""The page's filters, read from a query string that anyone can write.

Each value is only a key into a fixed list (or into the ward's own areas): one that is not
on the list, repeated or malformed counts as absent, and the page never shows the text a
request sent, only the words of the value it named.
"""

from dataclasses import dataclass

from sync.vocabulary import CHILD_AGE_BANDS, FEATURE_TAGS, SITE_KINDS, WEEKDAY_CODES

from ..directory.models import Ward

PRENATAL_MONTHS = -9


@dataclass(frozen=True)
class Filters:
    area: int | None = None
    kind: str | None = None
    age: str | None = None
    wish: str | None = None
    day: str | None = None

    def query(self) -> dict[str, str]:
        """The filters as this page writes them into its own links."""
        return {name: str(value) for name, value in
                (("area", self.area), ("kind", self.kind), ("age", self.age),
                 ("wish", self.wish), ("day", self.day)) if value is not None}

    def site_filters(self) -> dict:
        """The part ``directory.queries.ward_programmes`` narrows sites by."""
        found = {"area": self.area, "kind": self.kind, "tag": self.wish}
        return {name: value for name, value in found.items() if value is not None}

    @property
    def age_months(self) -> int | None:
        """The band as the finder matches ages: mid-year, or -9 when expecting."""
        if self.age is None:
            return None
        return PRENATAL_MONTHS if self.age == "pregnant" else int(self.age) * 12 + 6

    @property
    def weekday(self) -> int | None:
        return None if self.day is None else WEEKDAY_CODES.index(self.day)


def read_filters(args, ward: Ward) -> Filters:
    """The filters ``args`` names; anything unknown is left out."""
    area_ids = {str(area.id): area.id for area in ward.areas}
    return Filters(area=area_ids.get(_one(args, "area")),
                   kind=_known(_one(args, "kind"), SITE_KINDS),
                   age=_known(_one(args, "age"), CHILD_AGE_BANDS),
                   wish=_known(_one(args, "wish"), FEATURE_TAGS),
                   day=_known(_one(args, "day"), WEEKDAY_CODES))


def _one(args, name: str) -> str | None:
    values = args.getlist(name)
    return values[0] if len(values) == 1 else None


def _known(value: str | None, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


def fits_age(low: int | None, high: int | None, months: int | None) -> bool:
    """Whether a programme for ``low``–``high`` months suits a child of ``months``, as the
    finder decides (pwa/js/finder.js eventFitsAge): no age asked or no target ages fits;
    expecting fits only a programme from pregnancy (-9); else a missing bound is open."""
    if months is None or (low is None and high is None):
        return True
    if months < 0:
        return low == PRENATAL_MONTHS
    return (low is None or months >= low) and (high is None or months <= high)
