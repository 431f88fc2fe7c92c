"""Review marks (「要確認」): hub staff raise one on a record from the desk, the record's
site pulls it, its author settles it from a phone, and the desk shows both; on SQLite and
PostgreSQL."""

import json
import time
import uuid
from datetime import datetime

import pytest
import sqlalchemy as sa

from server import retention
from server.extensions import db
from server.hub.models import AuditEntry
from server.replication.models import SyncRecord
from server.timeutil import JAPAN
from tests.server.test_hub_desk import XSS, Desk


@pytest.fixture
def desk(client, ward, other_ward, create_site, create_user, auth_header):
    made = Desk(client, ward, other_ward, create_site, create_user, auth_header)
    made.fill()
    return made


def _own_visit(desk: Desk) -> str:
    """A session log of the site the volunteer and site staff belong to."""
    return next(made.record_id for made in desk.made
                if made.collection == "visit" and made.site_id == desk.sites[0].id)


def _raise(desk: Desk, user, record_id: str, comment: str = "来場者数をご確認ください",
           collection: str = "visit", op_id: str | None = None):
    return desk.client.post(
        f"/api/wards/{desk.code}/records/{collection}/{record_id}/review",
        json={"comment": comment, "op_id": op_id or str(uuid.uuid4())},
        headers=desk.headers[user.id])


def _pulled_marks(desk: Desk, user) -> dict[str, dict]:
    response = desk.get("/api/sync/pull", user, cursor=0, limit=500)
    assert response.status_code == 200
    return {change["record_id"]: change["data"] for change in response.get_json()["changes"]
            if change["collection"] == "review"}


def _listed(desk: Desk, record_id: str) -> dict:
    return next(item for item in desk.all_pages("visit") if item["record_id"] == record_id)


def test_a_raised_mark_reaches_the_sites_phones_and_its_answer_reaches_the_desk(desk):
    record_id = _own_visit(desk)
    response = _raise(desk, desk.hub, record_id)
    assert response.status_code == 201, response.get_json()
    mark = response.get_json()
    assert mark["status"] == "open"
    assert mark["site_id"] == str(desk.sites[0].id)
    assert (mark["target_collection"], mark["target_record_id"]) == ("visit", record_id)
    assert _listed(desk, record_id)["open_reviews"] == 1

    pulled = _pulled_marks(desk, desk.volunteer)[mark["id"]]
    assert pulled["status"] == "open"
    assert pulled["comment"] == "来場者数をご確認ください"

    desk.push(desk.volunteer, desk.op("review", mark["id"], {
        "status": "done", "done_note": "午前の数を直しました"}, base_version=mark["version"]))

    detail = desk.get(f"/api/wards/{desk.code}/records/visit/{record_id}", desk.hub).get_json()
    (review,) = detail["reviews"]
    assert review["id"] == mark["id"]
    assert review["status"] == "done"
    assert review["done_note"] == "午前の数を直しました"
    assert review["raised_by"] == desk.hub.display_name
    assert review["raised_at"] is not None and review["done_at"] is not None
    assert _listed(desk, record_id)["open_reviews"] == 0


def test_a_mark_stays_done_when_it_is_opened_again(desk):
    mark = _raise(desk, desk.hub, _own_visit(desk)).get_json()
    desk.push(desk.volunteer, desk.op("review", mark["id"], {"status": "done"}))
    desk.push(desk.hub, desk.op("review", mark["id"], {"status": "open"}))
    assert _pulled_marks(desk, desk.volunteer)[mark["id"]]["status"] == "done"


def test_only_the_sites_staff_open_a_mark(desk):
    record_id = _own_visit(desk)
    response = desk.client.post("/api/sync/push", json={"protocol": 1, "ops": [desk.op(
        "review", str(uuid.uuid4()), {"site_id": str(desk.sites[0].id), "status": "open",
                                      "target_collection": "visit",
                                      "target_record_id": record_id, "comment": "?"})]},
        headers=desk.headers[desk.volunteer.id])
    (result,) = response.get_json()["results"]
    assert (result["status"], result["reason"]) == ("rejected", "out_of_scope")


def test_only_hub_staff_of_the_ward_and_admins_raise_a_mark(desk):
    record_id = _own_visit(desk)
    for user in (desk.officer, desk.hub_elsewhere, desk.volunteer, desk.site_staff):
        assert _raise(desk, user, record_id).status_code == 403, user.role
    assert desk.client.post(f"/api/wards/{desk.code}/records/visit/{record_id}/review",
                            json={"comment": "x", "op_id": str(uuid.uuid4())}
                            ).status_code == 401
    assert _raise(desk, desk.admin, record_id).status_code == 201


