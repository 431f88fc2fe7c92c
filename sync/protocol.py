"""The shapes that cross the wire: ops a phone pushes, the answers, and pulled changes.

``schemas/`` loads requests into these dataclasses and dumps them back; the names of
fields here are the snake_case names on the wire. Every value is JSON-serialisable
through ``to_dict``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from .errors import UnsupportedProtocol

PROTOCOL_VERSION = 1
MAX_BATCH_OPS = 500
MAX_PULL_LIMIT = 10_000
DEFAULT_PULL_LIMIT = 500


def require_protocol(version: object) -> None:
    """:raise UnsupportedProtocol: ``version`` is not the one this core speaks."""
    if type(version) is not int or version != PROTOCOL_VERSION:
        raise UnsupportedProtocol(version, PROTOCOL_VERSION)


class Status(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class Reason(StrEnum):
    """Why an op was rejected. Stable codes: phones and hub staff see them."""

    MALFORMED = "malformed"
    UNKNOWN_COLLECTION = "unknown_collection"
    UNKNOWN_FIELD = "unknown_field"
    INVALID_VALUE = "invalid_value"
    INVALID_STATUS = "invalid_status"
    OUT_OF_SCOPE = "out_of_scope"


class Fault(StrEnum):
    """What is wrong with the value of the field an op was rejected for (``OpResult.field``).

    Stable codes, few on purpose: a phone words each in its user's language with the
    field's name, instead of showing the server's English message."""

    TOO_LONG = "too_long"  # ``limit``: the most characters
    OUT_OF_RANGE = "out_of_range"  # ``limit``: the highest number
    NOT_ALLOWED = "not_allowed"  # a value that is none of the field's choices
    BAD_FORMAT = "bad_format"  # the wrong type, or not a date, time, id…
    REQUIRED = "required"  # the field may not be cleared
    MISMATCH = "mismatch"  # differs from what the record id says


class RecordKey(NamedTuple):
    collection: str
    record_id: str


@dataclass(frozen=True)
class Scope:
    """The sites a user may read and write, decided by the server from the user's role.

    ``sites=None`` means every site (admin). Public collections (the directory) are
    readable whatever the scope; writing them still needs their site.
    """

    sites: frozenset[str] | None
    may_restore: bool = False
    staff_sites: frozenset[str] | None = frozenset()
    """Sites where the user works as staff (not as a volunteer): only they confirm what
    a site itself must vouch for, such as a family's arrival. ``None``: every site."""
    wards: frozenset[str] | None = None
    """When set, a store that indexes records by their sites' ward may read by it instead
    of by a long list of sites (hub staff read a whole ward). ``sites`` are then exactly
    the sites of these wards, and reading either way gives the same records, except in a
    scope made by ``of_wards``: that one lists no site, and is only for a store's feed
    that reads by ward."""

    @classmethod
    def of(cls, *sites: str, may_restore: bool = False,
           staff: tuple[str, ...] = ()) -> Scope:
        return cls(frozenset(sites), may_restore, frozenset(staff))

    @classmethod
    def everywhere(cls, *, may_restore: bool = True) -> Scope:
        return cls(None, may_restore, None)

    @classmethod
    def of_wards(cls, *wards: str) -> Scope:
        """The feed of these wards, for a store that reads it by ward, without the list of
        their sites (a query on every pull of hub staff). Nothing else may take it: a
        check or a read by site (``covers``, ``staffs``, ``record_visible``, a store that
        reads by site) finds no site in it and allows only public records."""
        return cls(frozenset(), wards=frozenset(wards))

    def covers(self, site_id: str | None) -> bool:
        if site_id is None:
            return False
        return self.sites is None or site_id in self.sites

    def staffs(self, site_id: str | None) -> bool:
        if site_id is None:
            return False
        return self.staff_sites is None or site_id in self.staff_sites


_OP_KEYS = {"op_id", "device_id", "user_id", "collection", "record_id", "hlc"}
_OP_OPTIONAL = {"base_version", "changes", "delete", "restore", "resolves"}


