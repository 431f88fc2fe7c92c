"""The volunteer's phone in real Chromium: logging sessions with no signal, syncing by
itself, two phones adding up, rejected entries fixed, a lost sign-in, a revoked phone."""

import json
import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.accounts.models import Device, User
from server.extensions import db
from server.replication.models import SyncRecord

pytestmark = pytest.mark.browser

OUTBOX_JS = """async () => {
  const db = await import('/js/db.js');
  const session = await db.getSession();
  const userId = session ? session.user.id : await db.lastUserId();
  return (await db.outboxOf(userId)).length;
}"""

REPLICA_JS = """async () => (await import('/js/db.js')).replicaOf('visit')"""

# What an older version of the app queued for the open session: a note longer than the
# server takes, which today's app keeps on the phone instead. The server refuses it.
QUEUE_REFUSED_NOTE_JS = """async () => {
  const [db, staging, visits] = await Promise.all(
    ['/js/db.js', '/js/staging.js', '/js/visits.js'].map((path) => import(path)));
  const userId = (await db.getSession()).user.id;
  const [siteId, date] = ['log-site', 'log-date'].map((id) => document.getElementById(id).value);
  const entry = await visits.openEntry(userId, siteId, date, 'day');
  await staging.stageStating(entry, { notes: 'あ'.repeat(2100) },
    { site_id: siteId, session_date: date, session: 'day' });
}"""


def visits_on_server(live) -> dict[str, dict]:
    with live.app.app_context():
        rows = db.session.scalars(select(SyncRecord).where(SyncRecord.collection == "visit"))
        return {row.record_id: json.loads(row.data_json) for row in rows}


def plus(page, label, times=1):
    button = page.get_by_role("button", name=f"{label}を1増やす")
    for _ in range(times):
        button.click()


def shown(page, field):
    return page.locator(f"#count-{field}")


def open_session(page, date):
    page.get_by_label("日付").fill(date)
    expect(page.locator("#log-form")).to_have_attribute("data-record", re.compile(f":{date}:day$"))


def wait_until_outbox_empty(page, seconds=15):
    # Polled from here: wait_for_function takes an async predicate's promise for "true".
    deadline = time.monotonic() + seconds
    while page.evaluate(OUTBOX_JS):
        assert time.monotonic() < deadline, "the outbox was never emptied"
        page.wait_for_timeout(100)


def wait_until_sent(page):
    expect(page.locator("#sync-bar")).to_be_visible(timeout=15_000)
    expect(page.locator("#sync-pending")).to_have_text("すべて送信済み", timeout=15_000)


def test_offline_install_log_reopen_and_sync_without_a_click(live, page, context, signed_in,
                                                             worker_activated, tmp_path):
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-view")).to_be_visible()
    assert worker_activated(page) == "activated"
    context.set_offline(True)
    page.reload()
    page.evaluate("window.app.ready")
    expect(page.locator("#log-view")).to_be_visible()  # the shell came from the cache

    for date, parents in (("2026-11-02", 1), ("2026-11-09", 2), ("2026-11-16", 3)):
        open_session(page, date)
        plus(page, "保護者", parents)
        plus(page, "子ども 1歳")
        expect(shown(page, "parents")).to_have_text(str(parents))
    expect(page.locator("#sync-pending")).to_have_text("未送信 3件")
    page.screenshot(path=str(tmp_path / "offline-log.png"), full_page=True)

    page.close()
    again = context.new_page()
    again.goto(live.url + "/")
    again.evaluate("window.app.ready")
    again.get_by_role("button", name="わたしの記録").click()
    items = again.locator("#entry-list li")
    expect(items).to_have_count(3)
    expect(again.locator("#entry-list li[data-state=waiting]")).to_have_count(3)
    assert visits_on_server(live) == {}

    context.set_offline(False)  # no click: the app notices the network and sends
    wait_until_sent(again)
    expect(again.locator("#entry-list li[data-state=sent]")).to_have_count(3)
    on_server = visits_on_server(live)
    site = next(iter(on_server)).split(":")[0]
    assert {record: data["parents"] for record, data in on_server.items()} == {
        f"{site}:2026-11-02:day": 1, f"{site}:2026-11-09:day": 2, f"{site}:2026-11-16:day": 3}
    assert all(data["children_1"] == 1 for data in on_server.values())

    # Sending again (a retry whose answer was lost) must not count twice.
    again.evaluate("async () => (await import('/js/sync.js')).syncNow()")
    assert visits_on_server(live) == on_server


