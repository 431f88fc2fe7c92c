"""Push, pull, conflicts and quarantine on the wire.

A push is checked here only as an envelope: each op inside is validated by the sync
engine, so that one bad op is quarantined with its reason instead of failing the batch.
"""

from marshmallow import RAISE, Schema, fields, validate

from sync.engine import Resolution, own_op_id
from sync.incoming import fault_of
from sync.protocol import (
    DEFAULT_PULL_LIMIT,
    MAX_PULL_LIMIT,
    PROTOCOL_VERSION,
    Fault,
    QuarantineState,
    Reason,
    Status,
)


class PullQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    cursor = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=DEFAULT_PULL_LIMIT,
                           validate=validate.Range(min=1, max=MAX_PULL_LIMIT))


class PullAskSchema(PullQuerySchema):
    """The pull a push may bring back in its answer: GET /api/sync/pull's query."""

    cursor = fields.Integer(required=True, validate=validate.Range(min=0))


class PushRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    protocol = fields.Integer(required=True, metadata={
        "example": PROTOCOL_VERSION, "enum": [PROTOCOL_VERSION],
        "description": "the protocol this server speaks; another answers 400 "
                       "unsupported_protocol"})
    # Raw, not Dict: an op that is not an object is quarantined on its own by the engine,
    # and the rest of the batch applies.
    ops = fields.List(fields.Raw(allow_none=True), required=True, metadata={
        "description": "ops: {op_id, device_id, collection, record_id, hlc, base_version, "
                       "changes, delete?, restore?, resolves?}; user_id is set by the server. "
                       "An op that is not valid is answered 'rejected' and quarantined; "
                       "the others apply."})
    pull = fields.Nested(PullAskSchema, load_default=None, metadata={
        "description": "optional: the answer then also carries the first page of "
                       "GET /api/sync/pull from this cursor, read after the push, so a "
                       "sync is one request; continue with GET while its 'more' is true"})


class OpResultSchema(Schema):
    op_id = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in Status]})
    version = fields.Integer(allow_none=True)
    position = fields.Integer(allow_none=True)
    conflicts = fields.List(fields.String())
    clamped = fields.Boolean(metadata={"description": "the op's clock ran ahead and was clamped"})
    hlc = fields.String(allow_none=True)
    reason = fields.String(allow_none=True, metadata={"enum": [r.value for r in Reason]})
    message = fields.String(allow_none=True, metadata={
        "description": "the reason in English, for developers: a phone words the codes"})
    field = fields.String(allow_none=True, metadata={"description": "the field at fault"})
    fault = fields.String(allow_none=True, metadata={"enum": [f.value for f in Fault]})
    limit = fields.Integer(allow_none=True, metadata={
        "description": "the bound the value broke (too_long, out_of_range)"})


class ChangeSchema(Schema):
    position = fields.Integer(required=True)
    collection = fields.String(required=True)
    record_id = fields.String(required=True)
    version = fields.Integer(required=True)
    deleted = fields.Boolean(required=True)
    data = fields.Dict(allow_none=True, required=True,
                       metadata={"description": "the record's fields; null for a tombstone"})


class PullResponseSchema(Schema):
    changes = fields.List(fields.Nested(ChangeSchema), required=True)
    cursor = fields.Integer(required=True)
    more = fields.Boolean(required=True)


class PushResponseSchema(Schema):
    results = fields.List(fields.Nested(OpResultSchema))
    cursor = fields.Integer(allow_none=True, metadata={
        "description": "highest position holding this push; pull until your cursor reaches it"})
    server_hlc = fields.String()
    pull = fields.Nested(PullResponseSchema, metadata={
        "description": "only when the push asked for it: a page as GET /api/sync/pull "
                       "answers"})


class ConflictSchema(Schema):
    conflict_id = fields.String()
    collection = fields.String()
    record_id = fields.String()
    field = fields.String()
    value = fields.Raw(allow_none=True)
    op_id = fields.String()
    device_id = fields.String()
    user_id = fields.String()
    hlc = fields.String()
    winner_op_id = fields.String()


class MyConflictSchema(ConflictSchema):
    current = fields.Raw(allow_none=True, metadata={
        "description": "the field's value now, which beat the author's (``value``)"})


class ResolveConflictSchema(Schema):
    class Meta:
        unknown = RAISE

    conflict_id = fields.String(required=True)
    resolution = fields.String(required=True,
                               validate=validate.OneOf([r.value for r in Resolution]))
    value = fields.Raw(allow_none=True, load_default=None)
    op_id = fields.UUID(required=True, metadata={"description": "makes a retry harmless"})


class QuarantineQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    state = fields.String(load_default="open", validate=validate.OneOf(["open", "all"]))


def _fault(entry, name: str):
    found = fault_of(entry.payload)
    value = getattr(found, name, None) if found is not None else None
    return value.value if isinstance(value, Fault) else value


class QuarantineEntrySchema(Schema):
    id = fields.String(attribute="op_id", metadata={
        "description": "the entry's id: the author who pushed the op, ':', and the op's id "
                       "(op ids are each author's own); used in the resubmit and dismiss URLs"})
    op_id = fields.Function(lambda entry: own_op_id(entry.op_id), metadata={
        "type": "string", "description": "the op's id as its phone sent it"})
    payload = fields.Raw()
    reason = fields.String(metadata={"enum": [r.value for r in Reason]})
    message = fields.String(metadata={
        "description": "the reason in English, for developers: a screen words the codes"})
    field = fields.Function(lambda entry: _fault(entry, "field"), metadata={
        "type": "string", "nullable": True, "description": "the field at fault"})
    fault = fields.Function(lambda entry: _fault(entry, "fault"), metadata={
        "type": "string", "nullable": True, "enum": [f.value for f in Fault]})
    limit = fields.Function(lambda entry: _fault(entry, "limit"), metadata={
        "type": "integer", "nullable": True,
        "description": "the bound the value broke (too_long, out_of_range)"})
    user_id = fields.String(allow_none=True)
    device_id = fields.String(allow_none=True)
    site_id = fields.String(allow_none=True)
    received_ms = fields.Integer()
    state = fields.String(metadata={"enum": [s.value for s in QuarantineState]})
    closed_by = fields.String(allow_none=True)
    closed_ms = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    resubmitted_op_id = fields.String(allow_none=True)


class ResubmitSchema(Schema):
    class Meta:
        unknown = RAISE

    op = fields.Dict(required=True, metadata={"description": "the corrected op, new op_id"})


class DismissSchema(Schema):
    class Meta:
        unknown = RAISE

    note = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class RestoreSchema(Schema):
    class Meta:
        unknown = RAISE

    op_id = fields.UUID(required=True)
