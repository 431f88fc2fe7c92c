"""Keeps the figures' tables (``models.py``) equal to the live records, row for record.

The sync store makes the rows of a batch with ``rows`` before it takes its lock, and calls
``write`` in the transaction that writes the records, after the records themselves: a
record rewritten loses its old row, and one that is live and counts (a directory site, a
date) gets its new row. A tombstone therefore leaves no row, and a record edited twice has
one row with its latest values. The store's transaction commits both or neither, so the
figures never disagree with what a pull returns.

What it costs a push: one ``orjson`` decode of each written record of the three
collections and two statements per collection written (bench/RESULTS.md, "figures").

``rebuild`` fills the tables from ``sync_record`` for a database that has records from
before them (the migration that creates them calls it).
"""

import functools
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, delete, text
from sqlalchemy.engine import Dialect

from sync.vocabulary import FEATURE_TAGS

from ..directory.lookups import as_site_id
from ..replication import bulk
from .models import OUTREACH_COUNTS, TABLES, VISIT_COUNTS

WISH_BITS = {wish: 1 << i for i, wish in enumerate(FEATURE_TAGS)}


def _days(day: Any) -> tuple[str, str, str] | None:
    """``(day, its week's Monday, YYYY-MM)`` as text, or None when ``day`` is no date (the
    sync rules require one, so only a record made before them could lack it)."""
    return _parsed_days(day) if isinstance(day, str) else None


@functools.lru_cache(maxsize=1024)
def _parsed_days(day: str) -> tuple[str, str, str] | None:
    # Cached: a push writes many records of a few days.
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        return None
    monday = parsed - timedelta(days=parsed.weekday())
    text = parsed.isoformat()
    return text, monday.isoformat(), text[:7]


def _counts(data: Mapping[str, Any], names: tuple[str, ...]) -> list[int]:
    # Only whole numbers: the sync rules allow nothing else, and a bool is not a count.
    # Walks the record's fields, not every column: a session log names a few of its
    # four dozen counters, and this ran for every record of every push.
    counts = [0] * len(names)
    where = _COLUMN_OF[names]
    for name, value in data.items():
        column = where.get(name)
        if column is not None and type(value) is int:
            counts[column] = value
    return counts


def visit_row(record_id: str, data: Mapping[str, Any]) -> tuple | None:
    site_id, days = as_site_id(data.get("site_id")), _days(data.get("session_date"))
    if site_id is None or days is None:
        return None
    return (record_id, site_id, *days, *_counts(data, VISIT_COUNTS))


def outreach_row(record_id: str, data: Mapping[str, Any]) -> tuple | None:
    site_id, days = as_site_id(data.get("site_id")), _days(data.get("visit_date"))
    if site_id is None or days is None:
        return None
    day, _monday, month = days
    return (record_id, site_id, day, month, *_counts(data, OUTREACH_COUNTS))


def card_row(record_id: str, data: Mapping[str, Any]) -> tuple | None:
    site_id, days = as_site_id(data.get("issuing_site_id")), _days(data.get("issued_on"))
    if site_id is None or days is None:
        return None
    day, _monday, month = days
    wishes = 0
    for wish in data.get("wishes") or ():
        wishes |= WISH_BITS.get(wish, 0)
    child_age = data.get("child_age")
    return (record_id, site_id, as_site_id(data.get("target_site_id")), day, month,
            str(data.get("status") or "issued"),
            child_age if isinstance(child_age, str) else None, wishes)


_COLUMN_OF = {names: {name: i for i, name in enumerate(names)}
              for names in (VISIT_COUNTS, OUTREACH_COUNTS)}

_ROWS = {"visit": visit_row, "outreach": outreach_row, "card": card_row}


class _Statements(NamedTuple):
    remove: bulk.Bulk
    add: bulk.Bulk


_COMPILED: dict[tuple[str, str, str], _Statements] = {}


def _statements(dialect: Dialect, collection: str) -> _Statements:
    key = (dialect.name, dialect.driver, collection)
    if key not in _COMPILED:
        table = TABLES[collection]
        names = tuple(column.name for column in table.columns)
        _COMPILED[key] = _Statements(bulk.deleting(table, ("record_id",), dialect),
                                     bulk.inserting(table, names, dialect))
    return _COMPILED[key]


class Written(NamedTuple):
    """What ``write`` needs of a record the store writes."""

    collection: str
    record_id: str
    rewritten: bool
    """It was stored before (its old row, if any, goes)."""
    deleted: bool
    data_json: str
    data: Mapping[str, Any] | None = None
    """``data_json`` decoded, when the writer has it (a push does): not decoded again."""


class Rows(NamedTuple):
    """The figure rows a batch of records removes and adds, by collection."""

    removed: dict[str, list[tuple]]
    added: dict[str, list[tuple]]


def rows(written: Iterable[Written]) -> Rows:
    """The figure rows of ``written``: made before the store takes its lock, since they do
    not depend on the records' positions."""
    removed: dict[str, list[tuple]] = {}
    added: dict[str, list[tuple]] = {}
    for record in written:
        make = _ROWS.get(record.collection)
        if make is None:
            continue
        if record.rewritten:
            removed.setdefault(record.collection, []).append((record.record_id,))
        if record.deleted:
            continue
        data = record.data if record.data is not None else orjson.loads(record.data_json)
        row = make(record.record_id, data)
        if row is not None:
            added.setdefault(record.collection, []).append(row)
    return Rows(removed, added)


def write(conn: Connection, made: Rows) -> None:
    """Bring the figure rows up to date with ``made`` (``rows``), in the caller's
    transaction."""
    for collection in sorted(made.removed.keys() | made.added.keys()):
        statements = _statements(conn.dialect, collection)
        statements.remove.run(conn, made.removed.get(collection, ()))
        statements.add.run(conn, made.added.get(collection, ()))


def rebuild(conn: Connection, batch_size: int = 2000) -> dict[str, int]:
    """Empty the figure tables and fill them from the live records of ``sync_record``, in
    batches of ``batch_size`` (the caller commits). Returns the rows written per
    collection."""
    counts = {}
    for collection, table in TABLES.items():
        conn.execute(delete(table))
        counts[collection] = 0
        after = ""
        while True:
            rows = conn.execute(
                text("SELECT record_id, data_json FROM sync_record WHERE collection = :c "
                     "AND deleted = :d AND record_id > :after ORDER BY record_id LIMIT :n"),
                {"c": collection, "d": False, "after": after, "n": batch_size}).all()
            if not rows:
                break
            after = rows[-1][0]
            made = [row for row in (_ROWS[collection](record_id, orjson.loads(data))
                                    for record_id, data in rows) if row is not None]
            _statements(conn.dialect, collection).add.run(conn, made)
            counts[collection] += len(made)
    return counts
