"""A ward's figures for a period, in the one shape the API, the desk's charts and the
monthly report share (``compute``'s docstring lists it; ``schemas/figures.py`` on the wire).

Days are Asia/Tokyo calendar days as the records carry them: a session's ``session_date``,
an outreach visit's ``visit_date`` and a card's ``issued_on`` are local dates already, so
a session on the last day of a month counts in that month whatever the hour it was
synced. Every sum is made by the database (``queries.py``); this module only puts the
grouped rows in order, fills in the zeros and adds the period's monthly rows (at most 37)
into its totals.
"""

import calendar
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from sync.collections import CONSULTATION_ANSWERS
from sync.vocabulary import (
    CONSULTATION_TOPICS,
    FEATURE_TAGS,
    LOCAL_PEOPLE_ROLES,
    OUTREACH_ROLES,
    SITE_KINDS,
)

from ..directory.lookups import ward_by_code
from . import queries
from .queries import CHILDREN, Scope

TOTAL_KEYS = ("sessions", "days_open", "adults", "children", *CHILDREN, "expecting_parents",
              "fathers", "grandparents", "first_time", "in_ward", "out_of_ward", "worry")
_SUMMED = ("sessions", "days_open", "parents", *CHILDREN, "expecting_parents", "fathers",
           "grandparents", "first_time", "in_ward", "out_of_ward", "connected_to_ward_count")
_CONSULTATIONS = tuple((topic, answer, f"consultation_{topic}_{answer}")
                       for topic in CONSULTATION_TOPICS for answer in CONSULTATION_ANSWERS)
_KIND_ORDER = {kind: i for i, kind in enumerate(SITE_KINDS)}


def rate(arrived: int, issued: int) -> float | None:
    return arrived / issued if issued else None


def month_bounds(month: date) -> tuple[date, date]:
    """The first and last day of ``month``'s calendar month."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def months_before(first: date, count: int) -> date:
    """The first day of the month ``count`` months before ``first``'s."""
    index = first.year * 12 + first.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def is_one_month(start: date, end: date) -> bool:
    return start.day == 1 and (start, end) == month_bounds(start)


def _months(start: date, end: date) -> list[str]:
    months, first = [], start.replace(day=1)
    while first <= end:
        months.append(first.strftime("%Y-%m"))
        first = months_before(first, -1)
    return months


def _weeks(start: date, end: date) -> list[date]:
    monday = start - timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def _totals(rows: Iterable) -> dict[str, int]:
    """The totals of month rows of ``queries.visits_by_month``: sums of sums (a day open
    belongs to one month, so days open add up too)."""
    summed = dict.fromkeys(_SUMMED + tuple(name for *_, name in _CONSULTATIONS), 0)
    for row in rows:
        for name in summed:
            summed[name] += row._mapping[name]
    return summed


def _visible_totals(summed: Mapping[str, int]) -> dict[str, int]:
    children = {name: summed[name] for name in CHILDREN}
    return {"sessions": summed["sessions"], "days_open": summed["days_open"],
            "adults": summed["parents"], "children": sum(children.values()), **children,
            **{name: summed[name] for name in ("expecting_parents", "fathers", "grandparents",
                                               "first_time", "in_ward", "out_of_ward")},
            "worry": summed["connected_to_ward_count"]}


def months_totals(scope: Scope, first: date, last: date) -> dict[str, dict[str, int]]:
    """The totals of each calendar month from ``first``'s to ``last``'s (first days), by
    ``YYYY-MM``, zeros for a month without a session: one statement for them all."""
    rows = {row.month: row for row in
            queries.visits_by_month(scope, first, month_bounds(last)[1])}
    return {month: _visible_totals(_totals([rows[month]] if month in rows else []))
            for month in _months(first, last)}


def _comparison(scope: Scope, start: date) -> dict:
    last_year = start.replace(year=start.year - 1)
    before = months_totals(scope, months_before(start, 3), months_before(start, 1))
    then = months_totals(scope, last_year, last_year)
    return {"month": start.strftime("%Y-%m"),
            "last_year": {"month": last_year.strftime("%Y-%m"),
                          "totals": then[last_year.strftime("%Y-%m")]},
            "previous": [{"month": month, "totals": before[month]}
                         for month in sorted(before, reverse=True)]}


def _by_month(rows, start: date, end: date) -> list[dict]:
    found = {row.month: row for row in rows}
    keys = (*CHILDREN, "expecting_parents")
    return [{"month": month,
             **{key: found[month]._mapping[key] if month in found else 0 for key in keys},
             "adults": found[month].parents if month in found else 0}
            for month in _months(start, end)]


def _by_week(rows, scope: Scope, start: date, end: date) -> list[dict]:
    found = {(row.week, row.kind): row for row in rows}
    kinds = (scope.kind,) if scope.kind is not None else SITE_KINDS
    return [{"week": week.isoformat(), "kind": kind,
             **({"sessions": row.sessions, "adults": row.adults, "children": row.children}
                if (row := found.get((week, kind))) is not None
                else {"sessions": 0, "adults": 0, "children": 0})}
            for week in _weeks(start, end) for kind in kinds]


