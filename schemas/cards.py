"""Introduction cards on the wire: minting tokens, confirming arrival, notices, figures."""

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from sync.vocabulary import FEATURE_TAGS

from .fields import ROW_ID, StrictBoolean

MAX_MINT = 50


class MintRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    site_id = fields.Integer(required=True, strict=True,
                             validate=ROW_ID,
                             metadata={"description": "the issuing site"})
    count = fields.Integer(load_default=10, strict=True,
                           validate=validate.Range(min=1, max=MAX_MINT),
                           metadata={"description": "a site's tokens out unused are "
                                     "capped (500 unless configured): past it, 409"})
    printed = StrictBoolean(load_default=False, metadata={
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


class NoticeCardSchema(Schema):
    short_code = fields.String()
    programme_id = fields.String(allow_none=True)
    ask_for = fields.String(allow_none=True, metadata={"description": "whom to ask there"})


class NoticeSchema(Schema):
    """A notice in a site's inbox; the reader words it (「明日 2組 来所予定」)."""

    id = fields.Integer()
    site_id = fields.Integer()
    site_name = fields.String()
    kind = fields.String(metadata={"enum": ["expected_tomorrow"]})
    day = fields.Date(metadata={"description": "the day the notice is about"})
    count = fields.Integer()
    cards = fields.List(fields.Nested(NoticeCardSchema))


class CardFiguresQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    start = fields.Date(data_key="from", metadata={"description": "first issued_on counted"})
    end = fields.Date(data_key="to", metadata={"description": "last issued_on counted"})

    @validates_schema
    def _range(self, data, **_kwargs):
        if "start" in data and "end" in data and data["end"] < data["start"]:
            raise ValidationError("must not be before from", "to")


class CardRateSchema(Schema):
    issued = fields.Integer()
    arrived = fields.Integer()
    arrival_rate = fields.Float(allow_none=True, metadata={
        "description": "arrived / issued, 3 decimals; null when issued is 0"})


class CardCountsSchema(CardRateSchema):
    opened = fields.Integer(metadata={
        "description": "opened or arrived now (a card opened, then expired, is not)"})
    expired = fields.Integer()
    cancelled = fields.Integer()


class SiteCardCountsSchema(CardCountsSchema):
    site_id = fields.Integer(allow_none=True)
    site_name = fields.String(allow_none=True)
    in_ward = fields.Boolean(metadata={"description": "false: the other end of a card"})


class PairCardCountsSchema(CardRateSchema):
    issuing_site_id = fields.Integer(allow_none=True)
    issuing_site_name = fields.String(allow_none=True)
    target_site_id = fields.Integer(allow_none=True)
    target_site_name = fields.String(allow_none=True)
    opened = fields.Integer()


class WishCardCountsSchema(CardRateSchema):
    wish = fields.String(metadata={"enum": list(FEATURE_TAGS)})


class CardFiguresSchema(Schema):
    """A ward's cards: those whose issuing or target site is in the ward."""

    ward = fields.String(metadata={"description": "the ward's code"})
    start = fields.Date(attribute="from", data_key="from", allow_none=True)
    end = fields.Date(attribute="to", data_key="to", allow_none=True)
    totals = fields.Nested(CardCountsSchema)
    by_issuing_site = fields.List(fields.Nested(SiteCardCountsSchema))
    by_target_site = fields.List(fields.Nested(SiteCardCountsSchema))
    by_pair = fields.List(fields.Nested(PairCardCountsSchema))
    by_wish = fields.List(fields.Nested(WishCardCountsSchema))
