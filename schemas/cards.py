"""Introduction cards on the wire: minting tokens, confirming arrival, notices, figures."""

from marshmallow import RAISE, Schema, fields, validate

MAX_MINT = 50


class MintRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    site_id = fields.Integer(required=True, metadata={"description": "the issuing site"})
    count = fields.Integer(load_default=10, validate=validate.Range(min=1, max=MAX_MINT))
    printed = fields.Boolean(load_default=False, metadata={
        "description": "for a printed sheet of paper cards (hub staff)"})


class MintedTokenSchema(Schema):
    short_code = fields.String(metadata={"description": "the card's id; what people type"})
    token = fields.String(metadata={"description": "the secret in the parent's URL, shown once"})
    url = fields.String()
    qr_svg = fields.String(metadata={"description": "the URL as a QR code, SVG"})


class MintResponseSchema(Schema):
    site_id = fields.Integer()
    pool_size = fields.Integer(metadata={"description": "how many a phone should keep ready"})
    tokens = fields.List(fields.Nested(MintedTokenSchema))


class ArrivalRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    op_id = fields.UUID(load_default=None, metadata={"description": "makes a retry harmless"})


class CardStatusSchema(Schema):
    short_code = fields.String()
    status = fields.String()
    version = fields.Integer()
