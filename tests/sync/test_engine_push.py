"""Pushing a batch: validation and quarantine, idempotency, clamping, batching, races."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from sync.engine import apply_push, changes_since, op_key
from sync.errors import BatchTooLarge, InvalidRequest, StaleBatch, UnsupportedProtocol
from sync.hlc import HLC, parse
from sync.protocol import (
    PROTOCOL_VERSION,
    QuarantineState,
    Reason,
    Scope,
    Status,
    require_protocol,
)
from sync.store import MemoryStore

NOW_MS = 1_750_000_000_000
SITE = "kohoku-hiroba"
OTHER_SITE = "tsurumi-salon"
AUTHOR = "42"  # whom the ``push`` fixture signs in
VISIT_ID = f"{SITE}:2025-04-08:am"
CARD_ID = "card-0001"


def visit_data(store, record_id=VISIT_ID):
    key = ("visit", record_id)
    return json.loads(store.load_batch([], [key]).records[key].data_json)


BAD_OPS = {
    "unknown_collection": (Reason.UNKNOWN_COLLECTION, lambda op: op({"x": 1}, collection="diary")),
    "unknown_field": (Reason.UNKNOWN_FIELD, lambda op: op({"attendance": 3})),
    "invalid_value": (Reason.INVALID_VALUE, lambda op: op({"parents": -1})),
    "invalid_set_element": (Reason.INVALID_VALUE, lambda op: op({"needs": {"add": ["pool"]}})),
    "invalid_status": (
        Reason.INVALID_STATUS,
        lambda op: op({"status": "lost", "issuing_site_id": SITE}, collection="card",
                      record_id=CARD_ID),
    ),
    "out_of_scope": (
        Reason.OUT_OF_SCOPE,
        lambda op: op({"parents": 1}, record_id=f"{OTHER_SITE}:2025-04-08:am"),
    ),
    "malformed_clock": (Reason.MALFORMED, lambda op: replace(op({"parents": 1}), hlc="yesterday")),
    "malformed_op_id": (Reason.MALFORMED, lambda op: op({"parents": 1}, op_id="op-1")),
    "malformed_record_id": (Reason.MALFORMED, lambda op: op({"parents": 1}, record_id="visit-7")),
    "delete_with_changes": (Reason.MALFORMED, lambda op: op({"parents": 1}, delete=True)),
    "changes_nothing": (Reason.MALFORMED, lambda op: op({})),
    "missing_keys": (Reason.MALFORMED, lambda op: {"op_id": op({}).op_id, "changes": {}}),
    "not_an_object": (Reason.MALFORMED, lambda op: ["parents", 1]),
}


@pytest.mark.parametrize(("reason", "make_bad"), BAD_OPS.values(), ids=BAD_OPS.keys())
def test_each_invalid_op_is_quarantined_while_the_good_ops_of_its_batch_apply(
    store, push, create_op, reason, make_bad
):
    good_before = create_op({"parents": 2}, device="phone-a")
    bad = make_bad(create_op)
    good_after = create_op({"children_0": 1}, device="phone-b")

    results = push([good_before, bad, good_after]).results

    assert [r.status for r in results] == [Status.APPLIED, Status.REJECTED, Status.APPLIED]
    assert results[1].reason is reason
    assert results[1].message
    assert visit_data(store)["parents"] == 2
    assert visit_data(store)["children_0"] == 1
    entry = store.get_quarantine(op_key(AUTHOR, results[1].op_id))
    assert entry.reason is reason
    assert entry.state is QuarantineState.OPEN
    assert entry.payload == (bad.to_dict() if hasattr(bad, "to_dict") else bad)


def test_a_quarantine_entry_names_the_site_the_op_aimed_at(push, create_op, store):
    result = push([create_op({"parents": 1}, record_id=f"{OTHER_SITE}:2025-04-08:am")]).results[0]
    entry = store.get_quarantine(op_key(AUTHOR, result.op_id))
    assert entry.site_id == OTHER_SITE
    assert entry.user_id == AUTHOR  # who signed in, whatever the op claims


def test_a_retried_push_returns_the_same_answers_and_changes_nothing(store, push, create_op):
    batch = [
        create_op({"parents": 2, "notes": "雨"}, device="phone-a", at_ms=NOW_MS - 5),
        create_op({"parents": 3, "notes": "晴れ"}, device="phone-b", at_ms=NOW_MS - 4),
        create_op({"parents": -3}, device="phone-b"),
        create_op({"notes": "x"}, device="phone-c", at_ms=NOW_MS + 10**9),  # clamped
    ]
    first = push(batch)
    stored = store.snapshot()

    second = push(batch, now_ms=NOW_MS + 5_000)
    third = push(list(reversed(batch)), now_ms=NOW_MS + 9_000)

    assert store.snapshot() == stored
    expected = tuple(
        replace(r, status=Status.DUPLICATE) if r.status is Status.APPLIED else r
        for r in first.results
    )
    assert second.results == expected
    assert third.results == tuple(reversed(expected))
    assert second.cursor == first.cursor
    assert first.results[1].conflicts  # the retry repeats conflicts it created, too
    assert second.results[3].clamped


def test_an_op_repeated_inside_one_batch_is_applied_once(store, push, create_op):
    op = create_op({"parents": 4})
    results = push([op, op, op]).results
    assert [r.status for r in results] == [Status.APPLIED, Status.DUPLICATE, Status.DUPLICATE]
    assert results[1] == replace(results[0], status=Status.DUPLICATE)
    assert results[0].position is not None
    assert visit_data(store)["parents"] == 4
    assert store.snapshot()["records"][("visit", VISIT_ID)].version == 1


def test_a_payload_without_an_op_id_is_quarantined_once_however_often_it_is_sent(store, push):
    garbage = {"collection": "visit", "changes": {"parents": 1}}
    first = push([garbage, garbage]).results
    again = push([dict(garbage)]).results
    assert first[0].op_id == first[1].op_id == again[0].op_id
    assert again[0].status is Status.REJECTED
    assert len(store.list_quarantine(Scope.everywhere())) == 1


def test_a_push_over_the_limit_is_refused_whole(store, create_op):
    ops = [create_op({"parents": 1}) for _ in range(4)]
    with pytest.raises(BatchTooLarge) as raised:
        apply_push(store, ops, now_ms=NOW_MS, max_drift_ms=0, scope=Scope.of(SITE),
                   server_node="s", author=AUTHOR, max_batch=3)
    assert raised.value.limit == 3
    assert "3" in raised.value.message
    assert raised.value.code == "batch_too_large"
    assert store.snapshot()["last_position"] == 0


def test_a_clock_far_ahead_is_clamped_and_the_clamp_reported(push, create_op, store):
    ahead = create_op({"notes": "from the future"}, at_ms=NOW_MS + 3_600_000)
    honest = create_op({"notes": "typed later, honest clock"}, device="phone-b",
                       at_ms=NOW_MS + 30_000, base_version=None)
    results = push([ahead]).results + push([honest], now_ms=NOW_MS + 40_000).results
    assert results[0].clamped
    assert parse(results[0].hlc).wall_ms == NOW_MS + 60_000
    assert not results[1].clamped
    # Clamped, the runaway clock no longer beats an honest edit made afterwards forever.
    assert push([create_op({"notes": "now"}, device="phone-b", at_ms=NOW_MS + 70_000)],
                now_ms=NOW_MS + 70_000).results[0].status is Status.APPLIED
    assert visit_data(store)["notes"] == "now"


def test_server_clock_in_the_answer_is_past_every_pushed_clock(push, create_op):
    result = push([create_op({"parents": 1}, at_ms=NOW_MS + 50_000, counter=7)])
    server = parse(result.server_hlc)
    assert server > HLC(NOW_MS + 50_000, 7, "phone-a")
    assert server.node == "server-1"


def test_concurrent_register_edits_report_the_kept_conflict(push, create_op, store):
    first = push([create_op({"notes": "A"}, device="phone-a", at_ms=NOW_MS - 2)]).results[0]
    second = push([create_op({"notes": "B"}, device="phone-b", at_ms=NOW_MS - 1)]).results[0]
    assert first.conflicts == ()
    assert second.conflicts == (f"visit/{VISIT_ID}/notes/{first.op_id}",)
    (conflict,) = store.list_conflicts(Scope.of(SITE))
    assert (conflict.value, conflict.winner_op_id, conflict.user_id) == ("A", second.op_id,
                                                                         "user-phone-a")


def test_an_edit_that_saw_the_value_replaces_it_without_a_conflict(push, create_op, store):
    first = push([create_op({"notes": "A"}, device="phone-a", at_ms=NOW_MS - 2)]).results[0]
    second = create_op({"notes": "B"}, device="phone-b", base_version=first.version)
    assert push([second]).results[0].conflicts == ()
    assert store.list_conflicts(Scope.everywhere()) == []


def test_a_push_costs_one_load_and_one_write_whatever_its_size(push, create_op):
    class CountingStore(MemoryStore):
        calls: list[str] = []

        def load_batch(self, op_ids, keys):
            self.calls.append("load")
            return super().load_batch(op_ids, keys)

        def write_batch(self, batch):
            self.calls.append("write")
            return super().write_batch(batch)

    counting = CountingStore()
    ops = [
        create_op({"parents": i % 7}, device=f"phone-{i % 5}",
                  record_id=f"{SITE}:2025-04-{1 + i % 28:02d}:am")
        for i in range(100)
    ]
    push(ops, target=counting)
    assert counting.calls == ["load", "write"]


def test_a_push_racing_another_writer_is_recomputed_not_lost(create_op, push):
    class RacingStore(MemoryStore):
        raced = False

        def write_batch(self, batch):
            if not self.raced:
                self.raced = True
                push([create_op({"parents": 5}, device="phone-b")], target=self)
            return super().write_batch(batch)

    racing = RacingStore()
    push([create_op({"parents": 2}, device="phone-a")], target=racing)
    assert visit_data(racing)["parents"] == 7


def test_a_push_gives_up_only_after_repeated_races(create_op, push):
    class AlwaysStale(MemoryStore):
        def write_batch(self, batch):
            raise StaleBatch("someone else was faster")

    with pytest.raises(StaleBatch):
        push([create_op({"parents": 2})], target=AlwaysStale())


def test_a_records_first_op_must_name_its_sites(push, create_op, store):
    # The security review: a card op naming no site applied, so anyone signed in could
    # write a record of another site's before its own phone synced.
    opened = create_op({"status": "opened"}, device="phone-b", collection="card",
                       record_id=CARD_ID, at_ms=NOW_MS - 1)
    only_target = create_op({"target_site_id": SITE, "message": "x"}, collection="card",
                            record_id=CARD_ID)
    issued = create_op({"status": "issued", "issuing_site_id": SITE, "target_site_id": OTHER_SITE},
                       collection="card", record_id=CARD_ID, at_ms=NOW_MS - 2)
    results = push([opened, only_target, issued]).results
    assert [r.status for r in results] == [Status.REJECTED, Status.REJECTED, Status.APPLIED]
    assert [r.reason for r in results[:2]] == [Reason.OUT_OF_SCOPE] * 2
    assert "issuing_site_id" in results[1].message
    stored = store.snapshot()["records"][("card", CARD_ID)]
    assert json.loads(stored.data_json)["status"] == "issued"


def test_a_public_record_without_a_site_is_refused(push, create_op, store):
    programme = create_op({"title": "どこにも属さない"}, collection="programme",
                          record_id="prog-1")
    result = push([programme], scope=Scope.everywhere()).results[0]
    assert (result.status, result.reason) == (Status.REJECTED, Reason.OUT_OF_SCOPE)
    assert ("programme", "prog-1") not in store.snapshot()["records"]


def test_a_scope_without_sites_writes_nothing(push, create_op, store):
    # A ward officer reads the ward and writes through push nothing at all.
    ops = [create_op({"parents": 1}),
           create_op({"status": "issued", "issuing_site_id": SITE, "target_site_id": OTHER_SITE},
                     collection="card", record_id=CARD_ID),
           create_op({"summary": "x"}, collection="outreach", record_id="o-1"),
           create_op({"site_id": SITE, "title": "x"}, collection="programme", record_id="p-1")]
    results = push(ops, scope=Scope(frozenset())).results
    assert {r.status for r in results} == {Status.REJECTED}
    assert store.snapshot()["records"] == {}


def _issued_card_and_arrival(push, create_op):
    issued = create_op({"status": "issued", "issuing_site_id": SITE, "target_site_id": OTHER_SITE},
                       collection="card", record_id=CARD_ID)
    push([issued])
    return create_op({"status": "arrived"}, device="phone-t", collection="card",
                     record_id=CARD_ID)


def test_a_cards_target_site_may_confirm_arrival_and_a_third_site_may_not(push, create_op, store):
    arrived = _issued_card_and_arrival(push, create_op)
    meddling = create_op({"status": "cancelled"}, device="phone-x", collection="card",
                         record_id=CARD_ID)
    target_staff = Scope.of(OTHER_SITE, staff=(OTHER_SITE,))
    assert push([arrived], scope=target_staff).results[0].status is Status.APPLIED
    assert push([meddling], scope=Scope.of("elsewhere")).results[0].reason is Reason.OUT_OF_SCOPE


@pytest.mark.parametrize("scope", [
    Scope.of(OTHER_SITE),  # a volunteer of the target site
    Scope.of(SITE, staff=(SITE,)),  # staff of the issuing site
])
def test_only_the_target_sites_staff_confirm_an_arrival(push, create_op, scope):
    arrived = _issued_card_and_arrival(push, create_op)
    (result,) = push([arrived], scope=scope).results
    assert result.reason is Reason.OUT_OF_SCOPE
    assert "only staff of target_site_id" in result.message


def test_a_record_cannot_be_moved_to_a_site_outside_scope(push, create_op):
    issued = create_op({"issuing_site_id": SITE}, collection="card", record_id=CARD_ID)
    moved = create_op({"issuing_site_id": "elsewhere"}, collection="card", record_id=CARD_ID)
    results = push([issued, moved]).results
    assert results[1].reason is Reason.OUT_OF_SCOPE


def test_ops_may_come_as_wire_dicts(push, create_op, store):
    result = push([create_op({"parents": 3}).to_dict()]).results[0]
    assert result.status is Status.APPLIED
    assert changes_since(store, 0, Scope.of(SITE)).changes[0].decoded()["parents"] == 3


@pytest.mark.parametrize(
    "arguments",
    [
        {"now_ms": -1, "max_drift_ms": 0, "server_node": "s"},
        {"now_ms": NOW_MS, "max_drift_ms": -5, "server_node": "s"},
        {"now_ms": NOW_MS, "max_drift_ms": 0, "server_node": "has space"},
        {"now_ms": 1.5, "max_drift_ms": 0, "server_node": "s"},
    ],
)
def test_bad_clock_arguments_are_refused(store, arguments):
    with pytest.raises(InvalidRequest):
        apply_push(store, [], scope=Scope.of(SITE), author=AUTHOR, **arguments)


def test_only_the_current_protocol_version_is_spoken():
    require_protocol(PROTOCOL_VERSION)
    with pytest.raises(UnsupportedProtocol) as raised:
        require_protocol(PROTOCOL_VERSION + 1)
    assert raised.value.code == "unsupported_protocol"


def test_an_arrival_for_a_card_not_seen_yet_is_refused(push, create_op):
    early = create_op({"status": "arrived"}, device="phone-t", collection="card",
                      record_id="never-issued")
    (result,) = push([early], scope=Scope.of(OTHER_SITE, staff=(OTHER_SITE,))).results
    assert result.reason is Reason.OUT_OF_SCOPE
