"""The hub desk on the wire: a ward's session logs and outreach records, one record with
who wrote what, and the audit log of desk actions.

Lists are paged with a keyset cursor: an opaque string the server hands out in ``next``
and takes back in ``cursor``. It holds the sort key of the last item sent (a date and a
record id for the desk's lists, an entry id for the audit log), so a page never repeats
or skips an item when records are written between two requests.
"""

import base64
import binascii
import json

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from sync.collections import RECORD_ID, REVIEWED_COLLECTIONS
from sync.vocabulary import SITE_KINDS

from .accounts import UtcDateTime
from .directory import FIRST_DAY, LAST_DAY, ROW_ID
from .sync import ConflictSchema

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
DESK_COLLECTIONS = ("visit", "outreach", "card")
"""The collections a desk opens one record of."""

_IN_CALENDAR = validate.Range(min=FIRST_DAY, max=LAST_DAY,
                              error=f"must be from {FIRST_DAY} to {LAST_DAY}")
_BAD_CURSOR = "not a cursor this server gave"


def encode_cursor(*key) -> str:
    """The opaque cursor for a sort key (text and integers)."""
    text = json.dumps(list(key), separators=(",", ":"), ensure_ascii=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decoded(value) -> list:
    if not isinstance(value, str) or not 1 <= len(value) <= 400:
        raise ValidationError(_BAD_CURSOR)
    try:
        key = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError(_BAD_CURSOR) from None
    if not isinstance(key, list):
        raise ValidationError(_BAD_CURSOR)
    return key


class RecordCursor(fields.String):
    """Loads as ``(date text, record id)``: where the previous page stopped."""

    def _deserialize(self, value, attr, data, **kwargs):
        key = _decoded(value)
        if (len(key) != 2 or not all(isinstance(part, str) for part in key)
                or RECORD_ID.fullmatch(key[1]) is None):
            raise ValidationError(_BAD_CURSOR)
        try:
            day = fields.Date().deserialize(key[0])
        except ValidationError:
            raise ValidationError(_BAD_CURSOR) from None
        if day.isoformat() != key[0]:
            raise ValidationError(_BAD_CURSOR)
        return key[0], key[1]


class EntryCursor(fields.String):
    """Loads as the id of the last audit entry sent."""

    def _deserialize(self, value, attr, data, **kwargs):
        key = _decoded(value)
        if (len(key) != 1 or type(key[0]) is not int
                or not ROW_ID.min <= key[0] <= 2**63 - 1):
            raise ValidationError(_BAD_CURSOR)
        return key[0]


_CURSOR_DOC = {"description": "the `next` of the previous page; absent for the first"}


class DeskFilterSchema(Schema):
    """The filters of a ward's session logs and outreach records; dates are inclusive and
    compare with the record's own date (a session's, an outreach visit's). The desk's
    lists and the exports of the same records take the same filters."""

    class Meta:
        unknown = RAISE

    start = fields.Date(data_key="from", validate=_IN_CALENDAR,
                        metadata={"description": "first date listed"})
    end = fields.Date(data_key="to", validate=_IN_CALENDAR,
                      metadata={"description": "last date listed"})
    area = fields.Integer(validate=ROW_ID, metadata={"description": "area id of the site"})
    kind = fields.String(validate=validate.OneOf(SITE_KINDS),
                         metadata={"description": "kind of the site"})
    site = fields.Integer(validate=ROW_ID, metadata={"description": "site id"})
    author = fields.Integer(validate=ROW_ID, metadata={
        "description": "user id of someone who wrote an op on the record"})

    @validates_schema
    def _range(self, data, **_kwargs):
        if "start" in data and "end" in data and data["end"] < data["start"]:
            raise ValidationError("must not be before from", "to")


class DeskListQuerySchema(DeskFilterSchema):
    """The desk's filters and a page: where the previous one stopped, and how many."""

    cursor = RecordCursor(metadata=_CURSOR_DOC)
    limit = fields.Integer(load_default=DEFAULT_LIMIT,
                           validate=validate.Range(min=1, max=MAX_LIMIT))


class _DeskItemSchema(Schema):
    collection = fields.String(required=True)
    record_id = fields.String(required=True)
    site_id = fields.Integer(required=True, metadata={
        "description": "the site the record belongs to (the visiting site of an outreach "
                       "visit)"})
    site_name = fields.String(required=True)
    site_kind = fields.String(required=True, metadata={"enum": list(SITE_KINDS)})
    area_id = fields.Integer(required=True, allow_none=True)
    area_name = fields.String(required=True, allow_none=True)
    date = fields.Date(required=True)
    data = fields.Dict(required=True, metadata={"description": "the record's fields as pulled"})
    version = fields.Integer(required=True)
    deleted = fields.Boolean(required=True)
    open_conflicts = fields.Integer(required=True, metadata={
        "description": "how many of its conflicts are not yet resolved"})
    open_reviews = fields.Integer(required=True, metadata={
        "description": "how many of its review marks (「要確認」) are still open"})


class DeskVisitSchema(_DeskItemSchema):
    session = fields.String(required=True, metadata={"description": "the session slot"})


class DeskOutreachSchema(_DeskItemSchema):
    place_site_id = fields.String(required=True, metadata={
        "description": "the place visited, as the record names it"})
    place_name = fields.String(required=True, allow_none=True, metadata={
        "description": "its name in the directory; null when it is not a directory site"})


class DeskVisitPageSchema(Schema):
    items = fields.List(fields.Nested(DeskVisitSchema), required=True)
    next = fields.String(required=True, allow_none=True,
                         metadata={"description": "the cursor of the next page; null: last"})


class DeskOutreachPageSchema(Schema):
    items = fields.List(fields.Nested(DeskOutreachSchema), required=True)
    next = fields.String(required=True, allow_none=True,
                         metadata={"description": "the cursor of the next page; null: last"})


class DeskPartSchema(Schema):
    field = fields.String(required=True, metadata={
        "description": "the field, or `deleted` for the record's delete/restore flag"})
    kind = fields.String(required=True, metadata={
        "enum": ["counter", "set", "register", "status", "deleted"]})
    value = fields.Raw(required=True, allow_none=True, metadata={
        "description": "a register's value, a device's share of a counter, a set element"})
    author = fields.String(required=True, allow_none=True, metadata={
        "description": "who wrote it as the op log has it: a user id, or a server timer's name"})
    user_id = fields.Integer(required=True, allow_none=True)
    display_name = fields.String(required=True, allow_none=True)
    device_id = fields.String(required=True)
    op_id = fields.String(required=True)
    hlc = fields.String(required=True)
    at = UtcDateTime(required=True, metadata={"description": "the wall time of its clock"})


class DeskHistoryEntrySchema(Schema):
    op_id = fields.String(required=True)
    author = fields.String(required=True)
    user_id = fields.Integer(required=True, allow_none=True)
    display_name = fields.String(required=True, allow_none=True)
    device_id = fields.String(required=True, allow_none=True)
    at = UtcDateTime(required=True, allow_none=True)
    version = fields.Integer(required=True, allow_none=True)
    conflicts = fields.List(fields.String(), required=True,
                            metadata={"description": "ids of the conflicts this op made"})


class DeskRecordSchema(Schema):
    collection = fields.String(required=True, metadata={"enum": list(DESK_COLLECTIONS)})
    record_id = fields.String(required=True)
    version = fields.Integer(required=True)
    deleted = fields.Boolean(required=True)
    data = fields.Dict(required=True)
    parts = fields.List(fields.Nested(DeskPartSchema), required=True)
    open_conflicts = fields.List(fields.Nested(ConflictSchema), required=True)
    history = fields.List(fields.Nested(DeskHistoryEntrySchema), required=True,
                          metadata={"description": "the ops applied to it, oldest first"})
    reviews = fields.List(fields.Nested(lambda: DeskReviewSchema()), required=True,
                          metadata={"description": "its review marks, oldest first"})


_COMMENT_LENGTH = validate.Length(min=1, max=500)
"""As the mark's ``comment`` takes (``sync.collections.REVIEW``)."""


class ReviewRequestSchema(Schema):
    """A hub's question about a record: the record is marked 「要確認」 until its author
    answers. No names: the comment goes to the phones of the record's site."""

    class Meta:
        unknown = RAISE

    comment = fields.String(required=True, validate=_COMMENT_LENGTH)
    op_id = fields.UUID(required=True, metadata={
        "description": "the desk's id of this act: a retry with it answers the same mark"})


class ReviewMarkSchema(Schema):
    """A review mark as it was raised (a ``review`` sync record)."""

    id = fields.String(required=True, metadata={"description": "the mark's record id"})
    status = fields.String(required=True, metadata={"enum": ["open", "done"]})
    comment = fields.String(required=True, allow_none=True)
    done_note = fields.String(required=True, allow_none=True)
    site_id = fields.String(required=True, metadata={"description": "the record's own site"})
    target_collection = fields.String(required=True,
                                      metadata={"enum": list(REVIEWED_COLLECTIONS)})
    target_record_id = fields.String(required=True)
    version = fields.Integer(required=True, allow_none=True)


class DeskReviewSchema(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True, allow_none=True, metadata={"enum": ["open", "done"]})
    comment = fields.String(required=True, allow_none=True, metadata={
        "description": "the hub's question; null once retention cleared it"})
    done_note = fields.String(required=True, allow_none=True,
                              metadata={"description": "the author's answer"})
    raised_by = fields.String(required=True, allow_none=True,
                              metadata={"description": "the display name of who raised it"})
    raised_at = UtcDateTime(required=True, allow_none=True)
    done_at = UtcDateTime(required=True, allow_none=True)


AUDIT_ACTIONS = ("resolve", "resubmit", "dismiss", "restore", "review", "export")


class AuditQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    ward = fields.String(validate=validate.Length(min=1, max=40),
                         metadata={"description": "a ward's code or slug; all wards if absent"})
    cursor = EntryCursor(metadata=_CURSOR_DOC)
    limit = fields.Integer(load_default=DEFAULT_LIMIT,
                           validate=validate.Range(min=1, max=MAX_LIMIT))


class AuditEntrySchema(Schema):
    id = fields.Integer(required=True)
    at = UtcDateTime(required=True)
    user_id = fields.Integer(required=True)
    display_name = fields.String(required=True, allow_none=True)
    ward = fields.String(required=True, allow_none=True, metadata={"description": "ward code"})
    action = fields.String(required=True, metadata={"enum": list(AUDIT_ACTIONS)})
    target_id = fields.String(required=True, allow_none=True, metadata={
        "description": "the conflict id or quarantine entry id acted on"})
    collection = fields.String(required=True, allow_none=True)
    record_id = fields.String(required=True, allow_none=True)
    detail = fields.Dict(required=True, metadata={
        "description": "codes, ids and numbers; of an export: `export` (visit, outreach, "
                       "monthly), `format`, and its `month` or its filters (`from`, `to`, "
                       "`area`, `kind`, `site`, `author`) and `rows`"})


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema), required=True)
    next = fields.String(required=True, allow_none=True)
