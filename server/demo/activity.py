"""Three months of the demo ward's life, written the way the ward writes it.

Session logs (来所記録) at every site on its own opening days, professionals' outreach
visits to salons, introduction cards in every state, one open conflict and one
quarantined op. Each author's ops are pushed as their phone pushes them
(``replication.operations.push``: that user's scope, that user as the author, batches of
``PUSH_BATCH``); what the server writes itself (a parent's page marking a card opened, an
arrival confirmed at a desk, the expiry timer) goes through the server's own gateway.
So the op log, the merge metadata, the pull feed, the conflicts and the quarantine are
the real thing, and every screen has something to show whoever signs in.

One seeded ``random.Random`` draws everything in a fixed order, so every build holds the
same records with the same data; only the clocks and the dates follow the day it is
built. Nothing names a family or says anything about a person's health: the notes are
what a volunteer writes about a session.
"""

import random
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from sync import hlc as clocks
from sync.collections import (
    VISITOR_COUNTERS,
    outreach_record_id,
    visit_record_id,
)
from sync.protocol import PROTOCOL_VERSION, Status
from sync.vocabulary import CHILD_AGE_BANDS, FEATURE_TAGS, OUTREACH_TOPICS

from ..accounts.models import User
from ..cards import expiry, public, tokens
from ..cards.operations import confirm_arrival
from ..directory import opening
from ..directory.models import Site
from ..extensions import db
from ..replication import operations, writes
from ..replication.scope import write_scope
from ..timeutil import JAPAN, now_ms, now_utc

SEED = 20_240_401
DAYS = 91
"""The history ends today; sessions are logged up to yesterday's."""
PUSH_BATCH = 200
SPARE_TOKENS = 10
"""Tokens each issuing phone still holds ready (``CARD_POOL_SIZE``)."""

# --- who writes -------------------------------------------------------------------------


@dataclass(eq=False)
class Author:
    """A demo account and its phones (a hub's desk PC too); ``nodes`` name the devices."""

    user: User
    nodes: list[str]

    def device_id(self, device: int) -> str:
        # As the phone app names it: each user on a phone owns a share of a count.
        return f"{self.nodes[device]}-u{self.user.id}"


@dataclass
class _Queued:
    at_ms: int
    author: Author
    device: int
    stage: int
    op: dict[str, Any]


