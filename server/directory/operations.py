"""Named changes to the directory. Each validates fully before it writes, then commits."""

from datetime import date, datetime

from dateutil.rrule import rrulestr
from marshmallow import ValidationError

from ..errors import ApiError
from ..extensions import db
from .models import Area, ContactPerson, KindMapping, Programme, Site, SiteTag


def _check_rrule(rule: str | None, starts_on: date) -> None:
    """:raise ValidationError: ``rule`` is not an iCalendar RRULE that dateutil understands."""
    if not rule:
        return
    try:
        parsed = rrulestr(rule, dtstart=datetime.combine(starts_on, datetime.min.time()))
    except (ValueError, TypeError) as exc:
        raise ValidationError({"rrule": [f"not a valid RRULE: {exc}"]}) from None
    if not hasattr(parsed, "between"):
        raise ValidationError({"rrule": ["give one RRULE, not a whole iCalendar set"]})


def _programme_values(data: dict) -> dict:
    values = dict(data)
    if "cancelled_dates" in values:
        values["cancelled_dates"] = sorted({d.isoformat() for d in values["cancelled_dates"]})
    return values


def create_programme(site: Site, data: dict) -> Programme:
    _check_rrule(data.get("rrule"), data["starts_on"])
    programme = Programme(site=site, **_programme_values(data))
    db.session.add(programme)
    db.session.commit()
    return programme


def update_programme(programme: Programme, data: dict) -> Programme:
    _check_rrule(data.get("rrule", programme.rrule), data.get("starts_on", programme.starts_on))
    for key, value in _programme_values(data).items():
        setattr(programme, key, value)
    db.session.commit()
    return programme


def delete_programme(programme: Programme) -> None:
    db.session.delete(programme)
    db.session.commit()


def update_site(site: Site, data: dict) -> Site:
    """:raise 422: the area belongs to another ward."""
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
    from .opendata import normalise_text

    key = normalise_text(source_type)
    mapping = db.session.get(KindMapping, key) or KindMapping(source_type=key)
    mapping.kind = kind
    db.session.add(mapping)
    db.session.commit()
    return mapping
