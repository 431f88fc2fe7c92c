"""Named changes to the directory. Each validates fully before it writes, then commits."""

from datetime import date

from marshmallow import ValidationError

from schemas.directory import FIRST_DAY, LAST_DAY, ProgrammeSchema, check_programme

from ..errors import ApiError
from ..extensions import db
from . import opening
from .models import Area, ContactPerson, KindMapping, Programme, Site, SiteTag
from .recurrence import first_date, parse_rule

# The columns a programme's request may set (all but the dump-only id and site_id).
PROGRAMME_FIELDS = tuple(name for name, field in ProgrammeSchema().fields.items()
                         if not field.dump_only)


def _programme_values(data: dict) -> dict:
    """``data`` (as loaded by ``ProgrammeSchema``) as the columns store it.

    Cancelled dates are kept as sorted, distinct ISO texts in a JSON column, which is what
    ``ProgrammeSchema`` dumps and what the card pages compare with.
    """
    values = dict(data)
    if "cancelled_dates" in values:
        values["cancelled_dates"] = sorted({d.isoformat() for d in values["cancelled_dates"]})
    return values


def _check_programme(values: dict) -> None:
    """Check a whole programme, as it would be stored, before anything is written.

    :raise ValidationError: its fields disagree, or it repeats but does not start in
        2000 … 2100, or its RRULE is not one of at most once a day that takes place by 2100
        (the field at fault is named).
    """
    check_programme(values)
    if values.get("rrule"):
        # Expanding a rule walks every date from starts_on, so it starts in the calendar.
        if not FIRST_DAY <= values["starts_on"] <= LAST_DAY:
            raise ValidationError({"starts_on": [
                f"a repeating programme starts between {FIRST_DAY} and {LAST_DAY}"]})
        try:
            rule = parse_rule(values["rrule"], values["starts_on"])
        except ValueError as exc:
            raise ValidationError({"rrule": [str(exc)]}) from None
        if first_date(rule) is None:
            raise ValidationError({"rrule": ["never takes place from starts_on to 2100"]})


def create_programme(site: Site, data: dict) -> Programme:
    """:raise 422: see ``_check_programme``."""
    values = _programme_values(data)
    _check_programme(values)
    programme = Programme(site=site, **values)
    db.session.add(programme)
    db.session.commit()
    return programme


def update_programme(programme: Programme, data: dict) -> Programme:
    """Apply a patch, checked together with the fields it leaves as stored.

    :raise 422: see ``_check_programme``.
    """
    values = _programme_values(data)
    _check_programme({name: values.get(name, getattr(programme, name))
                      for name in PROGRAMME_FIELDS})
    for key, value in values.items():
        setattr(programme, key, value)
    db.session.commit()
    return programme


def delete_programme(programme: Programme) -> None:
    db.session.delete(programme)
    db.session.commit()


def update_site(site: Site, data: dict, *, today: date) -> Site:
    """:raise 422: the area belongs to another ward, or the opening rule is not one a
    programme could have or lacks the day it counts from (see ``opening.schedule_values``).
    """
    if "open_rrule" in data or "open_since" in data:
        data.update(opening.schedule_values(data.get("open_rrule", site.open_rrule),
                                            data.get("open_since", site.open_since), today))
    if "area_id" in data and data["area_id"] is not None:
        area = db.session.get(Area, data["area_id"])
        if area is None or area.ward_id != site.ward_id:
            raise ApiError(422, "invalid", "エリアが区の外です / The area is not in this ward.",
                           {"area_id": ["unknown area for this ward"]})
    if "tags" in data:
        site.tags = [SiteTag(tag=t) for t in sorted(set(data.pop("tags")))]
    for key, value in data.items():
        setattr(site, key, value)
    db.session.commit()
    return site


def add_contact(site: Site, data: dict) -> ContactPerson:
    contact = ContactPerson(site=site, **data)
    db.session.add(contact)
    db.session.commit()
    return contact


def remove_contact(contact: ContactPerson) -> None:
    db.session.delete(contact)
    db.session.commit()


def set_kind_mapping(source_type: str, kind: str) -> KindMapping:
    from .opendata_cells import normalise_text

    key = normalise_text(source_type)
    mapping = db.session.get(KindMapping, key) or KindMapping(source_type=key)
    mapping.kind = kind
    db.session.add(mapping)
    db.session.commit()
    return mapping
