"""A ward with known figures: session logs, outreach visits and cards generated from a
seed and pushed through ``/api/sync/push`` as phones push them (edits, second phones and
deletions included), with the figures they must give computed here in plain Python, from
the generated values and never from the database.

Ward A (the ward under test) has six sites of five kinds over two areas and one site
with no area; ward B has two sites. The records span 2025-10 to 2026-12, with sessions on
the first and last day of months, so month boundaries, the comparison months and the
filters all have something to tell apart.
"""

import itertools
import random
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from server.cards import tokens
from server.directory.models import Area
from server.extensions import db
from sync.collections import CONSULTATION_ANSWERS, OUTREACH_COUNTERS, VISITOR_COUNTERS
from sync.hlc import HLC
from sync.vocabulary import (
    CHILD_AGE_BANDS,
    CONSULTATION_TOPICS,
    FEATURE_TAGS,
    LOCAL_PEOPLE_ROLES,
    OUTREACH_ROLES,
    SITE_KINDS,
)

FIRST = date(2025, 10, 1)
LAST = date(2026, 12, 5)
CHILDREN = ("children_0", "children_1", "children_2", "children_3plus")
STATUSES = ("issued", "opened", "arrived", "expired", "cancelled")
CONSULTATIONS = [f"consultation_{t}_{a}" for t in CONSULTATION_TOPICS
                 for a in CONSULTATION_ANSWERS]


@dataclass
class Visit:
    record_id: str
    site: object
    day: date
    counts: dict
    deleted: bool = False


@dataclass
class Outreach:
    record_id: str
    site: object  # the visiting site
    day: date
    counts: dict
    deleted: bool = False


@dataclass
class Card:
    record_id: str
    issuing: object
    target: object
    day: date
    status: str
    wishes: frozenset
    child_age: str
    deleted: bool = False


