"""Every store keeps a rejected op whole under its author's op key, lists it by site and to
its author, and closes it once: resubmitted atomically with a corrected op, or dismissed
with a note."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sync.engine import dismiss_quarantined, op_key, resubmit_quarantined
from sync.errors import OpIdReused, QuarantineClosed, QuarantineNotFound, RejectedOp
from sync.protocol import QuarantineEntry, QuarantineState, Reason, Scope, Status

from .engine_support import (
    AUTHOR,
    HUB,
    MAX_DRIFT_MS,
    NOW_MS,
    OTHER_SITE,
    SITE,
    VISIT_ID,
    new_op_id,
    op,
    pulled,
    push,
)

EVERYWHERE = Scope.everywhere()


@pytest.fixture
def rejected(store):
    """A phone sent -3 parents: rejected and quarantined."""
    bad = op({"parents": -3, "notes": "ひだまり"})
    assert push(store, [bad]).results[0].reason is Reason.INVALID_VALUE
    return bad


def key(rejected_op):
    """A quarantine entry is named by its op's key: the author who pushed it, and its id."""
    return op_key(AUTHOR, rejected_op.op_id)


def resubmit(store, entry_id, corrected):
    return resubmit_quarantined(store, entry_id, corrected, closed_by="hub-1",
                                now_ms=NOW_MS + 1, max_drift_ms=MAX_DRIFT_MS, scope=HUB)


def dismiss(store, entry_id, note="duplicate of a paper tally"):
    return dismiss_quarantined(store, entry_id, note=note, closed_by="hub-1", now_ms=NOW_MS + 5)


def test_a_rejected_op_is_kept_whole_with_its_reason(store, rejected):
    entry = store.get_quarantine(key(rejected))
    assert entry == QuarantineEntry(
        op_id=key(rejected), payload=rejected.to_dict(), reason=Reason.INVALID_VALUE,
        message=entry.message, user_id=AUTHOR, device_id="phone-a", site_id=SITE,
        received_ms=NOW_MS)
    assert entry.payload["changes"] == {"parents": -3, "notes": "ひだまり"}
    assert "parents" in entry.message


def test_a_malformed_op_is_kept_as_sent_with_what_json_cannot_carry_made_text(store):
    sent = {"op_id": "not-a-uuid", "changes": {"parents": float("nan"), "deep": [{"a": 1}]}}
    (answer,) = push(store, [sent]).results
    assert answer.reason is Reason.MALFORMED
    entry = store.get_quarantine(op_key(AUTHOR, answer.op_id))
    assert entry.payload == {"op_id": "not-a-uuid",
                             "changes": {"parents": "nan", "deep": [{"a": 1}]}}
    assert (entry.site_id, entry.user_id) == (None, AUTHOR)
    assert store.list_quarantine(HUB) == []
    assert store.list_quarantine(HUB, author_id=AUTHOR) == [entry]


def test_quarantined_ops_are_listed_to_their_site_and_to_their_author(store, rejected):
    other = op({"parents": -1}, record_id=f"{OTHER_SITE}:2025-04-08:am")
    push(store, [other], scope=Scope.of(OTHER_SITE), author="7")
    theirs = op_key("7", other.op_id)

    def listed(scope, **author):
        return [e.op_id for e in store.list_quarantine(scope, **author)]

    assert listed(HUB) == [key(rejected)]
    assert listed(Scope.of(OTHER_SITE)) == [theirs]
    assert listed(Scope.of("nowhere")) == []
    assert listed(Scope.of("nowhere"), author_id=AUTHOR) == [key(rejected)]
    assert listed(Scope.of("nowhere"), author_id="7") == [theirs]
    assert set(listed(EVERYWHERE)) == {key(rejected), theirs}


def test_the_quarantine_lists_the_oldest_first(store):
    ops = [op({"parents": -n}) for n in (1, 2, 3)]
    for n, bad in enumerate(reversed(ops)):
        push(store, [bad], now_ms=NOW_MS + n)
    assert [e.op_id for e in store.list_quarantine(HUB)] == [key(o) for o in reversed(ops)]


