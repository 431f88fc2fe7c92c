"""One ``store`` fixture, three implementations: MemoryStore, SqlStore on SQLite, SqlStore
on PostgreSQL. Every test in this folder runs against each."""

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.replication.store import SqlStore
from sync.store import MemoryStore

# The figures' tables too: the store writes their rows in the records' transaction.
SYNC_TABLES = ("sync_record_site", "sync_record", "sync_change", "sync_op", "sync_conflict",
               "sync_quarantine", "sync_counter", "figure_visit", "figure_outreach",
               "figure_card")


class SqlStoreUnderTest(SqlStore):
    def snapshot(self) -> dict:
        """Every row of every sync table, for tests that check nothing changed."""
        with self.engine.connect() as conn:
            return {name: sorted(map(tuple, conn.execute(sa.select(db.metadata.tables[name]))),
                                 key=repr)
                    for name in SYNC_TABLES}


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "memory":
        yield MemoryStore()
        return
    if request.param == "sqlite":
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
        db.metadata.create_all(engine)
    else:
        engine = sa.create_engine(request.getfixturevalue("_postgres_schema"))
        with engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {', '.join(SYNC_TABLES)}"))
    yield SqlStoreUnderTest(engine)
    engine.dispose()