@dataclass
class FigureWorld:
    client: object
    ward: object
    sites: list
    elsewhere: list
    areas: list
    headers: dict
    visits: list[Visit] = field(default_factory=list)
    outreach: list[Outreach] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)

    # --- building ----------------------------------------------------------------------

    @classmethod
    def build(cls, client, ward, other_ward, create_site, create_user, auth_header,
              seed: int = 14) -> "FigureWorld":
        areas = [Area(ward_id=ward.id, name=name) for name in ("北部", "南部")]
        db.session.add_all(areas)
        db.session.commit()
        north, south = (area.id for area in areas)
        sites = [create_site("hub", area_id=south, name="拠点みなみ"),
                 create_site("salon", area_id=north, name="サロンあおぞら"),
                 create_site("salon", area_id=south, name="サロンいちょう"),
                 create_site("nursery_hiroba", area_id=north, name="ひろばさくら"),
                 create_site("tsudoi_hiroba", name="つどいの広場もり"),
                 create_site("kindergarten_hamakko", area_id=north, name="はまっ子うみ")]
        elsewhere = [create_site("salon", ward=other_ward, name="よその区のサロン"),
                     create_site("hub", ward=other_ward, name="よその区の拠点")]
        admin = create_user("admin")
        world = cls(client, ward, sites, elsewhere, areas, {"admin": auth_header(admin)})
        world._fill(random.Random(seed))
        return world

    def _fill(self, rng: random.Random) -> None:
        self._clock = itertools.count(time.time_ns() // 1_000_000 - 3_600_000, 7)
        ops: list[dict] = []
        later: list[dict] = []  # edits and deletions, pushed after the records exist
        every = self.sites + self.elsewhere
        days = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
        # Month ends and starts always have a session: the boundaries tests look at.
        chosen = sorted(set(rng.sample(days, 120))
                        | {d for d in days if d.day == 1 or (d + timedelta(days=1)).day == 1})
        for n, day in enumerate(chosen):
            for site in rng.sample(every, rng.randint(1, 3)):
                record_id = f"{site.id}:{day.isoformat()}:s{n % 3}"
                counts = self._visit_counts(rng)
                visit = Visit(record_id, site, day, counts)
                ops.append(self._op("visit", record_id, {
                    "site_id": str(site.id), "session_date": day.isoformat(),
                    "session": f"s{n % 3}", **counts}))
                roll = rng.random()
                if roll < 0.1:  # edited on the same phone: its latest values count
                    edit = self._visit_counts(rng)
                    visit.counts = {**visit.counts, **edit}
                    later.append(self._op("visit", record_id, edit))
                elif roll < 0.2:  # a second phone at the same session adds its own share
                    extra = {"parents": rng.randint(1, 3), "children_0": rng.randint(0, 2)}
                    for name, value in extra.items():
                        visit.counts[name] += value
                    later.append(self._op("visit", record_id, extra, device="phone-2"))
                elif roll < 0.27:
                    visit.deleted = True
                    later.append(self._op("visit", record_id, {}, delete=True))
                self.visits.append(visit)
        for n, day in enumerate(sorted(rng.sample(days, 60))):
            visiting = rng.choice(every)
            place = rng.choice([s for s in every if s is not visiting])
            record_id = f"{place.id}:{day.isoformat()}:{visiting.id}"
            counts = {name: rng.randint(0, 3) for name in OUTREACH_COUNTERS}
            item = Outreach(record_id, visiting, day, counts)
            ops.append(self._op("outreach", record_id, {
                "site_id": str(visiting.id), "place_site_id": str(place.id),
                "visit_date": day.isoformat(), **counts}))
            if n % 9 == 4:
                item.deleted = True
                later.append(self._op("outreach", record_id, {}, delete=True))
            self.outreach.append(item)
        issuers = every
        minted = {site.id: [row.short_code for row, _token in
                            tokens.mint(site.id, 30, user_id=None)] for site in issuers}
        db.session.commit()
        # Cards too are issued on month ends (issued_on is the local day, as a session's).
        card_days = [rng.choice(days) for _ in range(116)] + [
            date(2026, 10, 31), date(2026, 10, 31), date(2026, 11, 30), date(2025, 11, 30)]
        for n, day in enumerate(sorted(card_days)):
            issuing = rng.choice(issuers)
            # A few kinds never introduce to a few others: the missing pairs.
            targets = [s for s in every if not (issuing.kind == "salon"
                                                 and s.kind == "kindergarten_hamakko")]
            target = rng.choice(targets)
            code = minted[issuing.id].pop()
            status = rng.choice(STATUSES)
            wishes = frozenset(rng.sample(FEATURE_TAGS, rng.randint(0, 3)))
            card = Card(code, issuing, target, day, status, wishes, rng.choice(CHILD_AGE_BANDS))
            first_status = "issued" if n % 4 == 0 else status
            ops.append(self._op("card", code, {
                "status": first_status, "issued_on": day.isoformat(),
                "issuing_site_id": str(issuing.id), "target_site_id": str(target.id),
                "wishes": {"add": sorted(wishes)}, "child_age": card.child_age}))
            if first_status != status:  # edited later: its status now counts
                later.append(self._op("card", code, {"status": status}))
            if n % 17 == 5:
                card.deleted = True
                later.append(self._op("card", code, {}, delete=True))
            self.cards.append(card)
        self.push(ops)
        self.push(later)

    @staticmethod
    def _visit_counts(rng: random.Random) -> dict:
        counts = {name: rng.randint(0, 6) for name in VISITOR_COUNTERS}
        for name in rng.sample(CONSULTATIONS, 4):
            counts[name] = rng.randint(1, 3)
        counts["connected_to_ward_count"] = rng.randint(0, 1)
        return counts

    def _op(self, collection: str, record_id: str, changes: dict, *, device: str = "phone-1",
            **flags) -> dict:
        return {"op_id": str(uuid.uuid4()), "device_id": device, "user_id": "x",
                "collection": collection, "record_id": record_id,
                "hlc": HLC(next(self._clock), 0, device).format(), "base_version": None,
                "changes": changes, **flags}

    def push(self, ops: list[dict]) -> None:
        for start in range(0, len(ops), 200):
            response = self.client.post(
                "/api/sync/push", json={"protocol": 1, "ops": ops[start:start + 200]},
                headers=self.headers["admin"])
            assert response.status_code == 200, response.get_json()
            results = response.get_json()["results"]
            assert all(r["status"] == "applied" for r in results), [
                r for r in results if r["status"] != "applied"][:3]

    # --- the figures these records must give -------------------------------------------

    def scoped(self, area=None, kind=None, site=None) -> list:
        return [s for s in self.sites
                if (area is None or s.area_id == area) and (kind is None or s.kind == kind)
                and (site is None or s.id == site)]

    def expected(self, start: date, end: date, **filters) -> dict:
        """Every figure of ``server.figures.compute`` for the period, except the
        comparison (``expected_totals`` of each month gives it)."""
        sites = self.scoped(**filters)
        ids = {s.id for s in sites}
        visits = [v for v in self.visits
                  if not v.deleted and v.site.id in ids and start <= v.day <= end]
        outreach = [o for o in self.outreach
                    if not o.deleted and o.site.id in ids and start <= o.day <= end]
        cards = [c for c in self.cards
                 if not c.deleted and c.issuing.id in ids and start <= c.day <= end]
        return {"totals": totals(visits), "sites": self._sites(sites, visits),
                "by_week": self._weeks(visits, start, end, filters.get("kind")),
                "by_month": self._months(visits, start, end),
                "consultations": [
                    {"topic": t, "answer": a,
                     "count": sum(v.counts.get(f"consultation_{t}_{a}", 0) for v in visits)}
                    for t in CONSULTATION_TOPICS for a in CONSULTATION_ANSWERS],
                "outreach": {
                    "visits": len(outreach),
                    "by_role": {r: sum(o.counts[f"went_{r}"] for o in outreach)
                                for r in OUTREACH_ROLES},
                    "parents": sum(o.counts["parents"] for o in outreach),
                    "children": sum(o.counts["children"] for o in outreach),
                    "met": {r: sum(o.counts[f"met_{r}"] for o in outreach)
                            for r in LOCAL_PEOPLE_ROLES}},
                "cards": self._cards(sites, cards)}

    def expected_totals(self, start: date, end: date, **filters) -> dict:
        return self.expected(start, end, **filters)["totals"]

    @staticmethod
    def _sites(sites, visits) -> list[dict]:
        order = {kind: i for i, kind in enumerate(SITE_KINDS)}
        rows = []
        for site in sorted(sites, key=lambda s: (order[s.kind], s.name, s.id)):
            mine = [v for v in visits if v.site.id == site.id]
            rows.append({"site_id": site.id, "name": site.name, "kind": site.kind,
                         "area": site.area.name if site.area_id else None,
                         "sessions": len(mine), "days_open": len({v.day for v in mine}),
                         "adults": sum(v.counts["parents"] for v in mine),
                         "children": sum(v.counts[c] for v in mine for c in CHILDREN)})
        return rows

    @staticmethod
    def _weeks(visits, start: date, end: date, kind) -> list[dict]:
        rows = []
        monday = start - timedelta(days=start.weekday())
        while monday <= end:
            for each in (kind,) if kind else SITE_KINDS:
                mine = [v for v in visits if v.site.kind == each
                        and monday <= v.day < monday + timedelta(days=7)]
                rows.append({"week": monday.isoformat(), "kind": each, "sessions": len(mine),
                             "adults": sum(v.counts["parents"] for v in mine),
                             "children": sum(v.counts[c] for v in mine for c in CHILDREN)})
            monday += timedelta(days=7)
        return rows

    @staticmethod
    def _months(visits, start: date, end: date) -> list[dict]:
        months = sorted({(start + timedelta(days=n)).strftime("%Y-%m")
                         for n in range((end - start).days + 1)})
        rows = []
        for month in months:
            mine = [v for v in visits if v.day.strftime("%Y-%m") == month]
            rows.append({"month": month, **{c: sum(v.counts[c] for v in mine) for c in CHILDREN},
                         "expecting_parents": sum(v.counts["expecting_parents"] for v in mine),
                         "adults": sum(v.counts["parents"] for v in mine)})
        return rows

    def _cards(self, sites, cards) -> dict:
        def tally(group) -> dict:
            statuses = Counter(c.status for c in group)
            issued, arrived = len(group), statuses["arrived"]
            return {"issued": issued, "opened": statuses["opened"] + arrived,
                    "arrived": arrived, "expired": statuses["expired"],
                    "cancelled": statuses["cancelled"],
                    "arrival_rate": arrived / issued if issued else None}

        every = {s.id: s for s in self.sites + self.elsewhere}
        pairs = defaultdict(list)
        for card in cards:
            pairs[(card.issuing.id, card.target.id)].append(card)
        kinds = defaultdict(list)
        for card in cards:
            kinds[(card.issuing.kind, every[card.target.id].kind)].append(card)
        kind_flows = [{"from_kind": a, "to_kind": b, "issued": len(kinds[(a, b)]),
                       "arrived": sum(c.status == "arrived" for c in kinds[(a, b)])}
                      for a in SITE_KINDS for b in SITE_KINDS]
        by_site = []
        for site in sorted(sites, key=lambda s: (s.name, s.id)):
            counted = tally([c for c in cards if c.issuing.id == site.id])
            by_site.append({"site_id": site.id, "name": site.name,
                            **{k: counted[k] for k in ("issued", "opened", "arrived",
                                                       "arrival_rate")}})
        by_wish = []
        for wish in FEATURE_TAGS:
            counted = tally([c for c in cards if wish in c.wishes])
            by_wish.append({"wish": wish, **{k: counted[k] for k in ("issued", "arrived",
                                                                     "arrival_rate")}})
        return {**tally(cards), "by_site": by_site, "by_wish": by_wish,
                "site_flows": [{"from_site_id": a, "to_site_id": b, "issued": len(group),
                                "arrived": sum(c.status == "arrived" for c in group)}
                               for (a, b), group in sorted(pairs.items())],
                "kind_flows": kind_flows,
                "missing_kind_pairs": [[f["from_kind"], f["to_kind"]] for f in kind_flows
                                       if f["issued"] == 0]}


def totals(visits) -> dict:
    def total(name):
        return sum(v.counts.get(name, 0) for v in visits)

    children = {c: total(c) for c in CHILDREN}
    return {"sessions": len(visits), "days_open": len({(v.site.id, v.day) for v in visits}),
            "adults": total("parents"), "children": sum(children.values()), **children,
            **{name: total(name) for name in ("expecting_parents", "fathers", "grandparents",
                                              "first_time", "in_ward", "out_of_ward")},
            "worry": total("connected_to_ward_count")}
