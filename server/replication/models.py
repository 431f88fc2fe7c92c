"""Tables behind ``SqlStore`` (``store.py`` beside them): records with their merge state,
the change feed of pull-ready JSON by position, the op log, conflicts, quarantine and the
one-row position counter."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sync.hlc import MAX_TEXT_LENGTH as MAX_HLC_TEXT

from ..extensions import db


class SyncRecord(db.Model):
    """A record's current state. ``data_json`` is exactly what a pull returns.

    Indexed by its key and, for the few public records (a site's programmes and events),
    by position: every write moves a record's position, so each index on it is paid on
    every op. Positions stay unique through the counter and the feed's primary key."""

    __tablename__ = "sync_record"
    # Partial, so the index holds only public records and a pull's public part reads only
    # them whatever the planner's statistics say: with a full index, PostgreSQL without
    # fresh statistics walked every record's position to find none public (30 ms a pull at
    # 100,000 records), and the city peak collapsed. The condition is written as the pull
    # writes it (``public IS true``, ``IS 1`` on SQLite), which both planners need.
    __table_args__ = (Index("ix_sync_record_public_position", "position",
                            postgresql_where=text("public IS true"),
                            sqlite_where=text("public IS 1")),)

    collection: Mapped[str] = mapped_column(String(30), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(BigInteger)
    deleted: Mapped[bool] = mapped_column(Boolean)
    public: Mapped[bool] = mapped_column(Boolean)
    sites_json: Mapped[str] = mapped_column(Text)
    data_json: Mapped[str] = mapped_column(Text)
    meta_json: Mapped[str] = mapped_column(Text)


class SyncChange(db.Model):
    """Each record's latest change, keyed by its position: the feed a pull reads.

    A write deletes the record's row at its old position and adds one at the new, so the
    feed holds one narrow row per record in position order. Kept apart from
    ``sync_record``, whose merge metadata is twice the size of what a pull sends: a pull
    of 10,000 records reads 5 MB here instead of 22 MB there."""

    __tablename__ = "sync_change"

    # On SQLite an INTEGER primary key is the rowid: the feed is the table's own order.
    position: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                          primary_key=True, autoincrement=False)
    collection: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean)
    # The change exactly as a pull sends it (position included), built when it is written
    # so that a pull only joins stored texts.
    change_json: Mapped[str] = mapped_column(Text)


class SyncRecordSite(db.Model):
    """One row per (record, site), with the record's position and the site's ward copied
    in, so a scoped pull walks the (site, position) or (ward, position) index instead of
    every record."""

    __tablename__ = "sync_record_site"
    __table_args__ = (
        ForeignKeyConstraint(["collection", "record_id"],
                             ["sync_record.collection", "sync_record.record_id"],
                             ondelete="CASCADE"),
        Index("ix_sync_record_site_site_position", "site_id", "position"),
        Index("ix_sync_record_site_ward_position", "ward", "position"),
    )

    collection: Mapped[str] = mapped_column(String(30), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)
    # The ward of ``site_id`` when written (None: not a site of the directory). Hub staff
    # read a whole ward: one index range instead of a merge over its hundreds of sites.
    ward: Mapped[str | None] = mapped_column(String(40))


class SyncOp(db.Model):
    """The answer given to every op id, so that a retried push gets the same answer."""

    __tablename__ = "sync_op"

    op_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    collection: Mapped[str | None] = mapped_column(String(30))
    record_id: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int | None] = mapped_column(BigInteger)
    result_json: Mapped[str] = mapped_column(Text)


class SyncConflict(db.Model):
    """A losing value of a concurrent edit, kept until someone resolves it."""

    __tablename__ = "sync_conflict"
    __table_args__ = (Index("ix_sync_conflict_record", "collection", "record_id"),)

    conflict_id: Mapped[str] = mapped_column(String(400), primary_key=True)
    collection: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(60))
    value_json: Mapped[str] = mapped_column(Text)
    op_id: Mapped[str] = mapped_column(String(100))
    device_id: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[str] = mapped_column(String(40), index=True)
    hlc: Mapped[str] = mapped_column(String(MAX_HLC_TEXT))
    winner_op_id: Mapped[str] = mapped_column(String(100))


class SyncQuarantine(db.Model):
    """A rejected op, kept whole with its reason."""

    __tablename__ = "sync_quarantine"

    op_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    payload_json: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(Text)
    user_id: Mapped[str | None] = mapped_column(String(40), index=True)
    device_id: Mapped[str | None] = mapped_column(String(100))
    site_id: Mapped[str | None] = mapped_column(String(40), index=True)
    received_ms: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(12), index=True)
    closed_by: Mapped[str | None] = mapped_column(String(40))
    closed_ms: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    resubmitted_op_id: Mapped[str | None] = mapped_column(String(100))


class SyncCounter(db.Model):
    """The last position handed out. Its row lock, held to commit, orders every write."""

    __tablename__ = "sync_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(BigInteger)
