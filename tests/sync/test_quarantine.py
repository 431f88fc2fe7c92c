"""Quarantine: rejected ops are kept whole, listed by scope, resubmitted or dismissed."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from sync.engine import dismiss_quarantined, op_key, resubmit_quarantined
from sync.errors import (
    InvalidRequest,
    OpIdReused,
    QuarantineClosed,
    QuarantineNotFound,
    RejectedOp,
)
from sync.protocol import QuarantineState, Scope, Status

NOW_MS = 1_750_000_000_000
SITE = "kohoku-hiroba"
OTHER_SITE = "tsurumi-salon"
AUTHOR = "42"  # whom the ``push`` fixture signs in
VISIT_ID = f"{SITE}:2025-04-08:am"
HUB = Scope.of(SITE, may_restore=True)


@pytest.fixture
def rejected(push, create_op):
    """A phone sent -3 parents: rejected and quarantined."""
    bad = create_op({"parents": -3}, device="phone-a")
    assert push([bad]).results[0].status is Status.REJECTED
    return bad


def entry_id(op):
    """A quarantine entry is named by its op's key: the author who pushed it, and its id."""
    return op_key(AUTHOR, op.op_id)


def resubmit(store, op_id, corrected, scope=HUB):
    return resubmit_quarantined(store, op_id, corrected, closed_by="hub-1", now_ms=NOW_MS + 1,
                                max_drift_ms=60_000, scope=scope)


def parents(store):
    record = store.load_batch([], [("visit", VISIT_ID)]).records.get(("visit", VISIT_ID))
    return json.loads(record.data_json).get("parents") if record else None


def test_hub_staff_see_the_quarantined_ops_of_their_sites(store, rejected, push, create_op):
    push([create_op({"parents": -1}, record_id=f"{OTHER_SITE}:2025-04-08:am")],
         scope=Scope.of(OTHER_SITE))
    assert [e.op_id for e in store.list_quarantine(HUB)] == [entry_id(rejected)]
    assert len(store.list_quarantine(Scope.everywhere())) == 2


def test_the_author_sees_their_quarantined_ops_from_any_scope(store, rejected):
    assert store.list_quarantine(Scope.of("nowhere")) == []
    listed = store.list_quarantine(Scope.of("nowhere"), author_id=AUTHOR)
    assert [e.op_id for e in listed] == [entry_id(rejected)]


def test_a_corrected_op_applies_and_closes_the_entry(store, rejected, new_op_id):
    corrected = replace(rejected, op_id=new_op_id(), changes={"parents": 3})
    result = resubmit(store, entry_id(rejected), corrected)
    assert result.status is Status.APPLIED
    assert parents(store) == 3
    entry = store.get_quarantine(entry_id(rejected))
    assert entry.state is QuarantineState.RESUBMITTED
    assert entry.resubmitted_op_id == op_key(corrected.user_id, corrected.op_id)
    assert store.list_quarantine(HUB) == []


def test_a_retried_resubmission_returns_its_first_answer(store, rejected, new_op_id, create_op):
    corrected = create_op({"parents": 3}, op_id=new_op_id())
    first = resubmit(store, entry_id(rejected), corrected)
    again = resubmit(store, entry_id(rejected), corrected)
    assert again == replace(first, status=Status.DUPLICATE)
    assert parents(store) == 3


def test_a_corrected_op_that_is_still_invalid_leaves_the_entry_open(store, rejected, create_op):
    stored = store.snapshot()
    with pytest.raises(RejectedOp) as raised:
        resubmit(store, entry_id(rejected), create_op({"parents": -2}))
    assert raised.value.code == "invalid_value"
    assert store.snapshot() == stored


def test_a_corrected_op_must_have_a_new_op_id(store, rejected, create_op):
    with pytest.raises(OpIdReused):
        resubmit(store, entry_id(rejected),
                 create_op({"parents": 3}, op_id=rejected.op_id, user=AUTHOR))


def test_a_corrected_op_with_an_id_its_author_used_before_is_refused_and_applies_nothing(
        store, rejected, push, create_op):
    # The security review: resubmitting under an id already in the op log was answered as
    # a duplicate, marked the entry resubmitted, and applied nothing.
    earlier = create_op({"children_0": 1}, user=AUTHOR)
    assert push([earlier]).results[0].status is Status.APPLIED
    stored = store.snapshot()
    with pytest.raises(OpIdReused):
        resubmit(store, entry_id(rejected),
                 create_op({"parents": 3}, op_id=earlier.op_id, user=AUTHOR))
    assert store.snapshot() == stored
    assert store.get_quarantine(entry_id(rejected)).state is QuarantineState.OPEN


def test_the_original_op_retried_by_its_phone_is_still_rejected(store, rejected, push, create_op):
    resubmit(store, entry_id(rejected), create_op({"parents": 3}))
    assert push([rejected]).results[0].status is Status.REJECTED
    assert parents(store) == 3


def test_dismissing_keeps_the_entry_with_its_reason(store, rejected):
    entry = dismiss_quarantined(store, entry_id(rejected), note="duplicate of a paper tally",
                                closed_by="hub-1", now_ms=NOW_MS + 5)
    assert entry.state is QuarantineState.DISMISSED
    assert store.get_quarantine(entry_id(rejected)) == entry
    assert store.list_quarantine(HUB) == []
    assert store.list_quarantine(HUB, open_only=False) == [entry]


def test_a_closed_entry_cannot_be_closed_again(store, rejected, create_op):
    dismiss_quarantined(store, entry_id(rejected), note="typo", closed_by="hub-1", now_ms=NOW_MS)
    with pytest.raises(QuarantineClosed):
        dismiss_quarantined(store, entry_id(rejected), note="again", closed_by="hub-1",
                            now_ms=NOW_MS)
    with pytest.raises(QuarantineClosed):
        resubmit(store, entry_id(rejected), create_op({"parents": 3}))


def test_dismissing_needs_a_reason(store, rejected):
    with pytest.raises(InvalidRequest):
        dismiss_quarantined(store, entry_id(rejected), note="  ", closed_by="hub-1", now_ms=NOW_MS)


def test_an_unknown_entry_is_reported(store, create_op):
    with pytest.raises(QuarantineNotFound):
        dismiss_quarantined(store, "nope", note="x", closed_by="hub-1", now_ms=NOW_MS)
    with pytest.raises(QuarantineNotFound):
        resubmit(store, "nope", create_op({"parents": 1}))
