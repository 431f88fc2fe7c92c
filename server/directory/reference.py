"""Reference data every database starts with: the wards."""

from sqlalchemy import select

from sync.vocabulary import WARDS

from ..extensions import db
from .models import Ward


def ensure_wards(extra: tuple = ()) -> None:
    """Insert the city's wards (and ``extra`` ones) that are missing; commit."""
    known = set(db.session.scalars(select(Ward.code)))
    for code, slug, name_ja, name_en, *office in (*WARDS, *extra):
        if code not in known:
            db.session.add(Ward(code=code, slug=slug, name_ja=name_ja, name_en=name_en,
                                office_name=office[0] if office else None,
                                office_phone=office[1] if office else None))
    db.session.commit()
