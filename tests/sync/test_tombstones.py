"""Deletes are tombstones: pulled as deleted, edits still merge, hub staff can restore."""

from __future__ import annotations

import json

import pytest

from sync.engine import changes_since, restore_record
from sync.errors import RejectedOp, UnknownRecord
from sync.protocol import Reason, Scope, Status

NOW_MS = 1_750_000_000_000
SITE = "kohoku-hiroba"
CARD_ID = "card-0001"
VOLUNTEER = Scope.of(SITE)
HUB = Scope.of(SITE, may_restore=True)


@pytest.fixture
def deleted_card(push, create_op):
    push([create_op({"issuing_site_id": SITE, "target_site_id": SITE, "message": "火曜の午前に"},
                    collection="card", record_id=CARD_ID, at_ms=NOW_MS - 10)])
    push([create_op(collection="card", record_id=CARD_ID, at_ms=NOW_MS - 5, delete=True)],
         scope=VOLUNTEER)


def last_change(store):
    return changes_since(store, 0, HUB, 10).changes[-1]


def restore(store, op_id, scope=HUB, record_id=CARD_ID):
    return restore_record(store, "card", record_id, op_id=op_id, user_id="hub-1",
                          now_ms=NOW_MS, scope=scope, server_node="server-1")


@pytest.mark.usefixtures("deleted_card")
def test_a_deleted_record_is_pulled_as_a_tombstone_without_data(store):
    change = last_change(store)
    assert change.deleted
    assert change.data is None


@pytest.mark.usefixtures("deleted_card")
def test_restoring_brings_back_the_last_data(store, new_op_id):
    result = restore(store, new_op_id())
    assert result.status is Status.APPLIED
    change = last_change(store)
    assert not change.deleted
    assert change.decoded()["message"] == "火曜の午前に"


@pytest.mark.usefixtures("deleted_card")
def test_edits_to_a_tombstone_are_kept_and_show_on_restore(store, push, create_op, new_op_id):
    push([create_op({"ask_for": "田中さん"}, collection="card", record_id=CARD_ID,
                    at_ms=NOW_MS - 1)])
    assert last_change(store).deleted
    restore(store, new_op_id())
    assert last_change(store).decoded()["ask_for"] == "田中さん"


@pytest.mark.usefixtures("deleted_card")
def test_only_a_scope_allowed_to_restore_may_restore(store, push, create_op, new_op_id):
    with pytest.raises(RejectedOp) as raised:
        restore(store, new_op_id(), scope=VOLUNTEER)
    assert raised.value.code == Reason.OUT_OF_SCOPE
    phone_restore = create_op(collection="card", record_id=CARD_ID, restore=True)
    assert push([phone_restore], scope=VOLUNTEER).results[0].reason is Reason.OUT_OF_SCOPE
    assert last_change(store).deleted


def test_restoring_a_record_never_stored_is_reported(store, new_op_id):
    with pytest.raises(UnknownRecord):
        restore(store, new_op_id(), record_id="card-none")


@pytest.mark.usefixtures("deleted_card")
def test_a_delete_newer_than_the_restore_wins_again(store, push, create_op, new_op_id):
    restore(store, new_op_id())
    push([create_op(collection="card", record_id=CARD_ID, at_ms=NOW_MS + 30_000, delete=True)])
    assert last_change(store).deleted
    meta = json.loads(store.load_batch([], [("card", CARD_ID)]).records[("card", CARD_ID)]
                      .meta_json)
    assert meta["deleted"]["value"] is True
