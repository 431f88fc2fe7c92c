"""Pulling changes after a cursor: paging, exclusivity, scope."""

from __future__ import annotations

import pytest

from sync.engine import changes_since, wire_since
from sync.errors import InvalidRequest
from sync.protocol import MAX_PULL_LIMIT, Scope

SITE = "kohoku-hiroba"
OTHER_SITE = "tsurumi-salon"


def visit_id(site, day):
    return f"{site}:2025-04-{day:02d}:am"


@pytest.fixture
def five_visits(push, create_op):
    push([create_op({"parents": day}, record_id=visit_id(SITE, day)) for day in range(1, 6)])


def pull_all(store, scope, limit, cursor=0):
    pages = []
    while True:
        page = changes_since(store, cursor, scope, limit)
        pages.append(page)
        cursor = page.cursor
        if not page.more:
            return pages


@pytest.mark.usefixtures("five_visits")
def test_pull_pages_say_more_until_the_last_one(store):
    pages = pull_all(store, Scope.of(SITE), limit=2)
    assert [len(p.changes) for p in pages] == [2, 2, 1]
    assert [p.more for p in pages] == [True, True, False]
    positions = [c.position for p in pages for c in p.changes]
    assert positions == sorted(positions) == list(range(1, 6))


@pytest.mark.usefixtures("five_visits")
def test_a_page_that_fits_exactly_says_no_more(store):
    page = changes_since(store, 0, Scope.of(SITE), 5)
    assert len(page.changes) == 5
    assert not page.more


@pytest.mark.usefixtures("five_visits")
def test_pull_since_cursor_is_exclusive(store):
    page = changes_since(store, 3, Scope.of(SITE), 10)
    assert [c.position for c in page.changes] == [4, 5]
    assert changes_since(store, 5, Scope.of(SITE), 10).changes == ()


@pytest.mark.usefixtures("five_visits")
def test_an_empty_pull_keeps_the_cursor(store):
    page = changes_since(store, 5, Scope.of(SITE), 10)
    assert (page.cursor, page.more) == (5, False)


def test_an_updated_record_moves_to_a_new_position_and_shows_once(store, push, create_op):
    push([create_op({"parents": 1}, record_id=visit_id(SITE, 1))])
    push([create_op({"parents": 1}, record_id=visit_id(SITE, 2))])
    push([create_op({"parents": 5}, record_id=visit_id(SITE, 1), at_ms=1_750_000_000_001)])
    changes = changes_since(store, 0, Scope.of(SITE), 10).changes
    assert [(c.record_id, c.position, c.version) for c in changes] == [
        (visit_id(SITE, 2), 2, 1),
        (visit_id(SITE, 1), 3, 2),
    ]
    assert changes[1].decoded()["parents"] == 5


def test_a_volunteer_never_receives_another_sites_records_whatever_the_cursor(
    store, push, create_op
):
    everywhere = Scope.everywhere()
    push(
        [create_op({"parents": 1}, record_id=visit_id(site, day))
         for day in range(1, 4) for site in (SITE, OTHER_SITE)],
        scope=everywhere,
    )
    for cursor in range(0, 8):
        for limit in (1, 2, 10):
            for page in pull_all(store, Scope.of(SITE), limit, cursor):
                assert all(c.record_id.startswith(SITE) for c in page.changes)
    assert len(pull_all(store, Scope.of(SITE), 10)[0].changes) == 3


def test_the_directory_is_readable_from_every_scope(store, push, create_op):
    push([create_op({"site_id": OTHER_SITE, "title": "親子ヨガ"}, collection="programme",
                    record_id="prog-1")], scope=Scope.of(OTHER_SITE, staff=(OTHER_SITE,)))
    push([create_op({"parents": 1}, record_id=visit_id(OTHER_SITE, 1))],
         scope=Scope.of(OTHER_SITE))
    changes = changes_since(store, 0, Scope.of(SITE), 10).changes
    assert [(c.collection, c.record_id) for c in changes] == [("programme", "prog-1")]


def test_a_card_shows_at_its_issuing_and_its_target_site_only(store, push, create_op):
    push([create_op({"issuing_site_id": SITE, "target_site_id": OTHER_SITE, "status": "issued"},
                    collection="card", record_id="card-1")])
    assert len(changes_since(store, 0, Scope.of(SITE), 10).changes) == 1
    assert len(changes_since(store, 0, Scope.of(OTHER_SITE), 10).changes) == 1
    assert changes_since(store, 0, Scope.of("third-site"), 10).changes == ()


def test_pulled_data_is_the_stored_json_text(store, push, create_op):
    push([create_op({"parents": 2, "needs": {"add": ["saturday", "outdoor_play"]}})])
    change = changes_since(store, 0, Scope.of(SITE), 1).changes[0]
    assert change.data == (
        '{"needs":["outdoor_play","saturday"],"parents":2,"session":"am",'
        '"session_date":"2025-04-08","site_id":"kohoku-hiroba"}'
    )


@pytest.mark.parametrize(("cursor", "limit"), [(-1, 10), (0, 0), (0, MAX_PULL_LIMIT + 1),
                                               ("5", 10), (True, 10)])
@pytest.mark.parametrize("pull", [changes_since, wire_since])
def test_a_bad_cursor_or_limit_is_refused(store, cursor, limit, pull):
    with pytest.raises(InvalidRequest):
        pull(store, cursor, Scope.of(SITE), limit)


@pytest.mark.usefixtures("five_visits")
@pytest.mark.parametrize(("cursor", "limit"), [(0, 2), (0, 5), (3, 10), (5, 1)])
def test_a_wire_page_is_the_page_of_changes_as_utf8_json(store, cursor, limit):
    page = changes_since(store, cursor, Scope.of(SITE), limit)
    wire = wire_since(store, cursor, Scope.of(SITE), limit)
    assert (wire.cursor, wire.more) == (page.cursor, page.more)
    assert wire.changes == tuple(c.to_json().encode() for c in page.changes)
