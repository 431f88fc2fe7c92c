"""Writing a ward's hub messages once, and reading them with the reader's own read marks."""

import json
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..directory.models import Ward
from ..errors import ApiError
from ..extensions import db
from .models import HubMessage, HubMessageRead

MOST_MESSAGES = 50


def existing_keys(kind: str) -> set[tuple[int, str]]:
    """``(ward_id, key)`` of every message of ``kind``: what a job must not write again."""
    rows = db.session.execute(select(HubMessage.ward_id, HubMessage.key)
                              .where(HubMessage.kind == kind))
    return {(ward_id, key) for ward_id, key in rows}


def add_message(ward_id: int, kind: str, key: str, body: dict,
                created_at: datetime) -> HubMessage:
    """Write one message (flushed, not committed). The caller checked ``existing_keys``;
    the unique key still refuses a second copy, should one slip past. ``body`` keeps its
    keys' order (a digest's sections are read in that order)."""
    message = HubMessage(ward_id=ward_id, kind=kind, key=key, created_at=created_at,
                         body_json=json.dumps(body, ensure_ascii=False,
                                              default=str))
    db.session.add(message)
    db.session.flush()
    return message


def _as_dict(message: HubMessage, read_at: datetime | None) -> dict:
    return {"id": message.id, "kind": message.kind, "created_at": message.created_at,
            "read": read_at is not None, "read_at": read_at,
            "body": json.loads(message.body_json)}


def inbox(ward: Ward, user: User) -> dict:
    """The ward's newest messages (at most ``MOST_MESSAGES``), each marked read or not for
    ``user``, and how many of all of them ``user`` has not read."""
    read_at = (select(HubMessageRead.read_at)
               .where(HubMessageRead.message_id == HubMessage.id,
                      HubMessageRead.user_id == user.id)
               .scalar_subquery())
    rows = db.session.execute(
        select(HubMessage, read_at.label("read_at")).where(HubMessage.ward_id == ward.id)
        .order_by(HubMessage.id.desc()).limit(MOST_MESSAGES)).all()
    total = db.session.scalar(select(func.count()).select_from(HubMessage)
                              .where(HubMessage.ward_id == ward.id))
    read = db.session.scalar(
        select(func.count()).select_from(HubMessageRead)
        .join(HubMessage, HubMessage.id == HubMessageRead.message_id)
        .where(HubMessage.ward_id == ward.id, HubMessageRead.user_id == user.id))
    return {"unread": total - read,
            "messages": [_as_dict(message, when) for message, when in rows]}


def mark_read(ward: Ward, user: User, message_id: int, now: datetime) -> dict:
    """Mark one of the ward's messages read by ``user``; marking it again keeps the first
    time. :raise 404: no such message in this ward."""
    message = db.session.get(HubMessage, message_id) if 0 < message_id < 2**31 else None
    if message is None or message.ward_id != ward.id:
        raise ApiError(404, "not_found", "見つかりません / Not found.",
                       {"message_id": ["no such message in this ward"]})
    mark = db.session.get(HubMessageRead, (message.id, user.id))
    if mark is None:
        db.session.add(HubMessageRead(message_id=message.id, user_id=user.id, read_at=now))
        try:
            db.session.commit()
        except IntegrityError:  # the same person's other tab marked it a moment before
            db.session.rollback()
        mark = db.session.get(HubMessageRead, (message_id, user.id))
    return _as_dict(db.session.get(HubMessage, message_id), mark.read_at)