def test_the_same_op_id_from_two_authors_is_two_entries(store):
    bad = op({"parents": -3})
    push(store, [bad])
    push(store, [bad], author="7")
    assert {e.op_id for e in store.list_quarantine(EVERYWHERE)} == {
        op_key(AUTHOR, bad.op_id), op_key("7", bad.op_id)}


def test_a_corrected_op_applies_and_closes_the_entry_atomically(store, rejected):
    opened = store.get_quarantine(key(rejected))
    corrected = replace(rejected, op_id=new_op_id(), changes={"parents": 3})
    result = resubmit(store, key(rejected), corrected)
    assert result.status is Status.APPLIED
    assert pulled(store, "visit", VISIT_ID).decoded()["parents"] == 3
    entry = store.get_quarantine(key(rejected))
    assert entry == replace(opened, state=QuarantineState.RESUBMITTED, closed_by="hub-1",
                            closed_ms=NOW_MS + 1,
                            resubmitted_op_id=op_key(corrected.user_id, corrected.op_id))
    assert store.list_quarantine(HUB) == []
    assert store.list_quarantine(HUB, open_only=False) == [entry]


def test_a_retried_resubmission_returns_its_first_answer(store, rejected):
    corrected = op({"parents": 3})
    first = resubmit(store, key(rejected), corrected)
    stored = store.snapshot()
    assert resubmit(store, key(rejected), corrected) == replace(first, status=Status.DUPLICATE)
    assert store.snapshot() == stored


def test_a_corrected_op_that_is_still_invalid_leaves_the_entry_open(store, rejected):
    stored = store.snapshot()
    with pytest.raises(RejectedOp) as raised:
        resubmit(store, key(rejected), op({"parents": -2}))
    assert raised.value.code == Reason.INVALID_VALUE
    assert store.snapshot() == stored
    assert store.get_quarantine(key(rejected)).state is QuarantineState.OPEN


def test_a_corrected_op_under_the_quarantined_ops_own_id_is_refused(store, rejected):
    stored = store.snapshot()
    with pytest.raises(OpIdReused):
        resubmit(store, key(rejected), op({"parents": 3}, op_id=rejected.op_id, user=AUTHOR))
    assert store.snapshot() == stored


def test_a_corrected_op_with_an_id_its_author_used_before_is_refused_and_applies_nothing(
        store, rejected):
    earlier = op({"children_0": 1})
    assert push(store, [earlier]).results[0].status is Status.APPLIED
    stored = store.snapshot()
    with pytest.raises(OpIdReused):
        resubmit(store, key(rejected), op({"parents": 3}, op_id=earlier.op_id, user=AUTHOR))
    assert store.snapshot() == stored
    assert store.get_quarantine(key(rejected)).state is QuarantineState.OPEN


def test_an_op_id_another_author_used_is_free_for_a_corrected_op(store, rejected):
    theirs = op({"children_0": 1})
    push(store, [theirs], author="7")
    result = resubmit(store, key(rejected), op({"parents": 3}, op_id=theirs.op_id, user=AUTHOR))
    assert result.status is Status.APPLIED
    assert store.get_quarantine(key(rejected)).resubmitted_op_id == op_key(AUTHOR, theirs.op_id)


def test_the_original_op_retried_by_its_phone_is_still_rejected(store, rejected):
    resubmit(store, key(rejected), op({"parents": 3}))
    stored = store.snapshot()
    (again,) = push(store, [rejected]).results
    assert (again.status, again.reason) == (Status.REJECTED, Reason.INVALID_VALUE)
    assert store.snapshot() == stored


