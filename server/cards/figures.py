"""A ward's card figures: how many introductions were made, opened and arrived.

Which cards count: those whose issuing *or* target site is in the ward (a card from
another ward's salon to this ward's nursery counts here, and there), filtered on
``issued_on`` by an optional ``from``/``to`` (both days included).

What each figure means:

- ``issued``: every card counted, whatever its status now.
- ``opened``: status ``opened`` or ``arrived`` (a family that arrived had the card).
  The card's status is a lattice that keeps only its furthest state, so a card that was
  opened and later expired or was cancelled counts as *not* opened: the record no longer
  says it was opened.
- ``arrived``: status ``arrived``; ``expired`` and ``cancelled``: that status.
- ``arrival_rate``: arrived / issued, rounded to 3 decimals; null when issued is 0.

``by_issuing_site`` and ``by_target_site`` may list another ward's site (``in_ward``
false): the other end of a card that counts here. ``by_wish`` lists every wish tag, in
vocabulary order, counting each card once per wish it carries.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from sync.vocabulary import FEATURE_TAGS

from ..directory.lookups import as_site_id
from ..directory.models import Site, Ward
from ..extensions import db
from .records import all_cards

OPENED = frozenset({"opened", "arrived"})


def arrival_rate(arrived: int, issued: int) -> float | None:
    return round(arrived / issued, 3) if issued else None


@dataclass
class Tally:
    issued: int = 0
    opened: int = 0
    arrived: int = 0
    expired: int = 0
    cancelled: int = 0

    def count(self, status: str | None) -> None:
        self.issued += 1
        self.opened += status in OPENED
        self.arrived += status == "arrived"
        self.expired += status == "expired"
        self.cancelled += status == "cancelled"

    def figures(self) -> dict:
        return {"issued": self.issued, "opened": self.opened, "arrived": self.arrived,
                "expired": self.expired, "cancelled": self.cancelled,
                "arrival_rate": arrival_rate(self.arrived, self.issued)}


def _in_period(issued_on, start: date | None, end: date | None) -> bool:
    if start is None and end is None:
        return True
    if not isinstance(issued_on, str):
        return False
    # ISO dates compare as text; the card rules accept only YYYY-MM-DD.
    return ((start is None or issued_on >= start.isoformat())
            and (end is None or issued_on <= end.isoformat()))


@dataclass
class _Sites:
    """Each site's name and ward, from one query: a card's other end may be in any ward."""

    rows: dict[int, tuple[str, int]]

    @classmethod
    def load(cls) -> "_Sites":
        return cls({site_id: (name, ward_id) for site_id, name, ward_id in db.session.execute(
            select(Site.id, Site.name, Site.ward_id))})

    def name(self, site_id: int | None) -> str | None:
        return self.rows[site_id][0] if site_id in self.rows else None

    def ward_of(self, site_id: int | None) -> int | None:
        return self.rows[site_id][1] if site_id in self.rows else None


@dataclass
class _WardTallies:
    totals: Tally = field(default_factory=Tally)
    issuing: dict[int | None, Tally] = field(default_factory=dict)
    target: dict[int | None, Tally] = field(default_factory=dict)
    pairs: dict[tuple[int | None, int | None], Tally] = field(default_factory=dict)
    wishes: dict[str, Tally] = field(
        default_factory=lambda: {wish: Tally() for wish in FEATURE_TAGS})

    def count(self, card: dict, from_id: int | None, to_id: int | None) -> None:
        status = card.get("status")
        self.totals.count(status)
        self.issuing.setdefault(from_id, Tally()).count(status)
        self.target.setdefault(to_id, Tally()).count(status)
        self.pairs.setdefault((from_id, to_id), Tally()).count(status)
        for wish in set(card.get("wishes") or ()):
            if wish in self.wishes:  # a wish the vocabulary dropped since
                self.wishes[wish].count(status)


def ward_figures(ward: Ward, start: date | None = None, end: date | None = None) -> dict:
    """The figures of the cards that count for ``ward`` (see the module's docstring), in
    one pass over the cards and one query for the sites' names and wards."""
    sites = _Sites.load()
    tallies = _WardTallies()
    for _code, card in all_cards():
        if not _in_period(card.get("issued_on"), start, end):
            continue
        from_id = as_site_id(card.get("issuing_site_id"))
        to_id = as_site_id(card.get("target_site_id"))
        if ward.id in (sites.ward_of(from_id), sites.ward_of(to_id)):
            tallies.count(card, from_id, to_id)
    return {
        "ward": ward.code, "from": start, "to": end,
        "totals": tallies.totals.figures(),
        "by_issuing_site": _site_rows(tallies.issuing, sites, ward),
        "by_target_site": _site_rows(tallies.target, sites, ward),
        "by_pair": _pair_rows(tallies.pairs, sites),
        "by_wish": [{"wish": wish, "issued": tally.issued, "arrived": tally.arrived,
                     "arrival_rate": arrival_rate(tally.arrived, tally.issued)}
                    for wish, tally in tallies.wishes.items()],
    }


def _site_rows(tallies: dict[int | None, Tally], sites: _Sites, ward: Ward) -> list[dict]:
    rows = [{"site_id": site_id, "site_name": sites.name(site_id),
             "in_ward": sites.ward_of(site_id) == ward.id, **tally.figures()}
            for site_id, tally in tallies.items()]
    return sorted(rows, key=lambda row: (-row["issued"], row["site_id"] or 0))


def _pair_rows(tallies: dict[tuple[int | None, int | None], Tally], sites: _Sites
               ) -> list[dict]:
    rows = [{"issuing_site_id": from_id, "issuing_site_name": sites.name(from_id),
             "target_site_id": to_id, "target_site_name": sites.name(to_id),
             "issued": tally.issued, "opened": tally.opened, "arrived": tally.arrived,
             "arrival_rate": arrival_rate(tally.arrived, tally.issued)}
            for (from_id, to_id), tally in tallies.items()]
    return sorted(rows, key=lambda row: (-row["issued"], row["issuing_site_id"] or 0,
                                         row["target_site_id"] or 0))
