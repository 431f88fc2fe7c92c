"""The jobs the scheduler runs: card expiry, the evening notice, token accounting, the
retention of free text, and the hub's review reminders and weekly digest; the scheduler
that runs them; and ``JobRun``, each run's row.

The work of each job lives with its feature (``cards.expiry``, ``cards.notices``,
``retention``, ``inbox``); this module decides when it runs, and that it runs once.

Each job is a plain function of ``now`` (an aware datetime, or a naive one in UTC) that
never reads the clock itself, so a test drives it with a fake clock and a city can run
it from cron (``tsunagu run-jobs``). Each runs at most once per *run key* (the Japan
date, or date and hour) however many processes run it: a run starts by inserting its
``JobRun(job, run_key)`` row in a transaction of its own, and the primary key lets one
insert win; the others get an IntegrityError and skip. That is why every app process may
keep the scheduler on (``TSUNAGU_SCHEDULER=1``): the database, not the process, decides.

Within a run, a card, record or quarantined op the job cannot handle is skipped, logged
and listed under ``"skipped"`` in the run's result (``job_skips``); the others are
handled all the same, so one odd stored value cannot stop a job on every run.
"""

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import String, Text, delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from . import retention
from .cards import expiry, notices
from .extensions import db, scheduler
from .inbox import digest, mail, reminders
from .timeutil import JAPAN, utcnow

log = logging.getLogger(__name__)

TICK_MINUTES = 5
SCHEDULER_JOB_ID = "tsunagu-card-jobs"


class JobRun(db.Model):
    """One run of a scheduled job: the primary key lets only one process claim it."""

    __tablename__ = "job_run"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    run_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    result_json: Mapped[str] = mapped_column(Text, default="{}")


# -- time: every job takes ``now`` from its caller ------------------------------------------

def as_utc(now: datetime) -> datetime:
    """``now`` as an aware UTC time; a naive ``now`` is UTC, as ``timeutil.utcnow`` gives."""
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def japan_time(now: datetime) -> datetime:
    """Every site is in Japan: "today" and "six in the evening" are Japan's."""
    return as_utc(now).astimezone(JAPAN)


def stored_time(now: datetime) -> datetime:
    """Naive UTC, the way every timestamp column is stored on both engines."""
    return as_utc(now).replace(tzinfo=None)


def epoch_ms(now: datetime) -> int:
    return int(as_utc(now).timestamp() * 1000)


# -- run once per key -----------------------------------------------------------------------

def claim(job: str, run_key: str, now: datetime) -> bool:
    """Take the run ``(job, run_key)``; False when some process (maybe this one) has it.

    The insert commits on a connection of its own, so the claim is visible to the other
    processes before any of the job's work starts, and a losing insert changes nothing.
    """
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(JobRun.__table__).values(
                job=job, run_key=run_key, started_at=stored_time(now), result_json="{}"))
    except IntegrityError:
        return False
    return True


def _finish(job: str, run_key: str, now: datetime, result: dict) -> None:
    # finished_at is the run's own ``now``, not the wall clock: set means "completed".
    with db.engine.begin() as conn:
        conn.execute(update(JobRun.__table__)
                     .where(JobRun.job == job, JobRun.run_key == run_key)
                     .values(finished_at=stored_time(now),
                             result_json=json.dumps(result, ensure_ascii=False,
                                                    sort_keys=True)))


def _release(job: str, run_key: str) -> None:
    # A run that failed gives its key back, so the next tick (or a retried cron) tries
    # again instead of the day's notice being lost. Every job is safe to repeat.
    with db.engine.begin() as conn:
        conn.execute(delete(JobRun.__table__)
                     .where(JobRun.job == job, JobRun.run_key == run_key))


def run_once(job: str, run_key: str, now: datetime, work: Callable[[], dict]) -> dict | None:
    """Run ``work`` unless ``(job, run_key)`` was claimed before; returns its result (also
    stored in the JobRun row), or None when skipped.

    :raise: whatever ``work`` raises, after giving the claim back.
    """
    if not claim(job, run_key, now):
        return None
    try:
        result = work()
    except Exception:
        db.session.rollback()
        _release(job, run_key)
        raise
    _finish(job, run_key, now, result)
    return result


# -- the jobs ---------------------------------------------------------------------------------

def expire_cards(now: datetime) -> dict | None:
    """Expire issued or opened cards past their time (see ``expiry.is_past_its_time``);
    once an hour (run key: Japan date and hour)."""
    local = japan_time(now)
    return run_once("expire_cards", local.strftime("%Y-%m-%dT%H"), now,
                    lambda: expiry.expire_due_cards(local.date(), epoch_ms(now)))


