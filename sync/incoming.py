"""Reading an incoming op: what it is, who answers for it, and whether it may be applied.

An op arrives as an ``Op`` or its wire dict, and may be anything at all. ``read_op``
names it (its own op id, or a digest of its content when it has none that is usable) and
checks it whole, on its own, never against stored state, so acceptance does not depend on
arrival order. ``scope_problem`` and ``minted_problem`` are the two checks that need the
record's current data; the batch (``batch.Plan``) runs them once it has loaded the record.
Nothing here touches a store.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from . import hlc as clocks
from .collections import (
    COLLECTIONS,
    RECORD_ID,
    CollectionSpec,
    Invalid,
    Kind,
    Problem,
    identifier,
)
from .protocol import Op, Reason, Scope, parse_conflict_id

MAX_VERSION = 2**31 - 1
"""A record's version is stored as a 32-bit integer: no op can have seen a later one."""


def op_key(author: str, op_id: str) -> str:
    """The op log's key of ``author``'s op ``op_id``.

    Idempotency is per author: a phone's retry is recognised, but nobody can claim an
    id another author (a phone, or the server's own timers) will use, nor learn from a
    "duplicate" answer what someone else's op did. An author is an identifier, so it
    holds no ``:`` and the key reads back unambiguously.
    """
    return f"{author}:{op_id}"


def own_op_id(key: str) -> str:
    """The op's own id in an op-log key (``op_key``)."""
    return key.partition(":")[2] or key


@dataclass(frozen=True)
class Incoming:
    """One op as read: the ``Op`` (``None`` if it was not one), the id it is answered
    under, what was received, and what is wrong with it on its own, if anything."""

    op: Op | None
    op_id: str  # the op's own id, or one derived from a payload without one
    raw: Any  # as received
    problem: Problem | None
    author: str

    @property
    def key(self) -> str:
        """The op-log key (``op_key``)."""
        return op_key(self.author, self.op_id)

    @property
    def payload(self) -> Any:
        """The op as received, JSON-ready, for the quarantine."""
        return _op_payload(self.raw) if isinstance(self.raw, Op) else json_ready(self.raw)


def read_op(raw: Op | Mapping[str, Any] | Any, author: str) -> Incoming:
    """``raw`` as ``author``'s op, named and checked on its own (``envelope_problem``)."""
    if isinstance(raw, Op):
        op, problem = raw, None
    elif isinstance(raw, Mapping):
        try:
            op, problem = Op.from_dict(raw), None
        except ValueError as error:
            op, problem = None, (Reason.MALFORMED, str(error))
    else:
        op, problem = None, (Reason.MALFORMED, "an op is a JSON object")
    if op is not None:
        problem = envelope_problem(op)
    claimed = op.op_id if op is not None else _claimed_op_id(raw)
    if is_uuid(claimed):
        return Incoming(op, claimed, raw, problem, author)
    unnamed = Incoming(op, "", raw, problem, author)
    return replace(unnamed, op_id=_derived_op_id(unnamed.payload))


def read_ops(raws: Sequence[Any], author: str) -> list[Incoming]:
    """Every op of a batch as ``read_op`` reads it, the batch's common shape read at once.

    A phone's op is nearly always a wire dict with the usual keys, a fresh uuid, the same
    device and user as its neighbours and a known collection. Such ops are read here in
    one pass with what the batch shares worked out once (which device and user ids are
    valid, which collection's compiled checkers apply); anything else, or anything that
    fails on the way, is read by ``read_op`` itself, so every answer and every reason is
    ``read_op``'s (a property test compares the two)."""
    valid_ids: dict[Any, bool] = {}
    read: list[Incoming] = []
    for raw in raws:
        item = _read_usual(raw, author, valid_ids) if type(raw) is dict else None
        read.append(item if item is not None else read_op(raw, author))
    return read


_USUAL_KEYS = frozenset({"op_id", "device_id", "user_id", "collection", "record_id", "hlc",
                         "base_version", "changes"})


