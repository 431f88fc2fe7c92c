"""The parent's page of a card, ``/c/<token>``: server-rendered, no JavaScript, no account.

Whoever holds the paper card can open it, so it shows only what gets a family there (the
target site, the day, whom to ask, the supporter's note), never who issued the card.
Every answer here, errors included, is HTML under a strict policy and is never cached:
the secret is in the URL.
"""

import math
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for
from sqlalchemy import case, or_, select
from werkzeug.datastructures import MultiDict

from sync.collections import iso_date
from sync.errors import SyncError
from sync.protocol import Scope
from sync.vocabulary import SITE_KIND_NAMES

from .. import public_pages
from ..directory.lookups import as_site_id
from ..directory.models import Programme, Site
from ..directory.queries import occurrence_dates
from ..extensions import db, limiter
from ..public_pages import language, map_url
from ..replication import writes
from ..timeutil import now_utc, parse_day, today_local
from . import calendar, tokens
from .expiry import is_past_its_time
from .models import CardToken
from .records import card_data

bp = Blueprint("card_page", __name__)

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'")
STYLESHEET = Path(__file__).resolve().parent.parent / "templates" / "cards" / "card_page.css"
# The author of the "opened" write: nobody signed in, the family's own phone.
PAGE_AUTHOR = "card_page"
# Two first views at once write one op: the engine answers a repeated op id with its result.
OPENED_OPS = uuid.UUID("5d1f0c3e-2b8a-4e52-9a57-0c1a7f3b9e21")
NEARBY_COUNT = 3
EVENTS_DAYS = 28


def _rate_limit() -> str:
    return current_app.config["CARD_PAGE_RATE_LIMIT"]


# One bucket per address for the page and the .ics, so guessing tokens at either counts.
_limited = limiter.shared_limit(_rate_limit, scope="card_page")


@bp.context_processor
def _wording() -> dict:
    lang = language()
    return {"lang": lang, "say": (lambda ja, en: en if lang == "en" else ja),
            "css_version": public_pages.stylesheet(STYLESHEET)[1],
            "switch_href": switch_href({}, lang)}


def switch_href(keep: dict[str, str], lang: str) -> str:
    """The link to the page in the other language, keeping ``keep`` (parameters the page
    was built from, written again from what they named: never the request's own text)."""
    return "?" + urlencode({**keep, "lang": "ja" if lang == "en" else "en"})


@bp.after_request
def _secure(response: Response) -> Response:
    # A card's page is the family's alone: never indexed.
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return public_pages.secure(response, CSP)


@bp.errorhandler(429)
def _too_many(_error):
    return render_template("cards/rate_limited.html"), 429


@bp.get("/c/<token>")
@_limited
def page(token: str):
    found = _live_token(token)
    if found is None:
        return _not_found()
    card = card_data(found.short_code)
    lang, today = language(), today_local()
    if card is None:
        # The volunteer's phone may have had no signal: until the card's record arrives,
        # the public parts of the introduction in the URL stand in for it.
        told = introduction_in(request.args, today)
        if told is not None:
            return render_template("cards/page.html",
                                   **introduction_fields(found.short_code, told, lang, today))
    site = _target(card)
    if card is None or site is None:
        return render_template("cards/pending.html", ready=card is None,
                               **contact_fields(found.site, lang, today))
    html = render_template(
        "cards/page.html", **page_fields(
            found.short_code, card, site, today=today, lang=lang,
            expire_days=current_app.config["CARD_EXPIRE_DAYS"],
            grace_days=current_app.config["CARD_GRACE_DAYS"]),
        ics_url=url_for(".calendar_file", token=token, lang="en" if lang == "en" else None))
    # A link preview asks with HEAD; only a real view counts as the family opening it.
    if request.method == "GET":
        mark_opened(found.short_code, card)
    return html


