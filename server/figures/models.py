"""The figures' own tables: one narrow row per live session log, outreach visit and card,
its counts as columns, written by the sync store in the transaction that writes the
record (``projection.py``).

Why a projection and not the records' JSON: a ward's month is a few hundred rows of
these tables, read through an index on (site, day) and summed by the database; the same
sums over ``sync_record.data_json`` would need ``json_extract`` on SQLite and a ``jsonb``
cast on PostgreSQL of every record of the ward, each a few kilobytes, whatever the period.

The ward is not copied in: a row names its site, and the site's ward is joined at read
time, so a site moved to another ward (``rehome_site``) counts there at once.
``week`` (the Monday) and ``month`` (``YYYY-MM``) are written with the day so that the
charts' groupings are a plain ``GROUP BY`` on both engines.
"""

from sqlalchemy import Column, Date, Index, Integer, String, Table

from sync.collections import (
    CONSULTATION_COUNTERS,
    OUTREACH_COUNTERS,
    VISITOR_COUNTERS,
)

from ..extensions import db

VISIT_COUNTS = (*VISITOR_COUNTERS, *CONSULTATION_COUNTERS, "connected_to_ward_count")
"""The counters of a session log the figures sum, each a column of ``figure_visit``."""

OUTREACH_COUNTS = OUTREACH_COUNTERS
"""The counters of an outreach record the figures sum, each a column of ``figure_outreach``."""


def _counts(names) -> list[Column]:
    return [Column(name, Integer, nullable=False) for name in names]


# A live session log of a directory site: its day and its counters.
FIGURE_VISIT = Table(
    "figure_visit", db.metadata,
    Column("record_id", String(200), primary_key=True),
    Column("site_id", Integer, nullable=False),
    Column("day", Date, nullable=False),
    Column("week", Date, nullable=False),
    Column("month", String(7), nullable=False),
    *_counts(VISIT_COUNTS),
    Index("ix_figure_visit_site_day", "site_id", "day"),
)

# A live outreach record, under its visiting site (the record's owner, as on the desk).
FIGURE_OUTREACH = Table(
    "figure_outreach", db.metadata,
    Column("record_id", String(200), primary_key=True),
    Column("site_id", Integer, nullable=False),
    Column("day", Date, nullable=False),
    Column("month", String(7), nullable=False),
    *_counts(OUTREACH_COUNTS),
    Index("ix_figure_outreach_site_day", "site_id", "day"),
)

# A live card issued by a directory site: where it leads, when, its status now and its
# wishes as bits (bit i is FEATURE_TAGS[i]: the list only grows at its end, and
# ``projection.rebuild`` rewrites every row should it ever change otherwise).
FIGURE_CARD = Table(
    "figure_card", db.metadata,
    Column("record_id", String(200), primary_key=True),
    Column("issuing_site_id", Integer, nullable=False),
    Column("target_site_id", Integer),
    Column("issued_on", Date, nullable=False),
    Column("month", String(7), nullable=False),
    Column("status", String(12), nullable=False),
    Column("child_age", String(12)),
    Column("wishes", Integer, nullable=False),
    Index("ix_figure_card_site_day", "issuing_site_id", "issued_on"),
)

TABLES = {"visit": FIGURE_VISIT, "outreach": FIGURE_OUTREACH, "card": FIGURE_CARD}
"""The projection table of each collection the figures count."""
