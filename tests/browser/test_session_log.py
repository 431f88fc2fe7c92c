"""The session log screen as a volunteer meets it in the field, on a 360 px phone: what
it reopens on, what the worry button counts into and what its undo leaves, a note too
long for the server, where messages and the undo button sit, the storage warning."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_volunteer_offline import plus, shown, visits_on_server, wait_until_sent

pytestmark = pytest.mark.browser

TODAY_JS = "async () => (await import('/js/staging.js')).localDate()"

# A browser that will not keep this site's storage, and (when asked) one that offers to
# install the app: the two things the storage warning depends on.
STORAGE_REFUSED_JS = """
Object.defineProperty(navigator, 'storage', { configurable: true, value: {
  persisted: async () => false, persist: async () => false, estimate: async () => ({}) } });
"""
OFFER_INSTALL_JS = """() => {
  window.__prompted = 0;
  const offer = new Event('beforeinstallprompt', { cancelable: true });
  offer.prompt = async () => { window.__prompted += 1; };
  offer.userChoice = Promise.resolve({ outcome: 'dismissed' });
  dispatchEvent(offer);
}"""


def box(page, selector):
    return page.locator(selector).bounding_box()


def overlap(a, b):
    """Whether two bounding boxes share any area."""
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def in_view(page, b):
    return b["y"] >= 0 and b["y"] + b["height"] <= page.viewport_size["height"]


def choose(page, date, session="day"):
    page.locator("#log-date").fill(date)
    page.locator("#log-session").select_option(session)
    expect(page.locator("#log-form")).to_have_attribute(
        "data-record", re.compile(f":{date}:{session}$"))


def test_an_over_long_note_stays_on_the_phone_and_the_counts_still_reach_the_server(
        live, page, context, signed_in, tmp_path):
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-view")).to_be_visible()
    context.set_offline(True)
    choose(page, "2026-11-21")
    notes = page.get_by_label("メモ")
    notes.fill("あ" * 2001)
    notes.blur()
    expect(page.locator("#notes-count")).to_contain_text("2000 文字までです")
    expect(notes).to_have_attribute("aria-invalid", "true")
    plus(page, "保護者", 2)
    page.screenshot(path=str(tmp_path / "log-note-too-long.png"))

    context.set_offline(False)
    wait_until_sent(page)
    (record,) = visits_on_server(live).values()
    assert record["parents"] == 2
    assert not record.get("notes")  # never sent while too long
    expect(page.locator("#sync-problem")).to_be_hidden()
    assert notes.input_value() == "あ" * 2001  # still on the phone
    page.get_by_role("button", name="わたしの記録").click()
    expect(page.locator("#entry-list li[data-state=waiting]")).to_have_count(1)
    page.get_by_role("button", name="記録する").click()

    notes.fill("😀" * 2000)  # counted as the server counts: characters, not UTF-16 units
    expect(page.locator("#notes-count")).to_have_text("2000 / 2000 文字")
    expect(notes).to_have_attribute("aria-invalid", "false")
    notes.fill("あ" * 2000)  # shortened: now it goes
    notes.blur()
    expect(page.locator("#notes-count")).to_have_text("2000 / 2000 文字")
    page.get_by_role("button", name="今すぐ送る").click()
    wait_until_sent(page)
    (record,) = visits_on_server(live).values()
    assert record["notes"] == "あ" * 2000
    assert record["parents"] == 2


def test_a_note_and_counts_go_in_separate_ops_so_a_refused_note_never_takes_counts(
        live, page, context, signed_in):
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-view")).to_be_visible()
    context.set_offline(True)
    choose(page, "2026-11-22")
    plus(page, "保護者")
    page.get_by_label("メモ").fill("園庭開放の案内")
    page.get_by_label("メモ").blur()
    plus(page, "父親")
    expect(shown(page, "fathers")).to_have_text("1")
    ops = page.evaluate("""async () => {
      const db = await import('/js/db.js');
      return (await db.outboxOf((await db.getSession()).user.id)).map((item) => item.op.changes);
    }""")
    assert len(ops) == 2
    counts, note = sorted(ops, key=lambda changes: "notes" in changes)
    assert counts["parents"] == 1 and counts["fathers"] == 1 and "notes" not in counts
    assert note["notes"] == "園庭開放の案内" and "parents" not in note
    # Either may reach the server first, so each states what the record's id names.
    assert all(changes["session_date"] == "2026-11-22" for changes in ops)


def test_undoing_the_worry_button_on_a_new_session_leaves_no_record_on_the_server(
        live, page, context, signed_in):
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-view")).to_be_visible()
    context.set_offline(True)
    choose(page, "2026-11-26")
    page.get_by_role("button", name="心配なことがある").click()
    page.get_by_role("dialog").get_by_role("button", name="閉じる").click()
    page.get_by_role("button", name="ひとつ戻す").click()
    expect(page.locator("#status")).to_have_text("区につないだ を1つ戻しました")
    expect(page.locator("#sync-pending")).to_have_text("すべて送信済み")

    context.set_offline(False)
    page.get_by_role("button", name="今すぐ送る").click()
    wait_until_sent(page)
    assert visits_on_server(live) == {}

    # Once the first op has left the phone the record exists, and the undo is sent.
    page.get_by_role("button", name="心配なことがある").click()
    page.get_by_role("dialog").get_by_role("button", name="閉じる").click()
    wait_until_sent(page)
    assert [r["connected_to_ward_count"] for r in visits_on_server(live).values()] == [1]
    page.get_by_role("button", name="ひとつ戻す").click()
    expect(page.locator("#sync-pending")).to_have_text("未送信 1件")
    wait_until_sent(page)
    assert [r["connected_to_ward_count"] for r in visits_on_server(live).values()] == [0]


def test_reopening_shows_the_session_last_counted_and_the_worry_button_counts_there(
        live, page, context, signed_in, worker_activated, tmp_path):
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-view")).to_be_visible()
    worker_activated(page)
    today = page.evaluate(TODAY_JS)
    context.set_offline(True)
    choose(page, today, "pm")
    plus(page, "保護者", 3)
    expect(page.locator("#status")).to_have_text("端末に保存しました。電波がつながったら送ります。")
    page.screenshot(path=str(tmp_path / "log-saved-offline.png"))

    page.close()
    again = context.new_page()
    again.goto(live.url + "/")
    again.evaluate("window.app.ready")
    expect(again.locator("#log-form")).to_have_attribute("data-record",
                                                         re.compile(f":{today}:pm$"))
    expect(again.locator("#log-session")).to_have_value("pm")
    expect(shown(again, "parents")).to_have_text("3")
    again.get_by_role("button", name="心配なことがある").click()
    dialog = again.get_by_role("dialog")
    expect(dialog).to_contain_text("午後")
    dialog.get_by_role("button", name="閉じる").click()

    context.set_offline(False)
    wait_until_sent(again)
    records = visits_on_server(live)
    assert [record_id.split(":", 1)[1] for record_id in records] == [f"{today}:pm"]
    (record,) = records.values()
    assert (record["parents"], record["connected_to_ward_count"]) == (3, 1)


def test_reopening_on_a_later_day_opens_today_and_offers_the_last_session(
        live, page, context, signed_in, worker_activated, axe_violations, tmp_path):
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-view")).to_be_visible()
    worker_activated(page)
    today = page.evaluate(TODAY_JS)
    context.set_offline(True)
    choose(page, "2026-11-03", "am")
    plus(page, "保護者", 4)
    expect(shown(page, "parents")).to_have_text("4")

    page.close()
    again = context.new_page()
    again.goto(live.url + "/")
    again.evaluate("window.app.ready")
    # Another day's session is not where today's families should be counted.
    expect(again.locator("#log-form")).to_have_attribute("data-record",
                                                         re.compile(f":{today}:am$"))
    earlier = again.locator("#log-earlier")
    expect(earlier).to_be_visible()
    expect(earlier).to_contain_text("午前")
    again.screenshot(path=str(tmp_path / "log-earlier.png"))
    assert axe_violations(again) == []
    earlier.get_by_role("button", name="前回の記録を開く").click()
    expect(again.locator("#log-form")).to_have_attribute("data-record",
                                                         re.compile(":2026-11-03:am$"))
    expect(shown(again, "parents")).to_have_text("4")
    expect(earlier).to_be_hidden()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_undo_bar_covers_neither_the_session_picker_nor_the_last_lines(
        live, page, signed_in, tmp_path, language):
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-form")).to_have_attribute("data-record", re.compile(":day$"))
    if language == "en":
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", name="Session log")).to_be_visible()
    expect(page.locator("#sync-pending")).to_have_text(
        "すべて送信済み" if language == "ja" else "All sent", timeout=15_000)
    undo = box(page, ".undo-bar")
    assert in_view(page, undo)
    for picker in ("#log-site", "#log-date", "#log-session"):
        assert not overlap(box(page, picker), undo), picker
        assert in_view(page, box(page, picker)), picker
    page.screenshot(path=str(tmp_path / f"log-top-{language}.png"))

    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_timeout(100)
    last = box(page, "#worry-hint")
    assert last["y"] + last["height"] <= box(page, ".undo-bar")["y"]
    page.screenshot(path=str(tmp_path / f"log-bottom-{language}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_message_shows_next_to_the_undo_button_just_tapped(live, page, signed_in, tmp_path):
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-form")).to_have_attribute("data-record", re.compile(":day$"))
    page.get_by_label("相談の内容").scroll_into_view_if_needed()
    page.get_by_role("button", name="ひとつ戻す").click()
    status = page.locator("#status")
    expect(status).to_have_text("戻せる操作はありません")
    message, undo = status.bounding_box(), box(page, ".undo-bar")
    assert in_view(page, message)
    assert message["y"] + message["height"] <= undo["y"] + 1
    assert undo["y"] - (message["y"] + message["height"]) < 48  # right above it
    page.screenshot(path=str(tmp_path / "log-status.png"))


def test_the_message_shown_follows_a_switch_of_language(live, page, signed_in):
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-form")).to_have_attribute("data-record", re.compile(":day$"))
    plus(page, "祖父母")
    page.get_by_role("button", name="ひとつ戻す").click()
    expect(page.locator("#status")).to_have_text("祖父母 を1つ戻しました")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Session log")).to_be_visible()
    expect(page.locator("#status")).to_have_text("Took one back from Grandparents")


def test_the_storage_warning_says_what_helps_and_shows_once(live, page, context, signed_in,
                                                           tmp_path):
    context.add_init_script(STORAGE_REFUSED_JS)
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-form")).to_have_attribute("data-record", re.compile(":day$"))
    page.evaluate(OFFER_INSTALL_JS)
    wait_until_sent(page)
    warning = page.locator("#storage-warning")
    expect(warning).to_be_hidden()  # nothing at risk yet
    context.set_offline(True)
    plus(page, "保護者")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("ホーム画面に追加")
    page.screenshot(path=str(tmp_path / "log-storage-warning.png"))
    warning.get_by_role("button", name="ホーム画面に追加する").click()
    assert page.evaluate("window.__prompted") == 1
    warning.get_by_role("button", name="わかりました").click()
    expect(warning).to_be_hidden()

    context.set_offline(False)
    wait_until_sent(page)
    context.set_offline(True)
    plus(page, "保護者")
    expect(page.locator("#sync-pending")).to_have_text("未送信 1件")
    expect(warning).to_be_hidden()  # once, not at every change
    context.set_offline(False)
    page.reload()
    page.evaluate("window.app.ready")
    wait_until_sent(page)
    context.set_offline(True)
    plus(page, "保護者")
    expect(page.locator("#sync-pending")).to_have_text("未送信 1件")
    page.wait_for_timeout(300)
    expect(warning).to_be_hidden()  # nor after reopening


def test_on_an_iphone_the_storage_warning_says_how_to_add_the_app_to_the_home_screen(
        live, browser, signed_in):
    iphone = browser.new_context(viewport={"width": 360, "height": 740}, locale="ja-JP",
                                 user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)"
                                 " AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0"
                                 " Mobile/15E148 Safari/604.1")
    iphone.add_init_script(STORAGE_REFUSED_JS)
    page = iphone.new_page()
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-form")).to_have_attribute("data-record", re.compile(":day$"))
    wait_until_sent(page)
    iphone.set_offline(True)
    plus(page, "保護者")
    warning = page.locator("#storage-warning")
    expect(warning).to_contain_text("共有ボタンから「ホーム画面に追加」")
    expect(warning.get_by_role("button", name="ホーム画面に追加する")).to_be_hidden()
    iphone.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_log_screen_with_its_messages_has_no_serious_accessibility_problems(
        live, page, context, signed_in, axe_violations, language, tmp_path):
    context.add_init_script(STORAGE_REFUSED_JS)
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-form")).to_have_attribute("data-record", re.compile(":day$"))
    if language == "en":
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", name="Session log")).to_be_visible()
    expect(page.locator("#sync-pending")).to_have_text(
        "すべて送信済み" if language == "ja" else "All sent", timeout=15_000)
    context.set_offline(True)
    page.get_by_role("button", name="保護者を1増やす" if language == "ja"
                     else "Add one to Parents").click()
    expect(page.locator("#storage-warning")).to_be_visible()
    # No install offered here: the one thing that helps is sending where there is signal.
    expect(page.locator("#storage-warning")).to_contain_text(
        "今すぐ送る" if language == "ja" else "Send now")
    expect(page.locator("#status")).not_to_be_empty()
    page.get_by_label("メモ" if language == "ja" else "Notes").fill("あ" * 2001)
    page.screenshot(path=str(tmp_path / f"log-{language}.png"))
    assert axe_violations(page) == []
    page.get_by_role("button", name="心配なことがある" if language == "ja"
                     else "I am worried about a family").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.screenshot(path=str(tmp_path / f"log-worry-{language}.png"))
    assert axe_violations(page) == []


def test_a_wish_ticked_while_the_screen_redraws_stays_ticked(live, page, signed_in):
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-form")).to_have_attribute("data-record", re.compile(":day$"))
    wait_until_sent(page)
    box = page.locator("#log-needs input[value=outdoor_play]")
    # A redraw is under way (sync just reported) when the tick lands: it must not undo it.
    page.evaluate("""async () => {
      await (await import('/js/sync.js')).refreshCounts();
      document.querySelector('#log-needs input[value=outdoor_play]').click();
    }""")
    expect(box).to_be_checked()
    page.wait_for_timeout(300)
    expect(box).to_be_checked()
    wait_until_sent(page)
    (record,) = visits_on_server(live).values()
    assert record["needs"] == ["outdoor_play"]