@bp.get("/c/<token>/calendar.ics")
@_limited
def calendar_file(token: str):
    found = _live_token(token)
    card = card_data(found.short_code) if found else None
    site = _target(card)
    entry = site and calendar_entry(found.short_code, card, site, today=today_local(),
                                    lang=language(), stamp=now_utc())
    if not entry:
        return _not_found()
    return Response(entry, mimetype="text/calendar", headers={
        "Content-Disposition": 'attachment; filename="tsunagu-card.ics"'})


@bp.get("/c/static/card_page.css")
def stylesheet():
    css, version = public_pages.stylesheet(STYLESHEET)
    response = Response(css, mimetype="text/css")
    if request.args.get("v") == version:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def _not_found():
    return render_template("cards/not_found.html"), 404


# --- loading ----------------------------------------------------------------------------


def _live_token(token: str) -> CardToken | None:
    """The token's row. A voided token that no card uses is answered like a guess, so it
    reveals nothing; one a card came to use late (an old pool token, a paper card from a
    drawer) still opens that card."""
    row = tokens.by_token(token)
    if row is None or (row.voided_at is not None and card_data(row.short_code) is None):
        return None
    return row


def _target(card: dict | None) -> Site | None:
    """The card's target site; ``None`` also for a site that has left the directory, or
    a target that cannot be a site id (see ``directory.lookups.as_site_id``)."""
    target = as_site_id(card.get("target_site_id")) if card else None
    return None if target is None else db.session.get(Site, target)


@dataclass(frozen=True)
class Introduction:
    """What a phone puts in the card's URL when it issues the card (``?to=<site id>&on=
    <date>&p=<programme id>``): only facts the public directory already holds, so the
    page can show them before the record, with its personal parts, reaches the server."""

    site: Site
    planned: date | None = None
    programme: Programme | None = None

    def query(self) -> dict[str, str]:
        """The parameters as this page would write them, from what they named."""
        keep = {"to": str(self.site.id)}
        if self.planned is not None:
            keep["on"] = self.planned.isoformat()
        if self.programme is not None:
            keep["p"] = str(self.programme.id)
        return keep


def introduction_in(args: MultiDict, today: date) -> Introduction | None:
    """The introduction the URL names, or ``None`` when ``to`` names no listed site.

    Anyone can write a URL, so each part is only a key into the directory, never text to
    show: a repeated or malformed parameter counts as absent, a date before ``today`` is
    dropped (the plan has passed), and a programme counts only if it is the target site's.
    The target may be in any ward: the directory is public."""
    target = as_site_id(_one(args, "to"))
    site = None if target is None else db.session.get(Site, target)
    if site is None:
        return None
    day = _one(args, "on")
    planned = parse_day(day) if iso_date(day) is None else None
    # Matched as written against the site's own programmes, the way a record's
    # programme_id is, so the value never reaches the database.
    programme = _programme({"programme_id": _one(args, "p")}, site)
    return Introduction(site, planned if planned and planned >= today else None, programme)


def _one(args: MultiDict, name: str) -> str | None:
    """The parameter's value when it is given once; a repeated one is ambiguous."""
    values = args.getlist(name)
    return values[0] if len(values) == 1 else None


def nearby_sites(site: Site, count: int = NEARBY_COUNT) -> list[Site]:
    """Other sites of the same ward, nearest first when coordinates are known."""
    query = select(Site).where(Site.ward_id == site.ward_id, Site.id != site.id)
    if site.latitude is not None and site.longitude is not None:
        # Degrees of longitude shrink with latitude; within one ward this flat measure
        # orders sites as the map does.
        squash = math.cos(math.radians(site.latitude))
        d_lat = Site.latitude - site.latitude
        d_lon = (Site.longitude - site.longitude) * squash
        unknown = case((or_(Site.latitude.is_(None), Site.longitude.is_(None)), 1), else_=0)
        query = query.order_by(unknown, d_lat * d_lat + d_lon * d_lon)
    return list(db.session.scalars(query.order_by(Site.name, Site.id).limit(count)))


