"""A site's inbox: the evening notice of families expected tomorrow, and who reads it.

A notice stores counts and card references only (short code, programme, whom to ask),
never the card's free-text message; the reader words it (「明日 2組 来所予定」).
"""

import json
from datetime import date, datetime

from sqlalchemy import select

from ..accounts.models import User
from ..directory.lookups import as_site_id
from ..directory.models import Site
from ..extensions import db
from ..job_skips import Skips
from ..replication.scope import read_scope
from .expiry import LIVE
from .models import Notice
from .records import all_cards

EXPECTED_TOMORROW = "expected_tomorrow"
MOST_NOTICES = 50


def expected_on(cards: list[tuple[str, dict]], day: date, skips: Skips
                ) -> dict[int, list[dict]]:
    """Cards still on their way (issued or opened) planned for ``day``, by target site.

    A target that cannot be a site id (the card field takes any identifier, see
    ``directory.lookups.as_site_id``) is left out: it has no inbox. A card that cannot be read is
    reported to ``skips`` and left out.
    """
    wanted = day.isoformat()
    by_site: dict[int, list[dict]] = {}
    for code, card in cards:
        with skips.item(f"card/{code}"):
            target = as_site_id(card.get("target_site_id"))
            if (card.get("status") not in LIVE or card.get("planned_date") != wanted
                    or target is None):
                continue
            by_site.setdefault(target, []).append({
                "short_code": code, "programme_id": card.get("programme_id"),
                "ask_for": card.get("ask_for")})
    for summaries in by_site.values():
        summaries.sort(key=lambda summary: summary["short_code"])
    return by_site


def add_expected_tomorrow(tomorrow: date, created_at: datetime) -> dict:
    """Add one ``expected_tomorrow`` notice per target site with cards planned for
    ``tomorrow``; a site that has that day's notice already keeps it unchanged. Returns
    ``{"day", "notices": {site_id: count}}`` for the notices added, and ``"skipped"``
    when a card or a site could not be handled (see ``job_skips.Skips``); the others
    still get theirs."""
    skips = Skips("evening_notice")
    by_site = expected_on(all_cards(skips), tomorrow, skips)
    sites = set(db.session.scalars(select(Site.id).where(Site.id.in_(list(by_site)))))
    noticed = set(db.session.scalars(select(Notice.site_id).where(
        Notice.kind == EXPECTED_TOMORROW, Notice.day == tomorrow)))
    added = {}
    for site_id in sorted(sites - noticed):
        with skips.item(f"site/{site_id}", writes=True):
            add_notice(site_id, tomorrow, created_at, by_site[site_id])
            added[str(site_id)] = len(by_site[site_id])
    db.session.commit()
    return skips.noted_in({"day": tomorrow.isoformat(), "notices": added})


def add_notice(site_id: int, tomorrow: date, created_at: datetime, cards: list[dict]) -> None:
    """Write the ``expected_tomorrow`` notice of one site (flushed, not committed)."""
    db.session.add(Notice(site_id=site_id, kind=EXPECTED_TOMORROW, day=tomorrow,
                          created_at=created_at,
                          body_json=json.dumps({"count": len(cards), "cards": cards},
                                               ensure_ascii=False)))
    db.session.flush()


def notices_for(user: User) -> list[dict]:
    """The newest notices (at most ``MOST_NOTICES``) of the sites ``user`` may read."""
    scope = read_scope(user)
    query = (select(Notice, Site.name).join(Site, Site.id == Notice.site_id)
             .order_by(Notice.day.desc(), Notice.created_at.desc(), Notice.id.desc())
             .limit(MOST_NOTICES))
    if scope.sites is not None:
        query = query.where(Notice.site_id.in_(sorted(int(s) for s in scope.sites)))
    notices = []
    for notice, site_name in db.session.execute(query):
        body = json.loads(notice.body_json)
        notices.append({"id": notice.id, "site_id": notice.site_id, "site_name": site_name,
                        "kind": notice.kind, "day": notice.day,
                        "count": body.get("count", 0), "cards": body.get("cards", [])})
    return notices