@dataclass(frozen=True)
class Op:
    """One local change, as a phone's outbox holds it. Treat ``changes`` as read-only.

    ``changes`` maps a field to its change, by the field's kind:

    - counter: the device's new *own contribution* as an absolute number, never a "+1".
      An increment applied twice (a retry whose answer was lost) would count twice, and
      two increments cannot be put back in order; an absolute value is idempotent and
      the newest one per device wins, so retries and reordering are harmless.
    - set: ``{"add": [...], "remove": [...]}``.
    - register: the new value (``None`` clears it).
    - status: the target state; the merge only ever moves forward in the lattice.

    ``delete`` makes the record a tombstone; ``restore`` brings it back. ``resolves``
    lists conflict ids this op settles. ``base_version`` is the record version the
    author had seen (``None``: never seen the record); it tells concurrent edits from
    sequential ones.
    """

    op_id: str
    device_id: str
    user_id: str
    collection: str
    record_id: str
    hlc: str
    base_version: int | None
    changes: Mapping[str, Any] = field(default_factory=dict)
    delete: bool = False
    restore: bool = False
    resolves: tuple[str, ...] = ()

    @property
    def key(self) -> RecordKey:
        return RecordKey(self.collection, self.record_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "op_id": self.op_id,
            "device_id": self.device_id,
            "user_id": self.user_id,
            "collection": self.collection,
            "record_id": self.record_id,
            "hlc": self.hlc,
            "base_version": self.base_version,
            "changes": dict(self.changes),
            "delete": self.delete,
            "restore": self.restore,
            "resolves": list(self.resolves),
        }

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> Op:
        """Build an op from its wire form, checking only types.

        :raise ValueError: a key is missing or unknown, or a value has the wrong type.
        """
        if not isinstance(payload, Mapping):
            raise ValueError("an op is a JSON object")
        missing = _OP_KEYS - payload.keys()
        if missing:
            raise ValueError(f"missing keys: {', '.join(sorted(missing))}")
        unknown = payload.keys() - _OP_KEYS - _OP_OPTIONAL
        if unknown:
            raise ValueError(f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
        for name in ("op_id", "device_id", "user_id", "collection", "record_id", "hlc"):
            if not isinstance(payload[name], str):
                raise ValueError(f"{name} must be a string")
        base = payload.get("base_version")
        if base is not None and (type(base) is not int or base < 0):
            raise ValueError("base_version must be null or an integer ≥ 0")
        changes = payload.get("changes", {})
        if not isinstance(changes, Mapping) or not all(isinstance(k, str) for k in changes):
            raise ValueError("changes must be an object")
        flags = {name: payload.get(name, False) for name in ("delete", "restore")}
        if not all(isinstance(v, bool) for v in flags.values()):
            raise ValueError("delete and restore must be booleans")
        resolves = payload.get("resolves", [])
        if not isinstance(resolves, list) or not all(isinstance(c, str) for c in resolves):
            raise ValueError("resolves must be a list of conflict ids")
        return cls(
            op_id=payload["op_id"],
            device_id=payload["device_id"],
            user_id=payload["user_id"],
            collection=payload["collection"],
            record_id=payload["record_id"],
            hlc=payload["hlc"],
            base_version=base,
            changes=dict(changes),
            delete=flags["delete"],
            restore=flags["restore"],
            resolves=tuple(resolves),
        )


@dataclass(frozen=True)
class OpResult:
    """The answer to one op.

    A retried op gets the stored answer of its first attempt, identical but for
    ``status``, which says "duplicate" where the first answer said "applied" (a rejected
    op stays "rejected", with the same reason).

    ``version`` is the record version right after this op, ``position`` the pull position
    of the change that carried it, ``conflicts`` the ids of conflicts it created (its own
    value lost, or the value it beat is kept), ``hlc`` the clock it was merged with, which
    differs from the pushed one when ``clamped``.

    A rejection says why in codes a phone words itself: ``reason``, and when one field is
    at fault, ``field`` with ``fault`` (and ``limit`` for a bound). ``message`` is the
    same in English, for developers.
    """

    op_id: str
    status: Status
    version: int | None = None
    position: int | None = None
    conflicts: tuple[str, ...] = ()
    clamped: bool = False
    hlc: str | None = None
    reason: Reason | None = None
    message: str | None = None
    field: str | None = None
    fault: Fault | None = None
    limit: int | None = None

    def to_dict(self) -> dict[str, Any]:
        # Spelled out: ``dataclasses.asdict`` deep-copies and probes the enums, which made
        # it the costliest step of a push.
        return {
            "op_id": self.op_id,
            "status": self.status.value,
            "version": self.version,
            "position": self.position,
            "conflicts": list(self.conflicts),
            "clamped": self.clamped,
            "hlc": self.hlc,
            "reason": None if self.reason is None else self.reason.value,
            "message": self.message,
            "field": self.field,
            "fault": None if self.fault is None else self.fault.value,
            "limit": self.limit,
        }

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> OpResult:
        # Answers stored before ``field`` and ``fault`` existed lack them.
        reason, fault = payload.get("reason"), payload.get("fault")
        return cls(
            op_id=payload["op_id"],
            status=Status(payload["status"]),
            version=payload.get("version"),
            position=payload.get("position"),
            conflicts=tuple(payload.get("conflicts", ())),
            clamped=payload.get("clamped", False),
            hlc=payload.get("hlc"),
            reason=None if reason is None else Reason(reason),
            message=payload.get("message"),
            field=payload.get("field"),
            fault=None if fault is None else Fault(fault),
            limit=payload.get("limit"),
        )


@dataclass(frozen=True)
class PushResult:
    """Answers in the order of the pushed ops.

    ``cursor`` is the highest position holding this push's ops. A phone must not move its
    pull cursor there (it would skip others' changes below it); it pulls until its cursor
    reaches it to see the merged records. ``server_hlc`` is past every clock in the push:
    a phone feeds it to ``HLC.receive`` so its next ops order after what it just sent.
    """

    results: tuple[OpResult, ...]
    cursor: int | None
    server_hlc: str
    settled: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    """The author's quarantine entries this push settled (``sync.store.QuarantineClose``):
    for the server's audit log, not sent to the phone."""

    def to_dict(self) -> dict[str, Any]:
        return {"results": [result.to_dict() for result in self.results],
                "cursor": self.cursor, "server_hlc": self.server_hlc}


@dataclass(frozen=True)
class Change:
    """One record as a pull returns it: its current state at ``position``.

    ``data`` is the record's public fields as JSON text, exactly as stored, so a server
    splices it into a response without decoding it; ``None`` for a tombstone. ``wire`` is
    the whole change as JSON text when the store keeps it ready (it is not part of the
    change's identity).
    """

    position: int
    collection: str
    record_id: str
    version: int
    deleted: bool
    data: str | None
    wire: str | None = field(default=None, compare=False, repr=False)

    def decoded(self) -> dict[str, Any] | None:
        return None if self.data is None else json.loads(self.data)

    def to_json(self) -> str:
        if self.wire is not None:
            return self.wire
        return change_json(self.position, self.collection, self.record_id, self.version,
                           self.deleted, self.data)


def change_json(position: int, collection: str, record_id: str, version: int, deleted: bool,
                data_json: str | None) -> str:
    """One change as a pull carries it, with the stored data text spliced in rather than
    decoded and encoded again."""
    return change_json_at(position, change_json_tail(collection, record_id, version, deleted,
                                                     data_json))


def change_json_tail(collection: str, record_id: str, version: int, deleted: bool,
                     data_json: str | None) -> str:
    """``change_json`` without its position, which ``change_json_at`` puts in front: a
    store makes this part before it hands out positions."""
    quote = encode_basestring  # JSON string escaping, done in C
    data = "null" if deleted or data_json is None else data_json
    return (f'"collection":{quote(collection)},"record_id":{quote(record_id)},'
            f'"version":{version},"deleted":{"true" if deleted else "false"},"data":{data}}}')


def change_json_at(position: int, tail: str) -> str:
    return f'{{"position":{position},{tail}'


@dataclass(frozen=True)
class PullPage:
    """Changes after a cursor, oldest first. Pull again from ``cursor`` while ``more``."""

    changes: tuple[Change, ...]
    cursor: int
    more: bool


@dataclass(frozen=True)
class WirePage:
    """A ``PullPage`` as the server sends it: each change as its JSON text
    (``Change.to_json``) in UTF-8, which a store may keep ready so that a pull only
    joins bytes."""

    changes: tuple[bytes, ...]
    cursor: int
    more: bool


def conflict_id(collection: str, record_id: str, field_name: str, op_id: str) -> str:
    """The id of the conflict that keeps ``op_id``'s losing value of one field.

    Deterministic, so every replica names a conflict the same way, and the record it
    belongs to can be read back from it (none of the parts may contain ``/``).
    """
    return f"{collection}/{record_id}/{field_name}/{op_id}"


def parse_conflict_id(text: str) -> tuple[RecordKey, str, str] | None:
    """``(record key, field, losing op id)``, or ``None`` if ``text`` is not a conflict id."""
    if not isinstance(text, str):
        return None
    parts = text.split("/")
    if len(parts) != 4 or not all(parts):
        return None
    collection, record_id, field_name, op_id = parts
    return RecordKey(collection, record_id), field_name, op_id


@dataclass(frozen=True)
class Conflict:
    """A value that lost a concurrent edit, kept until someone resolves it.

    ``winner_op_id`` is the op whose value the field shows now.
    """

    conflict_id: str
    collection: str
    record_id: str
    field: str
    value: Any
    op_id: str
    device_id: str
    user_id: str
    hlc: str
    winner_op_id: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class QuarantineState(StrEnum):
    OPEN = "open"
    RESUBMITTED = "resubmitted"
    DISMISSED = "dismissed"


@dataclass(frozen=True)
class QuarantineEntry:
    """A rejected op, kept whole with its reason until hub staff deal with it.

    ``site_id`` is the site the op aimed at when it could be told (used to show the
    entry to that ward's hub staff); ``user_id`` is its author, who also sees it.
    """

    op_id: str
    payload: Any
    reason: Reason
    message: str
    user_id: str | None
    device_id: str | None
    site_id: str | None
    received_ms: int
    state: QuarantineState = QuarantineState.OPEN
    closed_by: str | None = None
    closed_ms: int | None = None
    note: str | None = None
    resubmitted_op_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False
)


def canonical_json(value: Any) -> str:
    """The one JSON text of ``value``: sorted keys, no spaces, UTF-8 kept as is.

    Every store keeps record data in this form, so equal states are equal text.
    """
    return _CANONICAL.encode(value)
