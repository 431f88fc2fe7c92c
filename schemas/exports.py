"""The exports on the wire: what a ward's records and its monthly report are asked with.

The answer of an export is a file (CSV or XLSX), not JSON; only its errors are JSON.
"""

import re
from datetime import date

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .directory import FIRST_DAY, LAST_DAY
from .hub import DeskFilterSchema

FORMATS = ("csv", "xlsx")
_FORMAT_DOC = {"description": "csv (UTF-8 with a BOM, for Excel) or xlsx"}
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


class ExportQuerySchema(DeskFilterSchema):
    """The desk's filters of a ward's records, and the file's format."""

    format = fields.String(load_default="xlsx", validate=validate.OneOf(FORMATS),
                           metadata=_FORMAT_DOC)


class Month(fields.String):
    """``YYYY-MM`` within the directory's calendar; loads as the month's first day."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if _MONTH.fullmatch(text) is None:
            raise ValidationError("must be a month YYYY-MM")
        year, month = int(text[:4]), int(text[5:])
        if not 1 <= month <= 12:
            raise ValidationError("must be a month YYYY-MM, 01 to 12")
        # The year first: date() itself refuses year 0.
        if not FIRST_DAY.year <= year <= LAST_DAY.year:
            raise ValidationError(f"must be from {FIRST_DAY:%Y-%m} to {LAST_DAY:%Y-%m}")
        return date(year, month, 1)


class MonthlyReportQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    month = Month(required=True, metadata={
        "description": "the calendar month reported, YYYY-MM (days in Asia/Tokyo)",
        "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"})
    format = fields.String(load_default="xlsx", validate=validate.OneOf(FORMATS),
                           metadata=_FORMAT_DOC)
