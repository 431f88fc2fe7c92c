"""Every store keeps the loser of a concurrent edit as a conflict, lists it by scope and to
its author, and lets a resolution close it through the merge path, the result pulling like
any other change."""

from __future__ import annotations

import pytest

from sync.engine import Resolution, resolve_conflict
from sync.errors import ConflictNotFound, RejectedOp
from sync.hlc import HLC
from sync.protocol import Conflict, Reason, Scope, Status

from .engine_support import (
    HUB,
    NOW_MS,
    OTHER_SITE,
    SERVER,
    SITE,
    VISIT_ID,
    new_op_id,
    op,
    pull_wire,
    pulled,
    push,
)


@pytest.fixture
def conflict(store):
    """Phone A wrote "A", phone B concurrently wrote "B" and won; "A" is kept."""
    first = op({"notes": "A"}, device="phone-a", at_ms=NOW_MS - 2)
    push(store, [first])
    second = op({"notes": "B"}, device="phone-b", at_ms=NOW_MS - 1)
    answer = push(store, [second]).results[0]
    (found,) = store.list_conflicts(HUB)
    assert answer.conflicts == (found.conflict_id,)
    return found


def resolve(store, conflict_id, resolution, op_id=None, scope=HUB, **extra):
    return resolve_conflict(store, conflict_id, resolution, op_id=op_id or new_op_id(),
                            user_id="hub-1", now_ms=NOW_MS + 1_000, scope=scope,
                            server_node=SERVER, **extra)


def notes(store):
    return pulled(store, "visit", VISIT_ID).decoded()["notes"]


def test_the_losing_value_is_stored_whole(store):
    loser = op({"notes": "A"}, device="phone-a", at_ms=NOW_MS - 2)
    winner = op({"notes": "B"}, device="phone-b", at_ms=NOW_MS - 1)
    push(store, [loser])
    push(store, [winner])
    assert store.list_conflicts(HUB) == [Conflict(
        conflict_id=f"visit/{VISIT_ID}/notes/{loser.op_id}", collection="visit",
        record_id=VISIT_ID, field="notes", value="A", op_id=loser.op_id, device_id="phone-a",
        user_id="user-phone-a", hlc=HLC(NOW_MS - 2, 0, "phone-a").format(),
        winner_op_id=winner.op_id)]
    assert notes(store) == "B"


def test_conflicts_are_listed_to_their_sites_and_to_the_author_of_the_losing_value(
        store, conflict):
    assert store.list_conflicts(Scope.everywhere()) == [conflict]
    assert store.list_conflicts(Scope.of(OTHER_SITE)) == []
    assert store.list_conflicts(Scope.of(OTHER_SITE), author_id="user-phone-a") == [conflict]
    assert store.list_conflicts(Scope.of(OTHER_SITE), author_id="user-phone-b") == []


def test_a_cards_conflict_is_listed_at_both_of_its_sites(store):
    card = {"issuing_site_id": SITE, "target_site_id": OTHER_SITE}
    push(store, [op({**card, "ask_for": "田中さん"}, collection="card", record_id="card-1",
                    device="phone-a", at_ms=NOW_MS - 2)])
    push(store, [op({"ask_for": "鈴木さん"}, collection="card", record_id="card-1",
                    device="phone-b", at_ms=NOW_MS - 1)])
    (kept,) = store.list_conflicts(Scope.of(SITE))
    assert (kept.field, kept.value) == ("ask_for", "田中さん")
    assert store.list_conflicts(Scope.of(OTHER_SITE)) == [kept]
    assert store.list_conflicts(Scope.of("third-site")) == []


def test_a_public_records_conflict_is_listed_at_its_site_only(store):
    staff = Scope.of(OTHER_SITE, staff=(OTHER_SITE,))
    push(store, [op({"site_id": OTHER_SITE, "capacity": 12}, collection="programme",
                    record_id="prog-1", device="phone-a", at_ms=NOW_MS - 2)], scope=staff)
    push(store, [op({"capacity": 20}, collection="programme", record_id="prog-1",
                    device="phone-b", at_ms=NOW_MS - 1)], scope=staff)
    (kept,) = store.list_conflicts(staff)
    assert kept.value == 12
    assert pulled(store, "programme", "prog-1", scope=Scope.of(SITE)).decoded()["capacity"] == 20
    assert store.list_conflicts(Scope.of(SITE)) == []