def test_two_volunteers_count_one_session_offline_and_both_see_the_sum(live, browser,
                                                                       signed_in,
                                                                       worker_activated):
    phones = []
    for login, parents in (("yamada", 3), ("sato", 4)):
        context = browser.new_context(viewport={"width": 360, "height": 740})
        page = context.new_page()
        signed_in(page, live.url, login)
        expect(page.locator("#log-view")).to_be_visible()
        worker_activated(page)
        context.set_offline(True)
        open_session(page, "2026-11-20")
        plus(page, "保護者", parents)
        plus(page, "父親")
        phones.append((context, page))
    for context, page in phones:
        context.set_offline(False)
        wait_until_sent(page)
    (record,) = visits_on_server(live).values()
    assert (record["parents"], record["fathers"]) == (7, 2)
    for _, page in phones:
        page.get_by_role("button", name="今すぐ送る").click()
        expect(shown(page, "parents")).to_have_text("7")
        expect(shown(page, "fathers")).to_have_text("2")
    for context, _ in phones:
        context.close()


def test_a_sync_with_something_to_send_is_one_request_that_brings_the_pull_back(
        live, browser, signed_in):
    pages = {}
    for login in ("yamada", "sato"):
        context = browser.new_context(viewport={"width": 360, "height": 740})
        pages[login] = context.new_page()
        signed_in(pages[login], live.url, login)
        open_session(pages[login], "2026-11-20")
    plus(pages["sato"], "保護者", 4)
    wait_until_sent(pages["sato"])

    page, sent = pages["yamada"], []
    cursor = page.evaluate("async () => (await import('/js/db.js')).getMeta('cursor')")

    def note(request):
        if "/api/sync/" in request.url:
            sent.append(request)

    page.on("request", note)
    plus(page, "保護者", 3)
    # sato's 4 can only have come back with yamada's push: no pull was asked for.
    expect(shown(page, "parents")).to_have_text("7", timeout=15_000)
    page.remove_listener("request", note)
    # Each sync (the taps may go in one or two) is a push alone, asking for the pull.
    assert {(request.method, request.url.split("/api/sync/")[1]) for request in sent} == {
        ("POST", "push")}
    asked = [json.loads(request.post_data)["pull"] for request in sent]
    assert asked[0] == {"cursor": cursor, "limit": 500}
    assert all(ask["limit"] == 500 for ask in asked)
    for login in pages:
        pages[login].context.close()


def test_a_burst_of_taps_with_signal_goes_as_one_push(live, page, signed_in,
                                                      worker_activated):
    signed_in(page, live.url, "yamada")
    assert worker_activated(page) == "activated"  # Background Sync fires at once online
    open_session(page, "2026-11-20")
    page.evaluate("async () => { await (await import('/js/sync.js')).syncNow(); }")
    pushes = []

    def note(request):
        if request.method == "POST" and request.url.endswith("/api/sync/push"):
            pushes.append(json.loads(request.post_data)["ops"])

    page.on("request", note)
    plus(page, "保護者", 3)
    expect(shown(page, "parents")).to_have_text("3")
    wait_until_sent(page)
    wait_until_outbox_empty(page)
    page.remove_listener("request", note)
    # Before, the first tap went alone the moment Background Sync woke the app.
    assert [[op["changes"].get("parents") for op in ops] for ops in pushes] == [[3]]
    (record,) = visits_on_server(live).values()
    assert record["parents"] == 3


# A page asked from cursor 0 with the token of a sign-in that has ended meanwhile.
APPLY_AN_OLD_SIGN_INS_PAGE_JS = """async (token) => {
  const db = await import('/js/db.js');
  const change = { position: 7, collection: 'visit', record_id: '1:2026-11-20:day',
    version: 1, deleted: false, data: { parents: 1 } };
  return [await db.applyPulled([change], 7, 0, token), await db.replicaOf('visit')];
}"""


