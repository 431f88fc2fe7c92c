"""The SQL the sync store (``store.py`` beside it) runs, each statement built once.

Building a statement with SQLAlchemy cost more than running it, so every statement a push
or a pull runs is built once (for each dialect and shape) and run with bound parameters:
the reads as prebuilt statements, the writes compiled for the dialect and handed to the
driver as they are, one statement for all the rows of a push on PostgreSQL (``bulk``).
"""

import functools
import json
from typing import NamedTuple

from sqlalchemy import (
    BigInteger,
    Integer,
    LargeBinary,
    String,
    any_,
    bindparam,
    cast,
    false,
    func,
    or_,
    select,
    true,
    union,
    update,
)
from sqlalchemy.dialects import postgresql

from sync.protocol import QuarantineState

from ..directory.models import Site
from . import bulk
from .bulk import Bulk
from .models import (
    SyncChange,
    SyncConflict,
    SyncCounter,
    SyncOp,
    SyncQuarantine,
    SyncRecord,
    SyncRecordSite,
)

RECORD = SyncRecord.__table__
CHANGE = SyncChange.__table__
RECORD_SITE = SyncRecordSite.__table__
OP = SyncOp.__table__
CONFLICT = SyncConflict.__table__
QUARANTINE = SyncQuarantine.__table__
COUNTER = SyncCounter.__table__
SITE = Site.__table__
COUNTER_ID = 1


CHANGE_COLUMNS = (CHANGE.c.position, CHANGE.c.collection, CHANGE.c.record_id, CHANGE.c.version,
                  CHANGE.c.deleted, CHANGE.c.change_json)


TAKE_POSITIONS = (update(COUNTER).where(COUNTER.c.id == COUNTER_ID)
                  .values(position=COUNTER.c.position + bindparam("count", type_=BigInteger))
                  .returning(COUNTER.c.position))


@functools.cache
def by_op_ids(dialect: str, many: bool):
    """The stored answers of the op ids bound as ``listed``."""
    return (select(OP.c.op_id, OP.c.result_json, OP.c.position)
            .where(member_of(dialect, OP.c.op_id, many=many)))


@functools.cache
def records_by_ids(dialect: str, full: bool, many: bool):
    """The rows of one ``collection`` whose ids are bound as ``listed``: every column, or
    (not ``full``) those a write checks and replaces."""
    columns = (RECORD.c if full else
               (RECORD.c.collection, RECORD.c.record_id, RECORD.c.version, RECORD.c.position,
                RECORD.c.sites_json))
    return select(*columns).where(
        RECORD.c.collection == bindparam("collection", type_=RECORD.c.collection.type),
        member_of(dialect, RECORD.c.record_id, many=many))


@functools.cache
def site_wards(dialect: str, many: bool):
    return (select(SITE.c.id, SITE.c.ward_id)
            .where(member_of(dialect, SITE.c.id, many=many)))


@functools.cache
def quarantine_statement(open_only: bool, every_site: bool, by_sites: bool, by_author: bool):
    """Quarantine entries, oldest first: of every site, or those aimed at the sites bound
    as ``sites`` and those sent by the user bound as ``author``.

    Built once for each shape: every push asks for its author's open entries, and
    building the statement cost more than running it."""
    statement = select(QUARANTINE)
    if open_only:
        statement = statement.where(QUARANTINE.c.state == QuarantineState.OPEN.value)
    if not every_site:
        wanted = []
        if by_sites:
            wanted.append(QUARANTINE.c.site_id.in_(bindparam("sites", expanding=True)))
        if by_author:
            wanted.append(QUARANTINE.c.user_id == bindparam("author"))
        statement = statement.where(or_(*wanted) if wanted else false())
    return statement.order_by(QUARANTINE.c.received_ms, QUARANTINE.c.op_id)


class Writes(NamedTuple):
    """The statements a push runs for its rows, compiled once per dialect (``bulk``)."""

    insert_change: Bulk
    insert_record: Bulk
    update_record: Bulk
    delete_change: Bulk
    delete_sites: Bulk
    move_sites: Bulk
    insert_site: Bulk
    delete_conflicts: Bulk
    insert_conflict: Bulk
    insert_op: Bulk


_RECORD_STATE = ("version", "position", "deleted", "public", "sites_json", "data_json",
                 "meta_json")
_KEY = ("collection", "record_id")

CONFLICT_COLUMNS = ("conflict_id", "collection", "record_id", "field", "value_json", "op_id",
                    "device_id", "user_id", "hlc", "winner_op_id")

_COMPILED: dict[tuple[str, str], Writes] = {}


