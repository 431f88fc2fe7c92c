"""The board: each raised issue with the hub's record of it, and the hub's changes.

A change writes the new values and one history event with each changed field's value
before and after, in the same transaction: a board that shows a state always has the
event that set it. A change that changes nothing writes nothing.
"""

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sync.collections import RECORD_ID

from ..accounts.models import User
from ..directory.models import Site, Ward
from ..errors import ApiError
from ..extensions import db
from ..liaison.models import LiaisonMeeting
from ..timeutil import utcnow
from .models import (
    LocalIssue,
    LocalIssueEvent,
    LocalIssueMeeting,
    LocalIssueReview,
    LocalIssueRole,
)
from .raised import Raised, raised_issues

HUB_FIELDS = ("state", "initiative", "meetings", "roles", "review_dates")


def _not_found() -> ApiError:
    return ApiError(404, "not_found", "見つかりません / Not found.",
                    {"issue_id": ["no such issue in this ward"]})


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid", "入力内容を確認してください / Please check the input.",
                    {field: [message]})


def _hub_values(hub: LocalIssue | None) -> dict:
    """The hub's fields as the wire shows them (and as the history compares them)."""
    if hub is None:
        return {"state": "raised", "initiative": "", "meetings": [], "roles": [],
                "review_dates": []}
    return {
        "state": hub.state, "initiative": hub.initiative,
        "meetings": [{"meeting_id": m.meeting_id, "stage": m.stage} for m in hub.meetings],
        "roles": [{"site_id": r.site_id, "task": r.task} for r in hub.roles],
        "review_dates": [r.review_on for r in hub.reviews],
    }


def _as_dict(issue: Raised, hub: LocalIssue | None, site_names: dict[int, str],
             meetings: dict[int, tuple]) -> dict:
    values = _hub_values(hub)
    values["roles"] = [{**role, "site_name": site_names.get(role["site_id"], "")}
                       for role in values["roles"]]
    values["meetings"] = [{**link, "held_on": meetings[link["meeting_id"]][0],
                           "title": meetings[link["meeting_id"]][1]}
                          for link in values["meetings"]]
    return {"id": issue.record_id, "site_id": issue.site_id, "site_name": issue.site_name,
            "title": issue.title, "detail": issue.detail, "raised_on": issue.raised_on,
            **values, "updated_at": hub.updated_at if hub else None}


def _role_site_names(hubs) -> dict[int, str]:
    ids = {role.site_id for hub in hubs for role in hub.roles}
    if not ids:
        return {}
    return dict(db.session.execute(select(Site.id, Site.name).where(Site.id.in_(ids))).all())


def _meetings_of(hubs) -> dict[int, tuple]:
    """The day and name of each liaison meeting the issues link, by id."""
    ids = {link.meeting_id for hub in hubs for link in hub.meetings}
    if not ids:
        return {}
    rows = db.session.execute(select(LiaisonMeeting.id, LiaisonMeeting.held_on,
                                     LiaisonMeeting.title).where(LiaisonMeeting.id.in_(ids)))
    return {meeting_id: (held_on, title) for meeting_id, held_on, title in rows}


def board(ward: Ward) -> list[dict]:
    """Every live issue of the ward, newest raised first, with the hub's record of it."""
    issues = raised_issues(ward.id)
    ids = [issue.record_id for issue in issues]
    hubs = {hub.record_id: hub for hub in db.session.scalars(
        select(LocalIssue).where(LocalIssue.record_id.in_(ids)))} if ids else {}
    names, meetings = _role_site_names(hubs.values()), _meetings_of(hubs.values())
    return [_as_dict(issue, hubs.get(issue.record_id), names, meetings) for issue in issues]


def _raised_in_ward(ward: Ward, record_id: str) -> Raised:
    # An id no phone could have made names no issue (and a NUL would be a database error).
    found = raised_issues(ward.id, record_id) if RECORD_ID.fullmatch(record_id) else []
    if not found:
        raise _not_found()
    return found[0]


def _history(record_id: str) -> list[dict]:
    events = db.session.execute(
        select(LocalIssueEvent, User.display_name)
        .join(User, User.id == LocalIssueEvent.user_id)
        .where(LocalIssueEvent.issue_id == record_id)
        .order_by(LocalIssueEvent.id)).all()
    return [{"at": event.at, "by": name, "changes": json.loads(event.changes_json)}
            for event, name in events]


