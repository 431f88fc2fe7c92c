"""Load-or-404 helpers shared by the views."""

from schemas.fields import MAX_ROW_ID, ROW_ID

from ..errors import ApiError
from ..extensions import db
from .models import Area, Ward

_ROW_ID_DIGITS = len(str(MAX_ROW_ID))


def as_site_id(value) -> int | None:
    """A site id as the sync records write it (text), as the directory's site id, or
    ``None`` when it cannot be one: not text, not a site id as written (ASCII digits, no
    leading zero), or past the column's range. The sync rules check these fields only as
    identifiers, so they may hold any letters and digits; a lookup must never pass such a
    value to the database, where a number out of range is an error, not "no site"."""
    if (not isinstance(value, str) or not 0 < len(value) <= _ROW_ID_DIGITS
            or not value.isascii() or not value.isdigit() or value[0] == "0"):
        return None
    number = int(value)
    return number if number <= MAX_ROW_ID else None


def get_or_404(model, ident: int, field: str):
    """:raise 404: no row of ``model`` with this id (``field`` names the id in the request)."""
    # An id the INTEGER column cannot hold names no row; asking would fail on PostgreSQL
    # (int4 out of range) and on SQLite (beyond 64 bits).
    obj = db.session.get(model, ident) if ROW_ID.min <= ident <= ROW_ID.max else None
    if obj is None:
        raise ApiError(404, "not_found", "見つかりません / Not found.", {field: ["unknown id"]})
    return obj


def ward_by_code(code: str) -> Ward:
    """A ward by its code (``14101``) or slug (``tsurumi``). :raise 404: no such ward."""
    ward = db.session.execute(
        db.select(Ward).where((Ward.code == code) | (Ward.slug == code))
    ).scalar_one_or_none()
    if ward is None:
        raise ApiError(404, "not_found", "区が見つかりません / No such ward.",
                       {"ward": ["unknown ward"]})
    return ward


def invalid(field: str, message: str) -> ApiError:
    """A 422 naming ``field`` (for checks a schema cannot make: rows of the database)."""
    return ApiError(422, "invalid", "入力内容を確認してください / Please check the input.",
                    {field: [message]})


def area_of_ward(ward: Ward, area_id: int | None, field: str) -> Area | None:
    """The area ``area_id`` (``None``: none, the whole ward). :raise 422: on ``field``,
    when it is not an area of ``ward``."""
    if area_id is None:
        return None
    area = db.session.get(Area, area_id) if ROW_ID.min <= area_id <= ROW_ID.max else None
    if area is None or area.ward_id != ward.id:
        raise invalid(field, "not an area of this ward")
    return area
