"""The hub's inbox on a fake clock: a review reminder once, the weekly digest once a week,
nothing twice with two processes, the digest by e-mail to a local SMTP server (and no
mail at all without one), and the inbox's API scoped to the ward's hub."""

import email
import email.policy
import json
import smtplib
import socket
import uuid
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from server import jobs
from server.accounts.models import Device, User
from server.cooperation.assessments import current_checkpoints
from server.cooperation.models import CoopAnswer, CoopAssessment
from server.cooperation.reference import ensure_checkpoints
from server.directory.models import Area, Ward
from server.extensions import db
from server.inbox import digest, reminders
from server.inbox.mail import hub_addresses
from server.inbox.models import HubMessage, HubMessageRead
from server.jobs import JobRun
from server.replication.models import SyncConflict, SyncQuarantine
from server.replication.writes import store
from sync import engine
from sync.protocol import Scope

from .test_card_jobs import add_site, run_jobs_in_two_processes, shared_app  # noqa: F401

# Thursday 2026-12-03 in Japan: a week before the review due on Thursday 12-10.
WEEK_BEFORE = datetime.fromisoformat("2026-12-03T09:00+09:00")
DUE = date(2026, 12, 10)
# The digest's Monday: 2026-12-07, for the week 11-30 … 12-06 (ISO week 2026-W50).
MONDAY_MORNING = datetime.fromisoformat("2026-12-07T08:00+09:00")
PHONE_MS = 1_764_900_000_000  # 2025-12-05: when the phones sent their records


def push(collection: str, record_id: str, changes: dict) -> dict:
    op = {"op_id": str(uuid.uuid4()), "device_id": "phone", "user_id": "1",
          "collection": collection, "record_id": record_id,
          "hlc": f"{PHONE_MS:015d}:000000:phone", "base_version": None, "changes": changes}
    result = engine.apply_push(store(), [op], now_ms=PHONE_MS, max_drift_ms=300_000,
                               scope=Scope.everywhere(), server_node="server", author="1")
    assert result.results[0].status == "applied", result.results[0]
    return op


def assess(ward: Ward, recorder: User, *, step: int = 2, review_on: date = DUE,
           area: Area | None = None) -> CoopAssessment:
    assessment = CoopAssessment(
        ward_id=ward.id, area_id=area.id if area else None, step_number=step,
        assessed_on=date(2026, 9, 10), recorded_by=recorder.id,
        next_action="連絡会で共有する", next_review_on=review_on,
        answers=[CoopAnswer(checkpoint_id=point.id, status="partly", evidence="")
                 for point in current_checkpoints(step)])
    db.session.add(assessment)
    db.session.commit()
    return assessment


def messages(kind: str | None = None) -> list[HubMessage]:
    query = sa.select(HubMessage).order_by(HubMessage.id)
    if kind:
        query = query.where(HubMessage.kind == kind)
    found = list(db.session.scalars(query))
    db.session.commit()  # read fresh next time: the jobs write on connections of their own
    return found


def body(message: HubMessage) -> dict:
    return json.loads(message.body_json)


# -- review reminders ---------------------------------------------------------------------------

def test_a_checklist_review_is_reminded_once_a_week_before_it_is_due(app, ward,
                                                                      create_user):
    hub = create_user("hub_staff")
    area = Area(ward_id=ward.id, name="北エリア")
    db.session.add(area)
    db.session.commit()
    assessed = assess(ward, hub, area=area)

    assert jobs.review_reminders(WEEK_BEFORE - timedelta(days=1)) == {
        "day": "2026-12-02", "reminders": {"checklist_review": 0, "issue_review": 0}}
    assert jobs.review_reminders(WEEK_BEFORE) == {
        "day": "2026-12-03", "reminders": {"checklist_review": 1, "issue_review": 0}}
    (reminder,) = messages()
    assert (reminder.ward_id, reminder.kind) == (ward.id, "reminder")
    assert body(reminder) == {
        "source": "checklist_review", "ward_id": ward.id, "record_id": str(assessed.id),
        "title": "区域の親子の状況や地域課題を共有する",
        "title_en": "Share the situation of the ward's families and the area's issues",
        "step": 2, "area_name": "北エリア", "review_on": "2026-12-10"}

    # The next ticks of the day are skipped; the next days find it reminded already.
    assert jobs.review_reminders(WEEK_BEFORE + timedelta(minutes=5)) is None
    for days in range(1, 9):
        result = jobs.review_reminders(WEEK_BEFORE + timedelta(days=days))
        assert result["reminders"] == {"checklist_review": 0, "issue_review": 0}, days
    assert len(messages()) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 1 + 1 + 8


