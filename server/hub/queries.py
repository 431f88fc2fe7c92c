"""The desk's reads in SQL: a ward's records of one collection by date, a record's op log,
the audit log. Each list answers one page with one statement, on SQLite and PostgreSQL.

Why the record id and not the JSON. A session log's id is ``site:date:slot`` and an
outreach record's ``place:date:visiting_site``; none of the parts contains ``:``, and the
record's ``sync_record_site`` row of its own site gives that site's id. So the date is a
``substr`` of the id at an offset known from the site id's length: the same SQL on both
engines, reading the narrow site rows of the ward's index range, where the stored JSON
would need ``json_extract`` on SQLite and a ``jsonb`` cast on PostgreSQL of every record
of the ward, each a few kilobytes. The page is cut first (keys only, ``LIMIT``), and only
its rows are then joined with their record, site, area and open conflict count.

Order and cursor: newest date first, then record id descending; the cursor is the last
item's ``(date, record id)``. Both engines compare the two with the same collation as
they sort, so a page starts exactly after the previous one.
"""

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, and_, cast, exists, false, func, literal, or_, select

from ..accounts.models import User
from ..directory.models import Area, Site, Ward
from ..extensions import db
from ..replication.models import SyncConflict, SyncOp, SyncRecord, SyncRecordSite
from .models import AuditEntry

_SITE_ROW = SyncRecordSite.__table__
_RECORD = SyncRecord.__table__
_OP = SyncOp.__table__
_CONFLICT = SyncConflict.__table__
_SITE = Site.__table__
_AREA = Area.__table__


@dataclass(frozen=True)
class DeskFilter:
    """What a desk list is narrowed to; ``None`` leaves a criterion out."""

    start: date | None = None
    end: date | None = None
    area_id: int | None = None
    kind: str | None = None
    site_id: int | None = None
    author: int | None = None
    after: tuple[str, str] | None = None
    """The cursor: the ``(date, record id)`` of the last item already sent."""
    live_only: bool = False
    """Leave deleted records (tombstones) out; the desk lists them, an export does not."""


def _day_of(collection: str):
    """The record's date as ``YYYY-MM-DD`` text, cut out of its id (see the module doc)."""
    record_id, site_id = _SITE_ROW.c.record_id, _SITE_ROW.c.site_id
    if collection == "visit":  # site:date:slot
        return func.substr(record_id, func.length(site_id) + 2, 10)
    # place:date:site
    return func.substr(record_id, func.length(record_id) - func.length(site_id) - 10, 10)


def _own_site_row(collection: str):
    """The site row of the record's own site. A session log has only that one; an outreach
    record also has one for the place visited, which belongs to the visiting site's
    record, not to the place's ward."""
    if collection == "visit":
        return None
    record_id, site_id = _SITE_ROW.c.record_id, _SITE_ROW.c.site_id
    tail = func.substr(record_id, func.length(record_id) - func.length(site_id))
    return tail == literal(":", String) + site_id


def _sites_where(ward_id: int, *criteria):
    return select(cast(_SITE.c.id, String)).where(_SITE.c.ward_id == ward_id, *criteria)


def _conditions(collection: str, ward_id: int, where: DeskFilter) -> list:
    """What a ``sync_record_site`` row of ``collection`` must meet to be listed."""
    day = _day_of(collection)
    conditions = [_SITE_ROW.c.collection == collection, _SITE_ROW.c.ward == str(ward_id)]
    if (own := _own_site_row(collection)) is not None:
        conditions.append(own)
    if where.start is not None:
        conditions.append(day >= where.start.isoformat())
    if where.end is not None:
        conditions.append(day <= where.end.isoformat())
    if where.site_id is not None:
        conditions.append(_SITE_ROW.c.site_id == str(where.site_id))
    if where.area_id is not None:
        conditions.append(_SITE_ROW.c.site_id.in_(
            _sites_where(ward_id, _SITE.c.area_id == where.area_id)))
    if where.kind is not None:
        conditions.append(_SITE_ROW.c.site_id.in_(
            _sites_where(ward_id, _SITE.c.kind == where.kind)))
    if where.author is not None:
        # The op log's key is "author:op_id"; an account's author is its id.
        conditions.append(exists().where(
            _OP.c.collection == _SITE_ROW.c.collection,
            _OP.c.record_id == _SITE_ROW.c.record_id,
            _OP.c.op_id.like(f"{where.author}:%")))
    if where.live_only:
        conditions.append(exists().where(
            _RECORD.c.collection == _SITE_ROW.c.collection,
            _RECORD.c.record_id == _SITE_ROW.c.record_id, _RECORD.c.deleted == false()))
    if where.after is not None:
        after_day, after_id = where.after
        conditions.append(or_(day < after_day,
                              and_(day == after_day, _SITE_ROW.c.record_id < after_id)))
    return conditions


def desk_count(collection: str, ward_id: int, where: DeskFilter) -> int:
    """How many records ``desk_page`` would list, all pages together."""
    return db.session.execute(select(func.count()).select_from(_SITE_ROW).where(
        *_conditions(collection, ward_id, where))).scalar_one()