class Outbox:
    """Ops waiting on the phones. ``push`` gives each its clock (each device's clock
    ticks in the order its ops were made) and pushes them stage by stage, each author's
    in batches, as the phones would once back online."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._queued: list[_Queued] = []

    def add(self, author: Author, at: datetime, collection: str, record_id: str,
            changes: dict[str, Any], *, device: int = 0, stage: int = 0,
            base_version: int | None = None) -> str:
        op_id = new_uuid(self._rng)
        self._queued.append(_Queued(_ms(at), author, device, stage, {
            "op_id": op_id, "device_id": author.device_id(device), "collection": collection,
            "record_id": record_id, "base_version": base_version, "changes": changes}))
        return op_id

    def push(self, stage: int) -> list[dict[str, Any]]:
        """Push the ops queued for ``stage``, each author's in batches of ``PUSH_BATCH``;
        returns the answers in the order pushed."""
        self._stamp()
        by_author: dict[Author, list[dict[str, Any]]] = defaultdict(list)
        for item in self._queued:
            if item.stage == stage:
                by_author[item.author].append(item.op)
        answers = []
        for author, ops in by_author.items():
            for start in range(0, len(ops), PUSH_BATCH):
                # The store writes on its own connection: end the session's reads first.
                db.session.commit()
                result = operations.push(author.user, ops[start:start + PUSH_BATCH],
                                         PROTOCOL_VERSION)
                answers += [r.to_dict() for r in result.results]
        return answers

    def _stamp(self) -> None:
        # Each device's clock ticks in the order its ops were made, whatever the stage.
        last: dict[tuple[int, int], clocks.HLC] = {}
        for item in sorted(self._queued, key=lambda q: q.at_ms):
            if "hlc" in item.op:  # stamped at the first push: nothing is queued after it
                return
            key = (id(item.author), item.device)
            start = last.get(key, clocks.HLC(0, 0, item.author.nodes[item.device]))
            last[key] = start.tick(item.at_ms)
            item.op["hlc"] = last[key].format()


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), JAPAN)


# --- when sites are open ------------------------------------------------------------------

_NTH_WEEKS = re.compile(r"第(\d(?:・第\d)*)(?:[月火水木金土日]曜日)?(は休み)?")
_FIXED_HOLIDAYS = {(1, 1), (1, 2), (1, 3), (2, 11), (2, 23), (3, 20), (4, 29), (5, 3), (5, 4),
                   (5, 5), (8, 11), (9, 23), (11, 3), (11, 23), (12, 29), (12, 30), (12, 31)}
_HAPPY_MONDAYS = {(1, 2), (7, 3), (9, 3), (10, 2)}  # (month, nth Monday)
_KINDERGARTEN_BREAKS = (((3, 25), (4, 7)), ((7, 21), (8, 31)), ((12, 24), (12, 31)),
                        ((1, 1), (1, 7)))


def _week_of_month(day: date) -> int:
    return (day.day - 1) // 7 + 1


def is_holiday(day: date) -> bool:
    """National holidays on a fixed date or Monday (the equinoxes on their usual dates)
    and the new-year break: near enough for a demo, and no site opens on them."""
    return ((day.month, day.day) in _FIXED_HOLIDAYS
            or day.weekday() == 0 and (day.month, _week_of_month(day)) in _HAPPY_MONDAYS)


def is_open(site: Site, day: date, rainy: bool) -> bool:
    """Whether ``site`` holds its session on ``day``: its open weekdays, the weeks of the
    month and the months its schedule note names (「第2・第4月曜日」「8月は休み」…)."""
    note = site.schedule_note or ""
    if day.weekday() not in site.weekdays or is_holiday(day):
        return False
    # A site with an opening rule (毎月第1火曜日, 隔週) meets on the rule's days only.
    if site.open_rrule and opening.open_dates(site, day, day) != [day]:
        return False
    if "8月は休み" in note and day.month == 8 or "雨天中止" in note and rainy:
        return False
    if "長期休業" in note and any(start <= (day.month, day.day) <= end
                                 for start, end in _KINDERGARTEN_BREAKS):
        return False
    nth = _NTH_WEEKS.search(note)
    if nth is not None:
        weeks = {int(d) for d in re.findall(r"\d", nth.group(1))}
        return (_week_of_month(day) in weeks) != bool(nth.group(2))
    return True


# --- session logs -------------------------------------------------------------------------

# Parents at one session on a dry day, (fewest, most), by site kind and session slot.
SESSION_SIZE = {
    "hub": {"am": (8, 22), "pm": (5, 14)},
    "tsudoi_hiroba": {"day": (6, 16)},
    "nursery_hiroba": {"day": (4, 12), "am": (2, 8)},
    "kindergarten_hamakko": {"am": (2, 8)},
    "supporter_program": {"am": (1, 5)},
    "salon": {"am": (3, 10)},
}
# Children by age band (0, 1, 2, 3+): salons and hubs see babies most, yards toddlers.
AGE_WEIGHTS = {
    "hub": (5, 3, 2, 1), "tsudoi_hiroba": (4, 3, 2, 1), "nursery_hiroba": (2, 3, 3, 2),
    "kindergarten_hamakko": (1, 2, 4, 3), "supporter_program": (4, 3, 2, 1),
    "salon": (6, 3, 2, 1),
}
TOPIC_WEIGHTS = {"work_life": 2, "family_relations": 2, "elder_care": 1, "single_parent": 1,
                 "financial": 1, "development": 5, "parenting_approach": 4, "health_daily": 4,
                 "places_childcare": 4, "other": 1}
ANSWER_WEIGHTS = {"answered_on_site": 7, "referred_to_site": 2, "connected_to_ward": 1}
NOTES = (
    "新しい親子が2組", "初めての方に施設の案内をした", "手遊びと絵本の読み聞かせ",
    "季節の製作をした（紙皿のおめん）", "ハイハイの子が多く、マットを広げた",
    "近くの保育園の園庭開放を案内した", "次回は誕生会",
    "ふたごちゃんの親子が来てくれた", "転入してきた方が2組",
    "民生委員さんが顔を出してくれた", "おもちゃの消毒をした",
)
RAINY_NOTES = ("雨で少なめ", "雨のため室内で遊んだ", "雨で少なめ。ゆっくり話せた")
SATURDAY_NOTES = ("パパの参加が多かった", "きょうだいで来た親子が多かった")


@dataclass
class Session:
    site: Site
    day: date
    slot: str
    counts: dict[str, int]
    needs: list[str]
    notes: str | None
    authors: list[Author]

    @property
    def record_id(self) -> str:
        return visit_record_id(str(self.site.id), self.day.isoformat(), self.slot)

    @property
    def ends(self) -> datetime:
        closes = self.site.closes_at or time(12)
        if self.slot == "am":
            closes = min(closes, time(12))
        return datetime.combine(self.day, closes, JAPAN)


def _binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(n))


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _slots(site: Site) -> tuple[str, ...]:
    if site.kind == "hub":
        return ("am", "pm")
    closes = site.closes_at or time(12)
    return ("am",) if closes <= time(12, 30) else ("day",)


def tally(rng: random.Random, site: Site, slot: str, day: date, rainy: bool) -> dict[str, int]:
    """What one session's logs add up to, as counters (zeros left out, as a phone does)."""
    low, high = SESSION_SIZE[site.kind][slot]
    parents = rng.randint(low, high)
    if rainy:
        parents = max(1, round(parents * 0.6))
    children = parents + _binomial(rng, parents, 0.25)  # some bring a brother or sister
    bands = rng.choices(("children_0", "children_1", "children_2", "children_3plus"),
                        AGE_WEIGHTS[site.kind], k=children)
    out_of_ward = _binomial(rng, parents, 0.08)
    counts = {band: bands.count(band) for band in VISITOR_COUNTERS if band.startswith("child")}
    counts |= {
        "parents": parents,
        "fathers": _binomial(rng, parents, 0.25 if day.weekday() == 5 else 0.06),
        "grandparents": _binomial(rng, parents, 0.04),
        "expecting_parents": _binomial(rng, parents, 0.05 if site.kind == "hub" else 0.015),
        "first_time": _binomial(rng, parents, 0.12),
        "in_ward": parents - out_of_ward,
        "out_of_ward": out_of_ward,
    }
    share = 0.2 if site.kind in ("salon", "supporter_program") else 0.1
    for _ in range(_binomial(rng, parents, share)):
        name = (f"consultation_{_weighted(rng, TOPIC_WEIGHTS)}_"
                f"{_weighted(rng, ANSWER_WEIGHTS)}")
        counts[name] = counts.get(name, 0) + 1
    if rng.random() < 0.015:
        counts["connected_to_ward_count"] = 1
    return {name: value for name, value in counts.items() if value}


