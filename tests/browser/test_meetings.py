"""Liaison meetings (連絡会) in real Chromium: a supporter who was not there reads a
meeting synced earlier with no signal; hub staff write and edit one on the desk and see
which sites the meetings never reach; the screens pass axe-core on a PC and a phone."""

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from server.accounts.auth import hash_password
from server.accounts.models import User
from server.directory.models import Area, Site, Ward
from server.extensions import db
from server.liaison import meetings
from server.liaison.models import LiaisonMeetingVersion
from server.timeutil import today_local

pytestmark = pytest.mark.browser

PC = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
HOSTILE = "<img src=x onerror=alert(1)>"

KEPT_JS = """async () => {
  const db = await import('/js/db.js');
  const session = await db.getSession();
  return (await db.getMeta(`offline:meetings:${session.user.id}`))?.meetings.length ?? null;
}"""


@pytest.fixture
def held(live):
    """北エリア's meeting (edited once) attended by the nursery, and the ward's meeting."""
    today = today_local()
    with live.app.app_context():
        ward = db.session.scalars(select(Ward).where(Ward.code == "14101")).one()
        area = Area(ward_id=ward.id, name="北エリア")
        db.session.add(area)
        db.session.commit()
        hub = db.session.scalars(select(User).where(User.login == "hub")).one()
        nursery = db.session.scalars(select(Site).where(Site.name == "ひまわり保育園")).one()
        base = {"site_ids": [nursery.id], "organisations": ["chief_child_commissioner"],
                "discussed": "", "decided_note": "", "looked_back": ""}
        meetings.create(ward, hub, {
            **base, "area_id": None, "held_on": today,
            "title": "区の子育て連絡会", "shared": "区の調査結果", "decided": []})
        first = meetings.create(ward, hub, {
            **base, "area_id": area.id, "held_on": today, "title": "北エリア子育て連絡会",
            "shared": f"各施設の予定を持ち寄った {HOSTILE}",
            "decided": [{"site_id": nursery.id, "organisation": None,
                         "task": "カレンダーを /calendar/14101 で公開する", "due_on": None}]})
        meetings.edit(first, ward, hub, {**meetings.edit_form(first),
                                         "looked_back": "保育園が初めて参加した"})


def wait_until_kept(page, count, seconds=15):
    # wait_for_function does not wait for a promise: poll the phone's store from here.
    for _ in range(seconds * 4):
        if page.evaluate(KEPT_JS) == count:
            return
        page.wait_for_timeout(250)
    pytest.fail(f"the phone did not keep {count} meetings within {seconds} s")


def open_community(page):
    page.locator('#tabs [data-view="community-view"]').click()
    expect(page.locator("#community-view")).to_be_visible()


def test_a_meeting_synced_earlier_opens_with_no_signal(live, page, context, held, signed_in,
                                                       worker_activated):
    page.set_viewport_size(PHONE)
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-view")).to_be_visible()
    # The sync after sign-in keeps the ward's meetings on the phone.
    wait_until_kept(page, 2)
    assert worker_activated(page) == "activated"

    context.set_offline(True)
    page.reload()
    page.evaluate("window.app.ready")
    open_community(page)
    expect(page.locator("#meetings-kept")).to_contain_text("保存した内容です")
    items = page.locator("#meetings-part details.meeting")
    expect(items).to_have_count(2)
    newest = items.first
    expect(newest.locator("summary")).to_contain_text("北エリア子育て連絡会（北エリア）")
    newest.locator("summary").click()
    expect(newest).to_contain_text(f"各施設の予定を持ち寄った {HOSTILE}")
    expect(newest.locator("img")).to_have_count(0)
    expect(newest).to_contain_text("参加: ひまわり保育園、主任児童委員")
    expect(newest).to_contain_text("保育園が初めて参加した")
    expect(newest.get_by_role("link", name="地域子育てカレンダー")).to_have_attribute(
        "href", "/calendar/14101")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    tabs = page.locator("#tabs")
    assert tabs.evaluate("(t) => t.scrollWidth <= t.clientWidth")


def open_desk_meetings(page, live, signed_in, size=PC):
    page.set_viewport_size(size)
    signed_in(page, live.url, "hub")
    page.get_by_role("button", name="デスク").click()
    page.locator("#desk-switch").get_by_role("button", name="連絡会").click()
    expect(page.locator("#desk-meetings")).to_be_visible()


