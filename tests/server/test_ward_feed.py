"""Hub staff read their ward through the (ward, position) index; what they get must be
exactly what the list of the ward's sites gives, page by page, on both engines."""

import re
import uuid
from dataclasses import replace

import pytest
from sqlalchemy import event

from server.extensions import db
from server.replication import writes
from server.replication.scope import feed_scope, read_scope, write_scope
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
    admin = write_scope(create_user("admin"))
    for batch in (ops, again):
        result = engine.apply_push(writes.store(), batch, now_ms=NOW_MS,
                                   max_drift_ms=60_000, scope=admin, server_node="test",
                                   author="1")
        assert all(r.status == "applied" for r in result.results)
    return mine, theirs, {o["record_id"] for o in again}, result.cursor - len(again)


def pages(scope, limit):
    seen, cursor, more = [], 0, True
    while more:
        page = engine.changes_since(writes.store(), cursor, scope, limit)
        seen += page.changes
        cursor, more = page.cursor, page.more
    return seen


@pytest.mark.parametrize("limit", [1, 3, 7, 500])
def test_a_ward_read_equals_the_read_by_its_sites(filled, create_user, limit):
    mine, _theirs, _moved, _first_cursor = filled
    scope = read_scope(create_user("hub_staff"))
    assert scope.wards is not None
    by_ward = pages(scope, limit)
    by_sites = pages(replace(scope, wards=None), limit)
    assert by_ward == by_sites
    assert {c.record_id.split(":")[0] for c in by_ward} == {str(s.id) for s in mine}
    assert len(by_ward) == len({c.record_id for c in by_ward}) == 15  # 30 ops, 3 of 4 sites
    assert [c.position for c in by_ward] == sorted(c.position for c in by_ward)


@pytest.mark.parametrize("role", ["hub_staff", "ward_officer"])
def test_a_ward_readers_pull_reads_by_ward_without_listing_the_wards_sites(filled, create_user,
                                                                         role):
    user = create_user(role)
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        scope = feed_scope(user)
        by_feed = pages(scope, 7)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert scope.wards == frozenset({str(user.ward_id)})
    assert by_feed == pages(read_scope(user), 7)
    assert len(by_feed) == 15
    assert not [s for s in statements if re.search(r"\bfrom site\b", " ".join(s.lower().split()))]


def test_other_roles_pull_with_their_read_scope(app, create_user, create_site):
    salon = create_site("salon")
    volunteer = create_user("volunteer", sites=[salon])
    assert feed_scope(volunteer) == read_scope(volunteer)
    assert feed_scope(create_user("admin")) == read_scope(create_user("admin"))


def test_a_rewritten_record_leaves_its_old_position(filled, create_user):
    _mine, _theirs, moved, first_cursor = filled
    changes = pages(read_scope(create_user("admin")), 500)
    assert len(changes) == len({c.record_id for c in changes}) == 21  # 20 visits + unknown
    rewritten = [c for c in changes if c.position > first_cursor]
    assert {c.record_id for c in rewritten} == moved
    assert all(c.decoded()["fathers"] == 1 for c in rewritten)


def test_a_site_that_a_re_import_moves_to_another_ward_takes_its_records_along(
        app, create_user, ward, other_ward):
    import csv
    import io

    from server.directory.importer import import_sites
    from server.directory.models import Site
    from server.directory.opendata import COLUMNS
    from server.extensions import db

    def sheet(municipality):
        # A city-level code: the ward comes from the name at the end of 市区町村名.
        row = dict.fromkeys(COLUMNS, "")
        row.update({"都道府県コード又は市区町村コード": "141003", "NO": "7",
                    "都道府県名": "神奈川県", "市区町村名": municipality,
                    "名称": "ひだまりサロン", "種別": "子育てサロン", "利用可能曜日": "火",
                    "開始時間": "10:00", "終了時間": "12:00"})
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        writer.writerow([row[c] for c in COLUMNS])
        return buffer.getvalue().encode()

    assert import_sites(sheet(f"横浜市{ward.name_ja}")).created == 1
    site = db.session.scalars(db.select(Site).where(Site.source_key == "141003:7")).one()
    assert site.ward_id == ward.id
    result = engine.apply_push(writes.store(), [op(f"{site.id}:2026-11-03:am", {"parents": 2})],
                               now_ms=NOW_MS, max_drift_ms=60_000,
                               scope=write_scope(create_user("admin")),
                               server_node="test", author="1")
    assert result.results[0].status == "applied"
    here, there = create_user("hub_staff"), create_user("hub_staff", ward=other_ward)
    assert len(pages(read_scope(here), 10)) == 1

    assert import_sites(sheet(f"横浜市{other_ward.name_ja}")).updated == 1
    db.session.expire_all()
    assert db.session.get(Site, site.id).ward_id == other_ward.id
    for user, expected in ((here, 0), (there, 1)):
        scope = read_scope(user)
        assert len(pages(scope, 10)) == expected
        assert pages(scope, 10) == pages(replace(scope, wards=None), 10)