def _read_usual(raw: dict, author: str, valid_ids: dict[Any, bool]) -> Incoming | None:
    """``read_op(raw, author)`` for an op of the usual shape, or ``None`` to leave ``raw``
    to ``read_op``: the checks run in ``Op.from_dict``'s and ``envelope_problem``'s order,
    and the first one that is not plainly passed hands over."""
    if not raw.keys() <= _USUAL_KEYS or len(raw) < 7:
        return None  # deletes, restores, resolves, missing or unknown keys
    try:
        op_id, device_id, user_id = raw["op_id"], raw["device_id"], raw["user_id"]
        collection, record_id, hlc = raw["collection"], raw["record_id"], raw["hlc"]
    except KeyError:
        return None
    base, changes = raw.get("base_version"), raw.get("changes")
    if (type(op_id) is not str or type(collection) is not str or type(record_id) is not str
            or type(hlc) is not str or type(changes) is not dict or not changes
            or (base is not None and (type(base) is not int or not 0 <= base <= MAX_VERSION))
            or _UUID.fullmatch(op_id) is None):
        return None
    for name in (device_id, user_id):
        if type(name) is not str:
            return None
        known = valid_ids.get(name)
        if known is None:
            known = valid_ids[name] = identifier(name) is None
        if not known:
            return None
    spec = COLLECTIONS.get(collection)
    derived = spec.derived_fields(record_id) if spec is not None else None
    if derived is None or not all(type(name) is str for name in changes):
        return None
    try:
        clocks.parse(hlc)
    except ValueError:
        return None
    op = Op(op_id, device_id, user_id, collection, record_id, hlc, base, dict(changes))
    return Incoming(op, op_id, raw, spec.changes_problem(changes, derived), author)


def json_ready(value: Any) -> Any:
    """``value`` with what JSON cannot carry (``NaN``, infinities) made text, so that the
    quarantine keeps every op, and its listing stays JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, Mapping):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    return value


def _op_payload(op: Op) -> Any:
    try:
        return op.to_dict()
    except (TypeError, ValueError):  # an Op built in code with a non-mapping ``changes``
        return {"unreadable_op": repr(op)}


def _claimed_op_id(raw: Any) -> Any:
    return raw.get("op_id") if isinstance(raw, Mapping) else None


def _derived_op_id(payload: Any) -> str:
    # An op without a usable id still needs one answer and one quarantine entry, also
    # when it is sent again: a digest of its content names it the same way every time.
    try:
        text = json.dumps(payload, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        text = repr(payload)
    return "malformed-" + hashlib.sha256(text.encode()).hexdigest()[:32]


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_uuid(value: Any) -> bool:
    """A UUID in its canonical text form (what ``str(uuid.UUID(...))`` gives)."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def envelope_problem(op: Op) -> Problem | None:
    """What is wrong with an op on its own, without looking at stored state."""
    if not is_uuid(op.op_id):
        return Reason.MALFORMED, "op_id must be a UUID in canonical lowercase form"
    for name in ("device_id", "user_id"):
        message = identifier(getattr(op, name))
        if message is not None:
            return Reason.MALFORMED, f"{name} {message}"
    try:
        clocks.parse(op.hlc)
    except ValueError:
        return Reason.MALFORMED, "hlc must read like 001733000000000:000000:node"
    if op.base_version is not None and (type(op.base_version) is not int
                                        or not 0 <= op.base_version <= MAX_VERSION):
        return Reason.MALFORMED, f"base_version must be null or an integer from 0 to {MAX_VERSION}"
    if not isinstance(op.changes, Mapping) or not all(isinstance(k, str) for k in op.changes):
        return Reason.MALFORMED, "changes must be an object"
    if op.delete and op.restore:
        return Reason.MALFORMED, "an op cannot both delete and restore"
    if (op.delete or op.restore) and op.changes:
        return Reason.MALFORMED, "a delete or restore carries no changes"
    if not (op.changes or op.delete or op.restore or op.resolves):
        return Reason.MALFORMED, "the op changes nothing"
    if not isinstance(op.collection, str) or not isinstance(op.record_id, str):
        return Reason.MALFORMED, "collection and record_id must be strings"
    spec = COLLECTIONS.get(op.collection)
    if spec is None:
        return Reason.UNKNOWN_COLLECTION, f"there is no collection {op.collection!r}"
    if not spec.accepts_id(op.record_id):
        return Reason.MALFORMED, f"{op.record_id!r} is not a valid {op.collection} record id"
    for settled in op.resolves:
        parsed = parse_conflict_id(settled)
        field = spec.fields.get(parsed[1]) if parsed is not None else None
        if (parsed is None or parsed[0] != op.key or field is None
                or field.kind != Kind.REGISTER or not is_uuid(parsed[2])):
            return Reason.MALFORMED, f"{settled!r} is not a conflict of this record"
    return spec.problem(op.record_id, op.changes)