def test_only_the_latest_assessment_reminds_and_a_new_date_reminds_again(app, ward,
                                                                         create_user):
    hub = create_user("hub_staff")
    assess(ward, hub, step=1, review_on=DUE)
    newer = assess(ward, hub, step=1, review_on=DUE + timedelta(days=60))  # replaces it
    assess(ward, hub, step=3, review_on=DUE - timedelta(days=1))  # already overdue then

    assert reminders.checklist_reviews_due(date(2026, 12, 10)) == []
    assert jobs.review_reminders(WEEK_BEFORE)["reminders"] == {"checklist_review": 1,
                                                               "issue_review": 0}
    (step3,) = messages()
    assert body(step3)["step"] == 3 and body(step3)["area_name"] is None

    later = datetime.fromisoformat("2027-02-02T09:00+09:00")
    assert jobs.review_reminders(later)["reminders"] == {"checklist_review": 1,
                                                         "issue_review": 0}
    assert body(messages()[-1])["record_id"] == str(newer.id)


def test_a_reminder_source_that_fails_is_skipped_and_the_others_still_remind(
        app, ward, create_user, monkeypatch):
    assess(ward, create_user("hub_staff"))

    def broken(_on):
        raise RuntimeError("the board is not there yet")

    monkeypatch.setattr(reminders, "SOURCES", {"broken": broken,
                                               **reminders.SOURCES})
    result = jobs.review_reminders(WEEK_BEFORE)
    assert result["reminders"] == {"broken": 0, "checklist_review": 1, "issue_review": 0}
    assert result["skipped"] == [{"item": "source/broken", "error": "RuntimeError"}]


# -- the weekly digest --------------------------------------------------------------------------

def week_of_work(ward: Ward, create_site) -> None:
    """In the week 11-30 … 12-06: three cards issued (one arrived), one open review mark,
    one conflict, one quarantined op, and a phone not seen since October."""
    salon, nursery = create_site("salon"), create_site("nursery_hiroba")
    for n, status in enumerate(("issued", "arrived", "opened")):
        push("card", f"WEEKCRD{n}", {"status": status, "issued_on": f"2026-12-0{n + 1}",
                                     "issuing_site_id": str(salon.id),
                                     "target_site_id": str(nursery.id)})
    push("card", "OLDCARD1", {"status": "issued", "issued_on": "2026-11-20",
                              "issuing_site_id": str(salon.id),
                              "target_site_id": str(nursery.id)})
    visit = f"{salon.id}:2026-12-02:am"
    push("visit", visit, {"parents": 2})
    push("review", str(uuid.uuid4()), {"site_id": str(salon.id), "target_collection": "visit",
                                      "target_record_id": visit, "status": "open",
                                      "comment": "人数をご確認ください"})
    push("review", str(uuid.uuid4()), {"site_id": str(salon.id), "target_collection": "visit",
                                      "target_record_id": visit, "status": "done",
                                      "comment": "確認済み"})
    db.session.add(SyncConflict(conflict_id=f"visit/{visit}/notes/x", collection="visit",
                                record_id=visit, field="notes", value_json='"雨"',
                                op_id="x", device_id="phone", user_id="1",
                                hlc=f"{PHONE_MS:015d}:000001:phone", winner_op_id="y"))
    db.session.add(SyncQuarantine(op_id="1:bad", payload_json="{}", reason="invalid_value",
                                  message="parents", user_id="1", device_id="phone",
                                  site_id=str(salon.id), received_ms=PHONE_MS, state="open"))
    volunteer = User(login="quiet", display_name="たなか", role="volunteer", ward_id=ward.id,
                     password_hash="x")
    db.session.add(volunteer)
    db.session.flush()
    db.session.add(Device(user_id=volunteer.id, name="サロンのスマホ", token_hash="q" * 64,
                          created_at=datetime(2026, 9, 1), last_seen_at=datetime(2026, 10, 19, 15),
                          expires_at=datetime(2027, 3, 1)))
    db.session.commit()


def test_the_digest_is_written_once_a_week_from_monday_eight_japan_time(
        app, ward, other_ward, create_user, create_site):
    create_user("hub_staff")
    create_user("hub_staff")  # two of them: still one digest for the ward
    create_user("volunteer", ward=other_ward)  # a ward with no hub staff gets none
    week_of_work(ward, create_site)

    assert jobs.weekly_digest(MONDAY_MORNING - timedelta(minutes=1)) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 0
    result = jobs.weekly_digest(MONDAY_MORNING)
    assert result["week"] == "2026-W50" and result["digests"] == [ward.code]
    assert result["mail"] == {"mail": "off"}
    (digest_message,) = messages()
    assert body(digest_message) == {
        "week": "2026-W50", "from": "2026-11-30", "to": "2026-12-06", "failed": [],
        "sections": {
            "issues_raised": {"count": 0, "titles": []},
            "cards": {"issued": 3, "arrived": 1},
            "review_marks": {"open": 1},
            "sync_waiting": {"conflicts": 1, "quarantined": 1},
            "quiet_phones": {"count": 1, "phones": [{
                "id": body(digest_message)["sections"]["quiet_phones"]["phones"][0]["id"],
                "name": "サロンのスマホ", "user": "たなか",
                "last_seen_on": "2026-10-20"}]}}}

    # The rest of the week: nothing more; the next Monday: the next week's.
    for hours in (1, 24, 24 * 6 + 23):
        assert jobs.weekly_digest(MONDAY_MORNING + timedelta(hours=hours)) is None, hours
    next_week = jobs.weekly_digest(MONDAY_MORNING + timedelta(days=7))
    assert next_week["week"] == "2026-W51" and next_week["digests"] == [ward.code]
    assert body(messages()[-1])["sections"]["cards"] == {"issued": 0, "arrived": 0}
    assert len(messages("digest")) == 2