def plan_sessions(rng: random.Random, sites: list[Site], today: date,
                  authors_of: dict[int, list[Author]]) -> list[Session]:
    """Every session of the last ``DAYS`` days before ``today`` at the sites that have an
    author, with its counts, wishes noticed and an occasional note."""
    days = [today - timedelta(days=n) for n in range(DAYS, 0, -1)]
    rainy = {day: rng.random() < 0.15 for day in days}  # one ward, one weather
    sessions = []
    for day in days:
        for site in sites:
            if not authors_of.get(site.id) or not is_open(site, day, rainy[day]):
                continue
            for slot in _slots(site):
                counts = tally(rng, site, slot, day, rainy[day])
                needs = sorted(rng.sample(FEATURE_TAGS, rng.choice((0, 0, 0, 1, 1, 2))))
                notes = None
                if rainy[day] and rng.random() < 0.4:
                    notes = rng.choice(RAINY_NOTES)
                elif day.weekday() == 5 and rng.random() < 0.3:
                    notes = rng.choice(SATURDAY_NOTES)
                elif rng.random() < 0.12:
                    notes = rng.choice(NOTES)
                writers = authors_of[site.id][:1]
                if len(authors_of[site.id]) > 1 and rng.random() < 0.35:
                    writers.append(rng.choice(authors_of[site.id][1:]))
                sessions.append(Session(site, day, slot, counts, needs, notes, writers))
    return sessions