def writes_for(dialect) -> Writes:
    """``Writes`` for ``dialect`` (an engine's), compiled the first time it is asked for."""
    name = (dialect.name, dialect.driver)
    if name not in _COMPILED:
        _COMPILED[name] = Writes(
            insert_change=bulk.inserting(CHANGE, ("position", "collection", "record_id",
                                                  "version", "deleted", "change_json"), dialect),
            insert_record=bulk.inserting(RECORD, (*_KEY, *_RECORD_STATE), dialect),
            update_record=bulk.updating(RECORD, _RECORD_STATE, _KEY, dialect),
            delete_change=bulk.deleting(CHANGE, ("position",), dialect),
            delete_sites=bulk.deleting(RECORD_SITE, _KEY, dialect),
            move_sites=bulk.updating(RECORD_SITE, ("position",), _KEY, dialect),
            insert_site=bulk.inserting(RECORD_SITE, (*_KEY, "site_id", "position", "ward"),
                                       dialect),
            delete_conflicts=bulk.deleting(CONFLICT, _KEY, dialect),
            insert_conflict=bulk.inserting(CONFLICT, CONFLICT_COLUMNS, dialect),
            insert_op=bulk.inserting(OP, ("op_id", "collection", "record_id", "position",
                                          "result_json"), dialect),
        )
    return _COMPILED[name]


def member_of(dialect: str, column, *, many: bool):
    """``column IN`` the list bound as the parameter ``listed``, however long: SQLAlchemy
    would otherwise build (and PostgreSQL plan) one parameter per value. The value is
    bound in the form ``list_value`` gives. One value is an equality, which lets an index
    range give rows in order (a ward's positions)."""
    if not many:
        return column == bindparam("listed", type_=column.type)
    if dialect == "postgresql":
        return column == any_(bindparam("listed", type_=postgresql.ARRAY(column.type)))
    each = func.json_each(bindparam("listed", type_=String))
    return column.in_(select(each.table_valued("value").c.value))


def list_value(dialect: str, values: list):
    """A list as ``member_of`` binds it: the value itself when there is one, else an
    array (PostgreSQL) or its JSON text (SQLite's ``json_each``)."""
    if len(values) == 1:
        return values[0]
    return list(values) if dialect == "postgresql" else json.dumps(list(values))


@functools.cache
def feed_statement(dialect: str, wire: bool, by_ward: bool | None, many: bool):
    """The pull's one statement, built once for each shape and run with the parameters
    ``cursor``, ``limit`` and ``listed`` (the scope's wards or sites): building it costs
    more than running it.

    ``by_ward`` is None for a scope of every site. Otherwise the statement asks for the
    changes after ``cursor`` whose positions are among the first of two indexes, each read
    only as deep as the page: ``limit`` rows of the public one, ``2 * limit`` of the
    sites' (or wards') one, where a record may be listed under two of the scope's sites. A
    visible position among the first ``limit`` has fewer than ``limit`` visible ones
    before it, so its own index reaches it. Wanted by ward, hub staff read one index range
    instead of merging hundreds of sites."""
    if wire:
        # As bytes: the UTF-8 the database holds goes out as it is, never decoded.
        data = (func.convert_to(CHANGE.c.change_json, "UTF8", type_=LargeBinary)
                if dialect == "postgresql" else cast(CHANGE.c.change_json, LargeBinary))
        columns = (CHANGE.c.position, data)
    else:
        columns = CHANGE_COLUMNS
    cursor, limit = bindparam("cursor", type_=BigInteger), bindparam("limit", type_=Integer)
    statement = select(*columns).where(CHANGE.c.position > cursor)
    if by_ward is not None:
        column = RECORD_SITE.c.ward if by_ward else RECORD_SITE.c.site_id
        listed = member_of(dialect, column, many=many)
        by_site = (select(RECORD_SITE.c.position)
                   .where(listed, RECORD_SITE.c.position > cursor)
                   .order_by(RECORD_SITE.c.position).limit(limit * 2).subquery())
        public = (select(RECORD.c.position)
                  .where(RECORD.c.public.is_(True), RECORD.c.position > cursor)
                  .order_by(RECORD.c.position).limit(limit).subquery())
        wanted = union(select(by_site.c.position), select(public.c.position))
        if dialect == "postgresql":
            # Asked for a large page while its statistics lagged behind a burst of writes,
            # PostgreSQL planned the IN form below as a hash join over the whole feed (4 ms
            # for an empty pull of 10,000). Looked up one wanted position at a time (the
            # LIMIT keeps the lateral subquery from being merged into a join), the feed is
            # read only where the page is.
            wanted = wanted.subquery("wanted")
            found = (select(*columns).where(CHANGE.c.position == wanted.c.position)
                     .limit(1).lateral("found"))
            return (select(*found.c).select_from(wanted.join(found, true()))
                    .order_by(wanted.c.position).limit(limit))
        statement = statement.where(CHANGE.c.position.in_(wanted))
    return statement.order_by(CHANGE.c.position).limit(limit)
