"""The demo hub's inbox (お知らせ): the weekly digests of the last two weeks, as the Monday
morning job wrote them from the demo's own records, and the reminder of the step review
due within the week (``checklists.REVIEWS``). The older digest is read by the demo's hub
login, so the desk shows a read and an unread message."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..directory.models import Ward
from ..extensions import db
from ..inbox import digest, reminders
from ..inbox.models import HubMessage, HubMessageRead
from ..jobs import stored_time
from ..timeutil import JAPAN


def _monday_morning(monday: date) -> datetime:
    return stored_time(datetime.combine(monday, time(8), tzinfo=JAPAN))


def write_inbox(ward: Ward, today: date) -> None:
    this_monday = today - timedelta(days=today.weekday())
    for monday in (this_monday - timedelta(days=7), this_monday):
        digest.add_digests(monday, _monday_morning(monday))
    reminders.add_reminders(today, stored_time(datetime.combine(today, time(7),
                                                                tzinfo=JAPAN)))
    hub = db.session.scalars(select(User).where(User.login == "hub")).one()
    older = db.session.scalars(select(HubMessage).where(
        HubMessage.ward_id == ward.id, HubMessage.kind == digest.KIND)
        .order_by(HubMessage.id)).first()
    db.session.add(HubMessageRead(message_id=older.id, user_id=hub.id,
                                  read_at=older.created_at + timedelta(hours=1)))
    db.session.commit()