def test_hub_staff_write_and_edit_a_meeting_and_see_the_sites_never_reached(
        live, page, held, signed_in):
    open_desk_meetings(page, live, signed_in)
    expect(page.locator("#desk-meeting-list > li")).to_have_count(2)
    attendance = page.locator("#desk-meeting-attendance")
    expect(attendance.locator("tr.meeting-rarely")).to_have_count(1)
    expect(attendance.locator("tr.meeting-rarely")).to_contain_text("ひだまりサロン")
    expect(attendance.locator("tr.meeting-rarely")).to_contain_text("0 / 1 一度も参加なし")

    page.get_by_role("button", name="連絡会を記録する").click()
    form = page.locator("#desk-meeting-form")
    title = f"臨時の連絡会 {uuid.uuid4().hex[:4]}"
    form.get_by_label("会の名前").fill(title)
    form.locator("summary", has_text="エリアなし").click()
    form.get_by_label("ひだまりサロン").check()
    form.get_by_label("保健師").check()
    form.get_by_label("共有したこと").fill("夏の予定")
    form.get_by_role("button", name="決めたことを足す").click()
    form.get_by_label("だれが").select_option(label="ひだまりサロン")
    form.get_by_label("何をする").fill("掲示板に貼る")
    form.get_by_role("button", name="保存する").click()
    expect(page.locator("#status")).to_have_text("連絡会の記録を保存しました。")
    expect(form).to_be_hidden()
    written = page.locator("#desk-meeting-list > li", has_text=title)
    expect(written).to_have_count(1)
    expect(attendance.locator("tr.meeting-rarely")).to_have_count(0)

    written.locator("summary").click()
    expect(written).to_contain_text("ひだまりサロン: 掲示板に貼る")
    written.get_by_role("button", name="書き直す").click()
    expect(form.get_by_label("共有したこと")).to_have_value("夏の予定")
    form.get_by_label("振り返り").fill("次は外遊びの会")
    form.get_by_role("button", name="保存する").click()
    expect(form).to_be_hidden()
    written = page.locator("#desk-meeting-list > li", has_text=title)
    written.locator("summary").click()
    expect(written).to_contain_text("次は外遊びの会")
    written.get_by_role("button", name="これまでの版（2）").click()
    versions = written.locator(".meeting-versions > li")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("第2版")
    expect(versions.first).to_contain_text("はやし")
    versions.nth(1).locator("summary").click()
    expect(versions.nth(1)).to_contain_text("夏の予定")
    expect(versions.nth(1)).not_to_contain_text("次は外遊びの会")
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LiaisonMeetingVersion)) == 5


@pytest.mark.parametrize("size", [PC, PHONE], ids=["pc", "phone"])
def test_the_meetings_screens_pass_axe_in_both_languages_without_sideways_scroll(
        live, page, held, signed_in, axe_violations, size, tmp_path):
    open_desk_meetings(page, live, signed_in, size)
    expect(page.locator("#desk-meeting-list > li")).to_have_count(2)
    page.locator("#desk-meeting-list summary").first.click()
    page.get_by_role("button", name="連絡会を記録する").click()
    expect(page.locator("#desk-meeting-form")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == [], ("desk", size)
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    for language in ("ja", "en"):
        if language == "en":
            page.get_by_role("button", name="English").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
        open_community(page)
        expect(page.locator("#meetings-part details.meeting")).to_have_count(2)
        page.locator("#meetings-part summary").first.click()
        expect(page.locator("#meetings-part")).to_contain_text(
            "Looking back" if language == "en" else "振り返り")
        page.wait_for_load_state("networkidle")
        assert axe_violations(page) == [], (language, size)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        # Every tab's label is whole (hub staff have seven tabs; English words are long).
        assert page.locator("#tabs").evaluate("""(tabs) => tabs.scrollWidth <= tabs.clientWidth
          && [...tabs.querySelectorAll('button:not([hidden])')].every(
            (tab) => tab.scrollWidth <= tab.clientWidth)"""), language
        page.screenshot(path=str(tmp_path / f"community-{language}-{size['width']}.png"),
                        full_page=True)


def test_a_ward_officer_reads_the_meetings_and_writes_nothing(live, page, held, signed_in):
    with live.app.app_context():
        ward = db.session.scalars(select(Ward).where(Ward.code == "14101")).one()
        db.session.add(User(login="officer", display_name="くやくしょ", role="ward_officer",
                            ward_id=ward.id, password_hash=hash_password("correct horse battery")))
        db.session.commit()
    page.set_viewport_size(PC)
    signed_in(page, live.url, "officer")
    page.get_by_role("button", name="デスク").click()
    page.locator("#desk-switch").get_by_role("button", name="連絡会").click()
    expect(page.locator("#desk-meeting-list > li")).to_have_count(2)
    expect(page.get_by_role("button", name="連絡会を記録する")).to_be_hidden()
    page.locator("#desk-meeting-list summary").first.click()
    edit = page.locator("#desk-meeting-list").get_by_role("button", name="書き直す")
    expect(edit).to_have_count(0)
