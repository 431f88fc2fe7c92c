"""Reference data every database starts with: the wards, and the national list of
local-government codes that more wards are made from."""

from sqlalchemy import insert, select

from sync.vocabulary import WARDS

from ..extensions import db
from .local_government import reference_rows
from .models import LocalGovernment, Ward


def ensure_wards(extra: tuple = ()) -> None:
    """Insert the city's wards (and ``extra`` ones) that are missing; commit."""
    known = set(db.session.scalars(select(Ward.code)))
    for code, slug, name_ja, name_en, *office in (*WARDS, *extra):
        if code not in known:
            db.session.add(Ward(code=code, slug=slug, name_ja=name_ja, name_en=name_en,
                                office_name=office[0] if office else None,
                                office_phone=office[1] if office else None))
    db.session.commit()


def local_government_values() -> list[dict]:
    """The shipped list of local-government codes as rows of ``local_government``."""
    return [dict(vars(row)) for row in reference_rows()]


def ensure_local_governments() -> None:
    """Load the list of local-government codes when the table is empty (a database made
    with ``create_all`` rather than the migrations, or emptied); in the caller's
    transaction."""
    if db.session.scalar(select(LocalGovernment.code).limit(1)) is None:
        db.session.execute(insert(LocalGovernment), local_government_values())
