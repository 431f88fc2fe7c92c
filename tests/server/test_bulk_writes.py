"""The bulk statements (``server.replication.bulk``) write exactly what one statement per row
would, on both engines: on PostgreSQL one statement for all the rows (inserts over JSON,
updates and deletes over arrays), on SQLite ``executemany``."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.extensions import db
from server.figures.models import TABLES
from server.replication import bulk
from server.replication.models import SyncRecord, SyncRecordSite

SITE = SyncRecordSite.__table__
RECORD = SyncRecord.__table__
FIGURE_VISIT = TABLES["visit"]
ROW = ("collection", "record_id", "site_id", "position", "ward")
HARD_TEXT = 'quote " backslash \\ braces {} comma , 絵本 \U0001f600'
HARD_WARD = '"\\{},絵本\U0001f600 null'


def site_rows():
    with db.engine.connect() as conn:
        return conn.execute(select(*(SITE.c[name] for name in ROW))
                            .order_by(SITE.c.record_id, SITE.c.site_id)).all()


def statements():
    dialect = db.engine.dialect
    return (bulk.inserting(SITE, ROW, dialect),
            bulk.updating(SITE, ("position", "ward"), ("collection", "record_id"), dialect),
            bulk.deleting(SITE, ("collection", "record_id"), dialect))


@pytest.fixture
def records(app):
    """A transaction in which the records the site rows point at exist."""
    names = ("collection", "record_id", "version", "position", "deleted", "public",
             "sites_json", "data_json", "meta_json")
    with db.engine.begin() as conn:
        bulk.inserting(RECORD, names, db.engine.dialect).run(conn, [
            (collection, record_id, 1, position, False, True, "[]", "{}", "{}")
            for position, (collection, record_id) in enumerate(
                [("visit", "r1"), ("visit", "r2"), ("visit", HARD_TEXT), ("card", "r1")])])
        yield conn


def test_many_rows_go_in_updated_and_out_as_written(records):
    conn = records
    insert, update, delete = statements()
    big = 2**62
    insert.run(conn, [("visit", "r1", "s1", 1, None), ("visit", "r1", "s2", 1, "w1"),
                      ("visit", HARD_TEXT, "s1", big, HARD_WARD), ("card", "r1", "s9", 3, "w2")])
    insert.run(conn, [("visit", "r2", "s1", 4, "w1")])
    update.run(conn, [(10, "w5", "visit", "r1"), (11, None, "card", "r1")])
    delete.run(conn, [("visit", "r2")])
    assert insert.run(conn, []) is None and delete.run(conn, []) is None
    conn.commit()
    assert sorted(site_rows()) == sorted([
        ("visit", "r1", "s1", 10, "w5"), ("visit", "r1", "s2", 10, "w5"),
        ("visit", HARD_TEXT, "s1", big, HARD_WARD), ("card", "r1", "s9", 11, None)])


def test_a_taken_key_is_integrity_error_and_its_savepoint_takes_the_statement_back(records):
    # On SQLite executemany has written the rows before the taken one; the store writes
    # each batch in a transaction or savepoint of its own, which takes them back.
    conn = records
    insert, _update, _delete = statements()
    insert.run(conn, [("visit", "r1", "s1", 1, None)])
    savepoint = conn.begin_nested()
    with pytest.raises(IntegrityError):
        insert.run(conn, [("visit", "r2", "s1", 2, None), ("visit", "r1", "s1", 3, None)])
    savepoint.rollback()
    assert site_rows_on(conn) == [("visit", "r1", "s1", 1, None)]


def test_wide_rows_with_dates_as_the_figures_write_them(app):
    names = tuple(str(column.name) for column in FIGURE_VISIT.columns)
    counts = len(names) - 5
    rows = [("site:2026-12-06:am", 7, "2026-12-06", "2026-11-30", "2026-12", *range(counts)),
            ("site:2026-12-07:pm", 7, "2026-12-07", "2026-12-07", "2026-12", *[0] * counts)]
    dialect = db.engine.dialect
    with db.engine.begin() as conn:
        bulk.inserting(FIGURE_VISIT, names, dialect).run(conn, rows)
        bulk.deleting(FIGURE_VISIT, ("record_id",), dialect).run(conn, [("site:2026-12-07:pm",)])
    with db.engine.connect() as conn:
        stored = conn.execute(select(FIGURE_VISIT)).all()
    assert len(stored) == 1
    assert [str(value) for value in stored[0][:5]] == [str(value) for value in rows[0][:5]]
    assert list(stored[0][5:]) == list(range(counts))


def test_statements_sent_together_land_together_and_a_taken_key_is_integrity_error(records):
    conn = records
    insert, update, _delete = statements()
    with bulk.together(conn):
        sent = insert.run(conn, [("visit", "r1", "s1", 1, None)])
        # In a pipeline no statement's answer has come back yet.
        assert sent.rowcount == (-1 if conn.dialect.name == "postgresql" else 1)
        update.run(conn, [(5, "w5", "visit", "r1")])
        insert.run(conn, [("visit", "r2", "s1", 2, None)])
    assert [row[3:] for row in site_rows_on(conn)] == [(5, "w5"), (2, None)]
    savepoint = conn.begin_nested()
    with pytest.raises(IntegrityError):
        with bulk.together(conn):
            insert.run(conn, [("card", "r1", "s1", 3, None)])
            insert.run(conn, [("visit", "r1", "s1", 4, None)])  # taken above, and last:
            # its error comes when the pipeline ends
    savepoint.rollback()
    assert [row[3:] for row in site_rows_on(conn)] == [(5, "w5"), (2, None)]


def site_rows_on(conn):
    return conn.execute(select(*(SITE.c[name] for name in ROW))
                        .order_by(SITE.c.record_id, SITE.c.site_id)).all()
