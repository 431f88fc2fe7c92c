"""A ward's synced session logs and outreach records as table rows, filtered as on the desk.

Rows come newest date first, as the desk lists them, read page by page with the desk's
own keyset query (``hub.queries.desk_page``), so the records' JSON is held one page at a
time while the file is written. Deleted records are left out. A file holds at most
``MAX_ROWS`` records of its format (a year of a ward of 60 sites is about 10,000 session
logs): more is refused, with a count, before anything is read. The bound of an XLSX is
lower: openpyxl writes about 1,500 rows of 50 columns a second on a busy machine, and a
request must end well within the server's 60 s; a CSV of 50,000 rows takes about 1 s.
"""

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from sync.collections import (
    CONSULTATION_ANSWERS,
    VISITOR_COUNTERS,
    parse_outreach_record_id,
    parse_visit_record_id,
)
from sync.vocabulary import (
    CONSULTATION_TOPICS,
    FEATURE_TAGS,
    LOCAL_PEOPLE_ROLES,
    OUTREACH_ROLES,
    OUTREACH_TOPICS,
)

from ..directory.models import Ward
from ..errors import ApiError
from ..hub import queries
from ..hub.queries import DeskFilter
from . import labels
from .labels import word

MAX_ROWS = {"csv": 50_000, "xlsx": 20_000}
_PAGE = 500


def desk_filter(query: Mapping[str, Any]) -> DeskFilter:
    """The desk's filter of an export's query, deleted records left out."""
    return DeskFilter(start=query.get("start"), end=query.get("end"),
                      area_id=query.get("area"), kind=query.get("kind"),
                      site_id=query.get("site"), author=query.get("author"), live_only=True)


def counted(collection: str, ward: Ward, where: DeskFilter, fmt: str) -> int:
    """How many records the export holds.

    :raise 422: more than ``MAX_ROWS[fmt]`` (``from`` is named: a later start narrows it).
    """
    count, limit = queries.desk_count(collection, ward.id, where), MAX_ROWS[fmt]
    if count > limit:
        raise ApiError(422, "too_many_rows",
                       f"{count} 件あります。期間を短くしてください / {count} records: at "
                       f"most {limit} in one {fmt} file, choose a shorter period.",
                       {"from": [f"the filters match {count} records, more than {limit}"]})
    return count


def _pages(collection: str, ward: Ward, where: DeskFilter) -> Iterator:
    while True:
        rows = queries.desk_page(collection, ward.id, where, _PAGE)
        yield from rows
        if len(rows) < _PAGE:
            return
        where = replace(where, after=(rows[-1].day, rows[-1].record_id))


def _joined(codes, key: str) -> str:
    return "、".join(labels.PHONE_WORDS.get(f"{key}.{code}", str(code)) for code in codes)


# --- session logs ----------------------------------------------------------------------------

_CONSULTATIONS = tuple((topic, answer) for topic in CONSULTATION_TOPICS
                       for answer in CONSULTATION_ANSWERS)
VISIT_HEADER = (
    labels.DATE, labels.SESSION, labels.SITE, labels.SITE_ID, labels.KIND, labels.AREA,
    *(word(f"counter.{name}") for name in VISITOR_COUNTERS),
    word("counter.connected_to_ward_count"),
    *(f"相談 {word(f'topic.{topic}')}（{word(f'answer.{answer}')}）"
      for topic, answer in _CONSULTATIONS),
    labels.NEEDS, labels.NOTES, labels.RECORD_ID,
)
VISIT_WIDTHS = (11, 6, 24, 8, 16, 10, *([8] * (len(VISIT_HEADER) - 9)), 24, 40, 24)


def visit_rows(ward: Ward, where: DeskFilter) -> Iterator[list]:
    for row in _pages("visit", ward, where):
        data = json.loads(row.data_json)
        slot = (parse_visit_record_id(row.record_id) or {}).get("session", "")
        needs = [tag for tag in FEATURE_TAGS if tag in (data.get("needs") or ())]
        yield [date.fromisoformat(row.day), labels.session_name(slot), row.site_name,
               row.site_number, labels.kind_name(row.site_kind), row.area_name,
               *(_count(data, name) for name in VISITOR_COUNTERS),
               _count(data, "connected_to_ward_count"),
               *(_count(data, f"consultation_{topic}_{answer}")
                 for topic, answer in _CONSULTATIONS),
               _joined(needs, "need"), data.get("notes"), row.record_id]


def _count(data: Mapping[str, Any], name: str) -> int:
    value = data.get(name)
    return value if type(value) is int else 0


# --- outreach ----------------------------------------------------------------------------------

OUTREACH_HEADER = (
    labels.VISIT_DATE, labels.VISITING_SITE, labels.SITE_ID, labels.KIND, labels.AREA,
    word("outreach.place"),
    *(f"{word('outreach.went')} {word(f'outreach.went_{role}')}" for role in OUTREACH_ROLES),
    word("outreach.parents"), word("outreach.children"),
    *(f"{word('outreach.met')} {word(f'outreach.met_{role}')}" for role in LOCAL_PEOPLE_ROLES),
    labels.TOPICS, word("outreach.follow_up_what"), word("outreach.follow_up_site"),
    word("outreach.follow_up_by"), word("outreach.summary"), labels.RECORD_ID,
)
OUTREACH_WIDTHS = (11, 24, 8, 16, 10, 24, *([8] * (len(OUTREACH_ROLES) + 2
                                                   + len(LOCAL_PEOPLE_ROLES))),
                   24, 30, 24, 11, 40, 24)


def outreach_rows(ward: Ward, where: DeskFilter) -> Iterator[list]:
    page: list = []
    for row in _pages("outreach", ward, where):
        page.append(row)
        if len(page) == _PAGE:
            yield from _outreach_page(page)
            page = []
    yield from _outreach_page(page)


def _outreach_page(rows: list) -> Iterator[list]:
    # The places visited and the sites that follow up, named with one query a page.
    records = [(row, json.loads(row.data_json)) for row in rows]
    places = {row.record_id: (parse_outreach_record_id(row.record_id) or {}).get(
        "place_site_id", "") for row in rows}
    follow = {data.get("follow_up_site_id") for _row, data in records}
    names = queries.site_names({site for site in (*places.values(), *follow)
                                if isinstance(site, str)})
    for row, data in records:
        place = places[row.record_id]
        follow_site = data.get("follow_up_site_id")
        topics = [topic for topic in OUTREACH_TOPICS if topic in (data.get("topics") or ())]
        yield [date.fromisoformat(row.day), row.site_name, row.site_number,
               labels.kind_name(row.site_kind), row.area_name, names.get(place, place),
               *(_count(data, f"went_{role}") for role in OUTREACH_ROLES),
               _count(data, "parents"), _count(data, "children"),
               *(_count(data, f"met_{role}") for role in LOCAL_PEOPLE_ROLES),
               _joined(topics, "outreach.topic"), data.get("follow_up"),
               names.get(follow_site, follow_site) if follow_site else None,
               data.get("follow_up_by"), data.get("summary"), row.record_id]