def test_a_server_down_on_monday_morning_writes_the_digest_when_back_that_week(
        app, ward, create_user):
    create_user("hub_staff")
    wednesday = MONDAY_MORNING + timedelta(days=2, hours=3)
    assert jobs.weekly_digest(wednesday)["week"] == "2026-W50"
    assert body(messages()[0])["from"] == "2026-11-30"


def test_a_digest_section_that_fails_is_named_and_the_others_are_counted(
        app, ward, create_user, monkeypatch):
    create_user("hub_staff")

    def broken(*_args):
        raise RuntimeError("figures are not there")

    monkeypatch.setitem(digest.SECTIONS, "cards", broken)
    result = jobs.weekly_digest(MONDAY_MORNING)
    assert result["skipped"] == [{"item": f"{ward.code}/cards", "error": "RuntimeError"}]
    (message,) = messages()
    assert body(message)["failed"] == ["cards"]
    assert set(body(message)["sections"]) == {"issues_raised", "review_marks", "sync_waiting",
                                              "quiet_phones"}


# -- e-mail -------------------------------------------------------------------------------------

class Sink:
    """A local SMTP server that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield sink, f"smtp://127.0.0.1:{controller.port}"
    finally:
        controller.stop()


def test_the_digest_is_mailed_in_japanese_to_the_hubs_mailbox(app, ward, other_ward,
                                                              create_user, create_site,
                                                              smtp_sink):
    sink, url = smtp_sink
    create_user("hub_staff")
    create_user("hub_staff", ward=other_ward)
    week_of_work(ward, create_site)
    app.config.update(SMTP_URL=url, MAIL_FROM="tsunagu@city.example.jp",
                      HUB_MAIL_TO=f" {ward.code}=hub@city.example.jp, kakari@city.example.jp ;"
                                  "99999=nowhere@city.example.jp",
                      PUBLIC_BASE_URL="https://tsunagu.city.example.jp")

    result = jobs.weekly_digest(MONDAY_MORNING)
    # The other ward has no mailbox set: its digest is in its inbox only.
    assert result["mail"] == {"mailed": [ward.code], "failed": []}
    assert sorted(result["digests"]) == sorted([ward.code, other_ward.code])
    (rcpt_tos, raw), = sink.received
    assert rcpt_tos == ["hub@city.example.jp", "kakari@city.example.jp"]
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert mail["Subject"] == (f"【つなぐ】{ward.name_ja} 週のまとめ（2026-11-30〜2026-12-06）")
    assert mail["From"] == "tsunagu@city.example.jp"
    part = mail.get_body(("plain",))
    assert part.get_content_charset() == "utf-8"
    text = part.get_content()
    for line in ("先週（2026-11-30〜2026-12-06）のまとめです。",
                 "■ 紹介カード（先週発行したもの）", "　発行 3枚（うち来所 1枚）",
                 "■ 要確認の印（まだ答えのないもの）", "　1件",
                 "　競合 1件、受け付けなかった記録 1件",
                 "■ 30日以上つながっていない端末", "　1台",
                 "https://tsunagu.city.example.jp/"):
        assert line in text.splitlines(), (line, text)
    # Counts only: whose phone it is stays on the desk.
    assert "たなか" not in text and "サロンのスマホ" not in text
    mailed = {m.ward_id: m.mailed_at for m in messages("digest")}
    assert mailed[ward.id] is not None and mailed[other_ward.id] is None

    assert jobs.weekly_digest(MONDAY_MORNING + timedelta(hours=2)) is None
    assert len(sink.received) == 1


def test_no_mail_is_attempted_without_an_smtp_url(app, ward, create_user, monkeypatch):
    create_user("hub_staff")
    app.config.update(HUB_MAIL_TO=f"{ward.code}=hub@city.example.jp")

    def no_smtp(*_args, **_kwargs):
        raise AssertionError("no SMTP connection without TSUNAGU_SMTP_URL")

    monkeypatch.setattr(smtplib, "SMTP", no_smtp)
    monkeypatch.setattr(smtplib, "SMTP_SSL", no_smtp)
    assert jobs.weekly_digest(MONDAY_MORNING)["mail"] == {"mail": "off"}
    assert len(messages("digest")) == 1


def test_an_smtp_server_that_is_down_leaves_the_digest_in_the_inbox(app, ward, create_user):
    create_user("hub_staff")
    app.config.update(SMTP_URL=f"smtp://127.0.0.1:{free_port()}",
                      HUB_MAIL_TO=f"{ward.code}=hub@city.example.jp")
    assert jobs.weekly_digest(MONDAY_MORNING)["mail"] == {"mailed": [],
                                                          "failed": [ward.code]}
    (message,) = messages("digest")
    assert message.mailed_at is None


def test_the_hub_mailboxes_setting_is_read_or_refused():
    assert hub_addresses("") == {}
    assert hub_addresses("14199=a@x, b@x;14101=c@x;") == {"14199": ["a@x", "b@x"],
                                                         "14101": ["c@x"]}
    with pytest.raises(ValueError, match="ward_code=address"):
        hub_addresses("a@x")


# -- two processes ------------------------------------------------------------------------------

def test_two_processes_write_each_reminder_and_digest_once(shared_app, tmp_path):  # noqa: F811
    ensure_checkpoints()
    ward = db.session.scalar(sa.select(Ward).where(Ward.code == "14101"))
    hub = User(login="hub", display_name="拠点", role="hub_staff", ward_id=ward.id,
               password_hash="x")
    db.session.add(hub)
    db.session.commit()
    add_site("salon", "1")
    assess(ward, hub, review_on=date(2026, 12, 12))  # Monday 12-07 is within a week
    db.session.remove()  # hold no connection (nor SQLite lock) while they run

    first_run: list[str] = []
    for at in ("2026-12-07T08:30+09:00", "2026-12-07T09:30+09:00"):
        outputs = run_jobs_in_two_processes(at, tmp_path)
        for job in ("review_reminders", "weekly_digest"):
            ran = [output for output in outputs if f"{job}: ran" in output]
            assert len(ran) == (0 if first_run else 1), (job, outputs)
        first_run = first_run or outputs
    assert "weekly_digest: ran, 1 digests for 2026-W50, mail: off" in "".join(first_run)
    assert "review_reminders: ran, 1 reminders for 2026-12-07" in "".join(first_run)
    kinds = sorted(message.kind for message in messages())
    assert kinds == ["digest", "reminder"]


# -- the API ------------------------------------------------------------------------------------

def test_hub_staff_read_the_inbox_and_mark_messages_read_each_for_themselves(
        app, client, ward, other_ward, create_user, auth_header):
    first, second = create_user("hub_staff"), create_user("hub_staff")
    assess(ward, first)
    jobs.review_reminders(WEEK_BEFORE)
    jobs.weekly_digest(MONDAY_MORNING)
    url = f"/api/wards/{ward.code}/inbox"
    first_header, second_header = auth_header(first), auth_header(second)

    listed = client.get(url, headers=first_header).get_json()
    assert listed["unread"] == 2
    assert [m["kind"] for m in listed["messages"]] == ["digest", "reminder"]
    assert all(not m["read"] for m in listed["messages"])
    reminder_id = listed["messages"][1]["id"]
    assert listed["messages"][1]["body"]["review_on"] == "2026-12-10"

    marked = client.post(f"{url}/{reminder_id}/read", headers=first_header)
    assert marked.status_code == 200 and marked.get_json()["read"] is True
    again = client.post(f"{url}/{reminder_id}/read", headers=first_header).get_json()
    assert again["read_at"] == marked.get_json()["read_at"]
    assert client.get(url, headers=first_header).get_json()["unread"] == 1
    assert client.get(url, headers=second_header).get_json()["unread"] == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HubMessageRead)) == 1

    # Another ward's hub, and the ward's own officer, may not; another ward's message is
    # not found through this ward.
    elsewhere = auth_header(create_user("hub_staff", ward=other_ward))
    officer = auth_header(create_user("ward_officer"))
    assert client.get(url, headers=elsewhere).status_code == 403
    assert client.get(url, headers=officer).status_code == 403
    assert client.post(f"{url}/{reminder_id}/read", headers=elsewhere).status_code == 403
    missing = client.post(f"/api/wards/{other_ward.code}/inbox/{reminder_id}/read",
                          headers=elsewhere)
    assert missing.status_code == 404
    assert missing.get_json()["error"]["fields"] == {
        "message_id": ["no such message in this ward"]}
    admin = auth_header(create_user("admin"))
    assert client.get(url, headers=admin).get_json()["unread"] == 2