def _sites(sites, rows) -> list[dict]:
    found = {row.site_id: row for row in rows}
    listed = []
    for site in sorted(sites, key=lambda s: (_KIND_ORDER.get(s.kind, len(SITE_KINDS)),
                                             s.name, s.id)):
        row = found.get(site.id)
        listed.append({"site_id": site.id, "name": site.name, "kind": site.kind,
                       "area": site.area,
                       **{key: getattr(row, key) if row is not None else 0
                          for key in ("sessions", "days_open", "adults", "children")}})
    return listed


def _outreach(row) -> dict:
    return {"visits": row.visits,
            "by_role": {role: row._mapping[f"went_{role}"] for role in OUTREACH_ROLES},
            "parents": row.parents, "children": row.children,
            "met": {role: row._mapping[f"met_{role}"] for role in LOCAL_PEOPLE_ROLES}}


def _cards(scope: Scope, sites, start: date, end: date) -> dict:
    by_site = {row.issuing_site_id: row for row in queries.cards_by_site(scope, start, end)}
    counts = ("issued", "opened", "arrived", "expired", "cancelled")
    totals = {key: sum(getattr(row, key) for row in by_site.values()) for key in counts}
    site_rows = []
    for site in sorted(sites, key=lambda s: (s.name, s.id)):
        row = by_site.get(site.id)
        issued, opened, arrived = ((row.issued, row.opened, row.arrived) if row is not None
                                   else (0, 0, 0))
        site_rows.append({"site_id": site.id, "name": site.name, "issued": issued,
                          "opened": opened, "arrived": arrived,
                          "arrival_rate": rate(arrived, issued)})
    wishes = queries.cards_by_wish(scope, start, end)._mapping
    kinds = {(row.from_kind, row.to_kind): row
             for row in queries.card_kind_flows(scope, start, end)}
    kind_flows = []
    for from_kind in SITE_KINDS:
        for to_kind in SITE_KINDS:
            row = kinds.get((from_kind, to_kind))
            kind_flows.append({"from_kind": from_kind, "to_kind": to_kind,
                               "issued": row.issued if row is not None else 0,
                               "arrived": row.arrived if row is not None else 0})
    return {
        **totals, "arrival_rate": rate(totals["arrived"], totals["issued"]),
        "by_site": site_rows,
        "by_wish": [{"wish": wish, "issued": wishes[f"issued_{wish}"],
                     "arrived": wishes[f"arrived_{wish}"],
                     "arrival_rate": rate(wishes[f"arrived_{wish}"], wishes[f"issued_{wish}"])}
                    for wish in FEATURE_TAGS],
        "site_flows": [{"from_site_id": row.from_site_id, "to_site_id": row.to_site_id,
                        "issued": row.issued, "arrived": row.arrived}
                       for row in sorted(queries.card_site_flows(scope, start, end),
                                         key=lambda r: (r.from_site_id, r.to_site_id))],
        "kind_flows": kind_flows,
        "missing_kind_pairs": [[flow["from_kind"], flow["to_kind"]] for flow in kind_flows
                               if flow["issued"] == 0],
    }


def compute(ward_code: str, start: date, end: date, *, area: int | str | None = None,
            kind: str | None = None, site_id: int | None = None) -> dict:
    """The figures of ward ``ward_code`` from ``start`` to ``end`` (both included),
    narrowed to the sites of an area (its id), a kind or one site.

    Shape (every list sorted, zeros filled in; rates are ``arrived / issued`` or None):
    ``ward {code, name}, from, to, filters {area, kind, site_id}, totals, sites,
    by_week, by_month, consultations, outreach, cards, comparison`` (the last only when
    the period is one calendar month, else None); ``schemas/figures.py`` describes each
    field. ``sites`` and ``cards.by_site`` list every site counted, zeros included;
    ``by_week`` every week touching the period for every kind counted; ``by_month`` every
    month touching it.

    :raise 404: no such ward (``ApiError``).
    :raise ValueError: ``end`` is before ``start``, or ``area`` is not an id.
    """
    if end < start:
        raise ValueError("end is before start")
    area_id = None if area is None else int(area)
    ward = ward_by_code(ward_code)
    scope = Scope(ward.id, area_id, kind, site_id)
    months = queries.visits_by_month(scope, start, end)
    summed = _totals(months)
    sites = queries.scoped_sites(scope)
    return {
        "ward": {"code": ward.code, "name": ward.name_ja},
        "from": start.isoformat(), "to": end.isoformat(),
        "filters": {"area": area_id, "kind": kind, "site_id": site_id},
        "totals": _visible_totals(summed),
        "sites": _sites(sites, queries.visits_by_site(scope, start, end)),
        "by_week": _by_week(queries.visits_by_week(scope, start, end), scope, start, end),
        "by_month": _by_month(months, start, end),
        "consultations": [{"topic": topic, "answer": answer, "count": summed[name]}
                          for topic, answer, name in _CONSULTATIONS],
        "outreach": _outreach(queries.outreach_totals(scope, start, end)),
        "cards": _cards(scope, sites, start, end),
        "comparison": _comparison(scope, start) if is_one_month(start, end) else None,
    }