def fault_of(payload: Any) -> Invalid | None:
    """The field at fault in a rejected op's kept payload, judged again, or ``None`` when
    no single field is (a malformed op, one outside scope). The value checks look only at
    the op, so they find the fault they found when it was rejected."""
    if not isinstance(payload, Mapping):
        return None
    spec = COLLECTIONS.get(payload.get("collection"))
    changes, record_id = payload.get("changes"), payload.get("record_id")
    if (spec is None or not isinstance(record_id, str) or not isinstance(changes, Mapping)
            or not all(isinstance(name, str) for name in changes)):
        return None
    found = spec.problem(record_id, changes)
    message = found[1] if found is not None else None
    return message if isinstance(message, Invalid) and message.field else None


def loadable(op: Op) -> bool:
    """Whether ``op`` names a record a store can hold (a known collection, a valid id)."""
    return (
        isinstance(op.collection, str)
        and op.collection in COLLECTIONS
        and isinstance(op.record_id, str)
        and RECORD_ID.fullmatch(op.record_id) is not None
    )


def scope_problem(
    op: Op, spec: CollectionSpec, data: Mapping[str, Any], scope: Scope
) -> Problem | None:
    """What ``scope`` may not do of what ``op`` does to a record holding ``data``."""
    if op.restore and not scope.may_restore:
        return Reason.OUT_OF_SCOPE, "only hub staff may restore a deleted record"
    sites = spec.sites(data)
    if not sites:
        # A record's first op names the sites it belongs to: a record without one would
        # be writable by anyone signed in, and a public one would reach every ward.
        missing = [name for name in spec.site_fields if op.changes.get(name) is None]
        if missing:
            return Reason.OUT_OF_SCOPE, (
                f"a new {op.collection} must name {', '.join(missing)}")
    elif not any(scope.covers(site) for site in sites):
        return Reason.OUT_OF_SCOPE, f"{op.collection} {op.record_id} belongs to {sites[0]}"
    owner = op.changes.get(spec.site_field)
    if owner is not None and not scope.covers(owner):
        return Reason.OUT_OF_SCOPE, f"{spec.site_field} {owner} is not one of your sites"
    if spec.staff_writes:
        site = owner if owner is not None else data.get(spec.site_field)
        if not scope.staffs(site):
            return Reason.OUT_OF_SCOPE, f"only staff of {spec.site_field} {site} write it"
    for name, (value, site_field) in spec.staff_only.items():
        if op.changes.get(name) != value:
            continue
        # Both the site the record names now and the one this op would give it: an op
        # that moves a card to the staff's own site must not vouch for the old one. No
        # site known yet refuses: staff confirm only what their replica shows.
        named = [site for site in (data.get(site_field), op.changes.get(site_field))
                 if site is not None]
        if not named or not all(scope.staffs(site) for site in named):
            site = named[0] if named else None
            return Reason.OUT_OF_SCOPE, f"only staff of {site_field} {site} may set {name} {value}"
    return None


def minted_problem(op: Op, spec: CollectionSpec, data: Mapping[str, Any],
                   minted: Mapping[str, str] | None) -> Problem | None:
    """Whether ``op`` names another owning site than the one its record id was minted
    for (``None`` skips the check)."""
    # Without it, anyone could claim the code printed on another site's paper card first.
    # Checked on every op that sets or keeps an owner, so leaving the owner out of an op
    # skips nothing.
    if minted is None or not spec.minted_ids:
        return None
    site = op.changes.get(spec.site_field, data.get(spec.site_field))
    if minted.get(op.record_id) != site:
        return Reason.OUT_OF_SCOPE, f"{op.record_id} was not minted for {spec.site_field} {site}"
    return None
