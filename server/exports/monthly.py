"""The monthly report's tables, written from the ward figures (``server.figures.compute``).

Every sheet has the same columns, one row per line of the report:

- the ward sheet (区全体): a row per site kind, then the ward's total row;
- a sheet per site kind (in vocabulary order, every kind, even one with no site): a row
  per site of that kind in the ward (active or not, so a site that reported nothing shows
  as zeros), then the kind's total row.

A kind's row is the sum of its sites' rows: every record belongs to one site, and a day
open is a (site, date) pair, so summing loses nothing. The ward's total row is the ward's
own figures; it equals the sum of the kinds (the tests hold it to that).

This module is pure: figures in, rows out. ``report`` gathers the figures.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sync.collections import CONSULTATION_ANSWERS
from sync.vocabulary import CONSULTATION_TOPICS, OUTREACH_ROLES, SITE_KINDS

from . import labels
from .labels import word
from .writers import Sheet, widths

Figures = Mapping[str, Any]
"""One ``figures.compute`` answer (see its module for the shape)."""

_TOTALS = ("children_0", "children_1", "children_2", "children_3plus", "expecting_parents",
           "fathers", "first_time", "in_ward", "out_of_ward")

REPORT_HEADER = (
    "開催回数", "開所日数", "大人（保護者）合計", "子ども合計",
    *(word(f"counter.{name}") for name in _TOTALS),
    *(f"相談 {word(f'topic.{topic}')}" for topic in CONSULTATION_TOPICS),
    *(f"相談の対応 {word(f'answer.{answer}')}" for answer in CONSULTATION_ANSWERS),
    "相談 合計",
    "講座・催しの開催回数",
    *(f"紹介 {labels.kind_name(kind)}へ" for kind in SITE_KINDS),
    "紹介 合計",
    "アウトリーチ 訪問件数",
    *(f"アウトリーチ {word(f'outreach.went_{role}')}" for role in OUTREACH_ROLES),
)
"""The report's columns after the first (the site's or kind's name)."""
NUMBER_WIDTH = 12


def figures_row(figures: Figures, programmes_held: int) -> list[int]:
    """The report's numbers for one site, kind or the ward, in ``REPORT_HEADER`` order."""
    totals = figures["totals"]
    by_topic, by_answer = Counter(), Counter()
    for entry in figures["consultations"]:
        by_topic[entry["topic"]] += entry["count"]
        by_answer[entry["answer"]] += entry["count"]
    to_kind = Counter()
    for flow in figures["cards"]["kind_flows"]:
        to_kind[flow["to_kind"]] += flow["issued"]
    outreach = figures["outreach"]
    return [
        totals["sessions"], totals["days_open"], totals["adults"], totals["children"],
        *(totals[name] for name in _TOTALS),
        *(by_topic[topic] for topic in CONSULTATION_TOPICS),
        *(by_answer[answer] for answer in CONSULTATION_ANSWERS),
        sum(by_topic.values()),
        programmes_held,
        *(to_kind[kind] for kind in SITE_KINDS),
        figures["cards"]["issued"],
        outreach["visits"],
        *(outreach["by_role"].get(role, 0) for role in OUTREACH_ROLES),
    ]


@dataclass(frozen=True)
class SiteFigures:
    """One site of the ward with its month's figures and the programmes it held."""

    name: str
    kind: str
    figures: Figures
    programmes_held: int


def _summed(rows: Sequence[Sequence[int]]) -> list[int]:
    return [sum(column) for column in zip(*rows, strict=True)] if rows else (
        [0] * len(REPORT_HEADER))


def report_sheets(ward: Figures, sites: Sequence[SiteFigures],
                  ward_programmes_held: int) -> list[Sheet]:
    """The ward sheet, then one sheet per site kind; ``sites`` in the order listed."""
    by_kind: dict[str, list[tuple[str, list[int]]]] = {kind: [] for kind in SITE_KINDS}
    for site in sites:
        by_kind.setdefault(site.kind, []).append(
            (site.name, figures_row(site.figures, site.programmes_held)))
    ward_rows = [[labels.kind_name(kind), *_summed([row for _name, row in rows])]
                 for kind, rows in by_kind.items()]
    ward_rows.append([labels.WARD_TOTAL, *figures_row(ward, ward_programmes_held)])
    sheets = [_sheet(labels.WARD_SHEET, labels.KIND, ward_rows)]
    for kind, rows in by_kind.items():
        site_rows = [[name, *row] for name, row in rows]
        site_rows.append([labels.KIND_TOTAL, *_summed([row for _name, row in rows])])
        sheets.append(_sheet(labels.kind_name(kind), labels.SITE, site_rows))
    return sheets


def _sheet(title: str, first: str, rows: list[list]) -> Sheet:
    # A number's header is long and wraps (the header row's cells wrap); its column needs
    # room for a number and a few characters of the header, not the whole header.
    (name_width,) = widths([first], ([row[0]] for row in rows))
    return Sheet(title=_sheet_title(title), header=(first, *REPORT_HEADER), rows=rows,
                 widths=[name_width, *([NUMBER_WIDTH] * len(REPORT_HEADER))])


def _sheet_title(title: str) -> str:
    # Excel's limits on a sheet's name: 31 characters, none of []:*?/\
    return "".join("・" if ch in "[]:*?/\\" else ch for ch in title)[:31]
