"""In real Chromium at phone size: sign in, pair a phone by QR link, revoke it, go offline."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_hub_pairs_a_phone_by_qr_link_and_revokes_it(live, page, browser, axe_violations,
                                                     signed_in, tmp_path):
    signed_in(page, live.url, "hub")
    page.get_by_role("button", name="設定").click()
    expect(page.locator("#who")).to_have_text("はやし")
    expect(page.locator("#devices-view")).to_be_visible()
    page.get_by_label("新しい端末をつなぐ人").select_option(label="やまだ（ボランティア）")
    page.get_by_role("button", name="QR コードを表示する").click()
    qr = page.locator("#pair-qr-image")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    pair_url = page.locator("#pair-qr-link").get_attribute("href")
    assert "#pair=" in pair_url
    assert axe_violations(page) == []
    page.screenshot(path=str(tmp_path / "hub-devices.png"), full_page=True)

    phone = browser.new_context(viewport={"width": 360, "height": 740})
    volunteer = phone.new_page()
    volunteer.goto(pair_url)
    volunteer.evaluate("window.app.ready")
    expect(volunteer.locator("#who")).to_have_text("やまだ")
    assert "#pair=" not in volunteer.url  # the one-time code leaves the address bar

    page.reload()
    page.evaluate("window.app.ready")
    page.get_by_role("button", name="設定").click()
    item = page.locator("#device-list li", has_text="やまだ")
    expect(item).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="利用停止").click()
    expect(page.locator("#device-list li", has_text="やまだ")).to_contain_text("停止済み")

    volunteer.reload()
    volunteer.evaluate("window.app.ready")
    expect(volunteer.locator("#status")).to_contain_text("この端末は利用停止されました")
    expect(volunteer.locator("#signin-view")).to_be_visible()
    assert axe_violations(volunteer) == []
    phone.close()


def test_a_used_pairing_link_says_so_kindly(live, page, browser, signed_in):
    signed_in(page, live.url, "hub")
    page.get_by_role("button", name="設定").click()
    page.get_by_label("新しい端末をつなぐ人").select_option(label="やまだ（ボランティア）")
    page.get_by_role("button", name="QR コードを表示する").click()
    expect(page.locator("#pair-qr-link")).to_have_attribute("href", re.compile("#pair="))
    pair_url = page.locator("#pair-qr-link").get_attribute("href")
    for expected in ("やまだ", None):
        context = browser.new_context()
        phone = context.new_page()
        phone.goto(pair_url)
        phone.evaluate("window.app.ready")
        if expected:
            expect(phone.locator("#who")).to_have_text(expected)
        else:
            expect(phone.locator("#status")).to_contain_text("このコードはもう使われました")
            expect(phone.locator("#signin-view")).to_be_visible()
        context.close()


def test_english_is_one_tap_away_and_remembered(live, page):
    page.goto(live.url + "/")
    page.evaluate("window.app.ready")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.reload()
    page.evaluate("window.app.ready")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_app_shell_opens_with_no_signal(live, page, context, axe_violations,
                                          worker_activated):
    page.goto(live.url + "/")
    assert worker_activated(page) == "activated"
    page.reload()
    context.set_offline(True)
    response = page.reload()
    assert response.from_service_worker
    page.evaluate("window.app.ready")
    expect(page.get_by_role("heading", name="サインイン")).to_be_visible()
    assert axe_violations(page) == []


def test_pages_send_a_strict_content_security_policy(live, page):
    response = page.goto(live.url + "/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