def test_conflicts_of_several_records_are_all_listed(store):
    records = [f"{SITE}:2025-04-{day:02d}:am" for day in (9, 8, 7)]
    for device, at in (("phone-a", NOW_MS - 2), ("phone-b", NOW_MS - 1)):
        push(store, [op({"notes": device}, device=device, record_id=record_id, at_ms=at)
                     for record_id in records])
    listed = store.list_conflicts(HUB)
    assert sorted((c.record_id, c.value) for c in listed) == sorted(
        (record_id, "phone-a") for record_id in records)


@pytest.mark.parametrize(
    ("resolution", "value", "shown"),
    [
        (Resolution.KEEP_CURRENT, None, "B"),
        (Resolution.TAKE_CONFLICT, None, "A"),
        (Resolution.WRITE_VALUE, "A と B", "A と B"),
    ],
)
def test_a_resolution_closes_the_conflict_and_pulls_as_the_next_version(
        store, conflict, resolution, value, shown):
    before = pulled(store, "visit", VISIT_ID)
    result = resolve(store, conflict.conflict_id, resolution, value=value)
    assert (result.status, result.conflicts, result.version) == (Status.APPLIED, (), 3)
    assert store.list_conflicts(Scope.everywhere()) == []
    assert store.list_conflicts(Scope.everywhere(), author_id="user-phone-a") == []
    after = pulled(store, "visit", VISIT_ID)
    assert (after.version, after.position) == (3, result.position)
    assert after.position > before.position
    assert after.decoded()["notes"] == shown
    assert pull_wire(store, HUB, cursor=before.position) == [
        {"position": result.position, "collection": "visit", "record_id": VISIT_ID,
         "version": 3, "deleted": False, "data": after.decoded()}]


def test_a_resolution_wins_over_clocks_ahead_of_the_server(store):
    push(store, [op({"notes": "A"}, device="phone-a", at_ms=NOW_MS + 50_000)])
    push(store, [op({"notes": "B"}, device="phone-b", at_ms=NOW_MS + 55_000)])
    (conflict,) = store.list_conflicts(HUB)
    resolve(store, conflict.conflict_id, Resolution.TAKE_CONFLICT)
    assert notes(store) == "A"


def test_a_retried_resolution_returns_the_first_answer_and_writes_nothing(store, conflict):
    op_id = new_op_id()
    first = resolve(store, conflict.conflict_id, Resolution.TAKE_CONFLICT, op_id)
    stored = store.snapshot()
    again = resolve(store, conflict.conflict_id, Resolution.TAKE_CONFLICT, op_id)
    assert again.status is Status.DUPLICATE
    assert (again.version, again.position) == (first.version, first.position)
    assert store.snapshot() == stored


def test_resolving_a_closed_conflict_is_refused(store, conflict):
    resolve(store, conflict.conflict_id, Resolution.KEEP_CURRENT)
    stored = store.snapshot()
    with pytest.raises(ConflictNotFound):
        resolve(store, conflict.conflict_id, Resolution.TAKE_CONFLICT)
    assert store.snapshot() == stored


@pytest.mark.parametrize(
    ("scope", "value", "reason"),
    [
        (HUB, 42, Reason.INVALID_VALUE),
        (Scope.of(OTHER_SITE, may_restore=True, staff=(OTHER_SITE,)), "x", Reason.OUT_OF_SCOPE),
    ],
    ids=["invalid value", "outside the scope"],
)
def test_a_refused_resolution_writes_nothing_and_leaves_the_conflict_open(
        store, conflict, scope, value, reason):
    stored = store.snapshot()
    with pytest.raises(RejectedOp) as raised:
        resolve(store, conflict.conflict_id, Resolution.WRITE_VALUE, scope=scope, value=value)
    assert raised.value.code == reason
    assert store.snapshot() == stored
    assert store.list_conflicts(HUB) == [conflict]


def test_the_author_can_settle_a_conflict_with_an_op_from_the_phone(store, conflict):
    settle = op({"notes": "A, after all"}, device="phone-a", base_version=2, at_ms=NOW_MS + 10,
                resolves=(conflict.conflict_id,))
    assert push(store, [settle]).results[0].conflicts == ()
    assert notes(store) == "A, after all"
    assert store.list_conflicts(Scope.everywhere()) == []
