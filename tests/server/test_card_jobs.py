"""The card jobs on a fake clock: expiry, the evening notice, token accounting, run once."""

import json
import os
import shutil
import subprocess
import sys
import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from server import create_app, jobs
from server.cards import expiry, tokens
from server.cards.models import CardToken, Notice
from server.directory.models import Site, Ward
from server.directory.reference import ensure_wards
from server.extensions import db, scheduler
from server.jobs import JobRun
from server.replication.models import SyncOp, SyncRecord
from server.replication.writes import store
from sync import engine
from sync.protocol import Scope

# Saturday 2026-11-28 in Japan, from the morning to the evening notice.
MORNING = datetime.fromisoformat("2026-11-28T10:00+09:00")
BEFORE_SIX = datetime.fromisoformat("2026-11-28T17:59+09:00")
SIX_PM = datetime.fromisoformat("2026-11-28T18:00+09:00")
PHONE_MS = 1_790_000_000_000  # the phones' clock when they sent the cards


def put_card(code: str, issuing: Site, target: Site, **fields) -> None:
    """The card ``code`` as a phone of the issuing site sends it."""
    changes = {"status": "issued", "issued_on": "2026-11-20",
               "issuing_site_id": str(issuing.id), "target_site_id": str(target.id), **fields}
    op = {"op_id": str(uuid.uuid4()), "device_id": "phone", "user_id": "1",
          "collection": "card", "record_id": code, "hlc": f"{PHONE_MS:015d}:000000:phone",
          "base_version": None, "changes": changes}
    result = engine.apply_push(store(), [op], now_ms=PHONE_MS, max_drift_ms=300_000,
                               scope=Scope.everywhere(), server_node="server",
                               author="1")
    assert result.results[0].status == "applied", result.results[0]


def set_status(code: str, status: str) -> None:
    engine.write_as_server(store(), "card", code, {"status": status}, op_id=str(uuid.uuid4()),
                           user_id="test", now_ms=PHONE_MS + 1000, scope=Scope.everywhere(),
                           server_node="server")


def card(code: str) -> tuple[str, int]:
    row = db.session.scalar(sa.select(SyncRecord).where(SyncRecord.collection == "card",
                                                        SyncRecord.record_id == code))
    db.session.commit()  # read fresh on the next call: the jobs write on other connections
    return json.loads(row.data_json)["status"], row.version


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def sites(create_site):
    return create_site("salon"), create_site("nursery_hiroba")


def test_a_card_past_its_time_expires_once_and_the_run_is_recorded(app, sites):
    salon, nursery = sites
    put_card("OLDCARD1", salon, nursery, issued_on="2026-10-28")  # +30 days: 11-27
    put_card("PLANNED1", salon, nursery, planned_date="2026-11-20")  # +7 days: 11-27
    put_card("YOUNGER1", salon, nursery, issued_on="2026-10-29")  # expires after 11-28
    put_card("PLANNED2", salon, nursery, planned_date="2026-11-21",  # ditto
             issued_on="2026-01-05")  # a planned date wins over an old issue date

    assert jobs.expire_cards(MORNING) == {"today": "2026-11-28",
                                          "expired": ["OLDCARD1", "PLANNED1"]}
    assert card("OLDCARD1") == ("expired", 2) and card("PLANNED1") == ("expired", 2)
    assert card("YOUNGER1") == ("issued", 1) and card("PLANNED2") == ("issued", 1)
    run = db.session.get(JobRun, ("expire_cards", "2026-11-28T10"))
    assert run.finished_at is not None
    assert json.loads(run.result_json)["expired"] == ["OLDCARD1", "PLANNED1"]

    assert jobs.expire_cards(MORNING + timedelta(minutes=5)) is None  # same hour: skipped
    later = jobs.expire_cards(MORNING + timedelta(hours=1))
    assert later["expired"] == []
    assert card("OLDCARD1") == ("expired", 2)
    assert count(SyncOp) == 4 + 2


