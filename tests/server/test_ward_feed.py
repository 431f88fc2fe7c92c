"""Hub staff read their ward through the (ward, position) index; what they get must be
exactly what the list of the ward's sites gives, page by page, on both engines."""

import uuid
from dataclasses import replace

import pytest

from server.replication import operations
from sync import engine
from sync.hlc import HLC

NOW_MS = 1_800_000_000_000


def op(record_id, changes, device="phone-a", at=0):
    return {"op_id": str(uuid.uuid4()), "device_id": device, "user_id": "1",
            "collection": "visit", "record_id": record_id,
            "hlc": HLC(NOW_MS - 10_000 + at, 0, device).format(), "base_version": None,
            "changes": changes}


@pytest.fixture
def filled(app, create_site, other_ward, create_user):
    """Visits at three sites of the ward and one of another ward, some written twice (a
    write moves a record to a new position), and one at a site the directory lacks."""
    mine = [create_site("salon") for _ in range(3)]
    theirs = create_site("salon", ward=other_ward)
    ops = []
    for n in range(30):
        site = (mine + [theirs])[n % 4]
        ops.append(op(f"{site.id}:2026-11-{1 + n % 20:02d}:am", {"parents": n}, at=n))
    ops.append(op("99999:2026-11-02:am", {"parents": 1}))
    again = [op(o["record_id"], {"fathers": 1}, device="phone-b", at=100 + i)
             for i, o in enumerate(ops[:8])]
    admin = operations.write_scope(create_user("admin"))
    for batch in (ops, again):
        result = engine.apply_push(operations.store(), batch, now_ms=NOW_MS,
                                   max_drift_ms=60_000, scope=admin, server_node="test")
        assert all(r.status == "applied" for r in result.results)
    return mine, theirs, {o["record_id"] for o in again}, result.cursor - len(again)


def pages(scope, limit):
    seen, cursor, more = [], 0, True
    while more:
        page = engine.changes_since(operations.store(), cursor, scope, limit)
        seen += page.changes
        cursor, more = page.cursor, page.more
    return seen


@pytest.mark.parametrize("limit", [1, 3, 7, 500])
def test_a_ward_read_equals_the_read_by_its_sites(filled, create_user, limit):
    mine, _theirs, _moved, _first_cursor = filled
    scope = operations.read_scope(create_user("hub_staff"))
    assert scope.wards is not None
    by_ward = pages(scope, limit)
    by_sites = pages(replace(scope, wards=None), limit)
    assert by_ward == by_sites
    assert {c.record_id.split(":")[0] for c in by_ward} == {str(s.id) for s in mine}
    assert len(by_ward) == len({c.record_id for c in by_ward}) == 15  # 30 ops, 3 of 4 sites
    assert [c.position for c in by_ward] == sorted(c.position for c in by_ward)


def test_a_rewritten_record_leaves_its_old_position(filled, create_user):
    _mine, _theirs, moved, first_cursor = filled
    changes = pages(operations.read_scope(create_user("admin")), 500)
    assert len(changes) == len({c.record_id for c in changes}) == 21  # 20 visits + unknown
    rewritten = [c for c in changes if c.position > first_cursor]
    assert {c.record_id for c in rewritten} == moved
    assert all(c.decoded()["fathers"] == 1 for c in rewritten)