def queue_session(rng: random.Random, outbox: Outbox, session: Session) -> None:
    """The session's log as its authors' phones send it: with two, each counted the
    families they greeted, and the record adds up their shares."""
    shares = [dict(session.counts)]
    if len(session.authors) > 1:
        second = {name: _binomial(rng, value, 0.4) for name, value in session.counts.items()}
        shares = [{name: value - second[name] for name, value in session.counts.items()},
                  second]
    named = {"site_id": str(session.site.id), "session_date": session.day.isoformat(),
             "session": session.slot}
    for index, (author, share) in enumerate(zip(session.authors, shares, strict=True)):
        changes: dict[str, Any] = {**named, **{k: v for k, v in share.items() if v}}
        if index == 0:
            if session.needs:
                changes["needs"] = {"add": session.needs}
            if session.notes:
                changes["notes"] = session.notes
        device = 1 if len(author.nodes) > 1 and rng.random() < 0.3 else 0
        outbox.add(author, session.ends + timedelta(minutes=rng.randint(5, 120)), "visit",
                   session.record_id, changes, device=device)


# --- outreach -----------------------------------------------------------------------------

SUMMARIES = {
    "public_health_nurse": (
        "離乳食の進め方についての質問が多く、一人ずつ答えた。",
        "1歳6か月健診の流れを説明し、持ち物を案内した。",
        "寝かしつけの工夫をみんなで話し合った。先輩ママの話が好評だった。",
    ),
    "nursery_teacher": (
        "保育園の入園手続きと一時保育の使い方を説明した。",
        "手遊びを一緒にした後、ことばの発達について話した。",
        "イヤイヤ期の関わり方について、保育園での工夫を紹介した。",
        "近くの公園と子育てひろばの場所を地図で紹介した。",
    ),
}
FOLLOW_UPS = (
    "次回のサロンで離乳食のレシピを配る",
    "保育園の見学日程を拠点の掲示板で知らせる",
    "園庭開放の案内をサロンに届ける",
    "健診の日程表を次回持参する",
)
# (visiting login, the visiting site's index in that login's sites, own role, partner
# login or None, partner role, how many visits)
OUTREACH_TEAMS = (
    ("nurse", 0, "public_health_nurse", "hub", "parenting_partner", 4),
    ("nursery", 0, "nursery_teacher", "hoikuen", "nursery_teacher", 3),
    ("nursery", 0, "nursery_teacher", None, None, 2),
    ("hoikuen", 3, "nursery_teacher", None, None, 3),
    ("nurse", 1, "public_health_nurse", None, None, 2),
)


def queue_outreach(rng: random.Random, outbox: Outbox, sessions: list[Session],
                   authors: dict[str, Author], sites_of: dict[str, list[Site]]) -> int:
    """Nursery teachers and public health nurses visiting salons; with a partner, each
    writes their own part of the one record. Returns how many visits were queued."""
    salon_days = [s for s in sessions if s.site.kind == "salon"]
    chosen = rng.sample(salon_days, sum(team[-1] for team in OUTREACH_TEAMS))
    chosen.sort(key=lambda s: (s.day, s.site.id))
    teams = [team for team in OUTREACH_TEAMS for _ in range(team[-1])]
    rng.shuffle(teams)
    for salon, (login, site_index, role, partner, partner_role, _n) in zip(
            chosen, teams, strict=True):
        visiting = sites_of[login][site_index]
        record_id = outreach_record_id(str(salon.site.id), salon.day.isoformat(),
                                       str(visiting.id))
        went = {f"went_{role}": 1}
        if login == "nurse" and partner is None:
            went["went_nutritionist"] = 1
        main = {
            **went,
            "parents": salon.counts.get("parents", 0),
            "children": sum(v for k, v in salon.counts.items() if k.startswith("children_")),
            "met_supporter": rng.randint(1, 2),
            "met_welfare_commissioner": rng.randint(0, 1),
            "met_chief_child_commissioner": rng.randint(0, 1),
            "met_neighborhood_assoc": rng.randint(0, 1),
            "topics": {"add": sorted(rng.sample(OUTREACH_TOPICS[:-1], rng.randint(2, 3)))},
            "summary": rng.choice(SUMMARIES[role]),
        }
        main = {k: v for k, v in main.items() if v != 0}
        outbox.add(authors[login], salon.ends + timedelta(hours=rng.randint(2, 6)), "outreach",
                   record_id, main)
        if partner is None:
            continue
        part: dict[str, Any] = {f"went_{partner_role}": 1,
                                "topics": {"add": sorted(rng.sample(OUTREACH_TOPICS, 2))}}
        if rng.random() < 0.7:
            part |= {"follow_up": rng.choice(FOLLOW_UPS), "follow_up_site_id": str(visiting.id),
                     "follow_up_by": (salon.day + timedelta(days=rng.randint(14, 30))).isoformat()}
        # The partner's phone was offline: it writes without having seen the other part.
        outbox.add(authors[partner], salon.ends + timedelta(hours=rng.randint(7, 9)),
                   "outreach", record_id, part)
    return len(chosen)


