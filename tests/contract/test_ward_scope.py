"""A scope that names its wards reads exactly what the same scope by its sites reads, on
every store.

``Scope.wards`` changes nothing a scope allows; it only lets a store read by ward. The
memory store reads by sites whatever the scope says. ``SqlStore`` copies each site's ward
from the directory's ``site`` table onto the record's site rows when it writes the record,
and reads hub staff's pages by ward, so for the SQL stores the wards and their sites are
put in the directory before anything is pushed (a site the directory lacks has no ward).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from sync.protocol import Reason, Scope

from .engine_support import NOW_MS, op, pull, pull_wire, push

# Directory ids far above what other tests create, written as sync writes site ids: text.
NORTH, SOUTH = "9101", "9102"
WARD_SITES = {NORTH: ("9100001", "9100002"), SOUTH: ("9100003",)}
N1, N2 = WARD_SITES[NORTH]
(S1,) = WARD_SITES[SOUTH]
NOT_IN_DIRECTORY = "9100009"
ADMIN = Scope.everywhere()


def ward_scope(ward):
    """Hub staff of ``ward``: its sites, read by the ward."""
    sites = frozenset(WARD_SITES[ward])
    return Scope(sites, may_restore=True, staff_sites=sites, wards=frozenset({ward}))


def by_sites(scope):
    return replace(scope, wards=None)


def visit(site, day, changes, **fields):
    return op(changes, record_id=f"{site}:2026-11-{day:02d}:am", **fields)


@pytest.fixture
def directory(store):
    """The wards and their sites, where the store looks them up (nowhere, for memory)."""
    engine = getattr(store, "engine", None)
    if engine is None:
        yield
        return
    from server.directory.models import Site, Ward

    site_ids = [int(site) for sites in WARD_SITES.values() for site in sites]

    def remove(conn):
        conn.execute(sa.delete(Site.__table__).where(Site.__table__.c.id.in_(site_ids)))
        conn.execute(sa.delete(Ward.__table__).where(Ward.__table__.c.id.in_(
            [int(w) for w in WARD_SITES])))

    with engine.begin() as conn:
        remove(conn)  # on PostgreSQL the directory outlives a test; start from none of ours
        conn.execute(sa.insert(Ward.__table__), [
            {"id": int(ward), "code": f"W{ward}", "slug": f"contract-{ward}",
             "name_ja": f"契約{ward}区", "name_en": f"Contract {ward}"} for ward in WARD_SITES])
        conn.execute(sa.insert(Site.__table__), [
            {"id": int(site), "source_key": f"contract:{site}", "ward_id": int(ward),
             "kind": "salon", "source_type": "テスト", "schedule_kind": "periodic",
             "municipality_code": f"W{ward}", "number": site, "prefecture": "神奈川県",
             "municipality": f"横浜市契約{ward}区", "name": f"テスト施設{site}"}
            for ward, sites in WARD_SITES.items() for site in sites])
    yield
    with engine.begin() as conn:
        remove(conn)


@pytest.fixture
def filled(store, directory):
    """Visits at both wards' sites and at a site the directory lacks, cards within a ward
    and across two, a public programme, rewritten records (a write moves a record to a new
    position) and a tombstone. Returns the record ids the north ward's staff must read."""
    visits = [visit(site, day, {"parents": day}, at_ms=NOW_MS - 1_000 + day)
              for day in range(1, 6) for site in (N1, N2, S1, NOT_IN_DIRECTORY)]
    cards = [
        op({"issuing_site_id": N1, "target_site_id": N2}, collection="card",
           record_id="card-within"),
        op({"issuing_site_id": N2, "target_site_id": S1}, collection="card",
           record_id="card-across"),
        op({"site_id": S1, "title": "親子ヨガ"}, collection="programme", record_id="prog-1"),
    ]
    again = [visit(site, 2, {"fathers": 1}, device="phone-b") for site in (N1, S1)]
    again += [op({"ask_for": "田中さん"}, collection="card", record_id="card-within",
                 device="phone-b"),
              visit(N2, 3, {}, delete=True)]
    for batch in (visits, cards, again):
        answers = push(store, batch, scope=ADMIN).results
        assert [a.status for a in answers] == ["applied"] * len(batch)
    return ({f"{site}:2026-11-{day:02d}:am" for day in range(1, 6) for site in (N1, N2)}
            | {"card-within", "card-across", "prog-1"})


@pytest.mark.parametrize("limit", [1, 2, 3, 500])
@pytest.mark.parametrize("ward", [NORTH, SOUTH])
def test_a_ward_read_equals_the_read_by_its_sites(store, filled, ward, limit):
    scope = ward_scope(ward)
    by_ward = pull(store, scope, limit)
    assert by_ward == pull(store, by_sites(scope), limit)
    assert pull_wire(store, scope, limit) == pull_wire(store, by_sites(scope), limit)
    positions = [c.position for c in by_ward]
    assert positions == sorted(set(positions))
    if ward == NORTH:
        assert {c.record_id for c in by_ward} == filled
        assert [c.record_id for c in by_ward if c.deleted] == [f"{N2}:2026-11-03:am"]
    else:
        assert {c.record_id for c in by_ward} == (
            {f"{S1}:2026-11-{day:02d}:am" for day in range(1, 6)} | {"card-across", "prog-1"})


@pytest.mark.parametrize("ward", [NORTH, SOUTH])
def test_a_ward_read_after_a_cursor_equals_the_read_by_its_sites(store, filled, ward):
    scope = ward_scope(ward)
    for cursor in range(0, 30, 7):
        assert pull(store, scope, 4, cursor) == pull(store, by_sites(scope), 4, cursor)


def test_a_ward_scope_writes_at_its_sites_and_reads_the_change_after_its_cursor(
        store, directory):
    scope = ward_scope(NORTH)
    push(store, [visit(N1, 1, {"parents": 1})], scope=scope)
    cursor = pull(store, scope)[-1].position
    answer, outside = push(store, [visit(N2, 1, {"parents": 2}), visit(S1, 1, {"parents": 3})],
                           scope=scope).results
    assert outside.reason is Reason.OUT_OF_SCOPE
    changes = pull(store, scope, cursor=cursor)
    assert [(c.record_id, c.position) for c in changes] == [
        (f"{N2}:2026-11-01:am", answer.position)]
    assert changes == pull(store, by_sites(scope), cursor=cursor)


def test_conflicts_and_quarantine_list_the_same_for_a_ward_as_for_its_sites(store, directory):
    scope = ward_scope(NORTH)
    push(store, [visit(N1, 1, {"notes": "A"}, device="phone-a", at_ms=NOW_MS - 2)], scope=scope)
    push(store, [visit(N1, 1, {"notes": "B"}, device="phone-b", at_ms=NOW_MS - 1),
                 visit(N2, 1, {"parents": -1}), visit(S1, 1, {"parents": -1})], scope=ADMIN)
    (conflict,) = store.list_conflicts(scope)
    assert store.list_conflicts(by_sites(scope)) == [conflict]
    (entry,) = store.list_quarantine(scope)
    assert entry.site_id == N2
    assert store.list_quarantine(by_sites(scope)) == [entry]
    assert store.list_conflicts(ward_scope(SOUTH)) == []
    assert [e.site_id for e in store.list_quarantine(ward_scope(SOUTH))] == [S1]
