"""Writing and reading liaison meetings. A write changes the current record and adds the
whole new state as a version row in the same transaction, so the history is every version
the record ever had, each with who wrote it and when."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..directory.lookups import area_of_ward, invalid
from ..directory.models import Site, Ward
from ..errors import ApiError
from ..extensions import db
from ..timeutil import utcnow
from .models import LiaisonAttendance, LiaisonMeeting, LiaisonMeetingVersion

NEWEST = 100
"""Meetings a list without a year answers: the newest, enough for a phone to keep."""
TEXT_PARTS = ("shared", "discussed", "decided_note", "looked_back")


def _stale(current: int) -> ApiError:
    return ApiError(409, "conflict", "ほかの人が先に書き直しました。読み直してください / "
                    "Someone changed this meeting first: reload it.",
                    {"version": [f"the current version is {current}"]})


def _check_sites(ward: Ward, data: dict) -> None:
    named = set(data["site_ids"]) | {row["site_id"] for row in data["decided"]
                                     if row["site_id"] is not None}
    known = set(db.session.scalars(select(Site.id).where(Site.ward_id == ward.id,
                                                         Site.id.in_(named)))) if named else set()
    if unknown := sorted(set(data["site_ids"]) - known):
        raise invalid("site_ids", f"not sites of this ward: {unknown}")
    for index, row in enumerate(data["decided"]):
        if row["site_id"] is not None and row["site_id"] not in known:
            raise invalid(f"decided.{index}.site_id", "not a site of this ward")


def _state(data: dict) -> dict:
    """The stored form of what was sent (dates as ISO text, as JSON keeps them)."""
    return {
        "area_id": data["area_id"], "held_on": data["held_on"].isoformat(),
        "title": data["title"].strip(), "site_ids": sorted(data["site_ids"]),
        "organisations": list(data["organisations"]),
        "shared": data["shared"], "discussed": data["discussed"],
        "decided": [{"site_id": row["site_id"], "organisation": row["organisation"],
                     "task": row["task"].strip(),
                     "due_on": row["due_on"].isoformat() if row["due_on"] else None}
                    for row in data["decided"]],
        "decided_note": data["decided_note"], "looked_back": data["looked_back"]}


def _apply(meeting: LiaisonMeeting, state: dict) -> None:
    meeting.area_id = state["area_id"]
    meeting.held_on = date.fromisoformat(state["held_on"])
    meeting.title = state["title"]
    meeting.organisations = state["organisations"]
    meeting.decided = state["decided"]
    for part in TEXT_PARTS:
        setattr(meeting, part, state[part])
    # Rows that stay are kept: replacing them all would insert a (meeting, site) key in
    # the same flush that deletes it, and the insert goes first.
    wanted = set(state["site_ids"])
    meeting.sites = [row for row in meeting.sites if row.site_id in wanted] + [
        LiaisonAttendance(site_id=site_id)
        for site_id in sorted(wanted - {row.site_id for row in meeting.sites})]


def _commit_version(meeting: LiaisonMeeting, state: dict, user: User) -> None:
    db.session.add(LiaisonMeetingVersion(meeting_id=meeting.id, version=meeting.version,
                                         state=state, changed_by=user.id))
    try:
        db.session.commit()
    except IntegrityError:
        # Another edit of the same version got its version row in first.
        db.session.rollback()
        raise _stale(meeting.version) from None


def create(ward: Ward, user: User, data: dict) -> LiaisonMeeting:
    """:raise 422: an area or site not of the ward (the field says which)."""
    area_of_ward(ward, data["area_id"], "area_id")
    _check_sites(ward, data)
    state = _state(data)
    meeting = LiaisonMeeting(ward_id=ward.id, version=1)
    _apply(meeting, state)
    db.session.add(meeting)
    db.session.flush()
    _commit_version(meeting, state, user)
    return meeting


def edit_form(meeting: LiaisonMeeting) -> dict:
    """The meeting as ``edit`` takes it (its current version), to change a part of."""
    state = _current_state(meeting)
    return {**state, "held_on": date.fromisoformat(state["held_on"]),
            "decided": [{**row, "due_on": _day(row["due_on"])} for row in state["decided"]],
            "version": meeting.version}


def edit(meeting: LiaisonMeeting, ward: Ward, user: User, data: dict) -> LiaisonMeeting:
    """The whole record as edited from ``data["version"]``.

    :raise 409: the record changed since that version (nothing is written).
    :raise 422: an area or site not of the ward."""
    if data["version"] != meeting.version:
        raise _stale(meeting.version)
    area_of_ward(ward, data["area_id"], "area_id")
    _check_sites(ward, data)
    state = _state(data)
    _apply(meeting, state)
    meeting.version += 1
    meeting.updated_at = utcnow()
    _commit_version(meeting, state, user)
    return meeting


def in_ward(ward: Ward, meeting_id: int) -> LiaisonMeeting:
    """:raise 404: no meeting with this id in this ward."""
    meeting = db.session.get(LiaisonMeeting, meeting_id) if 0 < meeting_id < 2**31 else None
    if meeting is None or meeting.ward_id != ward.id:
        raise ApiError(404, "not_found", "見つかりません / Not found.",
                       {"meeting_id": ["no such meeting in this ward"]})
    return meeting


def _names(ward: Ward, site_ids: set[int]) -> tuple[dict[int, str], dict[int, str]]:
    sites = dict(db.session.execute(select(Site.id, Site.name).where(
        Site.ward_id == ward.id, Site.id.in_(site_ids))).all()) if site_ids else {}
    return sites, {area.id: area.name for area in ward.areas}


def _site_ids_of(state: dict) -> set[int]:
    return set(state["site_ids"]) | {row["site_id"] for row in state["decided"]
                                     if row["site_id"] is not None}


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _readable(state: dict, sites: dict[int, str], areas: dict[int, str]) -> dict:
    """A stored state as the wire has it: dates as dates, sites and areas with names."""
    return {
        **{key: state[key] for key in ("area_id", "title", "organisations", *TEXT_PARTS)},
        "held_on": _day(state["held_on"]), "area_name": areas.get(state["area_id"]),
        "sites": [{"id": site_id, "name": sites.get(site_id, "")}
                  for site_id in state["site_ids"]],
        "decided": [{**row, "due_on": _day(row["due_on"]), "site_name": sites.get(row["site_id"])}
                    for row in state["decided"]]}


def _current_state(meeting: LiaisonMeeting) -> dict:
    return {"area_id": meeting.area_id, "held_on": meeting.held_on.isoformat(),
            "title": meeting.title, "site_ids": sorted(row.site_id for row in meeting.sites),
            "organisations": meeting.organisations, "decided": meeting.decided,
            **{part: getattr(meeting, part) for part in TEXT_PARTS}}


def as_dicts(ward: Ward, meetings: list[LiaisonMeeting]) -> list[dict]:
    states = [_current_state(meeting) for meeting in meetings]
    sites, areas = _names(ward, set().union(*map(_site_ids_of, states)) if states else set())
    return [{**_readable(state, sites, areas), "id": meeting.id, "version": meeting.version,
             "created_at": meeting.created_at, "updated_at": meeting.updated_at}
            for meeting, state in zip(meetings, states, strict=True)]


def as_dict(ward: Ward, meeting: LiaisonMeeting) -> dict:
    return as_dicts(ward, [meeting])[0]


def _in_year(year: int) -> tuple:
    # A range rather than extract(year): the index on (ward_id, held_on) serves it.
    return (LiaisonMeeting.held_on >= date(year, 1, 1),
            LiaisonMeeting.held_on < date(year + 1, 1, 1))


def listed(ward: Ward, area_id: int | None = None, year: int | None = None) -> list[dict]:
    """The ward's meetings, newest first; of one area, of one year (else the newest 100)."""
    area_of_ward(ward, area_id, "area")
    query = (select(LiaisonMeeting).where(LiaisonMeeting.ward_id == ward.id)
             .order_by(LiaisonMeeting.held_on.desc(), LiaisonMeeting.id.desc()))
    if area_id is not None:
        query = query.where(LiaisonMeeting.area_id == area_id)
    if year is not None:
        query = query.where(*_in_year(year))
    else:
        query = query.limit(NEWEST)
    return as_dicts(ward, list(db.session.scalars(query)))