def test_a_page_that_arrives_after_signing_out_is_not_kept(live, page, signed_in):
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-view")).to_be_visible()
    token = page.evaluate("async () => (await (await import('/js/db.js')).getSession()).token")
    page.get_by_role("button", name="設定").click()
    page.get_by_role("button", name="サインアウト").click()
    expect(page.locator("#signin-view")).to_be_visible()
    # Signing out set the cursor back to 0, where the page was asked from: before, that
    # let the page in, and the records of nobody signed in stayed on the phone.
    assert page.evaluate(APPLY_AN_OLD_SIGN_INS_PAGE_JS, token) == [False, []]


def test_a_rejected_entry_shows_why_and_goes_again_once_fixed(live, page, signed_in):
    signed_in(page, live.url, "yamada")
    open_session(page, "2026-11-21")
    plus(page, "保護者", 2)
    # Typed text is never cut off on the phone; what is too long stays on it, unsent.
    page.get_by_label("メモ").fill("あ" * 2100)
    page.get_by_label("メモ").blur()
    expect(page.locator("#notes-count")).to_contain_text("2000 文字までです")
    wait_until_sent(page)
    page.evaluate(QUEUE_REFUSED_NOTE_JS)
    expect(page.locator("#sync-problem")).to_contain_text("受け付けられませんでした",
                                                          timeout=15_000)
    page.get_by_role("button", name="わたしの記録").click()
    item = page.locator("#entry-list li[data-state=rejected]")
    # Worded on the phone from the codes (reason, field, fault, limit): which field and
    # what to do, and the server's English message never shows.
    expect(item).to_contain_text("メモは 2000 文字までです。短くして、もう一度送ってください。")
    expect(item).not_to_contain_text("must be at most")

    item.get_by_role("button", name="開いて直す").click()
    page.get_by_label("メモ").fill("園庭開放の案内を渡した")
    page.get_by_label("メモ").blur()
    page.get_by_role("button", name="わたしの記録").click()
    page.locator("#entry-list li[data-state=rejected]").get_by_role(
        "button", name="もう一度送る").click()
    expect(page.locator("#entry-list li[data-state=sent]")).to_have_count(1, timeout=15_000)
    expect(page.locator("#sync-problem")).to_be_hidden()
    (record,) = visits_on_server(live).values()
    assert record["notes"] == "園庭開放の案内を渡した"
    assert record["parents"] == 2


# The list of "my entries" drew the rejected entry, then the user's fix of its note was
# saved (the log screen saves on blur, and the list may be drawn first), then the button
# drawn with the old copy was tapped.
RESEND_FROM_AN_OLD_DRAWING_JS = """async (fixed) => {
  const [db, staging, visits] = await Promise.all(
    ['/js/db.js', '/js/staging.js', '/js/visits.js'].map((path) => import(path)));
  const userId = (await db.getSession()).user.id;
  const drawn = (await visits.myEntries(userId)).find((mine) => mine.state === 'rejected');
  await visits.setNotes(await staging.stored(drawn.entry), fixed);
  await visits.resend(drawn.entry, drawn.rejected);
  return (await staging.stored(drawn.entry)).notes;
}"""


def test_a_resend_sends_the_fix_even_from_a_list_drawn_before_it(live, page, signed_in):
    signed_in(page, live.url, "yamada")
    open_session(page, "2026-11-21")
    plus(page, "保護者", 2)
    wait_until_sent(page)
    page.evaluate(QUEUE_REFUSED_NOTE_JS)
    expect(page.locator("#sync-problem")).to_contain_text("受け付けられませんでした",
                                                          timeout=15_000)
    # Before, the old copy's note (it held none of its own) was sent over the fix: the
    # user's corrected text was lost on the phone and on the server.
    fixed = "園庭開放の案内を渡した"
    assert page.evaluate(RESEND_FROM_AN_OLD_DRAWING_JS, fixed) == fixed
    wait_until_sent(page)
    page.get_by_role("button", name="わたしの記録").click()
    expect(page.locator("#entry-list li[data-state=sent]")).to_have_count(1, timeout=15_000)
    (record,) = visits_on_server(live).values()
    assert record["notes"] == fixed


