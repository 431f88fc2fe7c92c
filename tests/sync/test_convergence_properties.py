"""Property tests: whatever the delivery order, duplicates, retries and crashes, the
server ends in one state, loses no op, and every replica that pulls equals it.

The model: a fixed setup batch creates some records; then three phones make random ops
offline. A phone either pulled after the setup (its ops carry the setup versions as
``base_version``) or never did (``None``). The ops reach the server in random order,
some twice, in random batches, some batches crash once before being retried.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.collections import CARD_STATUS
from sync.engine import apply_push, changes_since, op_key
from sync.hlc import HLC
from sync.merge import order
from sync.protocol import Op, Reason, RecordKey, Scope, Status
from sync.store import MemoryStore

NOW_MS = 1_750_000_000_000
SETUP_MS = NOW_MS - 100_000
SITE = "site-a"
AUTHOR = "42"  # who signs in for every push here
SCOPE = Scope.of(SITE, may_restore=True, staff=(SITE, "site-b"))  # may confirm arrivals
V1 = RecordKey("visit", f"{SITE}:2025-04-08:am")  # created by the setup
V2 = RecordKey("visit", f"{SITE}:2025-04-08:pm")  # created offline
CARD = RecordKey("card", "card-1")  # created by the setup
OUT_OF_SCOPE = RecordKey("visit", "site-b:2025-04-08:am")
DEVICES = ("phone-0", "phone-1", "phone-2")
ELEMENTS = ("saturday", "outdoor_play", "meet_many")
COUNTERS = ("parents", "children_0")
REGISTERS = {V1: "notes", V2: "notes", CARD: "message"}

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)


def setup_ops() -> list[Op]:
    def op(n, key, changes):
        hlc = HLC(SETUP_MS, n, "setup").format()
        return Op(str(uuid.UUID(int=n + 1)), "setup", "hub-1", key.collection, key.record_id,
                  hlc, None, changes)

    return [
        op(0, V1, {"parents": 1, "notes": "setup", "needs": {"add": ["saturday"]}}),
        op(1, CARD, {"issuing_site_id": SITE, "target_site_id": "site-b", "status": "issued",
                     "message": "m0", "wishes": {"add": ["prenatal_ok"]}}),
    ]


SETUP_VERSIONS = {V1: 1, CARD: 1}


# --- what phones do -------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    key: RecordKey
    changes: dict
    flags: dict
    rejected_for: Reason | None = None


values = st.sampled_from(["a", "b", "c"])

counter_actions = st.builds(
    lambda key, field, n: Action(key, {field: n}, {}),
    st.sampled_from([V1, V2]), st.sampled_from(COUNTERS), st.integers(0, 5),
)
set_actions = st.builds(
    lambda key, add, remove: Action(key, {"needs": {"add": add, "remove": remove}}, {}),
    st.sampled_from([V1, V2]),
    st.lists(st.sampled_from(ELEMENTS), max_size=2, unique=True),
    st.lists(st.sampled_from(ELEMENTS), max_size=2, unique=True),
).filter(lambda a: not set(a.changes["needs"]["add"]) & set(a.changes["needs"]["remove"]))
register_actions = st.builds(
    lambda key, value: Action(key, {REGISTERS[key]: value}, {}),
    st.sampled_from(list(REGISTERS)), values,
)
status_actions = st.builds(
    lambda state: Action(CARD, {"status": state}, {}), st.sampled_from(CARD_STATUS.order)
)
tombstone_actions = st.builds(
    lambda key, flag: Action(key, {}, {flag: True}),
    st.sampled_from([V1, CARD]), st.sampled_from(["delete", "restore"]),
)
invalid_actions = st.sampled_from([
    Action(V1, {"attendance": 1}, {}, Reason.UNKNOWN_FIELD),
    Action(V2, {"parents": -1}, {}, Reason.INVALID_VALUE),
    Action(CARD, {"status": "lost"}, {}, Reason.INVALID_STATUS),
    Action(RecordKey("diary", "d-1"), {"x": 1}, {}, Reason.UNKNOWN_COLLECTION),
    Action(OUT_OF_SCOPE, {"parents": 2}, {}, Reason.OUT_OF_SCOPE),
])
actions = st.one_of(
    counter_actions, set_actions, register_actions, status_actions, tombstone_actions,
    invalid_actions,
)


@st.composite
def offline_work(draw):
    """Ops of three phones, each with its own clock; returns (ops, actions by op id)."""
    synced = draw(st.lists(st.booleans(), min_size=3, max_size=3))
    clocks = [HLC(NOW_MS - draw(st.integers(0, 20)), 0, device) for device in DEVICES]
    steps = draw(st.lists(st.tuples(st.integers(0, 2), actions, st.integers(0, 2)),
                          min_size=1, max_size=24))
    ops, planned = [], {}
    for n, (device, action, step) in enumerate(steps):
        clock = clocks[device]
        clocks[device] = clock = HLC(clock.wall_ms + step, clock.counter + 1 if not step else 0,
                                     clock.node)
        base = SETUP_VERSIONS.get(action.key) if synced[device] else None
        op = Op(str(uuid.UUID(int=1000 + n)), DEVICES[device], f"user-{device}",
                action.key.collection, action.key.record_id, clock.format(), base,
                action.changes, **action.flags)
        ops.append(op)
        planned[op.op_id] = (action, synced[device])
    return ops, planned


@st.composite
def deliveries(draw, ops):
    """The ops in random order, some twice, cut into batches; some batches crash once;
    some batches are sent again after all (a phone that lost the answers)."""
    again = draw(st.lists(st.sampled_from(ops), max_size=5))
    sequence = draw(st.permutations(ops + again))
    batches, start = [], 0
    while start < len(sequence):
        size = draw(st.integers(1, 6))
        batches.append(sequence[start:start + size])
        start += size
    batches += [batches[i] for i in draw(st.lists(st.integers(0, len(batches) - 1),
                                                  max_size=3))]
    crashes = draw(st.lists(st.booleans(), min_size=len(batches), max_size=len(batches)))
    return list(zip(batches, crashes, strict=True))


# --- running a delivery -----------------------------------------------------------------------


class Crash(Exception):
    pass


class CrashingStore(MemoryStore):
    """Dies during the next write, before it commits: the process was killed."""

    crash_next = False

    def write_batch(self, batch):
        if self.crash_next:
            self.crash_next = False
            raise Crash
        return super().write_batch(batch)


def push(store, ops):
    return apply_push(store, ops, now_ms=NOW_MS, max_drift_ms=60_000, scope=SCOPE,
                      server_node="server-1", author=AUTHOR)


def pull_into(replica, store, cursor, limit):
    while True:
        page = changes_since(store, cursor, SCOPE, limit)
        for change in page.changes:
            replica[(change.collection, change.record_id)] = (
                change.version, change.deleted, change.decoded()
            )
        cursor = page.cursor
        if not page.more:
            return cursor


def card_rank(store):
    record = store.snapshot()["records"][CARD]
    return CARD_STATUS.rank(json.loads(record.data_json)["status"])


def deliver(schedule, pull_limit=3):
    """Push every batch (retrying crashed ones) while a phone pulls after each push."""
    store = CrashingStore()
    push(store, setup_ops())
    replica, cursor, ranks = {}, 0, [card_rank(store)]
    for batch, crash in schedule:
        if crash:
            before = store.snapshot()
            store.crash_next = True
            try:
                push(store, batch)
            except Crash:
                pass
            store.crash_next = False  # a batch of duplicates writes nothing, so never crashed
            assert store.snapshot() == before, "a crashed push left part of its batch"
        push(store, batch)
        cursor = pull_into(replica, store, cursor, pull_limit)
        ranks.append(card_rank(store))
    return store, replica, ranks


def observable(store):
    """Everything a client can see, without positions (which follow arrival order)."""
    snapshot = store.snapshot()
    return {
        "records": {key: (r.version, r.deleted, json.loads(r.data_json))
                    for key, r in snapshot["records"].items()},
        "conflicts": sorted((c.conflict_id, c.value, c.winner_op_id)
                            for c in store.list_conflicts(Scope.everywhere())),
        "answers": {entry.result.op_id: (entry.result.status, entry.result.reason)
                    for entry, _position in snapshot["log"].values()},
        "quarantine": {op_id: entry.reason for op_id, entry in snapshot["quarantine"].items()},
    }


def data(store, key):
    return json.loads(store.snapshot()["records"][key].data_json)


# --- the properties ---------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(st.data())
def test_final_state_is_the_same_for_every_delivery_order(draw):
    ops, _planned = draw.draw(offline_work())
    in_order, _replica, _ranks = deliver([(ops, False)])
    shuffled, _replica, _ranks = deliver(draw.draw(deliveries(ops)))
    assert observable(shuffled) == observable(in_order)


@PROPERTY_SETTINGS
@given(st.data())
def test_no_op_is_lost(draw):
    ops, planned = draw.draw(offline_work())
    store, _replica, _ranks = deliver(draw.draw(deliveries(ops)))
    answers = observable(store)["answers"]
    quarantine = store.snapshot()["quarantine"]
    for op in ops:
        action, _synced = planned[op.op_id]
        status, reason = answers[op.op_id]
        if action.rejected_for is None:
            assert status is Status.APPLIED
        else:
            assert (status, reason) == (Status.REJECTED, action.rejected_for)
            assert quarantine[op_key(AUTHOR, op.op_id)].payload == op.to_dict()


@PROPERTY_SETTINGS
@given(st.data())
def test_counters_equal_the_sum_of_each_devices_latest_contribution(draw):
    ops, planned = draw.draw(offline_work())
    store, _replica, _ranks = deliver(draw.draw(deliveries(ops)))
    for key in (V1, V2):
        for field in COUNTERS:
            latest = {"setup": (("", ""), 1)} if (key, field) == (V1, "parents") else {}
            for op in ops:
                if op.key == key and field in op.changes and not planned[op.op_id][0].rejected_for:
                    mark = (op.hlc, op.op_id)
                    if op.device_id not in latest or latest[op.device_id][0] < mark:
                        latest[op.device_id] = (mark, op.changes[field])
            expected = sum(n for _mark, n in latest.values()) if latest else None
            stored = data(store, key) if key in store.snapshot()["records"] else {}
            assert stored.get(field) == expected


@PROPERTY_SETTINGS
@given(st.data())
def test_a_cards_status_never_goes_back(draw):
    ops, _planned = draw.draw(offline_work())
    _store, _replica, ranks = deliver(draw.draw(deliveries(ops)))
    assert ranks == sorted(ranks)


@PROPERTY_SETTINGS
@given(st.data())
def test_every_concurrent_register_edit_leaves_one_winner_and_the_others_as_conflicts(draw):
    ops, planned = draw.draw(offline_work())
    store, _replica, _ranks = deliver(draw.draw(deliveries(ops)))
    setup = {write.key: write for write in setup_ops()}
    for key, field in REGISTERS.items():
        writes = [
            {"value": op.changes[field], "hlc": op.hlc, "device": op.device_id, "op": op.op_id,
             "synced": planned[op.op_id][1]}
            for op in ops
            if op.key == key and field in op.changes
        ]
        latest = {}
        for write in writes:
            mine = latest.get(write["device"])
            if mine is None or (mine["hlc"], mine["op"]) < (write["hlc"], write["op"]):
                latest[write["device"]] = write
        if key in setup:
            latest["setup"] = {"value": setup[key].changes[field], "hlc": setup[key].hlc,
                               "device": "setup", "op": setup[key].op_id}
        # The setup value was on the screen of every phone that pulled after the setup:
        # when one of those wrote the field, it replaced the setup value knowingly.
        setup_replaced_knowingly = any(w["synced"] for w in writes)
        if not latest:
            continue
        winner = max(latest.values(), key=order)
        expected = sorted(
            w["op"] for w in latest.values()
            if w is not winner and w["value"] != winner["value"]
            and not (w["device"] == "setup" and setup_replaced_knowingly)
        )
        record = store.snapshot()["records"][key]
        assert json.loads(record.data_json)[field] == winner["value"]
        kept = sorted(c.op_id for c in store.list_conflicts(SCOPE)
                      if (c.collection, c.record_id, c.field) == (*key, field))
        assert kept == expected


@PROPERTY_SETTINGS
@given(st.data())
def test_after_a_full_pull_a_replica_equals_the_server(draw):
    ops, _planned = draw.draw(offline_work())
    limit = draw.draw(st.integers(1, 4))
    store, incremental, _ranks = deliver(draw.draw(deliveries(ops)), pull_limit=limit)
    from_zero = {}
    pull_into(from_zero, store, 0, limit)
    server = {
        key: (r.version, r.deleted, None if r.deleted else json.loads(r.data_json))
        for key, r in store.snapshot()["records"].items()
        if r.public or SITE in r.sites
    }
    assert from_zero == server
    assert incremental == server


@PROPERTY_SETTINGS
@given(
    st.sampled_from(["a", "b"]),
    st.integers(0, 3),
    st.integers(0, 3),
    st.permutations([0, 1, 0, 1, 1]),
)
def test_two_concurrent_edits_leave_one_winner_and_one_stored_conflict(
    first_value, first_ms, second_ms, arrival
):
    edits = [
        Op(str(uuid.UUID(int=1 + i)), device, f"user-{device}", V2.collection, V2.record_id,
           HLC(NOW_MS + at, 0, device).format(), None, {"notes": value})
        for i, (device, at, value) in enumerate(
            [("phone-0", first_ms, first_value), ("phone-1", second_ms, first_value + "!")]
        )
    ]
    store = MemoryStore()
    for index in arrival:
        push(store, [edits[index]])
    winner = max(edits, key=lambda op: (op.hlc, op.device_id, op.op_id))
    loser = edits[1 - edits.index(winner)]
    assert data(store, V2)["notes"] == winner.changes["notes"]
    (conflict,) = store.list_conflicts(SCOPE)
    assert (conflict.op_id, conflict.value, conflict.winner_op_id) == (
        loser.op_id, loser.changes["notes"], winner.op_id
    )
