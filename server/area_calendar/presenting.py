"""What the calendar's templates show, already worded for the page's language: public
directory facts only (a site's published address and phone, never a person's)."""

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from sync.vocabulary import CHILD_AGE_BANDS, FEATURE_TAGS, SITE_KIND_NAMES, WEEKDAY_CODES

from ..cards.calendar import format_day, format_hours
from ..directory.models import Site, Ward
from ..public_pages import map_url
from .filters import Filters
from .labels import AGE_BANDS, WEEKDAYS, WISH_TAGS, target_ages, word
from .occurrences import Occurrence


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    selected: bool


def ward_name(ward: Ward, lang: str) -> str:
    return ward.name_en if lang == "en" else ward.name_ja


def choices(ward: Ward, filters: Filters, lang: str) -> dict[str, list[Choice]]:
    """The options of each filter, the chosen one marked."""
    return {
        "area": [Choice(str(area.id), area.name, area.id == filters.area) for area in ward.areas],
        "kind": [Choice(kind, word(SITE_KIND_NAMES[kind], lang), kind == filters.kind)
                 for kind in SITE_KIND_NAMES],
        "age": [Choice(band, word(AGE_BANDS[band], lang), band == filters.age)
                for band in CHILD_AGE_BANDS],
        "wish": [Choice(tag, word(WISH_TAGS[tag], lang), tag == filters.wish)
                 for tag in FEATURE_TAGS],
        "day": [Choice(code, word(WEEKDAYS[code], lang), code == filters.day)
                for code in WEEKDAY_CODES],
    }


def event_fields(event: Occurrence, lang: str) -> dict:
    programme, site = event.programme, event.site
    return {
        "hours": format_hours(programme.starts_at, programme.ends_at, lang),
        "title": programme.title,
        "booking_required": programme.booking_required,
        "ages": target_ages(programme.target_age_min_months,
                            programme.target_age_max_months, lang),
        "what_to_bring": programme.what_to_bring,
        "capacity": programme.capacity,
        "site": site_fields(site, lang),
    }


def site_fields(site: Site, lang: str) -> dict:
    return {
        "name": site.name,
        "kind": word(SITE_KIND_NAMES[site.kind], lang),
        "area": site.area.name if site.area else "",
        "address": " ".join(part for part in (site.address, site.address_extra) if part),
        "map_url": map_url(site),
        "phone": site.phone,
        "tel": re.sub(r"[^0-9+]", "", site.phone or ""),
    }


def days(events: list[Occurrence], lang: str, today: date) -> list[dict]:
    """The events grouped by day, in order."""
    grouped: list[dict] = []
    for event in events:
        if not grouped or grouped[-1]["date"] != event.day:
            grouped.append({"date": event.day, "label": format_day(event.day, lang, today),
                            "events": []})
        grouped[-1]["events"].append(event_fields(event, lang))
    return grouped


def href(path: str, keep: dict[str, str]) -> str:
    """A link to ``path`` with the parameters this page wrote, never the request's text."""
    return path + ("?" + urlencode(keep) if keep else "")