def test_an_expired_sign_in_keeps_the_entries_and_sends_them_after_signing_in(
        live, page, context, signed_in):
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-view")).to_be_visible()
    context.set_offline(True)
    open_session(page, "2026-11-22")
    plus(page, "保護者", 5)
    with live.app.app_context():
        for device in db.session.scalars(select(Device)):
            device.expires_at = device.created_at
        db.session.commit()
    context.set_offline(False)
    expect(page.locator("#status")).to_contain_text("サインインの期限が切れました")
    expect(page.locator("#signin-view")).to_be_visible()
    assert page.evaluate(OUTBOX_JS) == 1
    assert visits_on_server(live) == {}

    page.get_by_label("ログイン名").fill("yamada")
    page.get_by_label("パスワード").fill("correct horse battery")
    page.get_by_role("button", name="サインインする").click()
    wait_until_sent(page)
    (record,) = visits_on_server(live).values()
    assert record["parents"] == 5


def test_a_revoked_phone_forgets_others_records_but_keeps_and_later_sends_its_own(
        live, page, context, signed_in):
    signed_in(page, live.url, "sato")
    open_session(page, "2026-11-23")
    plus(page, "保護者", 2)  # someone else's record, which this phone will pull
    wait_until_sent(page)
    page.get_by_role("button", name="設定").click()
    page.get_by_role("button", name="サインアウト").click()
    expect(page.locator("#signin-view")).to_be_visible()

    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-view")).to_be_visible()
    open_session(page, "2026-11-23")
    expect(shown(page, "parents")).to_have_text("2")  # sato's count, pulled
    assert len(page.evaluate(REPLICA_JS)) == 1
    context.set_offline(True)
    open_session(page, "2026-11-24")
    plus(page, "保護者", 3)
    with live.app.app_context():
        yamada = db.session.scalar(select(User).where(User.login == "yamada"))
        for device in db.session.scalars(select(Device).where(Device.user_id == yamada.id)):
            device.revoked_at = device.created_at
        db.session.commit()

    context.set_offline(False)
    expect(page.locator("#status")).to_contain_text("この端末は利用停止されました")
    assert page.evaluate(REPLICA_JS) == []
    assert page.evaluate(OUTBOX_JS) == 1
    assert set(visits_on_server(live)) == {next(iter(visits_on_server(live)))}

    page.get_by_label("ログイン名").fill("yamada")
    page.get_by_label("パスワード").fill("correct horse battery")
    page.get_by_role("button", name="サインインする").click()
    wait_until_sent(page)
    parents = sorted(data["parents"] for data in visits_on_server(live).values())
    assert parents == [2, 3]


def test_signing_out_warns_while_entries_are_unsent(live, page, context, signed_in):
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-view")).to_be_visible()
    context.set_offline(True)
    open_session(page, "2026-11-25")
    plus(page, "保護者")
    page.get_by_role("button", name="設定").click()
    with page.expect_event("dialog") as asked:
        # The question blocks the page until answered, so do not wait on the click.
        page.get_by_role("button", name="サインアウト").click(no_wait_after=True)
    assert "未送信の記録が 1件あります" in asked.value.message
    asked.value.dismiss()
    expect(page.locator("#settings-view")).to_be_visible()
    expect(page.locator("#sync-pending")).to_have_text("未送信 1件")


def test_worry_button_shows_the_ward_desk_and_records_only_the_connection(live, page,
                                                                         signed_in):
    signed_in(page, live.url, "yamada")
    open_session(page, "2026-11-26")
    page.get_by_role("button", name="心配なことがある").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("こども家庭支援課")
    expect(dialog.get_by_role("link", name="045-000-0000")).to_have_attribute(
        "href", "tel:0450000000")
    dialog.get_by_role("button", name="閉じる").click()
    wait_until_sent(page)
    (record,) = visits_on_server(live).values()
    assert record["connected_to_ward_count"] == 1
    assert not record.get("notes")


