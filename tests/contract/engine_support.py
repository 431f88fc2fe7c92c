"""Driving the sync engine against the contract suite's ``store``: ops, pushes and pulls,
the same calls whatever the backend, so that a test asserts only what it observes."""

from __future__ import annotations

import itertools
import json
import uuid

from sync.engine import apply_push, changes_since, wire_since
from sync.hlc import HLC
from sync.protocol import Change, Op, PushResult, RecordKey, Scope

NOW_MS = 1_750_000_000_000
MAX_DRIFT_MS = 60_000
SERVER = "server-1"
AUTHOR = "42"
"""Who the server signed in for a push: op ids are idempotent per author."""
SITE = "kohoku-hiroba"
OTHER_SITE = "tsurumi-salon"
VISIT_ID = f"{SITE}:2025-04-08:am"
VOLUNTEER = Scope.of(SITE)
HUB = Scope.of(SITE, may_restore=True, staff=(SITE,))

# Unique across the run, so no test can meet another's op id by accident; a test that
# means to reuse an id passes it.
_op_numbers = itertools.count(1)


def new_op_id() -> str:
    return str(uuid.UUID(int=next(_op_numbers)))


def op(changes=None, *, device="phone-a", user=None, collection="visit", record_id=VISIT_ID,
       at_ms=NOW_MS, base_version=None, op_id=None, **flags) -> Op:
    """A phone's op; by default a visit op at ``SITE`` from phone-a."""
    return Op(op_id=op_id or new_op_id(), device_id=device, user_id=user or f"user-{device}",
              collection=collection, record_id=record_id, hlc=HLC(at_ms, 0, device).format(),
              base_version=base_version, changes=changes or {}, **flags)


def push(store, ops, *, scope=HUB, now_ms=NOW_MS, author=AUTHOR) -> PushResult:
    return apply_push(store, ops, now_ms=now_ms, max_drift_ms=MAX_DRIFT_MS, scope=scope,
                      server_node=SERVER, author=author)


def pull(store, scope, limit=100, cursor=0) -> list[Change]:
    """Every change after ``cursor`` visible to ``scope``, page by page as a phone pulls."""
    changes, more = [], True
    while more:
        page = changes_since(store, cursor, scope, limit)
        changes += page.changes
        cursor, more = page.cursor, page.more
    return changes


def pull_wire(store, scope, limit=100, cursor=0) -> list[dict]:
    """The same, in the wire form a pull sends, decoded."""
    bodies, more = [], True
    while more:
        page = wire_since(store, cursor, scope, limit)
        bodies += [json.loads(body) for body in page.changes]
        cursor, more = page.cursor, page.more
    return bodies


def pulled(store, collection, record_id, scope=HUB) -> Change | None:
    """The change a pull from the start gives for one record (None: not visible)."""
    found = [c for c in pull(store, scope) if (c.collection, c.record_id) == (collection,
                                                                              record_id)]
    assert len(found) <= 1, "a record shows once in a pull"
    return found[0] if found else None


def stored_state(store, collection, record_id) -> tuple[dict, dict] | None:
    """A stored record's ``data`` and ``meta``, tombstones included."""
    key = RecordKey(collection, record_id)
    record = store.load_batch([], [key]).records.get(key)
    return None if record is None else (json.loads(record.data_json),
                                        json.loads(record.meta_json))
