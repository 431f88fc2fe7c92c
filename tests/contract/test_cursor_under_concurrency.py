"""The cursor is commit-order safe: readers pulling while 20 writers push see every change
exactly once. A control store that hands out positions the way a sequence does (before
commit) loses changes under the same test, which shows the test can catch the bug."""

import copy
import json
import random
import threading
import time
import uuid

import pytest

from sync.engine import apply_push, changes_since, wire_since
from sync.hlc import HLC
from sync.protocol import Op, Scope

WRITERS, OPS_PER_WRITER, BATCH, READERS = 20, 500, 50, 5
EVERYWHERE = Scope.everywhere()
# Half the writers' sites: a scoped reader takes the store's other read path.
EVEN_SITES = Scope.of(*(f"site-{n}" for n in range(0, WRITERS, 2)))


def pull_ids(store, cursor, scope):
    """A page as record ids, read as a phone's pull is: changes, or their wire form."""
    if scope is EVERYWHERE:
        page = changes_since(store, cursor, scope, 100)
        return [c.record_id for c in page.changes], page
    page = wire_since(store, cursor, scope, 100)
    return [json.loads(body)["record_id"] for body in page.changes], page

pytestmark = pytest.mark.slow


def writer_ops(n: int, per_writer: int) -> list[Op]:
    return [Op(str(uuid.UUID(int=(n + 1) << 32 | i)), f"phone-{n}", f"user-{n}", "visit",
               f"site-{n}:2026-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}:s{i // 336}",
               HLC(1_000 + i, 0, f"phone-{n}").format(), None, {"parents": 1 + i % 5})
            for i in range(per_writer)]


def own_queue(store):
    """``store`` writing as a separate process would: without the group commit that puts
    one process's writers in order, so the database's counter lock alone must."""
    from server.replication.store import SqlStore, _Writers

    if not isinstance(store, SqlStore):
        return store
    alone = copy.copy(store)
    alone._writers = _Writers.of(store.engine)
    return alone


def run_race(store, writers=WRITERS, per_writer=OPS_PER_WRITER,
             scopes=(EVERYWHERE,) * READERS, grouped=True) -> tuple[list, set]:
    errors = []
    acknowledged = set()
    lock = threading.Lock()

    def write(n):
        try:
            ops = writer_ops(n, per_writer)
            mine = store if grouped else own_queue(store)
            for start in range(0, per_writer, BATCH):
                result = apply_push(mine, ops[start:start + BATCH], now_ms=10_000,
                                    max_drift_ms=60_000, scope=EVERYWHERE, server_node="s",
                                    author=f"writer-{n}")
                with lock:
                    acknowledged.update(op.record_id for op, r in
                                        zip(ops[start:start + BATCH], result.results,
                                            strict=True) if r.status == "applied")
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    seen = [[] for _ in scopes]
    done = threading.Event()

    def read(n):
        cursor = 0
        try:
            while True:
                finished = done.is_set()
                ids, page = pull_ids(store, cursor, scopes[n])
                seen[n].extend(ids)
                cursor = page.cursor
                if finished and not page.more:
                    return
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    readers = [threading.Thread(target=read, args=(n,)) for n in range(len(scopes))]
    for thread in threads + readers:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    for thread in readers:
        thread.join()
    assert errors == []
    return seen, acknowledged


@pytest.fixture
def race_store(store):
    """``store`` whose threads wait their turn for a connection as long as the race lasts.
    25 threads share the default pool (5 + 10); on a busy machine one of them can wait
    past the pool's 30 s, and the race failed for that alone, not for what it checks."""
    import sqlalchemy as sa

    from server.replication.store import SqlStore

    if not isinstance(store, SqlStore):
        yield store
        return
    engine = sa.create_engine(store.engine.url.render_as_string(hide_password=False),
                              pool_timeout=600)
    yield type(store)(engine)
    engine.dispose()


@pytest.mark.parametrize("grouped", [True, False], ids=["one-process", "process-each"])
def test_every_reader_sees_every_change_exactly_once_while_20_writers_push(race_store, grouped):
    scopes = (EVERYWHERE, EVEN_SITES, EVERYWHERE, EVEN_SITES, EVERYWHERE)
    seen, acknowledged = run_race(race_store, scopes=scopes, grouped=grouped)
    assert len(acknowledged) == WRITERS * OPS_PER_WRITER
    for records, scope in zip(seen, scopes, strict=True):
        wanted = {r for r in acknowledged if scope.covers(r.split(":")[0])}
        assert len(records) == len(set(records))
        assert set(records) == wanted
    assert len(seen[1]) == WRITERS * OPS_PER_WRITER // 2


@pytest.mark.postgres
def test_positions_taken_before_commit_lose_changes_which_the_test_detects(_postgres_schema):
    """The negative control: the same race against positions handed out like a sequence."""
    import sqlalchemy as sa

    from server.replication.store import COUNTER, COUNTER_ID, SqlStore

    class SequenceLikeStore(SqlStore):
        def _take_positions(self, conn, count):
            # Committed at once in its own transaction, like nextval(): the bug under test.
            with self.engine.begin() as own:
                last = own.execute(sa.update(COUNTER).where(COUNTER.c.id == COUNTER_ID)
                                   .values(position=COUNTER.c.position + count)
                                   .returning(COUNTER.c.position)).scalar_one()
            time.sleep(random.uniform(0, 0.01))
            return last

    engine = sa.create_engine(_postgres_schema, pool_size=30)
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE sync_record_site, sync_record, sync_change, sync_op, "
                             "sync_conflict, sync_quarantine, sync_counter, figure_visit, "
                             "figure_outreach, figure_card"))
        conn.execute(sa.insert(COUNTER).values(id=COUNTER_ID, position=0))
    try:
        seen, acknowledged = run_race(SequenceLikeStore(engine), writers=10, per_writer=200,
                                      grouped=False)
    finally:
        engine.dispose()
    missed = [len(acknowledged - set(records)) for records in seen]
    assert max(missed) > 0, "positions taken before commit should make readers miss changes"
