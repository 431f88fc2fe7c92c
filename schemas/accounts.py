"""Sign-in, pairing, devices and people."""

import re
from datetime import UTC

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate

from sync.vocabulary import ROLES

PASSWORD = validate.Length(min=10, max=200)
DEVICE_NAME_MAX = 80
"""The ``device.name`` column's width."""
# C0 and C1 control characters (a tab, a newline, an escape…): no one types them in a phone's
# name, and in a list of phones they would break the line or hide the rest of it.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _printable(text: str) -> None:
    if CONTROL_CHARACTERS.search(text):
        raise ValidationError("制御文字は使えません / Control characters are not allowed.")


DEVICE_NAME = (validate.Length(max=DEVICE_NAME_MAX), _printable)
DEVICE_NAME_DOC = {"pattern": r"^[^\x00-\x1f\x7f-\x9f]*$"}


class UtcDateTime(fields.DateTime):
    """A moment in ISO 8601 with its offset, ``2026-12-05T11:00:00+00:00``: the database
    holds naive UTC, which a client would otherwise read as its own local time."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None:
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class RequestSchema(Schema):
    class Meta:
        unknown = RAISE


class LoginRequestSchema(RequestSchema):
    login = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200),
                             load_only=True)
    device_name = fields.String(load_default="", validate=DEVICE_NAME, metadata=DEVICE_NAME_DOC)


class PairRequestSchema(RequestSchema):
    code = fields.String(required=True, validate=validate.Length(min=8, max=100))
    device_name = fields.String(load_default="", validate=DEVICE_NAME, metadata=DEVICE_NAME_DOC)


class PasswordChangeSchema(RequestSchema):
    current_password = fields.String(required=True, load_only=True)
    new_password = fields.String(required=True, validate=PASSWORD, load_only=True)


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    login = fields.String()
    display_name = fields.String()
    role = fields.String(metadata={"enum": list(ROLES)})
    ward_code = fields.String(attribute="ward.code", allow_none=True)
    site_ids = fields.List(fields.Integer())
    active = fields.Boolean()


class UserCreateSchema(RequestSchema):
    login = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9._-]{3,80}$",
        error="英数字と . _ - で 3〜80 文字 / 3-80 letters, digits, . _ -"))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    ward_code = fields.String(load_default=None, allow_none=True)
    site_ids = fields.List(fields.Integer(strict=True), load_default=list)
    password = fields.String(required=True, validate=PASSWORD, load_only=True)


class DeviceSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    user_id = fields.Integer()
    user_display_name = fields.String(attribute="user.display_name")
    user_role = fields.String(attribute="user.role")
    created_at = UtcDateTime()
    expires_at = UtcDateTime()
    last_seen_at = UtcDateTime(allow_none=True)
    revoked_at = UtcDateTime(allow_none=True)


class DeviceRenameSchema(RequestSchema):
    name = fields.String(required=True, validate=(
        validate.Length(min=1, max=DEVICE_NAME_MAX), _printable), metadata={
            **DEVICE_NAME_DOC, "description": "what the phone is called in lists, e.g. "
                                              "「Android（Pixel 7）・Chrome」"})

    @post_load
    def _trimmed(self, data, **_kwargs):
        # Spaces around a typed name are a slip of the thumb, not part of it.
        data["name"] = data["name"].strip()
        if not data["name"]:
            raise ValidationError({"name": ["名前を入れてください / Enter a name."]})
        return data


class SessionSchema(Schema):
    """What a phone gets when it signs in: its token (shown once) and who it is."""

    token = fields.String(required=True)
    device = fields.Nested(DeviceSchema)
    user = fields.Nested(UserSchema)


class PairingRequestSchema(RequestSchema):
    user_id = fields.Integer(required=True, strict=True)


class PairingSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    user_display_name = fields.String()
    code = fields.String(metadata={"description": "one-time code; shown once"})
    pair_url = fields.String()
    qr_svg = fields.String(metadata={"description": "SVG image of a QR code of pair_url"})
    expires_at = UtcDateTime()