def test_undo_takes_back_the_last_tap_only(live, page, signed_in):
    signed_in(page, live.url, "yamada")
    open_session(page, "2026-11-27")
    plus(page, "保護者", 2)
    plus(page, "祖父母")
    expect(page.locator("#tally-live")).to_have_text("祖父母 1")
    page.get_by_role("button", name="ひとつ戻す").click()
    expect(shown(page, "grandparents")).to_have_text("0")
    expect(shown(page, "parents")).to_have_text("2")
    expect(page.locator("#tally-live")).to_have_text("祖父母 0")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_main_screens_have_no_serious_accessibility_problems(live, page, signed_in,
                                                             axe_violations, language):
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-view")).to_be_visible()
    if language == "en":
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", name="Session log")).to_be_visible()
    page.get_by_role("button", name="保護者を1増やす" if language == "ja"
                     else "Add one to Parents").click()
    for tab in (("記録する", "紹介する", "わたしの記録", "設定") if language == "ja"
                else ("Log", "Introduce", "My entries", "Settings")):
        page.get_by_role("button", name=tab, exact=True).click()
        assert axe_violations(page) == [], tab


def test_a_new_version_is_offered_and_loaded_on_request(live, page, signed_in, monkeypatch,
                                                       worker_activated):
    from server import pwa

    signed_in(page, live.url, "yamada")
    worker_activated(page)
    newer = pwa.service_worker_source().replace("const VERSION = ", "const VERSION = 'next-' + ")
    monkeypatch.setattr(pwa, "service_worker_source", lambda: newer)
    page.evaluate("navigator.serviceWorker.ready.then((reg) => reg.update())")
    banner = page.locator("#update-banner")
    expect(banner).to_contain_text("新しいバージョンがあります")
    with page.expect_event("load"):
        page.get_by_role("button", name="再読み込み").click()
    page.evaluate("window.app.ready")
    expect(page.locator("#update-banner")).to_be_hidden()
    (cache,) = page.evaluate("caches.keys()")
    assert cache.startswith("tsunagu-shell-next-")


def test_a_tap_made_after_a_lost_answer_still_counts(live, page, signed_in):
    signed_in(page, live.url, "yamada")
    open_session(page, "2026-11-29")
    lost = []

    def apply_but_lose_the_answer(route):
        route.fetch()  # the server applies the push…
        lost.append(route.request.url)
        route.abort()  # …and the answer never reaches the phone

    page.route("**/api/sync/push", apply_but_lose_the_answer, times=1)
    plus(page, "保護者", 3)
    for _ in range(100):
        if lost:
            break
        page.wait_for_timeout(100)
    assert lost and visits_on_server(live)
    plus(page, "保護者")  # a fourth family, while the phone does not know the first send went
    page.get_by_role("button", name="今すぐ送る").click()
    wait_until_sent(page)
    (record,) = visits_on_server(live).values()
    assert record["parents"] == 4
    expect(shown(page, "parents")).to_have_text("4")


def test_sent_entries_older_than_90_days_leave_the_phone(live, page, signed_in):
    signed_in(page, live.url, "yamada")
    for day in ("2026-01-05", "2026-11-20"):
        open_session(page, day)
        plus(page, "保護者")
    open_session(page, "2026-01-12")  # old, but refused by the server: it must stay
    page.evaluate(QUEUE_REFUSED_NOTE_JS)
    expect(page.locator("#sync-problem")).to_contain_text("受け付けられませんでした",
                                                          timeout=15_000)
    page.get_by_role("button", name="今すぐ送る").click()
    expect(page.locator("#sync-pending")).to_have_text("送れなかった記録 1件")
    dates = """async () => {
      const db = await import('/js/db.js');
      return (await db.listEntries((await db.getSession()).user.id)).map((e) => e.date).sort();
    }"""
    for _ in range(150):  # pruned at the end of the sync cycle the click started
        if "2026-01-05" not in page.evaluate(dates):
            break
        page.wait_for_timeout(100)
    assert page.evaluate(dates) == ["2026-01-12", "2026-11-20"]
    assert len(visits_on_server(live)) == 2
