"""Free text is redacted after the retention period; counts stay."""

import json
import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa

from server import jobs
from server.extensions import db
from server.replication.models import SyncChange, SyncConflict, SyncQuarantine, SyncRecord
from server.retention import redact_old_text
from sync.hlc import HLC

NOTE = "Aさんのお子さんが熱っぽかった"  # the kind of text that must not stay forever
TODAY = date(2028, 1, 10)  # retention is 365 days: anything before 2027-01-10 is old
NOW_MS = 1_831_000_000_000  # 2028-01-09, the job's fake clock


def visit_op(site, day, device, changes):
    return {"op_id": str(uuid.uuid4()), "device_id": device, "user_id": "x",
            "collection": "visit", "record_id": f"{site.id}:{day}:day",
            "hlc": HLC(1_790_000_000_000, 0, device).format(), "base_version": None,
            "changes": changes}


def record(record_id):
    return db.session.scalar(sa.select(SyncRecord).where(SyncRecord.record_id == record_id))


def test_old_notes_and_their_conflicts_are_redacted_and_counts_stay(
        client, create_site, create_user, auth_header):
    salon = create_site()
    headers = auth_header(create_user(sites=[salon]))
    ops = [visit_op(salon, "2026-11-30", "phone-a", {"parents": 3, "notes": NOTE}),
           # written at the same time on another phone: the losing note is kept as a conflict
           visit_op(salon, "2026-11-30", "phone-b", {"notes": NOTE + "（追記）"}),
           visit_op(salon, "2027-12-20", "phone-a", {"parents": 2, "notes": "園庭開放の案内"}),
           visit_op(salon, "2026-11-29", "phone-a", {"notes": "x" * 2001})]  # quarantined
    response = client.post("/api/sync/push", json={"protocol": 1, "ops": ops}, headers=headers)
    assert [r["status"] for r in response.get_json()["results"]] == [
        "applied", "applied", "applied", "rejected"]
    old_id, recent_id = f"{salon.id}:2026-11-30:day", f"{salon.id}:2027-12-20:day"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncConflict)) == 1
    version_before = record(old_id).version

    assert redact_old_text(TODAY, NOW_MS) == {"records": 1, "quarantined": 1}
    db.session.expire_all()
    old, recent = record(old_id), record(recent_id)
    assert json.loads(old.data_json)["notes"] is None
    assert json.loads(old.data_json)["parents"] == 3
    for stored in (old.data_json, old.meta_json):
        assert "熱っぽかった" not in stored
    # The feed keeps one change a record, and the old text went with the old position.
    assert not any("熱っぽかった" in change for change in db.session.scalars(
        sa.select(SyncChange.change_json)))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncConflict)) == 0
    assert json.loads(recent.data_json)["notes"] == "園庭開放の案内"
    (quarantined,) = db.session.scalars(sa.select(SyncQuarantine))
    assert json.loads(quarantined.payload_json)["changes"]["notes"] is None

    assert redact_old_text(TODAY, NOW_MS) == {"records": 0, "quarantined": 0}
    db.session.expire_all()
    assert record(old_id).version == version_before + 1


def test_the_daily_job_redacts_once(client, create_site, create_user, auth_header):
    salon = create_site()
    client.post("/api/sync/push", headers=auth_header(create_user(sites=[salon])), json={
        "protocol": 1, "ops": [visit_op(salon, "2026-11-30", "phone-a", {"notes": NOTE})]})
    noon = datetime(2028, 1, 10, 3, tzinfo=UTC)  # 12:00 in Japan
    assert jobs.run_due(noon)["redact_old_text"] == {"records": 1, "quarantined": 0}
    assert jobs.run_due(noon)["redact_old_text"] is None  # claimed for the day already
    db.session.expire_all()
    assert json.loads(record(f"{salon.id}:2026-11-30:day").data_json)["notes"] is None
