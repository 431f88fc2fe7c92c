"""Merge rules: one pure function per field kind, each returning a tagged outcome.

Every function takes the field's merge metadata and one incoming write, leaves its
arguments untouched, and returns ``Merged(tag, meta, value, conflict)``: the new
metadata, the public value the field now shows, and the write kept as a conflict, if
any. Ties are broken by the order key ``(hlc, device_id, op_id)``, so every replica
picks the same winner whatever order the writes arrive in.

A record's state is a JSON-serialisable dict::

    {"version": 7, "deleted": false,
     "data": {...public fields, counters as totals...},
     "meta": {"hlc": "<max clock merged>", "deleted": <flag write>,
              "fields": {field: <metadata by kind, see each function>}}}

Only ``data`` (with ``version`` and ``deleted``) goes out in a pull; ``meta`` stays on
the server. Metadata stamps carry the record version at which the server merged a
write; those depend on arrival order, everything in ``data`` does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from . import hlc as clocks
from .collections import CollectionSpec, Kind, Lattice
from .protocol import Conflict, Op, RecordKey, conflict_id, parse_conflict_id


class Tag(StrEnum):
    TOOK = "took"  # the incoming write now shows in the value
    KEPT = "kept"  # the current value stands; the incoming write lost or changed nothing
    STALE = "stale"  # the author had already replaced this write with a newer one


class Merged(NamedTuple):
    """A merge outcome: the field's new metadata and the value it now shows.

    ``conflict`` is the write this merge kept as a conflict, if any (registers only).
    """

    tag: Tag
    meta: Any
    value: Any
    conflict: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Stamp:
    """Who wrote, when, and what the author had seen.

    ``version`` is the record version this write produces; ``base_version`` the version
    the author had seen (``None``: none).
    """

    op_id: str
    device_id: str
    user_id: str
    hlc: str
    version: int
    base_version: int | None

    def write(self, value: Any) -> dict[str, Any]:
        return {
            "value": value,
            "hlc": self.hlc,
            "device": self.device_id,
            "op": self.op_id,
            "user": self.user_id,
            "version": self.version,
            "base": self.base_version,
        }


def order(write: Mapping[str, Any]) -> tuple[str, str, str]:
    """The total order of writes: clock, then device, then op id."""
    return write["hlc"], write["device"], write["op"]


def _mark(write: Mapping[str, Any]) -> list[str]:
    # Order among one device's own writes. A list, so it survives a JSON round trip.
    return [write["hlc"], write["op"]]


def saw(later: Mapping[str, Any], earlier: Mapping[str, Any]) -> bool:
    """Whether the author of ``later`` had seen ``earlier`` when writing.

    A device sees its own earlier writes; anyone sees a write whose version is at or
    below the version they had pulled.
    """
    if later["device"] == earlier["device"]:
        return _mark(later) > _mark(earlier)
    return later["base"] is not None and later["base"] >= earlier["version"]


# --- counter ------------------------------------------------------------------------------


def merge_counter(meta: Mapping[str, Any], stamp: Stamp, amount: int) -> Merged:
    """Per-device contributions; the newest per device counts, the value is their sum.

    ``meta``: ``{device_id: [contribution, hlc, op_id]}`` (a list: a visit record has
    dozens of counters, and this is the bulk of its stored metadata). Each device owns
    its share, so two phones tapping "+1" at the same session both count.
    """
    mine = meta.get(stamp.device_id)
    if mine is not None and (mine[1], mine[2]) >= (stamp.hlc, stamp.op_id):
        return Merged(Tag.STALE, meta, counter_total(meta))
    merged = dict(meta)
    merged[stamp.device_id] = [amount, stamp.hlc, stamp.op_id]
    return Merged(Tag.TOOK, merged, counter_total(merged))


def counter_total(meta: Mapping[str, Any]) -> int:
    return sum([share[0] for share in meta.values()])


# --- set ---------------------------------------------------------------------------------


def merge_set(
    meta: Mapping[str, Any], stamp: Stamp, add: Iterable[str], remove: Iterable[str]
) -> Merged:
    """Add-wins observed-remove set.

    ``meta``: ``{element: {"adds": {op_id: {"device", "hlc", "version"}},
    "removed": {device_id: [hlc, op_id]}}}``. An element is present while one of its
    adds is not covered by a remove. A remove covers the adds its author had seen: those
    at or below its ``base_version`` and its own device's earlier ones. An add the remover
    had not seen survives: concurrent add wins. ``removed`` keeps each device's newest
    remove so an earlier add from that device arriving late stays covered.
    """
    merged = dict(meta)
    remover = {"device": stamp.device_id, "hlc": stamp.hlc, "op": stamp.op_id,
               "base": stamp.base_version}
    for element in remove:
        entry = merged.get(element, _EMPTY_ELEMENT)
        adds = {
            op: add for op, add in entry["adds"].items()
            if not saw(remover, {**add, "op": op})
        }
        removed = dict(entry["removed"])
        if removed.get(stamp.device_id, [""]) < _mark(remover):
            removed[stamp.device_id] = _mark(remover)
        merged[element] = {"adds": adds, "removed": removed}
    for element in add:
        entry = merged.get(element, _EMPTY_ELEMENT)
        if entry["removed"].get(stamp.device_id, [""]) > _mark(remover):
            continue
        tag = {"device": stamp.device_id, "hlc": stamp.hlc, "version": stamp.version}
        merged[element] = {"adds": {**entry["adds"], stamp.op_id: tag},
                           "removed": entry["removed"]}
    members = set_members(merged)
    return Merged(Tag.TOOK if members != set_members(meta) else Tag.KEPT, merged, members)


_EMPTY_ELEMENT: Mapping[str, Any] = {"adds": {}, "removed": {}}


def set_members(meta: Mapping[str, Any]) -> list[str]:
    return sorted(element for element, entry in meta.items() if entry["adds"])


# --- register ------------------------------------------------------------------------------

EMPTY_REGISTER: Mapping[str, Any] = {"winner": None, "latest": {}, "conflicts": {}}


def merge_register(meta: Mapping[str, Any], stamp: Stamp, value: Any) -> Merged:
    """Last writer wins by order key; the loser of a concurrent edit is kept as a conflict.

    ``meta``: ``{"winner": write, "latest": {device_id: [hlc, op_id]},
    "conflicts": {op_id: write + "until"}}``. Two writes are concurrent when neither
    author had seen the other (see ``saw``); then the loser, whichever arrived first, is
    kept. ``until`` is the version at which a kept write stopped showing (its own version
    if it never showed), so a later author who had it on screen replaces it knowingly
    and the conflict goes. A device's newer write replaces its own earlier one, losing or
    not. ``Merged.conflict`` names the write kept by this merge when it holds another
    value than the field shows; equal values are kept too (so the kept set does not
    depend on arrival order) but are not shown, see ``shown_conflicts``.
    """
    incoming = stamp.write(value)
    winner = meta["winner"]
    mine = meta["latest"].get(stamp.device_id)
    if mine is not None and mine >= _mark(incoming):
        return Merged(Tag.STALE, meta, winner["value"])
    latest = {**meta["latest"], stamp.device_id: _mark(incoming)}
    conflicts = {
        op: kept
        for op, kept in meta["conflicts"].items()
        if kept["device"] != stamp.device_id and not _had_on_screen(incoming, kept)
    }
    if winner is None or order(incoming) > order(winner):
        loser = None
        if winner is not None and not saw(incoming, winner):
            loser = conflicts[winner["op"]] = {**winner, "until": stamp.version}
        merged = {"winner": incoming, "latest": latest, "conflicts": conflicts}
        return Merged(Tag.TOOK, merged, value, _if_differs(loser, value))
    loser = None
    if not saw(winner, incoming):
        loser = conflicts[stamp.op_id] = {**incoming, "until": stamp.version}
    merged = {"winner": winner, "latest": latest, "conflicts": conflicts}
    return Merged(Tag.KEPT, merged, winner["value"], _if_differs(loser, winner["value"]))


def _had_on_screen(later: Mapping[str, Any], kept: Mapping[str, Any]) -> bool:
    # The version ``later``'s author had pulled showed ``kept`` as the field's value.
    base = later["base"]
    return base is not None and kept["version"] <= base < kept["until"]


def _if_differs(kept: Mapping[str, Any] | None, shown: Any) -> Mapping[str, Any] | None:
    return kept if kept is not None and kept["value"] != shown else None


def shown_conflicts(meta: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The kept writes whose value differs from the one the field shows, by op id."""
    shown = meta["winner"]["value"] if meta["winner"] is not None else None
    return {op: kept for op, kept in meta["conflicts"].items() if kept["value"] != shown}