def mark_opened(short_code: str, card: dict) -> None:
    """Record that the family opened the card, on the first view only, so views do not
    bump the record's version (and every phone's pull) each time."""
    if card.get("status") != "issued":
        return
    # End the read first: the store writes on a connection of its own, and on SQLite an
    # open read snapshot here would stand in its way.
    db.session.commit()
    try:
        writes.write_as_server("card", short_code, {"status": "opened"},
                               op_id=str(uuid.uuid5(OPENED_OPS, short_code)),
                               author=PAGE_AUTHOR, scope=Scope.everywhere())
    except SyncError as error:
        # The family still needs the page; a missed "opened" only costs a figure.
        current_app.logger.warning("card %s: could not record opened: %s", short_code, error)


# --- what the templates show ----------------------------------------------------------------


def page_fields(short_code: str, card: dict, site: Site, *, today: date, lang: str,
                expire_days: int, grace_days: int) -> dict:
    """The card page's fields: only the target site's public facts and the card fields a
    family needs (date, programme, whom to ask, the message), already worded for ``lang``."""
    planned = parse_day(card.get("planned_date"))
    programme = _programme(card, site)
    visit = calendar.visit_for(planned, programme, site, today)
    state = _ended(card, today, expire_days, grace_days)
    # A cancelled introduction no longer expects the family: the page keeps the site's
    # public facts and how to call, not the welcome, the day, whom to ask or the desk. An
    # expired card keeps them: its arrival can still be confirmed at the desk.
    expected = state != "cancelled"
    day = planned if expected else None
    return {
        "code": _card_number(short_code),
        "state": state,
        "expected": expected,
        "site": site_fields(site, lang, today),
        "message": (card.get("message") or "") if expected else "",
        "ask_for": (card.get("ask_for") or "") if expected else "",
        "planned": calendar.format_day(day, lang, today) if day else None,
        "programme": _programme_fields(programme, day, lang, today) if programme else None,
        "events": _events(site, programme, lang, today),
        # An ended card's day is past or called off: a calendar entry for it would mislead.
        "calendar": visit is not None and state is None,
    }


def introduction_fields(short_code: str, told: Introduction, lang: str, today: date) -> dict:
    """The card page's fields for an introduction known only from its URL: the target
    site, the day and the programme as ``page_fields`` words them, no message or whom to
    ask (those arrive with the record), and no calendar file (it is made from the record)."""
    return {
        "code": _card_number(short_code),
        "state": None,
        "expected": True,
        "awaiting_record": True,
        "site": site_fields(told.site, lang, today),
        "message": "",
        "ask_for": "",
        "planned": calendar.format_day(told.planned, lang, today) if told.planned else None,
        "programme": (_programme_fields(told.programme, told.planned, lang, today)
                      if told.programme else None),
        "events": _events(told.site, told.programme, lang, today),
        "calendar": False,
        "switch_href": switch_href(told.query(), lang),
    }


def site_fields(site: Site, lang: str, today: date) -> dict:
    """A site's public directory facts, worded for ``lang``."""
    hours = calendar.format_hours(site.opens_at, site.closes_at, lang)
    return {
        "name": site.name,
        "kind": SITE_KIND_NAMES[site.kind][lang == "en"],
        "address": site.address,
        "address_extra": site.address_extra,
        "map_url": map_url(site),
        "phone": site.phone,
        "extension": site.extension,
        "tel": re.sub(r"[^0-9+]", "", site.phone),
        # Imported text: only web addresses become links, never javascript: or data:.
        "url": site.url if re.match(r"https?://", site.url or "") else "",
        "open_days": [f"{calendar.format_day(day, lang, today)} {hours}".strip()
                      for day in calendar.next_open_days(site, today)],
        "schedule_note": site.schedule_note,
    }