def test_an_unknown_record_or_collection_is_404_and_a_bad_body_422(desk):
    site = desk.sites[0].id
    assert _raise(desk, desk.hub, f"{site}:2020-01-01:am").status_code == 404
    assert _raise(desk, desk.hub, f"{desk.elsewhere.id}:2026-01-05:am").status_code == 404
    assert _raise(desk, desk.hub, _own_visit(desk), collection="card").status_code == 404
    assert _raise(desk, desk.hub, _own_visit(desk), comment="").status_code == 422
    assert _raise(desk, desk.hub, _own_visit(desk), comment="x" * 501).status_code == 422


def test_a_retry_answers_the_same_mark(desk):
    op_id = str(uuid.uuid4())
    first = _raise(desk, desk.hub, _own_visit(desk), op_id=op_id).get_json()
    again = _raise(desk, desk.hub, _own_visit(desk), op_id=op_id)
    assert again.status_code == 201
    assert again.get_json()["id"] == first["id"]
    assert len(_pulled_marks(desk, desk.volunteer)) == 1


def test_a_comment_with_markup_comes_back_as_json_text(desk):
    record_id = _own_visit(desk)
    assert _raise(desk, desk.hub, record_id, comment=XSS).get_json()["comment"] == XSS
    detail = desk.get(f"/api/wards/{desk.code}/records/visit/{record_id}", desk.hub)
    assert detail.headers["Content-Type"].startswith("application/json")
    assert detail.get_json()["reviews"][0]["comment"] == XSS


def test_raising_a_mark_is_audited_without_its_comment(desk):
    record_id = _own_visit(desk)
    mark = _raise(desk, desk.hub, record_id, comment="秘密の言葉").get_json()
    entry = db.session.query(AuditEntry).filter_by(action="review").one()
    assert (entry.user_id, entry.target_id) == (desk.hub.id, mark["id"])
    assert (entry.collection, entry.record_id) == ("visit", record_id)
    assert "秘密の言葉" not in entry.detail_json
    listed = desk.get("/api/audit", desk.admin).get_json()["items"]
    assert listed[0]["action"] == "review"


def _stored_mark(mark_id: str) -> dict:
    data_json, meta_json = db.session.execute(sa.select(
        SyncRecord.data_json, SyncRecord.meta_json).where(
        SyncRecord.collection == "review", SyncRecord.record_id == mark_id)).one()
    db.session.commit()  # read fresh next time: retention writes on a connection of its own
    return {"data": json.loads(data_json), "meta": meta_json}


def _redact_at(now_ms: int) -> dict:
    """The retention run as the daily job makes it at ``now_ms`` (a fake clock)."""
    today = datetime.fromtimestamp(now_ms / 1000, JAPAN).date()
    return retention.redact_old_text(today, now_ms)


def test_retention_clears_a_marks_comment_and_answer_once_the_period_has_run(desk, app):
    comment, answer = "来場者数をご確認ください（Aさんの件）", "午前の数を直しました（Bさん）"
    received_ms = time.time_ns() // 1_000_000  # a mark has no date: its text counts from now
    mark = _raise(desk, desk.hub, _own_visit(desk), comment=comment).get_json()
    desk.push(desk.volunteer, desk.op("review", mark["id"], {
        "status": "done", "done_note": answer}, base_version=mark["version"]))
    stored = _stored_mark(mark["id"])["data"]
    assert (stored["comment"], stored["done_note"]) == (comment, answer)

    day_ms, days = retention.DAY_MS, app.config["TEXT_RETENTION_DAYS"]
    _redact_at(received_ms + (days - 1) * day_ms)  # a day before the period has run
    kept = _stored_mark(mark["id"])["data"]
    assert (kept["comment"], kept["done_note"]) == (comment, answer)

    _redact_at(received_ms + (days + 1) * day_ms)
    after = _stored_mark(mark["id"])
    assert (after["data"]["comment"], after["data"]["done_note"]) == (None, None)
    # What the mark is and where it stands stay; no trace of the words is left.
    assert after["data"]["status"] == "done"
    assert (after["data"]["target_collection"], after["data"]["target_record_id"]) == (
        "visit", _own_visit(desk))
    for text in ("Aさんの件", "Bさん"):
        assert text not in after["meta"]
    pulled = _pulled_marks(desk, desk.volunteer)[mark["id"]]
    assert (pulled["comment"], pulled["done_note"]) == (None, None)