def drop_conflict(meta: Mapping[str, Any], loser_op_id: str) -> Mapping[str, Any]:
    """The register metadata without the conflict kept for ``loser_op_id`` (if any)."""
    if loser_op_id not in meta["conflicts"]:
        return meta
    conflicts = {op: kept for op, kept in meta["conflicts"].items() if op != loser_op_id}
    return {**meta, "conflicts": conflicts}


# --- status lattice -------------------------------------------------------------------------


def join_status(
    meta: Mapping[str, Any] | None, stamp: Stamp, state: str, lattice: Lattice
) -> Merged:
    """The furthest state in the lattice wins; a status never goes back.

    ``meta``: the write that first reached the current state (the earliest by order key
    when several did), or ``None``.
    """
    incoming = stamp.write(state)
    if meta is None or lattice.rank(state) > lattice.rank(meta["value"]):
        return Merged(Tag.TOOK, incoming, state)
    if state == meta["value"] and order(incoming) < order(meta):
        return Merged(Tag.KEPT, incoming, state)
    return Merged(Tag.KEPT, meta, meta["value"])


# --- tombstone flag -------------------------------------------------------------------------


def merge_flag(meta: Mapping[str, Any] | None, stamp: Stamp, value: bool) -> Merged:
    """Plain last writer wins, for ``deleted``: a restore after a delete wins, and back."""
    incoming = stamp.write(value)
    if meta is None or order(incoming) > order(meta):
        return Merged(Tag.TOOK, incoming, value)
    return Merged(Tag.KEPT, meta, meta["value"])


