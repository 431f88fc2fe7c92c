"""The demo ward's reviews against the cooperation steps: each step assessed twice (about
four months and one month ago), so the desk shows where each area stands, what moved and
which review is due. The notes speak of the supporters' work only, never of a family."""

from datetime import date, timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..cooperation import assessments
from ..directory.models import Ward
from ..extensions import db

# step → (area or None for the whole ward, earlier statuses, later statuses, the later
# review's next action, days from today to its next review). One review is due within the
# week and one is past, so both show on the desk.
REVIEWS = {
    1: ("中部エリア", ("partly", "not_yet", "not_yet", "not_yet", "partly"),
        ("met", "partly", "partly", "not_yet", "partly"),
        "連絡会に出られない施設へ、会の記録を持って訪ねる", 5),
    2: (None, ("partly", "not_yet"), ("met", "partly"),
        "区の子育て家庭のデータを次の連絡会で説明する", 60),
    3: ("北部エリア", ("not_yet", "partly"), ("partly", "partly"),
        "エリアの施設の取組を一枚にまとめて各施設に配る", -3),
    4: ("南部エリア", ("not_yet", "not_yet", "not_yet"), ("met", "partly", "not_yet"),
        "外遊びの会の役割分担を決め、振り返りの日を決める", 30),
}
EVIDENCE = {"met": "連絡会の記録で確認した", "partly": "一部の施設で始まっている",
            "not_yet": "まだ話し合っていない"}


def write_checklists(ward: Ward, today: date) -> None:
    hub = db.session.scalars(select(User).where(User.role == "hub_staff",
                                                User.ward_id == ward.id)
                             .order_by(User.id)).first()
    areas = {area.name: area.id for area in ward.areas}
    for step, (area, earlier, later, action, review_in) in REVIEWS.items():
        points = assessments.current_checkpoints(step)
        for on, statuses, next_action, next_review in (
                (today - timedelta(days=120), earlier, "まず連絡会で現状を出し合う",
                 today - timedelta(days=30)),
                (today - timedelta(days=30), later, action,
                 today + timedelta(days=review_in))):
            assessments.record(ward, hub, {
                "step": step, "area_id": areas[area] if area else None, "assessed_on": on,
                "answers": [{"checkpoint_id": point.id, "status": status,
                             "evidence": EVIDENCE[status]}
                            for point, status in zip(points, statuses, strict=True)],
                "next_action": next_action,
                "next_action_on": min(next_review, on + timedelta(days=21)),
                "next_review_on": max(next_review, on)})
