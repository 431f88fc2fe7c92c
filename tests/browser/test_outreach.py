"""Outreach records (アウトリーチ記録) in real Chromium: a nursery teacher and a public
health nurse who went together record one visit offline on two phones, and the server holds
one record with both parts."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.accounts.auth import hash_password
from server.accounts.models import Membership, User
from server.directory.models import Site
from server.extensions import db

pytestmark = pytest.mark.browser

DATE = "2026-11-30"
PASSWORD = "correct horse battery"  # as in conftest
PC = {"width": 1280, "height": 800}


@pytest.fixture
def nurse(live):
    """A second member of the nursery's staff (a public health nurse who went along)."""
    with live.app.app_context():
        tanaka = db.session.scalar(select(User).where(User.login == "tanaka"))
        nursery = db.session.scalar(select(Site).where(Site.name == "ひまわり保育園"))
        db.session.add(User(login="suzuki", display_name="すずき", role="site_staff",
                            ward_id=tanaka.ward_id, password_hash=hash_password(PASSWORD),
                            memberships=[Membership(site_id=nursery.id)]))
        db.session.commit()
    return "suzuki"


def hub_pull(live, collection):
    """What hub staff of the ward pull of ``collection``, by record id."""
    client = live.app.test_client()
    token = client.post("/api/auth/login", json={
        "login": "hub", "password": PASSWORD, "device_name": "test"}).get_json()["token"]
    page = client.get("/api/sync/pull?cursor=0&limit=500",
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    return {c["record_id"]: c["data"] for c in page["changes"] if c["collection"] == collection}


def open_outreach(page, date=DATE):
    page.get_by_role("button", name="アウトリーチ記録").click()
    expect(page.get_by_role("heading", name="アウトリーチ記録")).to_be_visible()
    page.get_by_label("訪問した日").fill(date)
    expect(page.locator("#outreach-form")).to_have_attribute(
        "data-record", re.compile(f":{date}:"))


def plus(page, label, times=1):
    button = page.get_by_role("button", name=f"{label}を1増やす")
    for _ in range(times):
        button.click()


def wait_until_sent(page):
    expect(page.locator("#sync-pending")).to_have_text("すべて送信済み", timeout=15_000)


def test_two_phones_that_went_together_make_one_record_with_both_parts(
        live, nurse, browser, signed_in, worker_activated):
    phones = []
    for login, role, parents, children, topics in (
            ("tanaka", "保育士（行った人）", 3, 4, ("発達", "遊び")),
            (nurse, "保健師（行った人）", 2, 2, ("発達", "睡眠"))):
        context = browser.new_context(viewport={"width": 360, "height": 740})
        page = context.new_page()
        signed_in(page, live.url, login)
        expect(page.locator("#log-view")).to_be_visible()
        worker_activated(page)
        context.set_offline(True)
        open_outreach(page)
        # Salons first: the place is the salon, the visiting site the user's own nursery.
        expect(page.get_by_label("訪問先").locator("option:checked")).to_have_text(
            "ひだまりサロン")
        expect(page.get_by_label("訪問した施設").locator("option:checked")).to_have_text(
            "ひまわり保育園")
        plus(page, role)
        plus(page, "保護者（会えた親子）", parents)
        plus(page, "子ども（会えた親子）", children)
        for topic in topics:
            page.get_by_label(topic, exact=True).check()
        expect(page.locator("#outreach-count-parents")).to_have_text(str(parents))
        expect(page.locator("#sync-pending")).to_have_text(re.compile("未送信"))
        phones.append((context, page))

    assert hub_pull(live, "outreach") == {}
    for context, page in phones:
        context.set_offline(False)
        wait_until_sent(page)

    ((record_id, record),) = hub_pull(live, "outreach").items()
    place, date, site = record_id.split(":")
    assert (record["place_site_id"], record["visit_date"], record["site_id"]) == (
        place, DATE, site)
    assert (record["went_nursery_teacher"], record["went_public_health_nurse"]) == (1, 1)
    assert (record["parents"], record["children"]) == (5, 6)
    assert sorted(record["topics"]) == ["development", "play", "sleep"]

    for _, page in phones:  # each phone shows the sum once it has pulled
        page.get_by_role("button", name="今すぐ送る").click()
        expect(page.locator("#outreach-count-parents")).to_have_text("5")
        expect(page.get_by_label("睡眠", exact=True)).to_be_checked()
    for context, _ in phones:
        context.close()

    # Hub staff on a PC see one record for the place and date, with both parts in it.
    desk = browser.new_context(viewport=PC, locale="ja-JP")
    page = desk.new_page()
    signed_in(page, live.url, "hub")
    page.get_by_role("button", name="デスク").click()
    expect(page.locator("#desk-view")).to_be_visible()
    rows = page.locator("#desk-log-list li[data-collection=outreach]")
    expect(rows).to_have_count(1)
    expect(rows).to_have_attribute("data-record-id", record_id)
    expect(rows).to_contain_text(f"{DATE} アウトリーチ記録")
    expect(rows).to_contain_text("ひまわり保育園 → ひだまりサロン")
    expect(rows).to_contain_text("保護者 5・子ども 6・行った人 2")
    rows.get_by_role("button").click()
    detail = page.locator("#desk-detail")
    expect(detail.locator("h4", has_text="だれが書いたか")).to_be_visible()
    fields = detail.locator("dl.desk-fields")
    expect(fields.locator("dt")).to_contain_text(["保育士（行った人）", "保健師（行った人）"])
    shown = dict(zip(fields.locator("dt").all_inner_texts(),
                     fields.locator("dd").all_inner_texts(), strict=True))
    assert (shown["保護者"], shown["子ども"]) == ("5", "6"), shown
    assert (shown["保育士（行った人）"], shown["保健師（行った人）"]) == ("1", "1"), shown
    assert sorted(shown["話題"].split("・")) == sorted(["発達", "遊び", "睡眠"]), shown
    parts = detail.locator("ul.desk-lines li")
    history = detail.locator("ol.desk-lines li")
    for name in ("たなか", "すずき"):  # the teacher's and the nurse's display names
        expect(parts.filter(has_text=name).first).to_be_visible()
        expect(history.filter(has_text=name)).to_have_count(1)
    # Each share of a counter is its author's: the teacher's 3 parents, the nurse's 2.
    expect(parts.filter(has_text="保護者: 3 — たなか")).to_have_count(1)
    expect(parts.filter(has_text="保護者: 2 — すずき")).to_have_count(1)
    # Who added each topic, in words (a part holds one tag: it showed as its code).
    for code, words in (("development", "発達"), ("play", "遊び"), ("sleep", "睡眠")):
        expect(parts.filter(has_text=f"話題: {code}")).to_have_count(0)
        expect(parts.filter(has_text=f"話題: {words}").first).to_be_visible()
    desk.close()


def test_my_entries_lists_outreach_with_its_state_and_the_note_as_text(
        live, page, context, signed_in):
    alerts = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    signed_in(page, live.url, "tanaka")
    expect(page.locator("#log-view")).to_be_visible()
    context.set_offline(True)
    open_outreach(page)
    plus(page, "保育士（行った人）")
    note = "<img src=x onerror=alert(1)>"
    page.get_by_label("訪問のようす").fill(note)
    page.get_by_label("訪問のようす").blur()
    page.get_by_label("約束したこと").fill("来月また一緒に行く")
    page.get_by_label("約束したこと").blur()
    page.get_by_label("フォローする施設").select_option(label="ひまわり保育園")
    page.get_by_label("いつまでに").fill("2026-12-15")

    page.get_by_role("button", name="わたしの記録").click()
    item = page.locator("#entry-list li[data-collection=outreach]")
    expect(item).to_have_attribute("data-state", "waiting")
    expect(item).to_contain_text("アウトリーチ ひだまりサロン")
    expect(item).to_contain_text(note)
    assert page.locator("#entry-list img").count() == 0

    context.set_offline(False)
    expect(page.locator("#entry-list li[data-collection=outreach]")).to_have_attribute(
        "data-state", "sent", timeout=15_000)
    (record,) = hub_pull(live, "outreach").values()
    assert record["summary"] == note
    assert (record["follow_up"], record["follow_up_by"]) == ("来月また一緒に行く", "2026-12-15")
    assert record["follow_up_site_id"] == record["site_id"]
    assert alerts == []

    # 「開いて直す」 opens it in the outreach form again.
    item.get_by_role("button", name="開いて直す").click()
    expect(page.locator("#outreach-mode")).to_be_visible()
    expect(page.get_by_label("訪問のようす")).to_have_value(note)


def test_a_rejected_outreach_entry_goes_again_once_fixed(live, page, signed_in):
    signed_in(page, live.url, "tanaka")
    open_outreach(page)
    plus(page, "保護者（会えた親子）", 2)
    page.get_by_label("約束したこと").fill("あ" * 301)
    page.get_by_label("約束したこと").blur()
    expect(page.locator("#outreach-follow-up-count")).to_contain_text("300 文字までです")
    expect(page.locator("#sync-problem")).to_contain_text("受け付けられませんでした",
                                                          timeout=15_000)
    page.get_by_role("button", name="わたしの記録").click()
    item = page.locator("#entry-list li[data-state=rejected]")
    # Worded on the phone from the codes: the server's English message never shows.
    expect(item).not_to_contain_text("must be at most")
    item.get_by_role("button", name="開いて直す").click()
    page.get_by_label("約束したこと").fill("来月また行く")
    page.get_by_label("約束したこと").blur()
    page.get_by_role("button", name="わたしの記録").click()
    page.locator("#entry-list li[data-state=rejected]").get_by_role(
        "button", name="もう一度送る").click()
    expect(page.locator("#entry-list li[data-state=sent]")).to_have_count(1, timeout=15_000)
    (record,) = hub_pull(live, "outreach").values()
    assert (record["follow_up"], record["parents"]) == ("来月また行く", 2)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_outreach_form_has_no_serious_accessibility_problems(live, page, signed_in,
                                                                 axe_violations, language):
    signed_in(page, live.url, "tanaka")
    expect(page.locator("#log-view")).to_be_visible()
    if language == "en":
        page.get_by_role("button", name="English").click()
        page.get_by_role("button", name="Outreach", exact=True).click()
        expect(page.get_by_role("heading", name="Outreach record")).to_be_visible()
        page.get_by_role("button", name="Add one to Nursery teacher (Who went)").click()
        page.get_by_label("Play", exact=True).check()
    else:
        open_outreach(page)
        plus(page, "保育士（行った人）")
        page.get_by_label("遊び", exact=True).check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe_violations(page) == []