# --- records --------------------------------------------------------------------------------


def new_state(spec: CollectionSpec, record_id: str) -> dict[str, Any] | None:
    """The state of a record no op has touched; ``None`` if the id is invalid for ``spec``."""
    data = spec.initial_data(record_id)
    if data is None:
        return None
    return {"version": 0, "deleted": False, "data": data, "meta": {"hlc": None, "fields": {}}}


@dataclass(frozen=True)
class Applied:
    state: dict[str, Any]
    conflicts: tuple[str, ...]
    """Ids of the conflicts this op created."""


def apply_op(state: Mapping[str, Any], op: Op, stamp: Stamp, spec: CollectionSpec) -> Applied:
    """Merge one valid op into a record state; ``state`` itself is left untouched.

    The op must have passed validation against ``spec``; ``stamp.version`` becomes the
    record version.
    """
    fields = dict(state["meta"]["fields"])
    data = dict(state["data"])
    created: list[str] = []
    kinds = spec.kinds
    device, hlc, op_id = stamp.device_id, stamp.hlc, stamp.op_id
    for name, change in op.changes.items():
        kind = kinds[name]
        current = fields.get(name)
        if kind is Kind.COUNTER:
            # ``merge_counter`` inline: a visit op carries a dozen counters, and a call, a
            # ``Merged`` and a sum per counter were a fifth of a push. The value is the sum
            # of the device shares; with one share (a new record), that share.
            if not current:
                fields[name] = {device: [change, hlc, op_id]}
                data[name] = change
                continue
            mine = current.get(device)
            if mine is not None and (mine[1], mine[2]) >= (hlc, op_id):
                data[name] = counter_total(current)  # stale: this device sent a newer share
                continue
            shares = dict(current)
            shares[device] = [change, hlc, op_id]
            fields[name] = shares
            data[name] = change if len(shares) == 1 else counter_total(shares)
            continue
        if kind is Kind.SET:
            merged = merge_set(current or {}, stamp, change.get("add", ()),
                               change.get("remove", ()))
        elif kind is Kind.REGISTER:
            merged = merge_register(current or EMPTY_REGISTER, stamp, change)
        else:
            lattice = spec.fields[name].lattice
            assert lattice is not None
            merged = join_status(current, stamp, change, lattice)
        fields[name] = merged.meta
        data[name] = merged.value
        if merged.conflict is not None:
            created.append(conflict_id(op.collection, op.record_id, name, merged.conflict["op"]))
    for settled in op.resolves:
        parsed = parse_conflict_id(settled)
        if parsed is not None and parsed[1] in fields:
            fields[parsed[1]] = drop_conflict(fields[parsed[1]], parsed[2])
    meta = {**state["meta"], "fields": fields, "hlc": max(state["meta"]["hlc"] or "", stamp.hlc)}
    deleted = state["deleted"]
    if op.delete or op.restore:
        flag = merge_flag(meta.get("deleted"), stamp, op.delete)
        meta["deleted"] = flag.meta
        deleted = flag.value
    new = {"version": stamp.version, "deleted": deleted, "data": data, "meta": meta}
    return Applied(new, tuple(created))