def contact_fields(site: Site, lang: str, today: date) -> dict:
    """The page for a card the server has not received yet: whom to call instead."""
    return {"site": site_fields(site, lang, today),
            "nearby": [site_fields(other, lang, today) for other in nearby_sites(site)]}


def calendar_entry(short_code: str, card: dict, site: Site, *, today: date, lang: str,
                   stamp: datetime) -> bytes | None:
    """The card's visit as an ``.ics``; ``None`` when no day can be named."""
    planned = parse_day(card.get("planned_date"))
    programme = _programme(card, site)
    visit = calendar.visit_for(planned, programme, site, today)
    if visit is None:
        return None
    en = lang == "en"
    summary = f"{site.name}: {visit.programme.title}" if visit.programme else site.name
    lines = [card.get("message") or ""]
    if card.get("ask_for"):
        lines.append(("Who to ask: " if en else "たずねる人：") + card["ask_for"])
    if visit.programme and visit.programme.what_to_bring:
        lines.append(("What to bring: " if en else "持ち物：") + visit.programme.what_to_bring)
    if visit.programme and visit.programme.booking_required:
        lines.append("Booking required" if en else "要予約")
    if site.phone:
        lines.append(("Phone: " if en else "電話：") + site.phone)
    geo = ((site.latitude, site.longitude)
           if site.latitude is not None and site.longitude is not None else None)
    return calendar.ics(
        visit, uid=f"card-{short_code}@tsunagu", summary=summary,
        location=f"{site.address} {site.address_extra}".strip(),
        description="\n".join(line for line in lines if line), geo=geo,
        cancelled=card.get("status") == "cancelled", stamp=stamp)


def _programme(card: dict, site: Site) -> Programme | None:
    """The card's programme, only if it is the target site's (a stale id shows nothing)."""
    return next((p for p in site.programmes if str(p.id) == card.get("programme_id")), None)


def _programme_fields(programme: Programme, planned: date | None, lang: str, today: date) -> dict:
    on_planned = planned is not None and calendar.takes_place(programme, planned)
    hours = calendar.format_hours(programme.starts_at, programme.ends_at, lang)
    return {
        "title": programme.title,
        "hours": hours,
        "booking_required": programme.booking_required,
        "what_to_bring": programme.what_to_bring,
        "on_planned": on_planned,
        "off_on_planned": planned is not None
        and planned.isoformat() in (programme.cancelled_dates or ()),
        "next": [] if on_planned else [
            f"{calendar.format_day(day, lang, today)} {hours}".strip()
            for day in calendar.next_dates(programme, today)],
    }


def _events(site: Site, programme: Programme | None, lang: str, today: date,
            count: int = 3) -> list[str]:
    """The site's other programmes in the coming weeks, soonest first."""
    end = today + timedelta(days=EVENTS_DAYS)
    found = sorted(((day, other.starts_at or datetime.min.time(), other.id, other)
                    for other in site.programmes if other is not programme
                    for day in occurrence_dates(other, today, end)), key=lambda e: e[:3])
    booking = "(booking required)" if lang == "en" else "（要予約）"
    return [" ".join(part for part in (
                calendar.format_day(day, lang, today),
                calendar.format_hours(other.starts_at, other.ends_at, lang),
                other.title, booking if other.booking_required else "") if part)
            for day, _start, _id, other in found[:count]]


def _ended(card: dict, today: date, expire_days: int, grace_days: int) -> str | None:
    """``cancelled`` or ``expired``; expired also when the expiry job has not run yet."""
    status = card.get("status")
    if status in {"cancelled", "expired"}:
        return status
    past = is_past_its_time(card, today, expire_days=expire_days, grace_days=grace_days)
    return "expired" if past else None


def _card_number(short_code: str) -> str:
    """The number as the paper card prints it, for the family to show at the desk."""
    return f"{short_code[:4]}-{short_code[4:]}"


