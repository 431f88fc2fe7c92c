"""A pull's public part reads only public records, whatever the planner knows of the table.

Only programmes and events are public. With a full index on ``(public, position)`` beside a
unique one on ``position``, PostgreSQL without fresh statistics (a new database, a large
import, autovacuum behind) guessed half the records public and walked every position after
the cursor to find none: 30 ms a pull at 100,000 records, and the city peak collapsed.
"""

import re

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.replication.store_statements import RECORD, feed_statement

PRIVATE_RECORDS = 50_000
_FEED_TABLES = ("sync_record", "sync_record_site", "sync_change")


def _fill(public_ids: list[str]) -> None:
    """``PRIVATE_RECORDS`` visits, made by the database itself (a list would take seconds),
    then the public events after them."""
    numbers = ("SELECT generate_series(1, :n) AS n" if db.engine.dialect.name == "postgresql"
               else "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s "
                    "WHERE n < :n) SELECT n FROM s")
    db.session.execute(sa.text(
        "INSERT INTO sync_record (collection, record_id, version, position, deleted, public, "
        "sites_json, data_json, meta_json) SELECT 'visit', '1:' || CAST(n AS VARCHAR(20)), "
        f"1, n, false, false, '[\"1\"]', '{{}}', '{{}}' FROM ({numbers}) AS numbers"),
        {"n": PRIVATE_RECORDS})
    db.session.execute(sa.insert(RECORD), [
        {"collection": "event", "record_id": record_id, "version": 1,
         "position": PRIVATE_RECORDS + n + 1, "deleted": False, "public": True,
         "sites_json": '["1"]', "data_json": "{}", "meta_json": "{}"}
        for n, record_id in enumerate(public_ids)])
    db.session.commit()


def _plan(by_ward: bool) -> str:
    statement = (feed_statement(db.engine.dialect.name, True, by_ward, False)
                 .params(cursor=0, limit=500, listed="1"))
    rendered = str(statement.compile(dialect=db.engine.dialect,
                                     compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as conn:
        prefix = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        return "\n".join(str(row[-1]) for row in conn.exec_driver_sql(prefix + rendered))


_RECORDS_OR_THEIR_INDEXES = re.compile(
    r"\b(sync_record|pk_sync_record|uq_sync_record_position|ix_sync_record_public_position)\b")


def _reads_of_records(plan: str) -> list[str]:
    """The plan's scans of sync_record or its indexes (the pull's public part), but a
    bitmap's visit of the table, which reads only the rows its index scan found."""
    return [line for line in plan.splitlines()
            if re.search(r"Scan|SCAN|SEARCH", line) and _RECORDS_OR_THEIR_INDEXES.search(line)
            and "Bitmap Heap Scan" not in line]


@pytest.mark.parametrize("analysed", [False, True], ids=["no statistics", "analysed"])
@pytest.mark.parametrize("by_ward", [False, True], ids=["by site", "by ward"])
def test_the_public_part_of_a_pull_reads_the_partial_index_of_public_records(
        app, analysed, by_ward):
    _fill(["1:event-a", "1:event-b"])
    with db.engine.begin() as conn:
        if analysed:
            for table in _FEED_TABLES:
                conn.exec_driver_sql(f"ANALYZE {table}")
        elif conn.dialect.name == "postgresql":
            # TRUNCATE keeps what an earlier test's ANALYZE learnt: forget it.
            conn.exec_driver_sql("DELETE FROM pg_statistic WHERE starelid = ANY("
                                 f"'{{{','.join(_FEED_TABLES)}}}'::regclass[])")
    plan = _plan(by_ward)
    reads = _reads_of_records(plan)
    assert reads, plan
    assert all("ix_sync_record_public_position" in line for line in reads), plan
    assert not [line for line in plan.splitlines() if "Filter" in line and "public" in line]


def test_the_public_positions_index_lists_public_records_only(app):
    _fill(["1:event-a"])
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            definition = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_sync_record_public_position'"
            ).scalar()
        else:
            definition = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes "
                "WHERE indexname = 'ix_sync_record_public_position'").scalar()
    assert definition.endswith("WHERE public IS 1" if db.engine.dialect.name == "sqlite"
                               else "WHERE (public IS TRUE)"), definition