# --- introduction cards -------------------------------------------------------------------

MESSAGES = (
    "同じくらいの月齢のお子さんが多い広場です。気軽にのぞいてみてください。",
    "園庭で思いきり遊べます。帽子と飲み物を持って行ってください。",
    "子育てパートナーさんに、保育園のことを相談できます。",
    "土曜日はパパと一緒の親子も多いです。",
    "離乳食の講座があります。申込みは受付で。",
)
# Which demo login's phone confirms an arrival at a target site of each kind.
ARRIVAL_STAFF = {"hub": "hub", "tsudoi_hiroba": "hiroba", "kindergarten_hamakko": "youchien"}


@dataclass
class CardPlan:
    status: str
    issued: date
    planned: date | None
    opened: bool = False
    arrival_at_desk: bool = False


def card_plans(rng: random.Random, today: date, *, grace: int, expire: int
               ) -> list[CardPlan]:
    """Cards in every state, dated so that each is what the timers make of it today."""
    plans = []
    for n in range(8):
        issued = today - timedelta(days=rng.randint(12, 80))
        plans.append(CardPlan("arrived", issued, issued + timedelta(days=rng.randint(2, 10)),
                              opened=n % 3 == 0, arrival_at_desk=n % 2 == 1))
    for n in range(4):
        planned = today - timedelta(days=rng.randint(grace + 1, 60))
        plans.append(CardPlan("expired", planned - timedelta(days=rng.randint(2, 8)), planned,
                              opened=n % 2 == 0))
    plans.append(CardPlan("expired", today - timedelta(days=expire + rng.randint(1, 30)), None))
    for _ in range(4):
        issued = today - timedelta(days=rng.randint(3, 40))
        plans.append(CardPlan("cancelled", issued, issued + timedelta(days=rng.randint(3, 10))))
    for _ in range(5):
        plans.append(CardPlan("opened", today - timedelta(days=rng.randint(0, 6)),
                              today + timedelta(days=rng.randint(1, 14)), opened=True))
    for _ in range(2):  # the evening notice: 「明日 2組 来所予定」
        plans.append(CardPlan("issued", today - timedelta(days=rng.randint(1, 5)),
                              today + timedelta(days=1)))
    for _ in range(2):
        plans.append(CardPlan("issued", today - timedelta(days=rng.randint(0, 4)),
                              today + timedelta(days=rng.randint(2, 20))))
    waited = today - timedelta(days=rng.randint(1, grace))
    plans.append(CardPlan("issued", waited - timedelta(days=3), waited))
    for _ in range(2):
        plans.append(CardPlan("issued", today - timedelta(days=rng.randint(0, expire - 5)),
                              None))
    return plans


def mint_demo_tokens(rng: random.Random, site: Site, count: int, user: User) -> list[str]:
    """Tokens for a site, with short codes drawn from the demo's seed so that the cards'
    record ids are the same in every build (the secrets stay random)."""
    return [row.short_code for row, _secret in tokens.mint(site.id, count, user_id=user.id,
                                                            choose=rng.choice)]


