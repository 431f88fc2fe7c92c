"""The weekly digest for a ward's hub staff: what the last week brought and what waits.

Written on the first run from Monday 08:00 (Japan time) of each ISO week, for the seven
days before that Monday, one message per ward (key: the ISO week, ``2026-W49``).

Each section is a function ``(ward, start, end, now) -> dict`` of the week's first and
last day (both included) and the run's time; it returns counts and, where the desk lists
them, short rows (a phone's name, never family data). ``SECTIONS`` keeps their order.
"""

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, or_, select

from sync.protocol import Scope

from ..accounts.models import Device, User
from ..cards.figures import ward_figures
from ..directory.models import Site, Ward
from ..extensions import db
from ..hub import queries as hub_queries
from ..job_skips import Skips
from ..local_issues.queries import raised_between
from ..replication.writes import store
from ..timeutil import JAPAN
from .messages import add_message, existing_keys

KIND = "digest"
QUIET_DAYS = 30
"""A phone not seen for this long is listed: lost, broken, or its person has left."""
MOST_LISTED = 20


def japan_date(stored: datetime) -> date:
    """The Japan day of a stored (naive UTC) time."""
    return stored.replace(tzinfo=UTC).astimezone(JAPAN).date()


def week_key(monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _ward_scope(ward: Ward) -> Scope:
    sites = db.session.scalars(select(Site.id).where(Site.ward_id == ward.id))
    return Scope(frozenset(map(str, sites)), wards=frozenset({str(ward.id)}))


def cards(ward: Ward, start: date, end: date, _now: datetime) -> dict:
    """Introduction cards of the ward issued in the week, and how many of them arrived."""
    totals = ward_figures(ward, start, end)["totals"]
    return {"issued": totals["issued"], "arrived": totals["arrived"]}


def review_marks(ward: Ward, _start: date, _end: date, _now: datetime) -> dict:
    """The 要確認 marks of the ward's records still open, however old."""
    marks = hub_queries.review_marks(_ward_scope(ward).sites)
    return {"open": sum(1 for _id, deleted, data in marks
                        if not deleted and json.loads(data).get("status") == "open")}


def sync_waiting(ward: Ward, _start: date, _end: date, _now: datetime) -> dict:
    """Conflicts and quarantined ops of the ward's sites that no one has settled yet."""
    db.session.commit()  # the store reads on its own connection: end the session's first
    scope = _ward_scope(ward)
    return {"conflicts": len(store().list_conflicts(scope)),
            "quarantined": len(store().list_quarantine(scope, open_only=True))}


def quiet_phones(ward: Ward, _start: date, _end: date, now: datetime) -> dict:
    """Signed-in phones of the ward's people, neither revoked nor expired, not seen for
    ``QUIET_DAYS`` (one never seen counts from its sign-in)."""
    since = now - timedelta(days=QUIET_DAYS)
    rows = db.session.execute(
        select(Device.id, Device.name, User.display_name, Device.last_seen_at,
               Device.created_at)
        .join(User, User.id == Device.user_id)
        .where(User.ward_id == ward.id, Device.revoked_at.is_(None), Device.expires_at > now,
               or_(Device.last_seen_at < since,
                   and_(Device.last_seen_at.is_(None), Device.created_at < since)))
        .order_by(Device.last_seen_at, Device.id)).all()
    return {"count": len(rows),
            "phones": [{"id": device_id, "name": name, "user": user,
                        "last_seen_on": japan_date(seen or created).isoformat()}
                       for device_id, name, user, seen, created in rows[:MOST_LISTED]]}


def issues_raised(ward: Ward, start: date, end: date, _now: datetime) -> dict:
    """The regional issues supporters raised from their phones in the week."""
    raised = raised_between(ward.id, start, end)
    return {"count": len(raised), "titles": [issue["title"] for issue in raised[:MOST_LISTED]]}


SECTIONS: dict[str, Callable[[Ward, date, date, datetime], dict]] = {
    "issues_raised": issues_raised,
    "cards": cards,
    "review_marks": review_marks,
    "sync_waiting": sync_waiting,
    "quiet_phones": quiet_phones,
}


def add_digests(monday: date, created_at: datetime) -> dict:
    """Write the digest of the week before ``monday`` for every ward with a hub (at least
    one active hub staff account) that has none for that week. ``created_at`` is naive
    UTC, as stored. Returns ``{"week", "digests": [ward code…], "message_ids"}`` and
    ``"skipped"`` for a ward or section that failed (the ward's digest then says so)."""
    skips = Skips("weekly_digest")
    key = week_key(monday)
    start, end = monday - timedelta(days=7), monday - timedelta(days=1)
    known = existing_keys(KIND)
    wards = list(db.session.scalars(
        select(Ward).where(Ward.id.in_(select(User.ward_id).where(
            User.role == "hub_staff", User.active.is_(True)))).order_by(Ward.code)))
    written, ids = [], []
    for ward in wards:
        if (ward.id, key) in known:
            continue
        body: dict = {"week": key, "from": start.isoformat(), "to": end.isoformat(),
                      "sections": {}, "failed": []}
        for name, section in SECTIONS.items():
            with skips.item(f"{ward.code}/{name}"):
                body["sections"][name] = section(ward, start, end, created_at)
            if name not in body["sections"]:
                body["failed"].append(name)
        with skips.item(f"ward/{ward.code}", writes=True):
            ids.append(add_message(ward.id, KIND, key, body, created_at).id)
            written.append(ward.code)
    db.session.commit()
    return skips.noted_in({"week": key, "digests": written, "message_ids": ids})
