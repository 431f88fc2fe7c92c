"""On every store a delete is a tombstone: it pulls as deleted, at every site of the record,
keeps its data underneath, and only a scope allowed to restore brings it back."""

from __future__ import annotations

import pytest

from sync.engine import restore_record
from sync.errors import RejectedOp, UnknownRecord
from sync.protocol import Reason, Scope, Status

from .engine_support import (
    HUB,
    NOW_MS,
    OTHER_SITE,
    SERVER,
    SITE,
    VOLUNTEER,
    new_op_id,
    op,
    pull_wire,
    pulled,
    push,
    stored_state,
)

CARD_ID = "card-0001"
CARD = {"issuing_site_id": SITE, "target_site_id": OTHER_SITE, "message": "火曜の午前に"}


@pytest.fixture
def deleted_card(store):
    """A card from SITE to OTHER_SITE, deleted by a volunteer (version 2)."""
    push(store, [op(CARD, collection="card", record_id=CARD_ID, at_ms=NOW_MS - 10)])
    deleted = push(store, [op(collection="card", record_id=CARD_ID, at_ms=NOW_MS - 5,
                              delete=True)], scope=VOLUNTEER)
    assert deleted.results[0].status is Status.APPLIED
    return deleted.results[0]


def restore(store, op_id=None, scope=HUB, record_id=CARD_ID):
    return restore_record(store, "card", record_id, op_id=op_id or new_op_id(),
                          user_id="hub-1", now_ms=NOW_MS, scope=scope, server_node=SERVER)


def card(store, scope=HUB):
    return pulled(store, "card", CARD_ID, scope=scope)


@pytest.mark.parametrize("site", [SITE, OTHER_SITE])
def test_a_deleted_record_pulls_as_a_tombstone_without_data_at_each_of_its_sites(
        store, deleted_card, site):
    change = card(store, Scope.of(site))
    assert (change.position, change.version, change.deleted, change.data) == (
        deleted_card.position, 2, True, None)
    assert pull_wire(store, Scope.of(site)) == [
        {"position": deleted_card.position, "collection": "card", "record_id": CARD_ID,
         "version": 2, "deleted": True, "data": None}]
    assert card(store, Scope.of("third-site")) is None


def test_a_tombstone_keeps_its_data_underneath(store, deleted_card):
    data, meta = stored_state(store, "card", CARD_ID)
    assert data == CARD
    assert meta["deleted"]["value"] is True


def test_restoring_brings_back_the_last_data_as_a_new_change(store, deleted_card):
    result = restore(store)
    assert (result.status, result.version) == (Status.APPLIED, 3)
    change = card(store)
    assert (change.position, change.deleted) == (result.position, False)
    assert change.position > deleted_card.position
    assert change.decoded() == CARD
    assert pull_wire(store, Scope.of(OTHER_SITE))[0]["data"] == CARD


def test_edits_to_a_tombstone_are_kept_and_show_on_restore(store, deleted_card):
    push(store, [op({"ask_for": "田中さん"}, collection="card", record_id=CARD_ID,
                    at_ms=NOW_MS - 1)])
    assert card(store).deleted
    assert card(store).data is None
    restore(store)
    assert card(store).decoded() == {**CARD, "ask_for": "田中さん"}


def test_only_a_scope_allowed_to_restore_may_restore(store, deleted_card):
    stored = store.snapshot()
    with pytest.raises(RejectedOp) as raised:
        restore(store, scope=VOLUNTEER)
    assert raised.value.code == Reason.OUT_OF_SCOPE
    assert store.snapshot() == stored
    (answer,) = push(store, [op(collection="card", record_id=CARD_ID, restore=True)],
                     scope=VOLUNTEER).results
    assert answer.reason is Reason.OUT_OF_SCOPE
    assert card(store).deleted


def test_a_scope_that_may_restore_elsewhere_cannot_restore_here(store, deleted_card):
    stored = store.snapshot()
    with pytest.raises(RejectedOp) as raised:
        restore(store, scope=Scope.of("third-site", may_restore=True))
    assert raised.value.code == Reason.OUT_OF_SCOPE
    assert store.snapshot() == stored


def test_restoring_a_record_never_stored_is_reported(store):
    with pytest.raises(UnknownRecord):
        restore(store, record_id="card-none")


def test_a_retried_restore_returns_its_first_answer(store, deleted_card):
    op_id = new_op_id()
    first = restore(store, op_id)
    stored = store.snapshot()
    again = restore(store, op_id)
    assert again.status is Status.DUPLICATE
    assert (again.version, again.position) == (first.version, first.position)
    assert store.snapshot() == stored


def test_a_delete_newer_than_the_restore_wins_again(store, deleted_card):
    restore(store)
    push(store, [op(collection="card", record_id=CARD_ID, at_ms=NOW_MS + 30_000, delete=True)])
    assert card(store).deleted
    assert card(store).version == 4
    assert stored_state(store, "card", CARD_ID)[1]["deleted"]["value"] is True
