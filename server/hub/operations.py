"""Named desk operations: a ward's records page by page, one record with who wrote what
and its history, and the audit log of desk actions (written here, read by admins).

The record's merge metadata is read by ``sync.merge.parts`` and ``open_conflicts`` only:
this module sees parts and conflicts, never the metadata's layout.
"""

import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from schemas.hub import encode_cursor
from sync import hlc as clocks
from sync import merge
from sync.batch import stored_state
from sync.collections import (
    COLLECTIONS,
    REVIEW,
    REVIEWED_COLLECTIONS,
    parse_outreach_record_id,
    parse_visit_record_id,
)
from sync.incoming import own_op_id
from sync.protocol import Reason, RecordKey, Status

from ..accounts.models import User
from ..accounts.policy import forbidden
from ..directory.lookups import ward_by_code
from ..directory.models import Site, Ward
from ..errors import ApiError
from ..extensions import db
from ..replication.scope import write_scope
from ..replication.writes import store, write_as_user
from . import queries
from .models import AuditEntry
from .queries import DeskFilter


def not_found(field: str) -> ApiError:
    return ApiError(404, "not_found", "見つかりません / Not found.", {field: ["unknown id"]})


# --- lists ------------------------------------------------------------------------------------


def desk_list(collection: str, ward: Ward, query: Mapping[str, Any]) -> dict[str, Any]:
    """One page of the ward's ``visit`` or ``outreach`` records, newest date first, and the
    cursor of the next page (``None`` after the last)."""
    where = DeskFilter(start=query.get("start"), end=query.get("end"),
                       area_id=query.get("area"), kind=query.get("kind"),
                       site_id=query.get("site"), author=query.get("author"),
                       after=query.get("cursor"))
    limit = query["limit"]
    rows = queries.desk_page(collection, ward.id, where, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    places = {}
    if collection == "outreach":
        ids = {row.record_id: parse_outreach_record_id(row.record_id) for row in rows}
        places = {record_id: parts["place_site_id"] for record_id, parts in ids.items() if parts}
    place_names = queries.site_names(set(places.values()))
    marks = _marks_of(collection, {row.site_id for row in rows})
    items = []
    for row in rows:
        item = {"collection": collection, "record_id": row.record_id,
                "site_id": row.site_number, "site_name": row.site_name,
                "site_kind": row.site_kind, "area_id": row.area_id, "area_name": row.area_name,
                "date": date.fromisoformat(row.day), "data": json.loads(row.data_json),
                "version": row.version, "deleted": bool(row.deleted),
                "open_conflicts": row.open_conflicts,
                "open_reviews": sum(data.get("status") == "open"
                                    for _mark_id, data in marks.get(row.record_id, ()))}
        if collection == "visit":
            item["session"] = (parse_visit_record_id(row.record_id) or {}).get("session", "")
        else:
            place = places.get(row.record_id, "")
            item["place_site_id"] = place
            item["place_name"] = place_names.get(place)
        items.append(item)
    following = encode_cursor(rows[-1].day, rows[-1].record_id) if more else None
    return {"items": items, "next": following}


# --- one record ---------------------------------------------------------------------------------


def record_detail(ward: Ward, collection: str, record_id: str) -> dict[str, Any]:
    """A record of the ward with who wrote each part it shows, its open conflicts and the
    ops applied to it, oldest first.

    :raise 404: no such collection or record, or none of the record's sites is in the ward.
    """
    spec = COLLECTIONS.get(collection)
    if spec is None:
        raise not_found("collection")
    if not spec.accepts_id(record_id) or not queries.record_in_ward(collection, record_id,
                                                                       ward.id):
        raise not_found("record_id")
    key = RecordKey(collection, record_id)
    stored = store().load_batch([], [key]).records.get(key)
    if stored is None:
        raise not_found("record_id")
    state = stored_state(stored)
    logged = [(op_key, json.loads(result)) for op_key, _position, result
              in queries.record_history(collection, record_id)]
    logged.sort(key=lambda entry: (entry[1].get("version") or 0, entry[0]))
    authors = {own_op_id(op_key): op_key.partition(":")[0] for op_key, _result in logged}
    names = queries.display_names({int(a) for a in authors.values() if _numbered(a)})
    history = []
    for op_key, result in logged:
        author = op_key.partition(":")[0]
        clock = _clock(result.get("hlc"))
        history.append({
            "op_id": own_op_id(op_key), "author": author, **_who(author, names),
            "device_id": clock.node if clock else None,
            "at": _moment(clock.wall_ms) if clock else None,
            "version": result.get("version"), "conflicts": result.get("conflicts") or []})
    parts = []
    for part in merge.parts(spec, state):
        author = authors.get(part.op_id, part.user_id)
        parts.append({"field": part.field, "kind": part.kind, "value": part.value,
                      "author": author, **_who(author, names), "device_id": part.device_id,
                      "op_id": part.op_id, "hlc": part.hlc, "at": _moment(part.wall_ms)})
    return {"collection": collection, "record_id": record_id, "version": stored.version,
            "deleted": stored.deleted, "data": state["data"], "parts": parts,
            "open_conflicts": merge.open_conflicts(spec, key, state), "history": history,
            "reviews": _reviews(collection, record_id)}


# --- review marks ------------------------------------------------------------------------------


def _marks_of(collection: str, site_ids: Iterable[str]) -> dict[str, list[tuple[str, dict]]]:
    """The live review marks of those sites' records of ``collection``, by the record they
    mark: ``(mark id, its data)``, oldest first."""
    found: dict[str, list[tuple[str, dict]]] = {}
    if collection not in REVIEWED_COLLECTIONS:
        return found
    for mark_id, deleted, data_json in queries.review_marks(set(site_ids)):
        data = json.loads(data_json)
        if not deleted and data.get("target_collection") == collection:
            found.setdefault(data.get("target_record_id"), []).append((mark_id, data))
    return found


def _reviews(collection: str, record_id: str) -> list[dict[str, Any]]:
    """The record's review marks, oldest first, with who raised each and when it was raised
    and settled (from the merge metadata: who wrote its target, who moved its status)."""
    site_id = queries.first_site(collection, record_id)
    marks = _marks_of(collection, [site_id] if site_id else []).get(record_id, [])
    if not marks:
        return []
    keys = [RecordKey(REVIEW.name, mark_id) for mark_id, _data in marks]
    stored = store().load_batch([], keys).records
    found = []
    for key in keys:
        if key not in stored:
            continue
        state = stored_state(stored[key])
        by_field = {part.field: part for part in merge.parts(REVIEW, state)}
        raised, settled = by_field.get("target_record_id"), by_field.get("status")
        found.append({"key": key, "data": state["data"], "raised": raised,
                      "settled": settled if state["data"].get("status") == "done" else None})
    names = queries.display_names({int(entry["raised"].user_id) for entry in found
                                   if entry["raised"] and _numbered(entry["raised"].user_id)})
    return [{"id": entry["key"].record_id, "status": entry["data"].get("status"),
             "comment": entry["data"].get("comment"),
             "done_note": entry["data"].get("done_note"),
             "raised_by": _raiser(entry["raised"], names),
             "raised_at": _moment(entry["raised"].wall_ms) if entry["raised"] else None,
             "done_at": _moment(entry["settled"].wall_ms) if entry["settled"] else None}
            for entry in found]


def _raiser(part: merge.Part | None, names: Mapping[int, str]) -> str | None:
    if part is None:
        return None
    return _who(part.user_id, names)["display_name"] or part.user_id


def raise_review(user: User, ward: Ward, collection: str, record_id: str, comment: str,
                 op_id: str) -> dict[str, Any]:
    """Mark a record of the ward 「要確認」 with the hub's question, as ``user``: a new
    ``review`` record of the record's own site, written as the user's op (so its
    phones pull it and its author answers it there). A retry with the same ``op_id``
    answers the same mark: its id is derived from the user and the op id.

    :raise 404: no such collection (visit, outreach) or record in the ward.
    :raise 403: the record's own site is outside what the user may write.
    """
    spec = COLLECTIONS.get(collection)
    if spec is None or collection not in REVIEWED_COLLECTIONS:
        raise not_found("collection")
    if not spec.accepts_id(record_id) or not queries.record_in_ward(collection, record_id,
                                                                       ward.id):
        raise not_found("record_id")
    site_id = queries.first_site(collection, record_id)
    if site_id is None:
        raise not_found("record_id")
    mark_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"tsunagu:review:{user.id}:{op_id}"))
    changes = {"site_id": site_id, "target_collection": collection,
               "target_record_id": record_id, "comment": comment, "status": "open"}
    # The store writes on its own connection: end the session's reads first.
    db.session.commit()
    result = write_as_user(REVIEW.name, mark_id, changes, op_id=op_id, author=str(user.id),
                           scope=write_scope(user))
    if result.status is Status.REJECTED:
        if result.reason == Reason.OUT_OF_SCOPE:
            raise forbidden()
        raise ApiError(422, "invalid", result.message or "", {"comment": [result.message]})
    if result.status is Status.APPLIED:
        # The comment is a person's words: the log keeps the mark's id instead.
        record_action(user, "review", target_id=mark_id,
                      record=RecordKey(collection, record_id),
                      detail={"op_id": op_id, "version": result.version})
    return {"id": mark_id, "status": "open", "comment": comment, "done_note": None,
            "site_id": site_id, "target_collection": collection,
            "target_record_id": record_id, "version": result.version}


