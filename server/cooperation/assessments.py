"""Recording and reading assessments. Every call that writes adds rows; none changes one,
so a ward's history of reviews is simply its assessments in order."""

from collections import Counter
from datetime import date

from sqlalchemy import func, select

from ..accounts.models import User
from ..directory.lookups import area_of_ward, invalid
from ..directory.models import Ward
from ..extensions import db
from .models import STATUSES, CoopAnswer, CoopAssessment, CoopCheckpoint, CoopStep


def current_checkpoints(step_number: int | None = None) -> list[CoopCheckpoint]:
    """The current wording (highest version) of each checkpoint, in step and number order."""
    latest = (select(CoopCheckpoint.step_number, CoopCheckpoint.number,
                     func.max(CoopCheckpoint.version).label("version"))
              .group_by(CoopCheckpoint.step_number, CoopCheckpoint.number).subquery())
    query = (select(CoopCheckpoint)
             .join(latest, (CoopCheckpoint.step_number == latest.c.step_number)
                   & (CoopCheckpoint.number == latest.c.number)
                   & (CoopCheckpoint.version == latest.c.version))
             .order_by(CoopCheckpoint.step_number, CoopCheckpoint.number))
    if step_number is not None:
        query = query.where(CoopCheckpoint.step_number == step_number)
    return list(db.session.scalars(query))


def steps_with_checkpoints() -> list[dict]:
    points = current_checkpoints()
    return [{"number": step.number, "code": step.code, "title_ja": step.title_ja,
             "title_en": step.title_en,
             "checkpoints": [point for point in points if point.step_number == step.number]}
            for step in db.session.scalars(select(CoopStep).order_by(CoopStep.number))]


def _storable(n: int) -> bool:
    # A number an INTEGER column cannot hold names no row; asking would be a database error.
    return -(2**31) <= n < 2**31


def revise_checkpoint(step_number: int, number: int, text_ja: str,
                      text_en: str) -> CoopCheckpoint:
    """A new wording of a checkpoint, as a new version: the answers given against the
    earlier wording keep pointing at it. Does not commit."""
    version = db.session.scalar(
        select(func.max(CoopCheckpoint.version))
        .where(CoopCheckpoint.step_number == step_number, CoopCheckpoint.number == number)
    ) if _storable(step_number) and _storable(number) else None
    if version is None:
        raise LookupError(f"no checkpoint {step_number}-{number}")
    point = CoopCheckpoint(step_number=step_number, number=number, version=version + 1,
                           text_ja=text_ja, text_en=text_en)
    db.session.add(point)
    db.session.flush()
    return point


def record(ward: Ward, user: User, data: dict) -> CoopAssessment:
    """A new assessment of ``data["step"]``; every current checkpoint answered once.

    :raise 422: an unknown step, an area of another ward, answers that are not exactly
        the step's current checkpoints."""
    if db.session.get(CoopStep, data["step"]) is None:
        raise invalid("step", "no such step")
    area = area_of_ward(ward, data["area_id"], "area_id")
    expected = {point.id for point in current_checkpoints(data["step"])}
    given = {answer["checkpoint_id"] for answer in data["answers"]}
    if given != expected:
        raise invalid("answers", "answer each current checkpoint of the step once "
                      f"(missing {sorted(expected - given)}, unknown {sorted(given - expected)})")
    assessment = CoopAssessment(
        ward_id=ward.id, area_id=area.id if area else None, step_number=data["step"],
        assessed_on=data["assessed_on"], recorded_by=user.id,
        next_action=data["next_action"], next_action_on=data["next_action_on"],
        next_review_on=data["next_review_on"],
        answers=[CoopAnswer(checkpoint_id=answer["checkpoint_id"], status=answer["status"],
                            evidence=answer["evidence"]) for answer in data["answers"]])
    db.session.add(assessment)
    db.session.commit()
    return assessment


def as_dict(assessment: CoopAssessment) -> dict:
    answers = sorted(assessment.answers, key=lambda answer: answer.checkpoint.number)
    counts = Counter(answer.status for answer in answers)
    return {
        "id": assessment.id, "step": assessment.step_number, "area_id": assessment.area_id,
        "assessed_on": assessment.assessed_on, "recorded_at": assessment.recorded_at,
        "next_action": assessment.next_action, "next_action_on": assessment.next_action_on,
        "next_review_on": assessment.next_review_on,
        "counts": {status: counts[status] for status in STATUSES},
        "answers": [{"checkpoint_id": answer.checkpoint_id, "number": answer.checkpoint.number,
                     "version": answer.checkpoint.version,
                     "text_ja": answer.checkpoint.text_ja,
                     "text_en": answer.checkpoint.text_en,
                     "status": answer.status, "evidence": answer.evidence}
                    for answer in answers],
    }


def _ordered(ward: Ward):
    # Newest first: by the day assessed, then by the order recorded (a correction entered
    # later for the same day is the newer one).
    return (select(CoopAssessment).where(CoopAssessment.ward_id == ward.id)
            .order_by(CoopAssessment.assessed_on.desc(), CoopAssessment.id.desc()))


def history(ward: Ward, step_number: int, area_id: int | None) -> list[dict]:
    """The assessments of one step for the ward or one area, newest first."""
    area_of_ward(ward, area_id, "area")
    query = _ordered(ward).where(CoopAssessment.step_number == step_number,
                                 CoopAssessment.area_id.is_(None) if area_id is None
                                 else CoopAssessment.area_id == area_id)
    return [as_dict(assessment) for assessment in db.session.scalars(query)]


def _changes(current: dict, previous: dict | None) -> tuple[list[dict], dict | None]:
    if previous is None:
        return [], None
    before = {answer["number"]: answer["status"] for answer in previous["answers"]}
    moved = [{"number": answer["number"], "before": before.get(answer["number"]),
              "now": answer["status"]}
             for answer in current["answers"] if before.get(answer["number"]) != answer["status"]]
    counts = {status: current["counts"][status] - previous["counts"][status]
              for status in STATUSES}
    return moved, counts


def standing(ward: Ward, today: date) -> list[dict]:
    """Where the ward and each area stand on each step they were assessed on: the latest
    assessment, the one before, what moved between them and when the next review is."""
    names = {area.id: area.name for area in ward.areas}
    latest: dict[tuple, list[CoopAssessment]] = {}
    for assessment in db.session.scalars(_ordered(ward)):
        kept = latest.setdefault((assessment.area_id, assessment.step_number), [])
        if len(kept) < 2:
            kept.append(assessment)
    result = []
    for (area_id, step_number), kept in sorted(
            latest.items(), key=lambda item: (item[0][0] is not None, names.get(item[0][0], ""),
                                              item[0][1])):
        current = as_dict(kept[0])
        previous = as_dict(kept[1]) if len(kept) > 1 else None
        changes, counts_change = _changes(current, previous)
        result.append({
            "area_id": area_id, "area_name": names.get(area_id), "step": step_number,
            "current": current, "previous": previous, "changes": changes,
            "counts_change": counts_change, "next_review_on": current["next_review_on"],
            "review_due": current["next_review_on"] <= today})
    return result
