"""``/calendar/<ward_code>``: the area calendar's page, its printable month and its feed.

Public, like the directory it reads: no account, no JavaScript, no cookies. Every answer
is HTML (or the feed) under a strict policy with no script source at all; the filter form
is a plain GET form back to the page itself, the only place a form may post to.
"""

from datetime import timedelta
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, url_for
from sqlalchemy import select

from .. import public_pages
from ..cards.calendar import format_day
from ..directory.models import Ward
from ..extensions import db, limiter
from ..public_pages import language
from ..timeutil import now_utc, today_local
from . import month, presenting
from .filters import Filters, read_filters
from .occurrences import occurrences, programmes

bp = Blueprint("area_calendar", __name__)

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
STYLESHEET = Path(__file__).resolve().parent.parent / "templates" / "calendar" / "calendar.css"
WINDOW_DAYS = 35  # five weeks from today
# The page and the month follow the day; the feed is fetched by calendar apps on a timer.
PAGE_CACHE = "public, max-age=300"
FEED_CACHE = "public, max-age=900"


def _rate_limit() -> str:
    return current_app.config["CALENDAR_RATE_LIMIT"]


_limited = limiter.shared_limit(_rate_limit, scope="area_calendar")


@bp.context_processor
def _wording() -> dict:
    lang = language()
    return {"lang": lang, "say": (lambda ja, en: en if lang == "en" else ja),
            "css_version": public_pages.stylesheet(STYLESHEET)[1]}


@bp.after_request
def _secure(response: Response) -> Response:
    return public_pages.secure(response, CSP)


@bp.errorhandler(429)
def _too_many(_error):
    return render_template("calendar/rate_limited.html"), 429


@bp.get("/calendar/<ward_code>")
@_limited
def page(ward_code: str):
    ward = _ward(ward_code)
    if ward is None:
        return _not_found()
    lang, today = language(), today_local()
    filters = read_filters(request.args, ward)
    end = today + timedelta(days=WINDOW_DAYS - 1)
    found = occurrences(ward, filters, today, end)
    html = render_template(
        "calendar/page.html", **_common(ward, filters, lang),
        days=presenting.days(found, lang, today),
        choices=presenting.choices(ward, filters, lang),
        filtered=bool(filters.query()),
        window=(format_day(today, lang, today), format_day(end, lang, today)),
        month_href=presenting.href(
            url_for(".month_page", ward_code=ward.code, month_text=f"{today:%Y-%m}"),
            _with_lang(filters.query(), lang)),
        feed_href=presenting.href(url_for(".feed_file", ward_code=ward.code),
                                  _feed_query(filters, lang)))
    return _cached(html, PAGE_CACHE)


@bp.get("/calendar/<ward_code>/month/<month_text>")
@_limited
def month_page(ward_code: str, month_text: str):
    ward = _ward(ward_code)
    first = month.parse_month(month_text)
    if ward is None or first is None:
        return _not_found()
    lang, today = language(), today_local()
    filters = read_filters(request.args, ward)
    found = occurrences(ward, filters, first, month.month_end(first))
    keep = _with_lang(filters.query(), lang)

    def month_href(moved):
        return moved and presenting.href(
            url_for(".month_page", ward_code=ward.code, month_text=f"{moved:%Y-%m}"), keep)

    html = render_template(
        "calendar/month.html", **_common(ward, filters, lang),
        first=first, weeks=month.weeks(first, found),
        event_fields=lambda event: presenting.event_fields(event, lang),
        today=today,
        previous_href=month_href(month.shift(first, -1)),
        next_href=month_href(month.shift(first, 1)),
        list_href=presenting.href(url_for(".page", ward_code=ward.code), keep))
    return _cached(html, PAGE_CACHE)


@bp.get("/calendar/<ward_code>.ics")
@_limited
def feed_file(ward_code: str):
    ward = _ward(ward_code)
    if ward is None:
        return _not_found()
    lang = language()
    # The feed is a ward's or one area's: other filters are the page's.
    filters = Filters(area=read_filters(request.args, ward).area)
    from . import feed  # icalendar only for a feed: a worker that never serves one stays small

    body = feed.feed(ward, programmes(ward, filters),
                     name=_title(ward, filters, lang), stamp=now_utc())
    response = Response(body, content_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": f'inline; filename="tsunagu-{ward.code}.ics"'})
    return _cached(response, FEED_CACHE)


@bp.get("/calendar/static/calendar.css")
def stylesheet():
    css, version = public_pages.stylesheet(STYLESHEET)
    response = Response(css, mimetype="text/css")
    if request.args.get("v") == version:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def _ward(code: str) -> Ward | None:
    return db.session.scalar(select(Ward).where(Ward.code == code))


def _not_found():
    return render_template("calendar/not_found.html"), 404


def _cached(body, policy: str) -> Response:
    response = body if isinstance(body, Response) else Response(body, mimetype="text/html")
    response.headers["Cache-Control"] = policy
    return response


def _with_lang(query: dict[str, str], lang: str) -> dict[str, str]:
    return {**query, "lang": "en"} if lang == "en" else dict(query)


def _feed_query(filters: Filters, lang: str) -> dict[str, str]:
    query = {"area": str(filters.area)} if filters.area is not None else {}
    return _with_lang(query, lang)


def _title(ward: Ward, filters: Filters, lang: str) -> str:
    area = next((a.name for a in ward.areas if a.id == filters.area), None)
    place = presenting.ward_name(ward, lang) + (f" {area}" if area else "")
    return f"{place}: child-rearing calendar" if lang == "en" else f"{place} 子育てカレンダー"


def _common(ward: Ward, filters: Filters, lang: str) -> dict:
    return {"ward": ward, "title": _title(ward, filters, lang),
            # Written out both ways: an empty link would keep the page's own ?lang=en.
            "switch_href": presenting.href(
                "", {**filters.query(), "lang": "ja" if lang == "en" else "en"})}