def evening_notice(now: datetime) -> dict | None:
    """From ``EVENING_NOTICE_HOUR`` (Japan time) on, tell each target site how many
    families are expected tomorrow; once a day (run key: Japan date). Before the hour it
    does nothing and claims nothing, so the evening's run still happens."""
    local = japan_time(now)
    if local.hour < current_app.config["EVENING_NOTICE_HOUR"]:
        return None
    tomorrow = local.date() + timedelta(days=1)
    return run_once("evening_notice", local.date().isoformat(), now,
                    lambda: notices.add_expected_tomorrow(tomorrow, stored_time(now)))


def token_pool_accounting(now: datetime) -> dict | None:
    """Void tokens unused for ``CARD_TOKEN_UNUSED_DAYS`` and return the per-site counts
    ``{site_id: {"minted", "used", "outstanding", "voided"}}``; once a day (run key:
    Japan date)."""
    local = japan_time(now)
    return run_once("token_pool_accounting", local.date().isoformat(), now,
                    lambda: expiry.account_for_tokens(stored_time(now)))


def redact_old_text(now: datetime) -> dict | None:
    """Clear free text older than ``TEXT_RETENTION_DAYS`` (see ``server.retention``);
    once a day (run key: Japan date)."""
    local = japan_time(now)
    return run_once("redact_old_text", local.date().isoformat(), now,
                    lambda: retention.redact_old_text(local.date(), epoch_ms(now)))


def review_reminders(now: datetime) -> dict | None:
    """Remind the hub's inbox of the reviews coming (``inbox.reminders.SOURCES``); once a
    day (run key: Japan date). Each item is reminded of once, whichever day first sees it."""
    local = japan_time(now)
    return run_once("review_reminders", local.date().isoformat(), now,
                    lambda: reminders.add_reminders(local.date(), stored_time(now)))


def this_weeks_monday(local: datetime) -> datetime:
    """Monday of the ISO week of ``local``, at the digest hour (Japan time)."""
    monday = local - timedelta(days=local.weekday())
    return monday.replace(hour=current_app.config["DIGEST_HOUR"], minute=0, second=0,
                          microsecond=0)


def weekly_digest(now: datetime) -> dict | None:
    """From Monday ``DIGEST_HOUR`` (Japan time), write each hub's digest of the week before
    and mail it when SMTP is set; once an ISO week (run key: ``2026-W49``). Before the
    hour it claims nothing; a server down on Monday morning writes it when back that week.
    """
    local = japan_time(now)
    monday = this_weeks_monday(local)
    if local < monday:
        return None

    def work() -> dict:
        written = digest.add_digests(monday.date(), stored_time(now))
        return {**written, "mail": mail.send_digests(written["message_ids"],
                                                     stored_time(now))}

    return run_once("weekly_digest", digest.week_key(monday.date()), now, work)


JOBS: dict[str, Callable[[datetime], dict | None]] = {
    "expire_cards": expire_cards,
    "evening_notice": evening_notice,
    "token_pool_accounting": token_pool_accounting,
    "redact_old_text": redact_old_text,
    "review_reminders": review_reminders,
    "weekly_digest": weekly_digest,
}


def run_due(now: datetime) -> dict[str, dict | None]:
    """Run every job whose run for ``now`` has not happened yet: ``{job: result, or None
    when skipped}``. One failing job does not stop the others.

    :raise: the first job's exception, after all jobs had their turn.
    """
    results: dict[str, dict | None] = {}
    failure: Exception | None = None
    for name, job in JOBS.items():
        try:
            results[name] = job(now)
        except Exception as exc:
            log.exception("job %s failed", name)
            results[name] = None
            failure = failure or exc
    if failure is not None:
        raise failure
    return results


# -- the scheduler ------------------------------------------------------------------------------

def init_scheduler(app: Flask) -> None:
    """Tick ``run_due`` every few minutes in this process when ``SCHEDULER_ENABLED`` (never
    under ``TESTING``); the claims above make extra processes with it on harmless."""
    if not app.config["SCHEDULER_ENABLED"] or app.testing:
        return
    scheduler.add_job(_tick, "interval", minutes=TICK_MINUTES, args=[app],
                      id=SCHEDULER_JOB_ID, replace_existing=True,
                      # A late or slow tick is simply skipped: the next one catches up.
                      coalesce=True, max_instances=1)
    if not scheduler.running:
        scheduler.start()


def _tick(app: Flask) -> None:
    with app.app_context():
        run_due(utcnow())
