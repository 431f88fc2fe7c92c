"""The demo ward's regional issues board: three issues raised from phones by the people of
plausible sites, in three states, so the board shows an issue just raised, one shared at a
liaison meeting, and one whose initiative is under way with its roles and a review owed.
The words are about the area and the supporters' work, never about a family."""

import uuid
from datetime import date, timedelta

from sqlalchemy import select

from schemas.local_issues import IssueChangeSchema
from sync.protocol import Status

from ..accounts.models import User
from ..directory.models import Site, Ward
from ..extensions import db
from ..liaison.models import LiaisonMeeting
from ..local_issues import board
from ..replication import writes
from ..replication.scope import write_scope


def _demo_meetings(ward: Ward) -> tuple[int, int]:
    """The ids of the demo's area meeting and ward meeting (``meetings.write_meetings``
    writes them first)."""
    meetings = db.session.scalars(select(LiaisonMeeting).where(
        LiaisonMeeting.ward_id == ward.id).order_by(LiaisonMeeting.held_on)).all()
    area = next(m.id for m in meetings if m.area_id is not None)
    whole = next(m.id for m in meetings if m.area_id is None)
    return area, whole

# (login that raised it, kind of its site, days ago, title, detail)
ISSUES = (
    ("salon", "salon", 75, "最近、子どもが外で遊ぶ姿をあまり見かけない",
     "サロンの近くの公園で、平日の午前に遊んでいる親子がほとんどいない。"
     "雨の日以外も室内の場に集まっている。"),
    ("hiroba", "tsudoi_hiroba", 24, "父親が参加できる土曜の場が少ない",
     "土曜に開いている場が区内に少なく、広場に父親から問い合わせが続いている。"),
    ("supporter", "supporter_program", 3,
     "転入してきた家庭が、地域の子育てサロンを知らないまま過ごしている",
     "支援者の広場に初めて来た転入家庭の多くが、近くのサロンを知らなかった。"),
)


def _issue_id(n: int) -> str:
    # Fixed ids, so the demo is the same every time it is built.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"tsunagu-demo/local-issue/{n}"))


def _raise(n: int, login: str, kind: str, on: date, title: str, detail: str) -> str:
    """The issue as the phone of ``login`` sends it: a first op naming its site.

    :raise RuntimeError: the op was refused (the demo and the sync rules disagree)."""
    user = db.session.scalar(select(User).where(User.login == login))
    site = next(s for s in db.session.scalars(select(Site).where(Site.id.in_(user.site_ids))
                                              .order_by(Site.id)) if s.kind == kind)
    issue_id = _issue_id(n)
    result = writes.write_as_user(
        "local_issue", issue_id,
        {"site_id": str(site.id), "title": title, "detail": detail,
         "raised_on": on.isoformat()},
        op_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"tsunagu-demo/local-issue-op/{n}")),
        author=str(user.id), scope=write_scope(user))
    if result.status is not Status.APPLIED:
        raise RuntimeError(f"demo regional issue refused: {result.to_dict()}")
    return issue_id


def _site_of(ward: Ward, kind: str) -> int:
    return db.session.scalar(select(Site.id).where(Site.ward_id == ward.id, Site.kind == kind)
                             .order_by(Site.id).limit(1))


def _change(ward: Ward, hub: User, issue_id: str, body: dict) -> None:
    # Through the API's schema, so the demo's changes are ones the desk could send.
    board.change(ward, hub, issue_id, IssueChangeSchema().load(body))


def write_local_issues(ward: Ward, today: date) -> None:
    db.session.commit()
    raised = [_raise(n, login, kind, today - timedelta(days=ago), title, detail)
              for n, (login, kind, ago, title, detail) in enumerate(ISSUES, 1)]
    hub = db.session.scalars(select(User).where(User.role == "hub_staff",
                                                User.ward_id == ward.id)
                             .order_by(User.id)).first()
    outdoor, fathers, _newcomers = raised
    area_meeting, ward_meeting = _demo_meetings(ward)
    # The way the hub moved the first issue along, one change at a time, as its history.
    _change(ward, hub, outdoor, {
        "state": "shared", "meetings": [{"meeting_id": area_meeting, "stage": "shared"}]})
    _change(ward, hub, outdoor, {
        "state": "discussed",
        "meetings": [{"meeting_id": area_meeting, "stage": "shared"},
                     {"meeting_id": ward_meeting, "stage": "discussed"}]})
    _change(ward, hub, outdoor, {
        "state": "decided",
        "initiative": "公園で「外遊びの会」を月1回ひらき、各施設から親子に声をかける",
        "roles": [
            {"site_id": _site_of(ward, "hub"), "task": "チラシを作り、区内の施設に配る"},
            {"site_id": _site_of(ward, "tsudoi_hiroba"), "task": "当日の外遊びの道具を用意する"},
            {"site_id": _site_of(ward, "salon"), "task": "公園の近くのサロンで当日に声をかける"},
        ],
        "review_dates": [(today - timedelta(days=2)).isoformat(),
                         (today + timedelta(days=88)).isoformat()]})
    _change(ward, hub, outdoor, {"state": "in_progress"})
    _change(ward, hub, fathers, {
        "state": "shared", "meetings": [{"meeting_id": ward_meeting, "stage": "shared"}]})
