"""Fields that several wire areas share."""

from marshmallow import fields, validate

MAX_ROW_ID = 2**31 - 1
"""Row ids are INTEGER columns: 32 bits on PostgreSQL, which refuses a larger parameter."""
ROW_ID = validate.Range(min=1, max=MAX_ROW_ID)


class StrictBoolean(fields.Boolean):
    """``true`` or ``false`` only: marshmallow's own also takes 1, 0, "yes" and "on", which
    the document (``type: boolean``) does not allow, so a client's mistake would pass."""

    def _deserialize(self, value, attr, data, **kwargs):
        # A set of {True} would not do: 1 == True, so 1 is in it.
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value