def open_conflicts(
    spec: CollectionSpec, key: RecordKey, state: Mapping[str, Any]
) -> list[Conflict]:
    """The conflicts a record holds, with the op each one currently loses to."""
    kinds, fields = spec.kinds, state["meta"]["fields"]
    # Nearly every record keeps none: looked for before anything is sorted (once a record).
    holding = [name for name, meta in fields.items()
               if kinds[name] is Kind.REGISTER and meta["conflicts"]]
    found = []
    for name in sorted(holding):
        meta = fields[name]
        for op, kept in sorted(shown_conflicts(meta).items()):
            found.append(
                Conflict(
                    conflict_id=conflict_id(key.collection, key.record_id, name, op),
                    collection=key.collection,
                    record_id=key.record_id,
                    field=name,
                    value=kept["value"],
                    op_id=op,
                    device_id=kept["device"],
                    user_id=kept["user"],
                    hlc=kept["hlc"],
                    winner_op_id=meta["winner"]["op"],
                )
            )
    return found


def conflict_write(state: Mapping[str, Any], field: str, loser_op_id: str) -> Mapping | None:
    """The kept write of one conflict, or ``None`` if the record holds no such conflict."""
    meta = state["meta"]["fields"].get(field)
    if not isinstance(meta, Mapping) or "conflicts" not in meta:
        return None
    return shown_conflicts(meta).get(loser_op_id)



def kept_conflicts(state: Mapping[str, Any], field: str) -> tuple[str, ...]:
    """The op ids of every write register ``field`` keeps as a conflict, in the order it
    kept them, those equal to the value it shows included (``shown_conflicts`` leaves
    them out, but each still holds its value)."""
    meta = state["meta"]["fields"].get(field)
    return tuple((meta or {}).get("conflicts") or ())


def written_ms(state: Mapping[str, Any], field: str) -> int | None:
    """When register ``field`` was last written, in epoch ms: the wall time of the newest
    clock among the write it shows and those it keeps as conflicts; ``None`` when it was
    never written.

    It is the field's own: a later write to another field leaves it, a new write of this
    one moves it. The clock is its author's (clamped by the push when it ran ahead of the
    server's by more than the drift allowed), see ``hlc``.
    """
    meta = state["meta"]["fields"].get(field)
    if not meta:
        return None
    writes = [meta.get("winner"), *(meta.get("conflicts") or {}).values()]
    return max((clocks.parse(write["hlc"]).wall_ms for write in writes if write), default=None)


# --- who wrote what a record shows ---------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One piece of what a record shows, with the write behind it.

    A register or a status gives one part (the write it shows), a counter one per device
    (its newest contribution: they add up to the total), a set one per add that keeps an
    element present, and the ``deleted`` flag one once it was ever written. ``user_id`` is
    ``None`` where the metadata does not keep the author (counter shares and set adds
    keep the device and the op only; the op log has the author of each op id).
    """

    field: str
    kind: str
    """``counter``, ``set``, ``register``, ``status`` or ``deleted``."""
    value: Any
    """The register's or status's value, the device's contribution, the set's element."""
    device_id: str
    op_id: str
    hlc: str
    wall_ms: int
    """The wall time of ``hlc``: when its author's device (or the server) wrote it."""
    user_id: str | None


DELETED_PART = "deleted"
"""The ``field`` of the part that says who last deleted or restored the record."""


def parts(spec: CollectionSpec, state: Mapping[str, Any]) -> list[Part]:
    """Who wrote each piece a stored record shows, by field name then writer.

    Reads only ``state["meta"]``; ``state`` is left untouched. Fields no op wrote have no
    part, nor do set elements that were removed or conflicts a register keeps (see
    ``open_conflicts`` for those).
    """
    found: list[Part] = []
    for name, meta in sorted(state["meta"]["fields"].items()):
        kind = spec.fields[name].kind
        if kind is Kind.COUNTER:
            for device, (amount, hlc, op) in sorted(meta.items()):
                found.append(_part(name, kind, amount, device, op, hlc, None))
        elif kind is Kind.SET:
            for element, entry in sorted(meta.items()):
                adds = sorted(entry["adds"].items(), key=lambda item: (item[1]["hlc"], item[0]))
                for op, add in adds:
                    found.append(_part(name, kind, element, add["device"], op, add["hlc"], None))
        elif kind is Kind.REGISTER:
            if meta["winner"] is not None:
                found.append(_written(name, kind, meta["winner"]))
        elif meta is not None:
            found.append(_written(name, kind, meta))
    flag = state["meta"].get("deleted")
    if flag is not None:
        found.append(_written(DELETED_PART, DELETED_PART, flag))
    return found


def _written(name: str, kind: str, write: Mapping[str, Any]) -> Part:
    return _part(name, kind, write["value"], write["device"], write["op"], write["hlc"],
                 write.get("user"))


def _part(name: str, kind: str, value: Any, device: str, op: str, hlc: str,
          user: str | None) -> Part:
    return Part(field=name, kind=str(kind), value=value, device_id=device, op_id=op, hlc=hlc,
                wall_ms=clocks.parse(hlc).wall_ms, user_id=user)
