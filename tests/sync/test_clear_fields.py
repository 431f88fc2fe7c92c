"""Clearing fields as the server (retention): their values go, with every conflict they
keep, in one op through the merge path; what has nothing to clear is not written."""

from __future__ import annotations

import json

import pytest

from sync.engine import clear_fields
from sync.errors import InvalidRequest, RejectedOp, UnknownRecord
from sync.merge import written_ms
from sync.protocol import Scope, Status

NOW_MS = 1_750_000_000_000
DAY_MS = 24 * 3600 * 1000
SITE = "kohoku-hiroba"
OTHER_SITE = "tsurumi-salon"
CARD_ID = "K7QX2M"
HUB = Scope.of(SITE, may_restore=True)


@pytest.fixture
def write_card(push, create_op):
    """Returns ``write_card(changes, device=…, at_ms=…)``: one op on the test's card."""

    def write(changes, *, device="phone-a", at_ms=NOW_MS - 3):
        (result,) = push([create_op(changes, device=device, at_ms=at_ms,
                                    collection="card", record_id=CARD_ID)]).results
        assert result.status is Status.APPLIED
        return result

    return write


@pytest.fixture
def issued(write_card):
    write_card({"status": "issued", "issuing_site_id": SITE, "target_site_id": OTHER_SITE,
                "issued_on": "2025-04-08", "message": "Aさんへ", "ask_for": "たなかさん"})


def clear(store, fields, op_id, *, older_than_ms=None, scope=None, record_id=CARD_ID):
    return clear_fields(store, "card", record_id, fields, older_than_ms=older_than_ms,
                        op_id=op_id, user_id="retention", now_ms=NOW_MS + 1_000,
                        scope=scope or Scope.everywhere(), server_node="server-1")


def stored(store):
    return store.load_batch([], [("card", CARD_ID)]).records[("card", CARD_ID)]


def test_clearing_fields_empties_them_and_settles_every_conflict_they_keep(
        store, issued, write_card, new_op_id):
    # Concurrent with phone A's: "Aさんへ" is kept as a conflict; the same ask_for is kept
    # too, though not shown, and holds the text all the same.
    write_card({"message": "Bさんへ"}, device="phone-b", at_ms=NOW_MS - 2)
    write_card({"ask_for": "たなかさん"}, device="phone-c", at_ms=NOW_MS - 1)
    assert len(store.list_conflicts(HUB)) == 1

    result = clear(store, ("message", "ask_for"), new_op_id())

    assert (result.status, result.conflicts) == (Status.APPLIED, ())
    record = stored(store)
    data = json.loads(record.data_json)
    assert (data["message"], data["ask_for"]) == (None, None)
    assert (data["status"], data["issued_on"]) == ("issued", "2025-04-08")
    assert store.list_conflicts(HUB) == []
    for text in ("Aさんへ", "Bさんへ", "たなかさん"):
        assert text not in record.data_json + record.meta_json


def test_only_fields_last_written_before_the_limit_are_cleared(
        store, write_card, new_op_id):
    write_card({"status": "issued", "issuing_site_id": SITE, "target_site_id": OTHER_SITE,
                "issued_on": "2025-04-08", "message": "Aさんへ"}, at_ms=NOW_MS - 100 * DAY_MS)
    write_card({"ask_for": "たなかさん"}, at_ms=NOW_MS - DAY_MS)
    # A later write to another field does not extend the message's life.
    write_card({"status": "opened"}, device="phone-b", at_ms=NOW_MS - DAY_MS)
    state = {"meta": json.loads(stored(store).meta_json)}
    assert written_ms(state, "message") == NOW_MS - 100 * DAY_MS
    assert written_ms(state, "programme_id") is None

    result = clear(store, ("message", "ask_for", "programme_id"), new_op_id(),
                   older_than_ms=NOW_MS - 50 * DAY_MS)

    assert result.status is Status.APPLIED
    record = stored(store)
    data = json.loads(record.data_json)
    assert (data["message"], data["ask_for"]) == (None, "たなかさん")
    assert "programme_id" not in json.loads(record.meta_json)["fields"]  # never written: left


def test_a_record_with_nothing_to_clear_is_not_written(store, issued, new_op_id):
    clear(store, ("message", "ask_for"), new_op_id())
    before = store.snapshot()

    assert clear(store, ("message", "ask_for"), new_op_id()) is None
    assert clear(store, ("message",), new_op_id(), older_than_ms=NOW_MS - DAY_MS) is None
    assert store.snapshot() == before


def test_a_retried_clear_returns_the_first_answer(store, issued, new_op_id):
    op_id = new_op_id()
    first = clear(store, ("message",), op_id)
    before = store.snapshot()

    again = clear(store, ("message",), op_id)

    assert again.status is Status.DUPLICATE
    assert (again.version, again.position) == (first.version, first.position)
    assert store.snapshot() == before


@pytest.mark.parametrize("fields", [("status",), ("wishes",), ("no_such_field",)])
def test_only_register_fields_can_be_cleared(store, issued, new_op_id, fields):
    with pytest.raises(InvalidRequest):
        clear(store, fields, new_op_id())


def test_clearing_a_record_never_stored_or_outside_the_scope_is_refused(
        store, issued, new_op_id):
    with pytest.raises(UnknownRecord):
        clear(store, ("message",), new_op_id(), record_id="NOSUCH22")
    before = store.snapshot()
    with pytest.raises(RejectedOp):
        clear(store, ("message",), new_op_id(), scope=Scope.of("elsewhere-salon"))
    assert store.snapshot() == before