def queue_cards(rng: random.Random, outbox: Outbox, today: date, now: datetime,
                authors: dict[str, Author], sites_of: dict[str, list[Site]]
                ) -> list[tuple[str, CardPlan, Author]]:
    """Issue the planned cards from volunteers' and staff's phones, between sites of
    different kinds, and queue the cancellations and the arrivals confirmed by phone.
    Returns ``(code, plan, target staff)`` for the server's writes that follow."""
    config = current_app.config
    issuers = [("volunteer", site) for site in sites_of["volunteer"]] + [
        ("salon", sites_of["salon"][5]), ("salon", sites_of["salon"][12]),
        ("supporter", sites_of["supporter"][3]), ("hub", sites_of["hub"][0]),
        ("hiroba", sites_of["hiroba"][1])]
    targets = ([(site, "hub") for site in sites_of["hub"]]
               + [(sites_of["nursery"][0], "nursery")]
               + [(site, "hoikuen") for site in sites_of["hoikuen"][1:4]]
               + [(site, ARRIVAL_STAFF[site.kind])
                  for kind in ("tsudoi_hiroba", "kindergarten_hamakko")
                  for site in sites_of[ARRIVAL_STAFF[kind]][:2]])
    plans = card_plans(rng, today, grace=config["CARD_GRACE_DAYS"],
                       expire=config["CARD_EXPIRE_DAYS"])
    picked = [(rng.choice(issuers), plan) for plan in plans]
    codes: dict[tuple[str, int], list[str]] = {}
    for (login, site), _plan in picked:
        codes.setdefault((login, site.id), [])
    for (login, site_id), pool in codes.items():
        site = next(s for s in sites_of[login] if s.id == site_id)
        pool += mint_demo_tokens(rng, site, SPARE_TOKENS + sum(
            1 for (lg, s), _p in picked if (lg, s.id) == (login, site_id)),
            authors[login].user)
    db.session.commit()
    issued = []
    latest = now - timedelta(minutes=10)
    for (login, site), plan in picked:
        target, staff = rng.choice([t for t in targets if t[0].kind != site.kind])
        code = codes[(login, site.id)].pop(0)
        card: dict[str, Any] = {
            "status": "issued", "issued_on": plan.issued.isoformat(),
            "issuing_site_id": str(site.id), "target_site_id": str(target.id),
            "message": rng.choice(MESSAGES),
            # Taken in turn, not drawn: the demo's other random choices stay as they were.
            "child_age": CHILD_AGE_BANDS[len(issued) % len(CHILD_AGE_BANDS)],
        }
        if plan.planned is not None:
            card["planned_date"] = plan.planned.isoformat()
        if target.contacts and rng.random() < 0.6:
            card["ask_for"] = target.contacts[0].display_name
        if target.programmes and rng.random() < 0.5:
            card["programme_id"] = str(target.programmes[0].id)
        wishes = sorted(rng.sample(target.tag_codes, min(len(target.tag_codes),
                                                         rng.randint(1, 2))))
        if wishes:
            card["wishes"] = {"add": wishes}
        issued_at = min(_at(plan.issued, 11, rng.randint(0, 59)), latest)
        outbox.add(authors[login], issued_at, "card", code, card)
        if plan.status == "cancelled":
            outbox.add(authors[login], min(issued_at + timedelta(days=rng.randint(1, 2)), latest),
                       "card", code, {"status": "cancelled"}, stage=1, base_version=1)
        elif plan.status == "arrived" and not plan.arrival_at_desk:
            outbox.add(authors[staff], _at(plan.planned, 10, rng.randint(5, 50)), "card", code,
                       {"status": "arrived"}, stage=1, base_version=1)
        issued.append((code, plan, authors[staff]))
    return issued


def write_card_outcomes(rng: random.Random, cards: list[tuple[str, CardPlan, Author]]) -> None:
    """What the server itself writes after the phones' last sync: staff confirm arrivals
    at the desk, the timer expires what is past its time."""
    for code, plan, staff in cards:
        if plan.status == "arrived" and plan.arrival_at_desk:
            confirm_arrival(staff.user, code, uuid.UUID(new_uuid(rng)))
    db.session.commit()
    for code, plan, _staff in cards:
        if plan.status == "expired":
            expiry.expire_card(code, now_ms())


# --- the whole story ----------------------------------------------------------------------


def _authors(rng: random.Random, memberships: dict[str, list[Site]]) -> dict[str, Author]:
    users = {u.login: u for u in db.session.scalars(
        select(User).where(User.login.in_(memberships)))}
    authors = {}
    for login in sorted(memberships):
        phones = 2 if login == "hub" else 1  # the hub's desk PC and its phone
        # Shorter than the phone app's ``phone-<uuid>``: a conflict's clock is stored in
        # ``sync_conflict.hlc``, 60 characters wide, and 15 + 6 + 2 + 42 would not fit
        # there on PostgreSQL.
        nodes = [f"phone-{rng.getrandbits(48):012x}" for _ in range(phones)]
        authors[login] = Author(users[login], nodes)
    return authors


