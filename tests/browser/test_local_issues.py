"""The regional issues board in real Chromium: a volunteer writes an issue with no signal,
sees it at once as 送信待ち, and it reaches the ward's board with the next sync; hub staff
move it along on the desk, on a PC and on a phone; a ward officer only reads. axe-core
on each screen."""

import json
import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.accounts.auth import hash_password
from server.accounts.models import User
from server.directory.models import Site, Ward
from server.extensions import db
from server.local_issues.models import LocalIssueEvent
from server.replication.models import SyncRecord

from .conftest import PASSWORD, PHONE
from .conftest import sign_in as sign_in_with_form
from .test_desk_steps import api
from .test_volunteer_offline import wait_until_outbox_empty

pytestmark = pytest.mark.browser

PC = {"width": 1280, "height": 800}
QUIET_PLAY = "最近、子どもが外で遊ぶ姿をあまり見かけない"
HOSTILE = "<img src=x onerror=alert(1)>"


def issues_on_server(live) -> dict[str, dict]:
    with live.app.app_context():
        rows = db.session.scalars(select(SyncRecord).where(
            SyncRecord.collection == "local_issue"))
        return {row.record_id: json.loads(row.data_json) for row in rows}


def raise_by_api(live, title: str) -> str:
    """An issue raised by the volunteer's other phone (a push, as the PWA sends it)."""
    token = api(live, "POST", "/api/auth/login", body={
        "login": "yamada", "password": PASSWORD,
        "device_name": f"t {uuid.uuid4().hex[:6]}"})["token"]
    with live.app.app_context():
        salon = db.session.scalar(select(Site.id).where(Site.kind == "salon"))
    issue_id = str(uuid.uuid4())
    answer = api(live, "POST", "/api/sync/push", token, {"protocol": 1, "ops": [{
        "op_id": str(uuid.uuid4()), "device_id": "other-phone", "user_id": "x",
        "collection": "local_issue", "record_id": issue_id,
        "hlc": "001790000000000:000000:other-phone", "base_version": None,
        "changes": {"site_id": str(salon), "title": title, "detail": HOSTILE,
                    "raised_on": "2026-11-20"}}]})
    assert answer["results"][0]["status"] == "applied", answer
    return issue_id


def sign_in(page, live, login, size=PHONE):
    page.set_viewport_size(size)
    sign_in_with_form(page, live.url, login)
    expect(page.locator("#tabs")).to_be_visible()


def fits(page, width):
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


def test_an_issue_written_offline_shows_as_waiting_and_reaches_the_board(
        live, page, context, worker_activated, axe_violations, tmp_path):
    sign_in(page, live, "yamada")
    assert worker_activated(page) == "activated"
    tab = page.locator("#tabs").get_by_role("button", name="地域")
    tab.click()
    expect(page.locator("#community-view")).to_be_visible()
    expect(page.locator("#local-issue-title")).to_have_attribute("placeholder", QUIET_PLAY)
    assert axe_violations(page) == []

    context.set_offline(True)
    page.reload()
    page.evaluate("window.app.ready")
    page.locator("#tabs").get_by_role("button", name="地域").click()
    page.get_by_label("気になっていること").fill(QUIET_PLAY)
    page.get_by_label("くわしく（書かなくてもかまいません）").fill("公園で見かける親子が減った。")
    page.get_by_role("button", name="書いて送る").click()

    mine = page.locator("#issues-board li.mine")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("送信待ち")
    expect(mine).to_contain_text(QUIET_PLAY)
    expect(page.locator("#local-issue-title")).to_have_value("")
    assert issues_on_server(live) == {}
    fits(page, PHONE["width"])
    page.screenshot(path=str(tmp_path / "issue-offline.png"), full_page=True)

    context.set_offline(False)  # no click: the app notices the network and sends
    expect(page.locator("#sync-pending")).to_have_text("すべて送信済み", timeout=15_000)
    (sent,) = issues_on_server(live).values()
    assert (sent["title"], sent["detail"]) == (QUIET_PLAY, "公園で見かける親子が減った。")
    # The board kept after that sync holds it, as the hub sees it: raised.
    on_board = page.locator("#issues-board li:not(.mine)")
    expect(on_board).to_have_count(1, timeout=15_000)
    expect(on_board).to_contain_text("出された")
    expect(page.locator("#issues-board li.mine")).to_have_count(0)
    assert axe_violations(page) == []

    # Kept for reading with no signal.
    context.set_offline(True)
    page.reload()
    page.evaluate("window.app.ready")
    page.locator("#tabs").get_by_role("button", name="地域").click()
    expect(page.locator("#issues-board li")).to_contain_text(QUIET_PLAY)