def test_expiry_counts_days_in_japan_time(app, sites):
    salon, nursery = sites
    put_card("OLDCARD1", salon, nursery, issued_on="2026-10-28")
    # 23:30 on 11-27 in Japan: the card has one more day.
    assert jobs.expire_cards(datetime(2026, 11, 27, 14, 30))["expired"] == []
    # 00:30 on 11-28 in Japan, still 11-27 in UTC (naive datetimes are UTC).
    assert jobs.expire_cards(datetime(2026, 11, 27, 15, 30))["expired"] == ["OLDCARD1"]


def test_arrived_and_cancelled_cards_never_expire(app, sites):
    salon, nursery = sites
    for code, status in (("ARRIVED1", "arrived"), ("CANCEL01", "cancelled")):
        put_card(code, salon, nursery, issued_on="2026-01-05")
        set_status(code, status)

    assert jobs.expire_cards(MORNING)["expired"] == []
    assert card("ARRIVED1") == ("arrived", 2) and card("CANCEL01") == ("cancelled", 2)


def test_a_failing_job_gives_its_run_back(app, sites, monkeypatch):
    salon, nursery = sites
    put_card("OLDCARD1", salon, nursery, issued_on="2026-01-05")

    def broken(*_args):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(expiry, "expire_due_cards", broken)
    with pytest.raises(RuntimeError):
        jobs.expire_cards(MORNING)
    assert count(JobRun) == 0
    monkeypatch.undo()
    assert jobs.expire_cards(MORNING)["expired"] == ["OLDCARD1"]


def test_cards_planned_for_tomorrow_give_one_notice_at_six_pm_japan_time(app, sites,
                                                                         create_site):
    salon, nursery = sites
    park = create_site("hub")
    put_card("TOMORRW1", salon, nursery, planned_date="2026-11-29", programme_id="12",
             ask_for="さとうさん")
    put_card("TOMORRW2", salon, nursery, planned_date="2026-11-29")
    set_status("TOMORRW2", "opened")
    put_card("ARRIVED1", salon, nursery, planned_date="2026-11-29")
    set_status("ARRIVED1", "arrived")  # came early: not expected any more
    put_card("NEXTWEEK", salon, nursery, planned_date="2026-12-05")
    put_card("TODAY001", salon, park, planned_date="2026-11-28")

    assert jobs.evening_notice(BEFORE_SIX) is None
    assert count(Notice) == 0 and count(JobRun) == 0

    assert jobs.evening_notice(SIX_PM) == {"day": "2026-11-29",
                                           "notices": {str(nursery.id): 2}}
    assert jobs.evening_notice(SIX_PM + timedelta(hours=3)) is None
    assert jobs.run_due(SIX_PM + timedelta(hours=4))["evening_notice"] is None
    notice = db.session.scalars(sa.select(Notice)).one()
    assert (notice.site_id, notice.kind, notice.day.isoformat()) == (
        nursery.id, "expected_tomorrow", "2026-11-29")
    assert json.loads(notice.body_json) == {"count": 2, "cards": [
        {"short_code": "TOMORRW1", "programme_id": "12", "ask_for": "さとうさん"},
        {"short_code": "TOMORRW2", "programme_id": None, "ask_for": None}]}


def test_token_accounting_voids_an_old_unused_token_but_not_a_used_one(app, sites):
    salon, nursery = sites
    now = datetime(2026, 11, 28, 1, 0)  # naive UTC
    (old_unused, _), (old_used, _), (new_unused, _) = tokens.mint(salon.id, 3, user_id=None)
    old_unused.minted_at = old_used.minted_at = now - timedelta(days=181)
    new_unused.minted_at = now - timedelta(days=179)
    db.session.commit()
    put_card(old_used.short_code, salon, nursery)

    counts = jobs.token_pool_accounting(now)

    assert counts == {str(salon.id): {"minted": 3, "used": 1, "outstanding": 1, "voided": 1}}
    voided = dict(db.session.execute(sa.select(CardToken.short_code, CardToken.voided_at)).all())
    assert voided == {old_unused.short_code: now, old_used.short_code: None,
                      new_unused.short_code: None}
    run = db.session.get(JobRun, ("token_pool_accounting", "2026-11-28"))
    assert json.loads(run.result_json) == counts
    assert jobs.token_pool_accounting(now + timedelta(hours=1)) is None