def _numbered(author: str | None) -> bool:
    # Accounts and directory sites are numbered; a server timer's name is not a number.
    return bool(author) and author.isascii() and author.isdigit() and len(author) < 10


def _who(author: str | None, names: Mapping[int, str]) -> dict[str, Any]:
    user_id = int(author) if _numbered(author) else None
    return {"user_id": user_id, "display_name": names.get(user_id)}


def _clock(text: Any) -> clocks.HLC | None:
    try:
        return clocks.parse(text)
    except ValueError:
        return None


def _moment(wall_ms: int) -> datetime:
    return datetime.fromtimestamp(wall_ms / 1000, UTC)


# --- the audit log -----------------------------------------------------------------------------


def record_action(user: User, action: str, *, detail: Mapping[str, Any],
                  target_id: str | None = None, record: RecordKey | None = None,
                  site_id: str | None = None, ward_id: int | None = None) -> None:
    """Log a change made on a desk, or an export of a ward's records, and commit it.
    Called after the change was written, in the same request; ``detail`` holds codes, ids
    and numbers, never what a person typed.

    The entry's ward is ``ward_id`` when given (an export), else that of ``site_id`` or
    else of the record's own (first) site.
    """
    if site_id is None and record is not None:
        site_id = queries.first_site(record.collection, record.record_id)
    db.session.add(AuditEntry(
        user_id=user.id, ward_id=ward_id if ward_id is not None else _ward_of(site_id),
        action=action, target_id=target_id,
        collection=record.collection if record else None,
        record_id=record.record_id if record else None,
        detail_json=json.dumps(dict(detail), ensure_ascii=False, sort_keys=True)))
    db.session.commit()


def _ward_of(site_id: str | None) -> int | None:
    if not _numbered(site_id):
        return None
    site = db.session.get(Site, int(site_id))
    return site.ward_id if site else None


def audit_list(ward_code: str | None, before_id: int | None, limit: int) -> dict[str, Any]:
    """One page of the audit log, newest first, of one ward or all.

    :raise 404: no ward with that code.
    """
    ward_id = ward_by_code(ward_code).id if ward_code is not None else None
    rows = queries.audit_page(ward_id, before_id, limit + 1)
    more = len(rows) > limit
    items = [{"id": entry.id, "at": entry.at, "user_id": entry.user_id,
              "display_name": display_name, "ward": code, "action": entry.action,
              "target_id": entry.target_id, "collection": entry.collection,
              "record_id": entry.record_id, "detail": json.loads(entry.detail_json)}
             for entry, display_name, code in rows[:limit]]
    return {"items": items, "next": encode_cursor(items[-1]["id"]) if more else None}