def _authors_of(sites: Iterable[Site], memberships: dict[str, list[Site]],
                authors: dict[str, Author]) -> dict[int, list[Author]]:
    """Who logs each site's sessions, the one closest to it first (fewest sites)."""
    found: dict[int, list[Author]] = {}
    for site in sites:
        logins = sorted((login for login, members in memberships.items() if site in members),
                        key=lambda login: (len(memberships[login]), login))
        found[site.id] = [authors[login] for login in logins]
    return found


def write_activity(sites: list[Site], today: date) -> dict[str, int]:
    """Write the ward's last ``DAYS`` days as its people and the server would have.
    Returns how many of each thing were written.

    :raise RuntimeError: an op other than the one meant for the quarantine was refused
        (the demo and the sync rules disagree).
    """
    from .build import demo_memberships

    rng = random.Random(SEED)
    memberships = demo_memberships(sites)
    authors = _authors(rng, memberships)
    now = now_utc().astimezone(JAPAN)
    outbox = Outbox(rng)

    sessions = plan_sessions(rng, sites, today, _authors_of(sites, memberships, authors))
    # Two people wrote a note for the same hub session on two devices, each offline.
    hub_site = memberships["hub"][0]
    disputed = next(s for s in reversed(sessions) if s.site == hub_site and s.slot == "pm"
                    and s.day <= today - timedelta(days=2))
    disputed.notes = None
    for session in sessions:
        queue_session(rng, outbox, session)
    outbox.add(authors["hub"], disputed.ends + timedelta(minutes=40), "visit",
               disputed.record_id, {"notes": "午後は少なめ。ゆっくり話せた"}, device=1)
    outbox.add(authors["nurse"], disputed.ends + timedelta(minutes=55), "visit",
               disputed.record_id, {"notes": "午後は少なめ。新しい親子が2組"})
    outreach = queue_outreach(rng, outbox, sessions, authors, memberships)
    cards = queue_cards(rng, outbox, today, now, authors, memberships)
    # An old phone sent a count below zero: refused whole, kept for hub staff to look at.
    own = next(s for s in reversed(sessions) if s.site == memberships["volunteer"][0])
    bad_op = outbox.add(authors["volunteer"], own.ends + timedelta(minutes=30), "visit",
                        own.record_id, {"parents": -1}, stage=1)

    # The phones sync; families open their cards' pages; phones sync again (cancellations,
    # arrivals); then the desk and the timer.
    answers = outbox.push(stage=0)
    opened = [code for code, plan, _staff in cards if plan.opened]
    for code in opened:
        public.mark_opened(code, {"status": "issued"})
    answers += outbox.push(stage=1)
    refused = [a for a in answers if a["status"] == Status.REJECTED and a["op_id"] != bad_op]
    if refused or not any(a["op_id"] == bad_op for a in answers):
        raise RuntimeError(f"demo ops refused: {refused[:3]}")
    write_card_outcomes(rng, cards)
    raise_review(rng, authors["hub"], own)
    return {"sessions": len(sessions), "outreach": outreach, "cards": len(cards),
            "ops": len(answers), "reviews": 1}


def raise_review(rng: random.Random, hub: Author, session: Session) -> None:
    """Hub staff ask the volunteer about a session log from the desk: an open review mark
    (「要確認」) on it, written as the hub's op, which the volunteer's phone pulls.

    :raise RuntimeError: the mark was refused (the demo and the sync rules disagree).
    """
    db.session.commit()
    result = writes.write_as_user(
        "review", new_uuid(rng), {
            "site_id": str(session.site.id), "target_collection": "visit",
            "target_record_id": session.record_id, "status": "open",
            "comment": "来場者数が前回より多いようです。午前の数をご確認ください。"},
        op_id=new_uuid(rng), author=str(hub.user.id), scope=write_scope(hub.user))
    if result.status is not Status.APPLIED:
        raise RuntimeError(f"demo review mark refused: {result.to_dict()}")
