"""The desk's お知らせ in real Chromium: hub staff read the reminders and weekly digests the
scheduled jobs wrote, mark one read (for themselves only), on a PC and on a phone, in
Japanese and English; a ward officer has no inbox."""

from datetime import date, datetime

import pytest
from playwright.sync_api import expect

from server import jobs
from server.accounts.auth import hash_password
from server.accounts.models import User
from server.cooperation.assessments import current_checkpoints
from server.cooperation.models import CoopAnswer, CoopAssessment
from server.directory.models import Area, Ward
from server.extensions import db
from server.inbox.models import HubMessage, HubMessageRead

from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.browser

PC = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def inbox(live):
    """A reminder of 北エリア's step 1 review (due 2026-12-10) and the digest of the week
    11-30 … 12-06, as the jobs write them; an officer of the ward; a second hub login."""
    with live.app.app_context():
        ward = db.session.query(Ward).filter_by(code="14101").one()
        area = Area(ward_id=ward.id, name=HOSTILE)
        hashed = hash_password(PASSWORD)
        db.session.add_all([area,
                            User(login="officer", display_name="くやくしょ", role="ward_officer",
                                 ward_id=ward.id, password_hash=hashed),
                            User(login="hub2", display_name="もり", role="hub_staff",
                                 ward_id=ward.id, password_hash=hashed)])
        db.session.flush()
        hub = db.session.query(User).filter_by(login="hub").one()
        db.session.add(CoopAssessment(
            ward_id=ward.id, area_id=area.id, step_number=1, assessed_on=date(2026, 9, 1),
            recorded_by=hub.id, next_action="連絡会で共有する",
            next_review_on=date(2026, 12, 10),
            answers=[CoopAnswer(checkpoint_id=point.id, status="partly", evidence="")
                     for point in current_checkpoints(1)]))
        db.session.commit()
        assert jobs.review_reminders(datetime.fromisoformat("2026-12-03T09:00+09:00"))
        assert jobs.weekly_digest(datetime.fromisoformat("2026-12-07T08:00+09:00"))
    return live


def open_inbox(page, live, login, size=PC):
    page.set_viewport_size(size)
    sign_in(page, live.url, login)
    page.get_by_role("button", name="デスク").click()


def test_hub_staff_read_the_reminder_and_the_digest_and_mark_one_read(inbox, page):
    open_inbox(page, inbox, "hub")
    # From the first screen of the desk, the button says how many are unread.
    expect(page.locator("#desk-logs")).to_be_visible()
    expect(page.locator("#desk-inbox-count")).to_have_text("2")
    page.locator("#desk-switch").get_by_role("button", name="お知らせ").click()
    items = page.locator("#desk-inbox-list > li")
    expect(items).to_have_count(2)
    expect(page.locator("#desk-inbox-unread")).to_have_text("未読 2件")
    digest, reminder = items.nth(0), items.nth(1)
    expect(digest).to_contain_text("週のまとめ（2026-11-30〜2026-12-06）")
    expect(digest.locator(".desk-lines li")).to_have_text([
        "新しく出された地域の課題: 0件", "紹介カード: 発行 0枚（うち来所 0枚）",
        "要確認の印（まだ答えのないもの）: 0件",
        "同期の確認待ち: 競合 0件、受け付けなかった記録 0件",
        "30日以上つながっていない端末: 0台"])
    expect(reminder).to_contain_text("見直しが近づいています")
    expect(reminder.locator(".desk-lines li")).to_have_text(
        f"{HOSTILE} ステップ1「担い手同士が互いの取組を知る」の見直しは 2026-12-10 です。")
    expect(reminder.locator("img")).to_have_count(0)

    reminder.get_by_role("button", name="読みました").click()
    expect(page.locator("#desk-inbox-unread")).to_have_text("未読 1件")
    expect(page.locator("#desk-inbox-count")).to_have_text("1")
    expect(items.nth(1).locator(".badge")).to_have_count(0)
    expect(items.nth(1).get_by_role("button", name="読みました")).to_have_count(0)
    expect(items.nth(0).locator(".badge")).to_have_text("未読")
    with inbox.app.app_context():
        marks = db.session.query(HubMessageRead).all()
        assert [db.session.get(User, mark.user_id).login for mark in marks] == ["hub"]


def test_a_colleague_still_sees_the_reminder_unread(inbox, page):
    with inbox.app.app_context():
        hub = db.session.query(User).filter_by(login="hub").one()
        for message in db.session.query(HubMessage):
            db.session.add(HubMessageRead(message_id=message.id, user_id=hub.id))
        db.session.commit()
    open_inbox(page, inbox, "hub2")
    page.locator("#desk-switch").get_by_role("button", name="お知らせ").click()
    expect(page.locator("#desk-inbox-unread")).to_have_text("未読 2件")


def test_a_ward_officer_has_no_inbox(inbox, page):
    open_inbox(page, inbox, "officer")
    expect(page.locator("#desk-switch").get_by_role("button", name="連携のステップ")
           ).to_be_visible()
    expect(page.locator("#desk-switch").get_by_role("button", name="お知らせ")).to_be_hidden()


@pytest.mark.parametrize("size", [PC, PHONE], ids=["pc", "phone"])
def test_the_inbox_passes_axe_in_both_languages_without_sideways_scroll(
        inbox, page, axe_violations, size):
    open_inbox(page, inbox, "hub", size)
    page.locator("#desk-switch").get_by_role("button", name="お知らせ").click()
    for language in ("ja", "en"):
        if language == "en":
            page.get_by_role("button", name="English").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
            page.locator("#desk-switch").get_by_role("button", name="Inbox").click()
            expect(page.locator("#desk-inbox-list")).to_contain_text(
                "Weekly summary (2026-11-30 to 2026-12-06)")
            expect(page.locator("#desk-inbox-list")).to_contain_text(
                'step 1 "Supporters get to know each other\'s work": review on 2026-12-10.')
        expect(page.locator("#desk-inbox-list > li")).to_have_count(2)
        page.wait_for_load_state("networkidle")
        assert axe_violations(page) == [], (language, size)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
