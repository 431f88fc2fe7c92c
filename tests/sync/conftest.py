"""Fixtures for the sync core: a fresh in-memory store and op factories. No Flask."""

from __future__ import annotations

import itertools
import uuid

import pytest

from sync.engine import apply_push
from sync.hlc import HLC
from sync.protocol import Op, Scope
from sync.store import MemoryStore

NOW_MS = 1_750_000_000_000
MAX_DRIFT_MS = 60_000
SERVER = "server-1"
SITE = "kohoku-hiroba"
AUTHOR = "42"
"""Who the server signed in for a push: op ids are idempotent per author."""
OTHER_SITE = "tsurumi-salon"
VISIT_ID = f"{SITE}:2025-04-08:am"


@pytest.fixture
def store():
    return MemoryStore()


@pytest.fixture
def new_op_id():
    """Returns a factory of fresh, deterministic op ids."""
    numbers = itertools.count(1)
    return lambda: str(uuid.UUID(int=next(numbers)))


@pytest.fixture
def create_op(new_op_id):
    """Returns a factory of ops; by default a visit op at ``SITE`` from phone-a."""

    def create(
        changes=None,
        *,
        device="phone-a",
        user=None,
        collection="visit",
        record_id=VISIT_ID,
        at_ms=NOW_MS,
        counter=0,
        base_version=None,
        op_id=None,
        **flags,
    ) -> Op:
        return Op(
            op_id=op_id or new_op_id(),
            device_id=device,
            user_id=user or f"user-{device}",
            collection=collection,
            record_id=record_id,
            hlc=HLC(at_ms, counter, device).format(),
            base_version=base_version,
            changes=changes or {},
            **flags,
        )

    return create


@pytest.fixture
def push(store):
    """Returns ``push(ops, scope=…, now_ms=…)`` against the test's store."""

    def run(ops, *, scope=None, now_ms=NOW_MS, target=None, author=AUTHOR):
        return apply_push(
            target or store,
            ops,
            now_ms=now_ms,
            max_drift_ms=MAX_DRIFT_MS,
            scope=scope or Scope.of(SITE, may_restore=True),
            server_node=SERVER,
            author=author,
        )

    return run