def test_run_jobs_command_reads_a_time_without_offset_as_japan_time(app, runner, sites):
    salon, nursery = sites
    put_card("TOMORRW1", salon, nursery, planned_date="2026-11-29")
    # 18:00 read as UTC would be 03:00 on 11-29 in Japan: no evening notice.
    result = runner.invoke(args=["run-jobs", "--at", "2026-11-28T18:00"])
    assert result.exit_code == 0, result.output
    assert "evening_notice: ran, 1 notices for 2026-11-29" in result.output
    assert count(Notice) == 1
    assert runner.invoke(args=["run-jobs", "--at", "yesterday"]).exit_code == 2


def test_the_scheduler_ticks_every_five_minutes_only_when_enabled(tmp_path):
    config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "t",
              "INSTANCE_PATH": str(tmp_path)}
    jobs.init_scheduler(create_app({**config, "SCHEDULER_ENABLED": True, "TESTING": True}))
    jobs.init_scheduler(create_app(config))
    assert scheduler.get_job(jobs.SCHEDULER_JOB_ID) is None and not scheduler.running
    try:
        jobs.init_scheduler(create_app({**config, "SCHEDULER_ENABLED": True}))
        job = scheduler.get_job(jobs.SCHEDULER_JOB_ID)
        assert scheduler.running and job.trigger.interval == timedelta(minutes=5)
    finally:
        if scheduler.get_job(jobs.SCHEDULER_JOB_ID):
            scheduler.remove_job(jobs.SCHEDULER_JOB_ID)
        if scheduler.running:
            scheduler.shutdown(wait=False)


# -- two processes ------------------------------------------------------------------------------

@pytest.fixture
def shared_app(engine_name, request, tmp_path):
    """An app whose database another process can open: the test database on PostgreSQL,
    a file on SQLite (the ``app`` fixture's SQLite lives in its process's memory)."""
    if engine_name == "postgres":
        yield request.getfixturevalue("app")
        return
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shared.sqlite3'}"})
    with app.app_context():
        db.create_all()
        ensure_wards()
        yield app
        db.session.remove()
        db.engine.dispose()


def add_site(kind: str, number: str) -> Site:
    ward = db.session.scalar(sa.select(Ward).where(Ward.code == "14101"))
    site = Site(source_key=f"14101:P{number}", ward_id=ward.id, kind=kind,
                source_type="テスト", schedule_kind="periodic", municipality_code="14101",
                number=f"P{number}", prefecture="神奈川県", municipality="横浜市鶴見区",
                name=f"テスト施設{number}")
    db.session.add(site)
    db.session.commit()
    return site


def run_jobs_in_two_processes(at: str, tmp_path) -> list[str]:
    """``tsunagu run-jobs --at at`` in two processes at once on the app's database (and
    no mail server): what each printed."""
    tsunagu = shutil.which("tsunagu", path=os.path.dirname(sys.executable))
    env = {**os.environ, "DATABASE_URL": current_app.config["SQLALCHEMY_DATABASE_URI"],
           "TSUNAGU_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test"}
    env.pop("TSUNAGU_SCHEDULER", None)
    env.pop("TSUNAGU_SMTP_URL", None)
    command = [tsunagu, "run-jobs", "--at", at]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        outputs.append(stdout)
    return outputs


def test_two_processes_running_the_jobs_at_once_do_each_job_once(shared_app, tmp_path):
    salon, nursery = add_site("salon", "1"), add_site("nursery_hiroba", "2")
    put_card("OLDCARD1", salon, nursery, issued_on="2026-10-01")
    put_card("TOMORRW1", salon, nursery, planned_date="2026-11-29")
    db.session.remove()  # hold no connection (nor SQLite lock) while they run

    outputs = run_jobs_in_two_processes("2026-11-28T18:30+09:00", tmp_path)
    for job in jobs.JOBS:
        ran = [output for output in outputs if f"{job}: ran" in output]
        assert len(ran) == 1, (job, outputs)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncOp).where(
        SyncOp.record_id == "OLDCARD1")) == 2  # issued, expired
    assert card("OLDCARD1") == ("expired", 2)
    assert count(Notice) == 1 and count(JobRun) == len(jobs.JOBS)  # one claimed run per job