def test_hub_staff_move_an_issue_along_on_the_desk_with_its_history(live, browser,
                                                                    axe_violations,
                                                                    tmp_path):
    issue_id = raise_by_api(live, QUIET_PLAY)
    hub_token = api(live, "POST", "/api/auth/login", body={
        "login": "hub", "password": PASSWORD, "device_name": "check"})["token"]
    meeting = api(live, "POST", "/api/wards/14101/meetings", hub_token, body={
        "held_on": "2026-11-10", "title": "北エリア子育て連絡会"})
    for size, name in ((PC, "pc"), (PHONE, "phone")):
        context = browser.new_context(viewport=size, locale="ja-JP")
        page = context.new_page()
        sign_in(page, live, "hub", size)
        page.get_by_role("button", name="デスク").click()
        page.locator("#desk-switch").get_by_role("button", name="地域の課題").click()
        row = page.locator("#desk-issue-list .desk-row")
        expect(row).to_have_count(1)
        row.click()
        detail = page.locator("#desk-issue-detail")
        expect(detail.locator("h3")).to_have_text(QUIET_PLAY)
        # User text is text: the hostile detail is shown, not run.
        expect(detail).to_contain_text(HOSTILE)
        assert page.locator("#desk-issue-detail img").count() == 0
        assert axe_violations(page) == []
        fits(page, size["width"])
        page.screenshot(path=str(tmp_path / f"desk-issue-{name}.png"), full_page=True)
        if name == "pc":
            detail.get_by_label("段階").select_option("shared")
            detail.get_by_role("button", name="連絡会を加える").click()
            detail.get_by_label("連絡会", exact=True).select_option(
                label="2026-11-10　北エリア子育て連絡会")
            detail.get_by_label("そこでしたこと").select_option("shared")
            detail.get_by_role("button", name="保存する").click()
            expect(detail.locator(".desk-lines li")).to_have_count(1)
            expect(row.locator(".badge")).to_have_text("共有した")
        else:
            detail.get_by_label("段階").select_option("decided")
            detail.get_by_label("決まった取組").fill("公園で外遊びの会をひらく")
            detail.get_by_role("button", name="役割を加える").click()
            detail.get_by_label("すること").fill("チラシを配る")
            detail.get_by_role("button", name="振り返りの日を加える").click()
            detail.get_by_label("振り返りの日", exact=True).fill("2027-03-01")
            detail.get_by_role("button", name="保存する").click()
            expect(detail.locator(".desk-lines li")).to_have_count(2)
            expect(row.locator(".badge")).to_have_text("取組が決まった")
            fits(page, size["width"])
        context.close()
    shown = api(live, "GET", f"/api/wards/14101/local-issues/{issue_id}", hub_token)
    assert shown["state"] == "decided"
    assert shown["meetings"] == [{"meeting_id": meeting["id"], "stage": "shared",
                                  "held_on": "2026-11-10", "title": "北エリア子育て連絡会"}]
    assert [role["task"] for role in shown["roles"]] == ["チラシを配る"]
    assert shown["review_dates"] == ["2027-03-01"]
    with live.app.app_context():
        assert db.session.query(LocalIssueEvent).count() == 2


def test_a_ward_officer_reads_the_issue_but_has_no_form(live, page, axe_violations):
    raise_by_api(live, QUIET_PLAY)
    with live.app.app_context():
        ward = db.session.query(Ward).filter_by(code="14101").one()
        db.session.add(User(login="officer", display_name="くやくしょ", role="ward_officer",
                            ward_id=ward.id, password_hash=hash_password(PASSWORD)))
        db.session.commit()
    sign_in(page, live, "officer", PC)
    page.get_by_role("button", name="デスク").click()
    page.locator("#desk-switch").get_by_role("button", name="地域の課題").click()
    page.locator("#desk-issue-list .desk-row").click()
    detail = page.locator("#desk-issue-detail")
    expect(detail.locator("h3")).to_have_text(QUIET_PLAY)
    assert detail.locator("form").count() == 0
    page.locator("#tabs").get_by_role("button", name="地域").click()
    expect(page.locator("#issues-board li")).to_contain_text(QUIET_PLAY)
    expect(page.locator("#local-issue-form")).to_contain_text("課題を書ける施設がありません")
    assert axe_violations(page) == []
    # What was kept to read offline goes with the records when another person signs in.
    kept = """async () => (await import('/js/local-issues.js')).keptBoard('14101')"""
    assert page.evaluate(kept) is not None
    page.evaluate("async () => (await import('/js/db.js')).dropReplica()")
    assert page.evaluate(kept) is None


