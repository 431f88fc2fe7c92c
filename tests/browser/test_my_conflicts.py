"""The author of a note that lost to another volunteer's concurrent edit sees it on the
phone, with both texts, and settles it there; the hub then finds it settled."""

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from server.extensions import db
from server.hub.models import AuditEntry
from server.replication.models import SyncConflict, SyncRecord

from .test_volunteer_offline import open_session, wait_until_sent

pytestmark = pytest.mark.browser


def server_state(live) -> tuple[str, int, list[str]]:
    """The session's note on the server, its open conflicts, and the audit log's actions."""
    with live.app.app_context():
        (record,) = db.session.scalars(select(SyncRecord).where(
            SyncRecord.collection == "visit")).all()
        open_conflicts = db.session.scalar(select(func.count()).select_from(SyncConflict))
        actions = list(db.session.scalars(select(AuditEntry.action)))
        return json.loads(record.data_json)["notes"], open_conflicts, actions


def phone(browser, live, signed_in, worker_activated, login):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ja-JP")
    page = context.new_page()
    signed_in(page, live.url, login)
    expect(page.locator("#log-view")).to_be_visible()
    worker_activated(page)
    return context, page


def write_note(page, text):
    page.get_by_label("メモ").fill(text)
    page.get_by_label("メモ").blur()


def test_the_losing_author_sees_both_notes_and_keeps_theirs(
        live, browser, signed_in, worker_activated, axe_violations, tmp_path):
    yamada_context, yamada = phone(browser, live, signed_in, worker_activated, "yamada")
    sato_context, sato = phone(browser, live, signed_in, worker_activated, "sato")
    # Both edit the same session's note with no signal; Sato writes later, so his wins.
    for context, page, text in ((yamada_context, yamada, "雨で少なめ。外遊びはなし"),
                                (sato_context, sato, "園庭で外遊びをした")):
        context.set_offline(True)
        open_session(page, "2026-11-20")
        write_note(page, text)
        expect(page.locator("#sync-pending")).to_have_text("未送信 1件")
    for context, page in ((yamada_context, yamada), (sato_context, sato)):
        context.set_offline(False)
        wait_until_sent(page)
    assert server_state(live)[:2] == ("園庭で外遊びをした", 1)

    # Yamada's phone had said 「送信済み」; now it says someone else changed the note.
    yamada.get_by_role("button", name="わたしの記録").click()
    yamada.get_by_role("button", name="今すぐ送る").click()
    item = yamada.locator("#entry-list li[data-state=conflict]")
    expect(item).to_be_visible(timeout=15_000)
    expect(item.locator(".badge.conflict").first).to_have_text("ほかの人が変更しました")
    expect(item).to_contain_text("メモが、ほかの人によって変更されました")
    expect(item.locator(".conflict-value.mine")).to_have_text("雨で少なめ。外遊びはなし")
    expect(item.locator(".conflict-value.theirs")).to_have_text("園庭で外遊びをした")
    assert yamada.evaluate("document.documentElement.scrollWidth") <= 360
    yamada.screenshot(path=str(tmp_path / "my-conflict-360.png"), full_page=True)
    assert axe_violations(yamada) == []
    yamada.get_by_role("button", name="English").click()
    yamada.get_by_role("button", name="My entries").click()
    expect(yamada.locator("#entry-list li[data-state=conflict]")).to_contain_text(
        "was changed by someone else")
    assert axe_violations(yamada) == []
    yamada.get_by_role("button", name="日本語").click()
    yamada.get_by_role("button", name="わたしの記録").click()

    # Settling needs the server: offline, the phone says so and keeps both texts.
    yamada_context.set_offline(True)
    item.get_by_role("button", name="わたしの内容にする").click()
    expect(item).to_contain_text("選ぶには電波が必要です")
    assert server_state(live)[:2] == ("園庭で外遊びをした", 1)

    yamada_context.set_offline(False)
    item.get_by_role("button", name="わたしの内容にする").click()
    expect(yamada.locator("#status")).to_have_text("メモを、あなたの内容にしました。")
    expect(yamada.locator("#entry-list li[data-state=conflict]")).to_have_count(0)
    expect(yamada.locator("#entry-list li[data-state=sent]")).to_have_count(1)
    note, open_conflicts, actions = server_state(live)
    assert (note, open_conflicts) == ("雨で少なめ。外遊びはなし", 0)
    assert actions == ["resolve"]  # the hub's audit log shows who settled it
    for context in (yamada_context, sato_context):
        context.close()


def test_the_winner_sees_no_conflict_and_the_loser_takes_the_other_text_on_another_phone(
        live, browser, signed_in, worker_activated):
    yamada_context, yamada = phone(browser, live, signed_in, worker_activated, "yamada")
    sato_context, sato = phone(browser, live, signed_in, worker_activated, "sato")
    for context, page, text in ((yamada_context, yamada, "はじめのメモ"),
                                (sato_context, sato, "あとのメモ")):
        context.set_offline(True)
        open_session(page, "2026-11-27")
        write_note(page, text)
    for context, page in ((yamada_context, yamada), (sato_context, sato)):
        context.set_offline(False)
        wait_until_sent(page)
    sato.get_by_role("button", name="わたしの記録").click()
    expect(sato.locator("#entry-list li[data-state=sent]")).to_have_count(1)
    expect(sato.locator("#entry-list li[data-state=conflict]")).to_have_count(0)

    # Yamada signs in on another phone, which holds no entry of that session: the
    # conflict is still hers to see and settle there.
    other_context, other = phone(browser, live, signed_in, worker_activated, "yamada")
    other.get_by_role("button", name="わたしの記録").click()
    item = other.locator("#entry-list li[data-state=conflict]")
    expect(item).to_contain_text("ひだまりサロン")
    expect(item.locator(".conflict-value.mine")).to_have_text("はじめのメモ")
    expect(item.locator(".conflict-value.theirs")).to_have_text("あとのメモ")
    item.get_by_role("button", name="ほかの人の内容にする").click()
    expect(other.locator("#status")).to_have_text("メモを、ほかの人の内容にしました。")
    expect(other.locator("#entry-list li[data-state=conflict]")).to_have_count(0)
    expect(other.locator("#entries-empty")).to_be_visible()
    assert server_state(live)[:2] == ("あとのメモ", 0)

    # Her first phone, which sent the losing note, shows the session's note as it now
    # is once it has pulled, not the text it typed.
    yamada.reload()
    expect(yamada.locator("#log-view")).to_be_visible()
    open_session(yamada, "2026-11-27")
    expect(yamada.get_by_label("メモ")).to_have_value("あとのメモ", timeout=15_000)
    for context in (yamada_context, sato_context, other_context):
        context.close()