def one(ward: Ward, record_id: str) -> dict:
    """One issue of the ward with its history, oldest change first.

    :raise 404: no live issue with this id in the ward."""
    issue = _raised_in_ward(ward, record_id)
    hub = db.session.get(LocalIssue, record_id)
    names = _role_site_names([hub] if hub else [])
    meetings = _meetings_of([hub] if hub else [])
    return {**_as_dict(issue, hub, names, meetings), "history": _history(record_id)}


def _check_roles(ward: Ward, roles: list[dict]) -> None:
    ids = {role["site_id"] for role in roles}
    if not ids:
        return
    in_ward = set(db.session.scalars(select(Site.id).where(Site.id.in_(ids),
                                                          Site.ward_id == ward.id)))
    for index, role in enumerate(roles):
        if role["site_id"] not in in_ward:
            raise _invalid("roles", f"item {index}: site {role['site_id']} is not a site of "
                           "this ward")


def _check_meetings(ward: Ward, meetings: list[dict]) -> None:
    ids = {meeting["meeting_id"] for meeting in meetings}
    if not ids:
        return
    of_ward = set(db.session.scalars(select(LiaisonMeeting.id).where(
        LiaisonMeeting.id.in_(ids), LiaisonMeeting.ward_id == ward.id)))
    for index, meeting in enumerate(meetings):
        if meeting["meeting_id"] not in of_ward:
            raise _invalid("meetings", f"item {index}: meeting {meeting['meeting_id']} is "
                           "not a liaison meeting of this ward")


def _wire(value):
    """A value as JSON holds it: dates as ``YYYY-MM-DD``."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_wire(item) for item in value]
    if isinstance(value, dict):
        return {key: _wire(item) for key, item in value.items()}
    return value


def _normalised(field: str, value):
    # Lists are sets to the hub (a meeting linked twice is linked once); kept in the
    # order they are shown, so "before" and "after" compare as the board reads them.
    if field == "meetings":
        unique = {(m["stage"], m["meeting_id"]) for m in value}
        return [{"meeting_id": meeting, "stage": stage} for stage, meeting in sorted(unique)]
    if field == "review_dates":
        return sorted(set(value))
    if field == "initiative":
        return value.strip()
    return value


def change(ward: Ward, user: User, record_id: str, data: dict) -> dict:
    """Sets the hub's fields given in ``data`` (a list replaces the whole list) and keeps
    one history event of what changed. Commits.

    :raise 404: no live issue with this id in the ward.
    :raise 409: another desk made the issue's first change at the same moment.
    :raise 422: a role's site or a meeting is not of this ward."""
    _raised_in_ward(ward, record_id)
    # Locked to the commit on PostgreSQL, so a second desk's change is made on top of this
    # one and its "before" is what this one wrote (SQLite has one writer at a time).
    hub = db.session.get(LocalIssue, record_id, with_for_update=True)
    before = _hub_values(hub)
    after = {**before, **{field: _normalised(field, data[field])
                          for field in HUB_FIELDS if field in data}}
    _check_roles(ward, after["roles"])
    _check_meetings(ward, after["meetings"])
    changed = {field: {"before": _wire(before[field]), "after": _wire(after[field])}
               for field in HUB_FIELDS if _wire(before[field]) != _wire(after[field])}
    if changed:
        if hub is None:
            hub = LocalIssue(record_id=record_id, ward_id=ward.id)
            db.session.add(hub)
        hub.state, hub.initiative = after["state"], after["initiative"]
        hub.updated_at, hub.updated_by = utcnow(), user.id
        if "meetings" in changed:
            hub.meetings = [LocalIssueMeeting(**m) for m in after["meetings"]]
        if "roles" in changed:
            hub.roles = [LocalIssueRole(site_id=r["site_id"], task=r["task"])
                         for r in after["roles"]]
        if "review_dates" in changed:
            hub.reviews = [LocalIssueReview(review_on=day) for day in after["review_dates"]]
        db.session.add(LocalIssueEvent(issue_id=record_id, user_id=user.id,
                                       changes_json=json.dumps(changed, ensure_ascii=False)))
        try:
            db.session.commit()
        except IntegrityError:
            # Two desks made the issue's first change at once; there was no row to lock.
            db.session.rollback()
            raise ApiError(409, "conflict", "ほかの人が同時に変更しました。開き直してください / "
                           "Someone changed this at the same time. Please open it again.",
                           {"issue_id": ["changed by someone else just now"]}) from None
    return one(ward, record_id)