SYNC_NOW_JS = "async () => { await (await import('/js/sync.js')).syncNow(); }"


def noted_reads(page) -> list[str]:
    """The reads of the meetings and the issues board the page makes from now on."""
    reads = []

    def note(request):
        if request.method == "GET" and re.search(r"/api/wards/\d+/(meetings|local-issues)$",
                                                 request.url):
            reads.append(request.url.rsplit("/", 1)[1])

    page.on("request", note)
    return reads


def test_syncs_read_the_board_and_meetings_again_only_when_an_issue_went_or_when_due(
        live, page):
    from .test_volunteer_offline import open_session, plus

    page.clock.install()
    reads = noted_reads(page)
    sign_in(page, live, "yamada")
    page.evaluate(SYNC_NOW_JS)  # the first sync after sign-in has read both
    assert {"meetings", "local-issues"} <= set(reads)

    # A volunteer with signal syncs after every few taps: the copies are fresh.
    reads.clear()
    open_session(page, "2026-11-21")
    plus(page, "保護者", 2)
    page.evaluate(SYNC_NOW_JS)
    expect(page.locator("#sync-pending")).to_have_text("すべて送信済み", timeout=15_000)
    page.evaluate(SYNC_NOW_JS)
    assert reads == []

    # An issue raised must reach the board kept on the phone: the board alone is read.
    # (The tab reads both afresh when it opens.)
    with page.expect_response(re.compile(r"/meetings$")), \
            page.expect_response(re.compile(r"/local-issues$")):
        page.locator("#tabs").get_by_role("button", name="地域").click()
    reads.clear()
    page.get_by_label("気になっていること").fill(QUIET_PLAY)
    page.get_by_role("button", name="書いて送る").click()
    page.evaluate(SYNC_NOW_JS)
    expect(page.locator("#issues-board li:not(.mine)")).to_contain_text(QUIET_PLAY,
                                                                        timeout=15_000)
    assert reads == ["local-issues"]

    # Ten minutes on, the next sync reads both again.
    reads.clear()
    page.clock.fast_forward("10:01")
    page.evaluate(SYNC_NOW_JS)
    assert sorted(set(reads)) == ["local-issues", "meetings"]


def test_a_new_sign_in_reads_afresh_and_a_failed_board_read_is_owed(live, page):
    reads = noted_reads(page)
    sign_in(page, live, "yamada")
    page.evaluate(SYNC_NOW_JS)
    # Signing out drops the kept copies: signing in again within 10 minutes reads both.
    page.get_by_role("button", name="設定").click()
    page.get_by_role("button", name="サインアウト").click()
    expect(page.locator("#signin-view")).to_be_visible()
    reads.clear()
    # On the same page, as a person would: the app's memory of its last reads stays.
    page.get_by_label("ログイン名").fill("yamada")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインインする").click()
    expect(page.locator("#tabs")).to_be_visible()
    page.evaluate(SYNC_NOW_JS)
    assert {"meetings", "local-issues"} <= set(reads)

    # The board read after an issue was sent failed: the next sync reads it, though it
    # sends nothing and the copy is not 10 minutes old.
    page.locator("#tabs").get_by_role("button", name="地域").click()
    page.evaluate(SYNC_NOW_JS)
    page.route(re.compile(r".*/local-issues$"), lambda route: route.abort())
    page.get_by_label("気になっていること").fill(QUIET_PLAY)
    page.get_by_role("button", name="書いて送る").click()
    page.evaluate(SYNC_NOW_JS)
    wait_until_outbox_empty(page)
    page.unroute(re.compile(r".*/local-issues$"))
    reads.clear()
    page.evaluate(SYNC_NOW_JS)
    assert reads == ["local-issues"]
    expect(page.locator("#issues-board li:not(.mine)")).to_contain_text(QUIET_PLAY)