def history(ward: Ward, meeting: LiaisonMeeting) -> list[dict]:
    """Every version of the record, newest first, each whole, with who wrote it and when."""
    rows = db.session.execute(
        select(LiaisonMeetingVersion, User.display_name)
        .join(User, User.id == LiaisonMeetingVersion.changed_by)
        .where(LiaisonMeetingVersion.meeting_id == meeting.id)
        .order_by(LiaisonMeetingVersion.version.desc())).all()
    sites, areas = _names(ward, set().union(*(_site_ids_of(row.state) for row, _ in rows)))
    return [{"version": row.version, "changed_at": row.changed_at, "changed_by": name,
             "state": _readable(row.state, sites, areas)} for row, name in rows]


def attendance(ward: Ward, year: int) -> dict:
    """Each site of the ward with the meetings of ``year`` it attended, against those held
    for it (the ward's and its own area's). A site that came to fewer than a third of them,
    or never, is marked ``rarely``: the guideline asks to keep such sites informed anyway."""
    meetings = list(db.session.scalars(
        select(LiaisonMeeting).where(LiaisonMeeting.ward_id == ward.id,
                                     *_in_year(year))
        .order_by(LiaisonMeeting.held_on, LiaisonMeeting.id)))
    came: dict[int, list[LiaisonMeeting]] = {}
    for meeting in meetings:
        for row in meeting.sites:
            came.setdefault(row.site_id, []).append(meeting)
    areas = {area.id: area.name for area in ward.areas}
    result = []
    for site in db.session.scalars(select(Site).where(Site.ward_id == ward.id)
                                   .order_by(Site.area_id, Site.name, Site.id)):
        held_for = sum(1 for meeting in meetings
                       if meeting.area_id is None or meeting.area_id == site.area_id)
        attended = came.get(site.id, [])
        result.append({
            "site_id": site.id, "name": site.name, "kind": site.kind,
            "area_id": site.area_id, "area_name": areas.get(site.area_id),
            "held_for": held_for,
            "attended": [{"id": m.id, "held_on": m.held_on, "title": m.title}
                         for m in attended],
            "rarely": held_for > 0 and 3 * len(attended) < held_for})
    return {"year": year, "meetings": len(meetings), "sites": result}
