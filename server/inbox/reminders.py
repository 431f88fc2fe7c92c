"""Reminders in the hub's inbox: each source lists the reviews coming up or overdue on a
day, and each item becomes one message, once.

A source is a function of the day that returns items ``{"ward_id", "record_id", "title",
"review_on"}`` (more keys are kept in the message as they are). Its message's key is the
source, the record and the review date: the daily job may see an item on many days, and
it is written on the first; a review moved to another date reminds again.

The regional issues board's decided initiatives past their review date are one more
source of this shape (``local_issues.queries.reviews_due``): one line in ``SOURCES``.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from ..cooperation.models import CoopAssessment, CoopStep
from ..directory.models import Area
from ..extensions import db
from ..job_skips import Skips
from ..local_issues.queries import reviews_due
from .messages import add_message, existing_keys

KIND = "reminder"
CHECKLIST_LEAD = timedelta(days=7)
"""A checklist review is announced this long before it is due."""


def checklist_reviews_due(on: date) -> list[dict]:
    """The latest assessment of each step of each ward and area whose next review falls
    within ``CHECKLIST_LEAD`` of ``on`` (not past: a review already due shows as due on the
    desk's steps screen). An earlier assessment's review date no longer counts."""
    newest = (select(func.max(CoopAssessment.id).label("id"))
              .group_by(CoopAssessment.ward_id, CoopAssessment.area_id,
                        CoopAssessment.step_number).subquery())
    rows = db.session.execute(
        select(CoopAssessment, CoopStep.title_ja, CoopStep.title_en, Area.name)
        .join(newest, newest.c.id == CoopAssessment.id)
        .join(CoopStep, CoopStep.number == CoopAssessment.step_number)
        .outerjoin(Area, Area.id == CoopAssessment.area_id)
        .where(CoopAssessment.next_review_on >= on,
               CoopAssessment.next_review_on <= on + CHECKLIST_LEAD)
        .order_by(CoopAssessment.ward_id, CoopAssessment.next_review_on, CoopAssessment.id))
    return [{"ward_id": assessment.ward_id, "record_id": str(assessment.id),
             "title": title_ja, "title_en": title_en, "step": assessment.step_number,
             "area_name": area_name, "review_on": assessment.next_review_on}
            for assessment, title_ja, title_en, area_name in rows]


def initiative_reviews_due(on: date) -> list[dict]:
    """Decided initiatives of the regional issues board whose review date has come."""
    return [{"record_id": item["id"], "ward_id": item["ward_id"], "title": item["title"],
             "review_on": item["review_on"].isoformat()} for item in reviews_due(on)]


SOURCES: dict[str, Callable[[date], list[dict]]] = {
    "checklist_review": checklist_reviews_due,
    "issue_review": initiative_reviews_due,
}
"""Reminder sources by name; the name is the message's ``source`` and starts its key."""


def add_reminders(on: date, created_at: datetime) -> dict:
    """One message per item of every source not reminded of before. Returns ``{"day",
    "reminders": {source: count}}`` and ``"skipped"`` for an item that could not be
    written (see ``job_skips.Skips``); a failing source is skipped as a whole."""
    skips = Skips("review_reminders")
    known = existing_keys(KIND)
    added: dict[str, int] = {}
    for source, items_due in SOURCES.items():
        items: list[dict] = []
        with skips.item(f"source/{source}"):
            items = items_due(on)
        added[source] = 0
        for item in items:
            key = f"{source}:{item['record_id']}:{item['review_on']}"
            if (item["ward_id"], key) in known:
                continue
            with skips.item(f"{source}/{item['record_id']}", writes=True):
                add_message(item["ward_id"], KIND, key, {"source": source, **item},
                            created_at)
                known.add((item["ward_id"], key))
                added[source] += 1
    db.session.commit()
    return skips.noted_in({"day": on.isoformat(), "reminders": added})
