"""Scheduled jobs against odd stored values: a bad item is skipped and reported, the others
are still handled, and free text never outlives the retention period."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from server import jobs, retention
from server.cards import expiry, notices
from server.cards.models import Notice
from server.directory.lookups import as_site_id
from server.extensions import db
from server.jobs import JobRun
from server.replication.models import SyncQuarantine, SyncRecord
from server.replication.writes import store
from server.timeutil import JAPAN
from sync import engine
from sync.protocol import Scope

SIX_PM = datetime.fromisoformat("2026-11-28T18:00+09:00")
MORNING = datetime.fromisoformat("2026-11-28T10:00+09:00")
PHONE_MS = 1_790_000_000_000  # 2026-09-21: when the phones sent their records
DAY_MS = 24 * 3600 * 1000
NOTE = "Aさんのお子さんが熱っぽかった"
HUGE = "1" * 30  # an identifier of digits only, far past any integer column


def push(collection: str, record_id: str, changes: dict, *, at_ms: int = PHONE_MS) -> None:
    """A phone's op, received by the server at ``at_ms`` (the phone's clock agrees)."""
    op = {"op_id": str(uuid.uuid4()), "device_id": "phone", "user_id": "1",
          "collection": collection, "record_id": record_id,
          "hlc": f"{at_ms:015d}:000000:phone", "base_version": None, "changes": changes}
    result = engine.apply_push(store(), [op], now_ms=at_ms, max_drift_ms=300_000,
                               scope=Scope.everywhere(), server_node="server",
                               author="1")
    assert result.results[0].status == "applied", result.results[0]


def put_card(code: str, issuing, target_id: str, **fields) -> None:
    push("card", code, {"status": "issued", "issued_on": "2026-11-20",
                        "issuing_site_id": str(issuing.id), "target_site_id": target_id,
                        **fields})


def data_of(collection: str, record_id: str) -> dict:
    data = db.session.scalar(sa.select(SyncRecord.data_json).where(
        SyncRecord.collection == collection, SyncRecord.record_id == record_id))
    db.session.commit()  # read fresh next time: the jobs write on connections of their own
    return json.loads(data)


def spoil(collection: str, record_id: str, data_json: str) -> None:
    """Store what no phone could send (an older server's, a hand edit's)."""
    db.session.execute(sa.update(SyncRecord).where(
        SyncRecord.collection == collection, SyncRecord.record_id == record_id)
        .values(data_json=data_json))
    db.session.commit()


def fail_in_the_database() -> None:
    """A real database error on the session's connection: on PostgreSQL it aborts the
    transaction, so whatever the job does next on it fails unless the job recovers."""
    db.session.execute(sa.text(
        "INSERT INTO job_run (job, run_key, result_json) VALUES ('broken', 'item', '{}')"))


def failing_for(module, name: str, bad_key):
    """``module.name``, but failing in the database when ``bad_key`` is among its
    arguments."""
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        if bad_key in args:
            fail_in_the_database()
        return original(*args, **kwargs)

    return wrapper


def later_day(now_ms: int):
    """The Japan date at ``now_ms``: the ``today`` a run at that time uses."""
    return datetime.fromtimestamp(now_ms / 1000, JAPAN).date()


def run_result(job: str, run_key: str) -> dict:
    run = db.session.get(JobRun, (job, run_key))
    assert run is not None and run.finished_at is not None
    return json.loads(run.result_json)


@pytest.fixture
def sites(create_site):
    return create_site("salon"), create_site("nursery_hiroba")


# -- site ids in records ---------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    HUGE, str(2**31), str(2**63), "1" * 5000, "0", "007", "١٢", "²", "12a", "", None, 12, ["1"]])
def test_a_site_field_that_cannot_be_a_site_id_is_no_site(value):
    assert as_site_id(value) is None


def test_a_site_field_in_the_columns_range_is_a_site_id():
    assert (as_site_id("1"), as_site_id("2147483647")) == (1, 2**31 - 1)


@pytest.mark.parametrize("target", [HUGE, str(2**31), str(2**63)])
def test_the_evening_notice_leaves_out_a_target_past_any_site_id(app, sites, target):
    salon, nursery = sites
    put_card("HUGETGT1", salon, target, planned_date="2026-11-29")
    put_card("TOMORRW1", salon, str(nursery.id), planned_date="2026-11-29")

    assert jobs.evening_notice(SIX_PM) == {"day": "2026-11-29",
                                           "notices": {str(nursery.id): 1}}
    assert db.session.scalars(sa.select(Notice.site_id)).all() == [nursery.id]


# -- a bad item is skipped and reported --------------------------------------------------------

def test_expiry_skips_a_card_it_cannot_expire_and_expires_the_others(app, sites, monkeypatch):
    salon, nursery = sites
    for code in ("OLDCARD1", "OLDCARD2", "OLDCARD3"):
        put_card(code, salon, str(nursery.id), issued_on="2026-01-05")
    put_card("ODDCARD1", salon, str(nursery.id), issued_on="2026-01-05")
    spoil("card", "ODDCARD1", json.dumps({"status": ["issued"], "issued_on": "2026-01-05"}))
    monkeypatch.setattr(expiry, "expire_card", failing_for(expiry, "expire_card", "OLDCARD2"))

    result = jobs.expire_cards(MORNING)

    assert result["expired"] == ["OLDCARD1", "OLDCARD3"]
    assert result["skipped"] == [{"item": "card/ODDCARD1", "error": "TypeError"},
                                 {"item": "card/OLDCARD2", "error": "IntegrityError"}]
    assert run_result("expire_cards", "2026-11-28T10") == result
    assert [data_of("card", code)["status"] for code in ("OLDCARD1", "OLDCARD2", "OLDCARD3")
            ] == ["expired", "issued", "expired"]


def test_the_evening_notice_skips_a_bad_card_and_a_site_it_cannot_notify(
        app, sites, create_site, monkeypatch):
    salon, nursery = sites
    hub = create_site("hub")
    put_card("TOMORRW1", salon, str(nursery.id), planned_date="2026-11-29")
    put_card("TOMORRW2", salon, str(hub.id), planned_date="2026-11-29")
    put_card("TOMORRW3", salon, str(hub.id), planned_date="2026-11-29")
    spoil("card", "TOMORRW3", "[]")
    monkeypatch.setattr(notices, "add_notice",
                        failing_for(notices, "add_notice", nursery.id))

    result = jobs.evening_notice(SIX_PM)

    assert result["notices"] == {str(hub.id): 1}
    assert result["skipped"] == [{"item": "card/TOMORRW3", "error": "ValueError"},
                                 {"item": f"site/{nursery.id}", "error": "IntegrityError"}]
    assert run_result("evening_notice", "2026-11-28") == result
    assert db.session.scalars(sa.select(Notice.site_id)).all() == [hub.id]


def test_retention_skips_a_record_it_cannot_redact_and_redacts_the_others(
        app, sites, monkeypatch):
    salon, _nursery = sites
    ids = [f"{salon.id}:2026-09-0{day}:day" for day in (1, 2, 3)]
    for record_id in ids:
        push("visit", record_id, {"parents": 1, "notes": NOTE})
    monkeypatch.setattr(retention, "redact_record",
                        failing_for(retention, "redact_record", ids[1]))
    later = PHONE_MS + 400 * DAY_MS

    result = retention.redact_old_text(later_day(later), later)

    assert result == {"records": 2, "quarantined": 0,
                      "skipped": [{"item": f"visit/{ids[1]}", "error": "IntegrityError"}]}
    assert [data_of("visit", record_id)["notes"] for record_id in ids] == [None, NOTE, None]


def quarantine(op_id: str, payload: dict, received_ms: int = PHONE_MS) -> None:
    db.session.add(SyncQuarantine(op_id=op_id, payload_json=json.dumps(payload),
                                  reason="invalid", message="", received_ms=received_ms,
                                  state="open"))
    db.session.commit()


def quarantined(op_id: str) -> dict:
    payload = db.session.get(SyncQuarantine, op_id).payload_json
    db.session.commit()
    return json.loads(payload)


def test_retention_redacts_a_quarantined_op_whatever_its_collection_holds(app):
    # Quarantine keeps any payload: a collection that is a list once stopped every run.
    quarantine("listed", {"collection": ["visit"], "changes": {"notes": NOTE}})
    quarantine("unknown", {"collection": "diary", "changes": {"summary": NOTE, "n": 1}})
    quarantine("visit", {"collection": "visit", "changes": {"notes": NOTE}})
    later = PHONE_MS + 400 * DAY_MS

    assert retention.redact_old_text(later_day(later), later) == {"records": 0,
                                                                  "quarantined": 3}
    assert quarantined("listed")["changes"] == {"notes": None}
    assert quarantined("unknown")["changes"] == {"summary": None, "n": 1}
    assert quarantined("visit")["changes"] == {"notes": None}


def test_retention_skips_a_quarantined_op_it_cannot_redact_and_redacts_the_others(
        app, monkeypatch):
    for op_id in ("first", "second", "third"):
        quarantine(op_id, {"collection": "visit", "changes": {"notes": NOTE}})
    monkeypatch.setattr(retention, "redact_quarantined",
                        failing_for(retention, "redact_quarantined", "second"))
    noon = datetime.fromtimestamp((PHONE_MS + 400 * DAY_MS) / 1000, UTC)

    result = jobs.redact_old_text(noon)

    assert result == {"records": 0, "quarantined": 2,
                      "skipped": [{"item": "quarantine/second", "error": "IntegrityError"}]}
    assert run_result("redact_old_text", noon.astimezone(JAPAN).date().isoformat()) == result
    assert [quarantined(op_id)["changes"]["notes"] for op_id in ("first", "second", "third")
            ] == [None, NOTE, None]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 1


# -- retention counts from when the server received the text -----------------------------------

def test_text_of_a_record_dated_in_the_future_or_undated_goes_a_period_after_it_came(
        app, sites):
    salon, nursery = sites
    future_visit = f"{salon.id}:2999-01-01:day"
    push("visit", future_visit, {"parents": 2, "notes": NOTE})
    # An outreach record's date is in its id; one dated in the future is the same case.
    future_outreach = f"{salon.id}:2999-01-01:{salon.id}"
    later_outreach = f"{salon.id}:2999-01-02:{salon.id}"
    push("outreach", future_outreach, {"summary": NOTE})
    put_card("FUTURE01", salon, str(nursery.id), issued_on="2999-01-01", message=NOTE,
             ask_for="たなかさん")
    # Sent half a year later: its period has not run out when the others' has.
    push("outreach", later_outreach, {"summary": NOTE}, at_ms=PHONE_MS + 180 * DAY_MS)

    almost = PHONE_MS + 364 * DAY_MS
    assert retention.redact_old_text(later_day(almost), almost)["records"] == 0
    over = PHONE_MS + 366 * DAY_MS
    assert retention.redact_old_text(later_day(over), over) == {"records": 3,
                                                                "quarantined": 0}

    assert data_of("visit", future_visit)["notes"] is None
    assert data_of("visit", future_visit)["parents"] == 2
    assert data_of("outreach", future_outreach)["summary"] is None
    card = data_of("card", "FUTURE01")
    assert (card["message"], card["ask_for"], card["status"]) == (None, None, "issued")
    assert data_of("outreach", later_outreach)["summary"] == NOTE


def test_a_dated_record_still_counts_from_its_own_date(app, sites):
    salon, _nursery = sites
    # Sent long after the day it describes: its own date rules, as before.
    old = f"{salon.id}:2025-06-01:day"
    push("visit", old, {"notes": NOTE})
    soon = PHONE_MS + 10 * DAY_MS
    assert retention.redact_old_text(later_day(soon), soon)["records"] == 1
    assert data_of("visit", old)["notes"] is None


def test_a_text_edited_later_counts_from_the_edit(app, sites):
    salon, _nursery = sites
    edited = f"{salon.id}:2999-01-01:{salon.id}"  # dated in the future: counts from receipt
    push("outreach", edited, {"summary": NOTE})
    push("outreach", edited, {"summary": NOTE + "（追記）"}, at_ms=PHONE_MS + 100 * DAY_MS)
    first_period = PHONE_MS + 366 * DAY_MS
    assert retention.redact_old_text(later_day(first_period), first_period)["records"] == 0
    after_edit = PHONE_MS + 466 * DAY_MS
    assert retention.redact_old_text(later_day(after_edit), after_edit)["records"] == 1
    assert data_of("outreach", edited)["summary"] is None


def test_the_jobs_result_keeps_no_skipped_list_when_nothing_was_skipped(app, sites):
    salon, nursery = sites
    put_card("OLDCARD1", salon, str(nursery.id), issued_on="2026-01-05")
    assert jobs.expire_cards(MORNING) == {"today": "2026-11-28", "expired": ["OLDCARD1"]}
    assert jobs.expire_cards(MORNING + timedelta(hours=1)) == {"today": "2026-11-28",
                                                               "expired": []}


def test_a_database_that_fails_stops_the_run_and_gives_it_back(app, sites, monkeypatch):
    salon, nursery = sites
    put_card("OLDCARD1", salon, str(nursery.id), issued_on="2026-01-05")

    def gone(*_args):
        raise sa.exc.OperationalError("UPDATE sync_counter", {}, Exception("server closed"))

    monkeypatch.setattr(expiry, "expire_card", gone)
    with pytest.raises(sa.exc.OperationalError):
        jobs.expire_cards(MORNING)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 0
    monkeypatch.undo()
    assert jobs.expire_cards(MORNING)["expired"] == ["OLDCARD1"]