def desk_page(collection: str, ward_id: int, where: DeskFilter, limit: int) -> list:
    """Up to ``limit`` rows of ``collection`` (``visit`` or ``outreach``) whose own site is
    in the ward, newest date first: ``record_id, site_id (text), day, version, deleted,
    data_json, site_name, site_kind, area_id, area_name, open_conflicts``."""
    day = _day_of(collection)
    keys = (select(_SITE_ROW.c.record_id, _SITE_ROW.c.site_id, day.label("day"))
            .where(*_conditions(collection, ward_id, where))
            .order_by(day.desc(), _SITE_ROW.c.record_id.desc())
            .limit(limit)
            .subquery("page"))
    open_conflicts = (select(func.count())
                      .where(_CONFLICT.c.collection == collection,
                             _CONFLICT.c.record_id == keys.c.record_id)
                      .scalar_subquery())
    statement = (
        select(keys.c.record_id, keys.c.site_id, keys.c.day, _RECORD.c.version,
               _RECORD.c.deleted, _RECORD.c.data_json, _SITE.c.id.label("site_number"),
               _SITE.c.name.label("site_name"), _SITE.c.kind.label("site_kind"),
               _SITE.c.area_id, _AREA.c.name.label("area_name"),
               open_conflicts.label("open_conflicts"))
        .select_from(keys)
        .join(_RECORD, and_(_RECORD.c.collection == collection,
                            _RECORD.c.record_id == keys.c.record_id))
        .join(_SITE, cast(_SITE.c.id, String) == keys.c.site_id)
        .outerjoin(_AREA, _AREA.c.id == _SITE.c.area_id)
        .order_by(keys.c.day.desc(), keys.c.record_id.desc()))
    return db.session.execute(statement).all()


def review_marks(site_ids: Collection[str]) -> list:
    """The review marks of those sites (``record_id, deleted, data_json``), oldest first.

    A mark names its target only in its data, which only ``json_extract`` (SQLite) or a
    ``jsonb`` cast (PostgreSQL) could read in SQL. Instead the marks are found by their
    site, through the primary key of ``sync_record_site`` (collection first), and matched
    to their targets by the caller: there are few of them (one per question a hub asked),
    so a page of the desk reads those of its sites in one statement, whatever its size.
    """
    if not site_ids:
        return []
    return db.session.execute(
        select(_RECORD.c.record_id, _RECORD.c.deleted, _RECORD.c.data_json)
        .select_from(_SITE_ROW)
        .join(_RECORD, and_(_RECORD.c.collection == _SITE_ROW.c.collection,
                            _RECORD.c.record_id == _SITE_ROW.c.record_id))
        .where(_SITE_ROW.c.collection == "review", _SITE_ROW.c.site_id.in_(set(site_ids)))
        .order_by(_RECORD.c.position)).all()


def site_names(site_ids: Collection[str]) -> dict[str, str]:
    """The directory names of those of ``site_ids`` that are directory sites."""
    numbers = {int(s) for s in site_ids if s.isascii() and s.isdigit() and len(s) < 10}
    if not numbers:
        return {}
    rows = db.session.execute(select(_SITE.c.id, _SITE.c.name).where(_SITE.c.id.in_(numbers)))
    return {str(site_id): name for site_id, name in rows}


def record_in_ward(collection: str, record_id: str, ward_id: int) -> bool:
    """Whether one of the record's sites is in the ward (what hub staff of the ward read)."""
    return db.session.execute(select(literal(1)).where(
        _SITE_ROW.c.collection == collection, _SITE_ROW.c.record_id == record_id,
        _SITE_ROW.c.ward == str(ward_id)).limit(1)).first() is not None


def record_history(collection: str, record_id: str) -> Sequence:
    """The op log entries of one record (``op_id`` key, ``result_json``), by the
    ``(collection, record_id)`` index; the caller orders them by version."""
    return db.session.execute(
        select(_OP.c.op_id, _OP.c.position, _OP.c.result_json).where(
            _OP.c.collection == collection, _OP.c.record_id == record_id)).all()


def display_names(user_ids: Collection[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    return {user_id: name for user_id, name in rows}


def audit_page(ward_id: int | None, before_id: int | None, limit: int) -> list:
    """Up to ``limit`` audit entries, newest first, of one ward or of all, with the
    actor's display name and the ward's code."""
    statement = (select(AuditEntry, User.display_name, Ward.code)
                 .join(User, User.id == AuditEntry.user_id)
                 .outerjoin(Ward, Ward.id == AuditEntry.ward_id)
                 .order_by(AuditEntry.id.desc())
                 .limit(limit))
    if ward_id is not None:
        statement = statement.where(AuditEntry.ward_id == ward_id)
    if before_id is not None:
        statement = statement.where(AuditEntry.id < before_id)
    return db.session.execute(statement).all()


def first_site(collection: str, record_id: str) -> str | None:
    """The record's own site (the first it names), or None when it was never stored."""
    sites_json = db.session.execute(select(_RECORD.c.sites_json).where(
        _RECORD.c.collection == collection, _RECORD.c.record_id == record_id)).scalar()
    sites = json.loads(sites_json) if sites_json else []
    return sites[0] if sites else None
