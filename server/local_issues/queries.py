"""What other rooms ask of the board (the hub's weekly digest, review reminders), as plain
dicts so they need not know its tables."""

from datetime import date

from sqlalchemy import func, select

from ..extensions import db
from .models import LocalIssue, LocalIssueReview
from .raised import raised_issues

UNDER_WAY = ("decided", "in_progress")
"""States whose initiative has review dates to keep: decided, not yet looked back on."""


def raised_between(ward_id: int, start: date, end: date) -> list[dict]:
    """The ward's live issues raised from ``start`` to ``end`` (both included), oldest
    first: ``{"id", "title", "site_id", "site_name", "raised_on"}``."""
    found = [issue for issue in raised_issues(ward_id)
             if issue.raised_on is not None and start <= issue.raised_on <= end]
    return [{"id": issue.record_id, "title": issue.title, "site_id": issue.site_id,
             "site_name": issue.site_name, "raised_on": issue.raised_on}
            for issue in reversed(found)]


def reviews_due(on: date) -> list[dict]:
    """Decided and in-progress initiatives, of every ward, with a review date on or before
    ``on``: ``{"id", "ward_id", "title", "state", "initiative", "review_on"}``, where
    ``review_on`` is the latest such date (the review now owed), by ward and that date.
    An issue whose author deleted it is left out: there is nothing left to review."""
    latest = func.max(LocalIssueReview.review_on).label("review_on")
    rows = db.session.execute(
        select(LocalIssue.record_id, LocalIssue.ward_id, LocalIssue.state,
               LocalIssue.initiative, latest)
        .join(LocalIssueReview, LocalIssueReview.issue_id == LocalIssue.record_id)
        .where(LocalIssue.state.in_(UNDER_WAY), LocalIssueReview.review_on <= on)
        .group_by(LocalIssue.record_id, LocalIssue.ward_id, LocalIssue.state,
                  LocalIssue.initiative)).all()
    due = []
    for record_id, ward_id, state, initiative, review_on in rows:
        raised = raised_issues(ward_id, record_id)
        if raised:
            due.append({"id": record_id, "ward_id": ward_id, "title": raised[0].title,
                        "state": state, "initiative": initiative, "review_on": review_on})
    return sorted(due, key=lambda item: (item["ward_id"], item["review_on"], item["id"]))
