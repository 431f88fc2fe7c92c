"""``/api/wards/<code>/inbox``: the hub's messages, for the hub staff of the ward and
admins (a ward officer reads the ward's records, but the hub's work list is the hub's)."""

from flask import Blueprint, g

from schemas.inbox import HubMessageSchema, InboxSchema

from ..accounts import policy
from ..accounts.auth import login_required
from ..api import documented, respond
from ..directory.lookups import ward_by_code
from ..timeutil import utcnow
from . import messages

bp = Blueprint("inbox", __name__, url_prefix="/api")


def _hub_ward(code: str):
    ward = ward_by_code(code)
    policy.require(policy.may_manage_ward(g.user, ward.id))
    return ward


@bp.get("/wards/<code>/inbox")
@login_required
@documented("The hub's inbox: review reminders and weekly digests, newest first, each "
            "read or not by me (hub staff of the ward, admins)", "inbox",
            response=InboxSchema, errors=(401, 403, 404))
def inbox(code: str):
    ward = _hub_ward(code)
    return respond(InboxSchema(), messages.inbox(ward, g.user))


@bp.post("/wards/<code>/inbox/<int:message_id>/read")
@login_required
@documented("Mark one message of the hub's inbox read by me; again: no change (hub staff "
            "of the ward, admins)", "inbox", response=HubMessageSchema,
            errors=(401, 403, 404))
def mark_read(code: str, message_id: int):
    ward = _hub_ward(code)
    return respond(HubMessageSchema(), messages.mark_read(ward, g.user, message_id,
                                                          utcnow()))