def test_dismissing_keeps_the_entry_with_its_note(store, rejected):
    opened = store.get_quarantine(key(rejected))
    entry = dismiss(store, key(rejected))
    assert entry == replace(opened, state=QuarantineState.DISMISSED, closed_by="hub-1",
                            closed_ms=NOW_MS + 5, note="duplicate of a paper tally")
    assert store.get_quarantine(key(rejected)) == entry
    assert store.list_quarantine(HUB) == []
    assert store.list_quarantine(HUB, open_only=False) == [entry]
    assert pulled(store, "visit", VISIT_ID) is None


@pytest.mark.parametrize("first_close", ["dismiss", "resubmit"])
def test_a_closed_entry_cannot_be_closed_again(store, rejected, first_close):
    if first_close == "dismiss":
        dismiss(store, key(rejected), note="typo")
    else:
        resubmit(store, key(rejected), op({"parents": 3}))
    stored = store.snapshot()
    with pytest.raises(QuarantineClosed):
        dismiss(store, key(rejected), note="again")
    with pytest.raises(QuarantineClosed):
        resubmit(store, key(rejected), op({"parents": 4}))
    assert store.snapshot() == stored


def test_an_unknown_entry_is_reported(store):
    with pytest.raises(QuarantineNotFound):
        dismiss(store, op_key(AUTHOR, new_op_id()))
    with pytest.raises(QuarantineNotFound):
        resubmit(store, op_key(AUTHOR, new_op_id()), op({"parents": 1}))


def test_entries_received_together_are_listed_by_their_id_on_every_store(store):
    # The memory store listed them in arrival order, SQL by id: one order for every store.
    ids = ["00000000-0000-0000-0000-000000000009", "00000000-0000-0000-0000-000000000003",
           "00000000-0000-0000-0000-000000000005"]
    push(store, [op({"parents": -1}, op_id=op_id) for op_id in ids])
    listed = [entry.op_id for entry in store.list_quarantine(EVERYWHERE)]
    assert listed == sorted(op_key(AUTHOR, op_id) for op_id in ids)


# --- the author's own resend settles the entry ------------------------------------------------


def test_the_authors_corrected_op_on_the_same_fields_settles_the_entry(store, rejected):
    corrected = op({"parents": 3, "notes": "ひだまり"})
    result = push(store, [corrected])
    assert result.results[0].status is Status.APPLIED
    assert store.list_quarantine(HUB) == []
    entry = store.get_quarantine(key(rejected))
    assert (entry.state, entry.closed_by, entry.closed_ms, entry.resubmitted_op_id) == (
        QuarantineState.RESUBMITTED, AUTHOR, NOW_MS, op_key(AUTHOR, corrected.op_id))
    assert [close.op_id for close in result.settled] == [key(rejected)]
    assert pulled(store, "visit", VISIT_ID).decoded()["parents"] == 3


def test_a_later_op_that_leaves_out_a_rejected_field_settles_nothing(store, rejected):
    push(store, [op({"parents": 3})])
    assert [e.op_id for e in store.list_quarantine(HUB)] == [key(rejected)]


def test_another_authors_op_or_another_record_settles_nothing(store, rejected):
    push(store, [op({"parents": 3, "notes": "x"})], author="someone-else")
    push(store, [op({"parents": 3, "notes": "x"}, record_id=f"{SITE}:2025-04-09:am")])
    assert [e.op_id for e in store.list_quarantine(HUB)] == [key(rejected)]


def test_a_rejected_resend_settles_nothing(store, rejected):
    push(store, [op({"parents": -1, "notes": "ひだまり"})])
    assert key(rejected) in [e.op_id for e in store.list_quarantine(HUB)]
    assert store.get_quarantine(key(rejected)).state is QuarantineState.OPEN


def test_an_entry_the_hub_dismissed_stays_dismissed_after_a_resend(store, rejected):
    dismiss(store, key(rejected))
    result = push(store, [op({"parents": 3, "notes": "ひだまり"})])
    assert result.results[0].status is Status.APPLIED and result.settled == ()
    assert store.get_quarantine(key(rejected)).state is QuarantineState.DISMISSED
