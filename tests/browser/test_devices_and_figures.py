"""In real Chromium: a phone named after its platform, model and browser, and renamed by its
owner or by hub staff; a ward officer's home on the ward's card figures, which never push
the page sideways on a phone; the printed paper card, worded for the parent with lines to
write on. Screenshots of each screen at 360 px go to ``TSUNAGU_SHOTS`` when it is set."""

import json
import os
import time
import urllib.request
import uuid
from pathlib import Path

import pypdfium2
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.accounts.auth import hash_password
from server.accounts.models import Device, User
from server.directory.models import Site, Ward
from server.extensions import db
from sync.hlc import HLC

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"  # the live fixture's
PC = {"width": 1280, "height": 800}
# Chromium on a Pixel 7, as its client hints describe it.
PIXEL_HINTS = """(() => {
  const brands = [{ brand: 'Not/A)Brand', version: '8' }, { brand: 'Chromium', version: '126' },
    { brand: 'Google Chrome', version: '126' }];
  const data = { brands, mobile: true, platform: 'Android',
    getHighEntropyValues: async () => ({ brands, mobile: true, platform: 'Android',
      model: 'Pixel 7', platformVersion: '14.0.0' }) };
  Object.defineProperty(Navigator.prototype, 'userAgentData', { get: () => data });
})();"""
# Safari on an iPhone has no client hints at all.
NO_HINTS = "Object.defineProperty(Navigator.prototype, 'userAgentData', { get: () => undefined });"
IPHONE_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
LONG_NAMES = {"t:1": "さくら区地域子育て支援拠点サテライト こもれび（森の里ケアプラザ内）",
              "t:2": "認定こども園 ひかりこども園 子育てひろば「おひさまルーム」"}


def shot(page, name: str) -> None:
    folder = os.environ.get("TSUNAGU_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def api(live, method, path, token=None, body=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(live.url + path, data=data,
                                                       method=method, headers=headers)) as r:
        return json.load(r)


def token_of(live, login, device_name="test phone"):
    return api(live, "POST", "/api/auth/login", body={
        "login": login, "password": PASSWORD, "device_name": device_name})["token"]


def device_names(live, login) -> list[str]:
    with live.app.app_context():
        return list(db.session.scalars(select(Device.name).join(Device.user)
                                       .where(User.login == login).order_by(Device.id)))


def in_english(page):
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def assert_no_sideways_scroll(page, width=360):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


# --- naming a phone ---------------------------------------------------------------------------


def test_a_phone_is_named_from_its_platform_model_and_browser(live, page, signed_in):
    page.add_init_script(PIXEL_HINTS)
    signed_in(page, live.url, "yamada")
    expect(page.get_by_role("button", name="設定")).to_be_visible()
    assert device_names(live, "yamada") == ["Android（Pixel 7）・Chrome"]


def test_with_no_client_hints_the_user_agent_names_the_phone(live, browser):
    context = browser.new_context(user_agent=IPHONE_SAFARI, viewport={"width": 360, "height": 740},
                                  locale="ja-JP")
    page = context.new_page()
    page.add_init_script(NO_HINTS)
    page.goto(live.url + "/")
    page.evaluate("window.app.ready")
    page.get_by_label("ログイン名").fill("sato")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインインする").click()
    expect(page.get_by_role("button", name="設定")).to_be_visible()
    assert device_names(live, "sato") == ["iPhone・Safari"]
    context.close()


@pytest.mark.parametrize(("user_agent", "touch_points", "name"), [
    (IPHONE_SAFARI, 5, "iPhone・Safari"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Safari/605.1.15", 5, "iPad・Safari"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Safari/605.1.15", 0, "Mac・Safari"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1", 5, "iPhone・Chrome"),
    ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Mobile Safari/537.36", 5, "Android・Chrome"),
    ("Mozilla/5.0 (Linux; Android 13; SC-51C Build/TP1A.220624.014) AppleWebKit/537.36 (KHTML, "
     "like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36", 5,
     "Android（SC-51C）・Samsung Internet"),
    ("Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0", 5,
     "Android・Firefox"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", 0, "Windows・Edge"),
])
def test_the_user_agent_text_names_platform_model_and_browser(live, page, user_agent,
                                                              touch_points, name):
    page.goto(live.url + "/")
    named = page.evaluate("""async ([ua, touch]) => {
      const m = await import('/js/device-name.js');
      return [m.nameFromUserAgent(ua, touch),
              await m.deviceName({ userAgent: ua, maxTouchPoints: touch })];
    }""", [user_agent, touch_points])
    assert named == [name, name]


def test_a_volunteer_renames_this_phone_in_settings(live, page, signed_in, axe_violations):
    page.add_init_script(PIXEL_HINTS)
    signed_in(page, live.url, "yamada")
    page.get_by_role("button", name="設定").click()
    field = page.get_by_label("この端末の名前")
    expect(field).to_have_value("Android（Pixel 7）・Chrome")
    assert axe_violations(page) == []
    shot(page, "settings-device-name")
    field.fill("   ")
    page.get_by_role("button", name="名前を変える").click()
    expect(page.locator("#status")).to_have_text("名前は1〜80文字で入れてください。")
    field.fill("  仕事用の Pixel  ")
    page.get_by_role("button", name="名前を変える").click()
    expect(page.locator("#status")).to_have_text("端末の名前を「仕事用の Pixel」にしました。")
    assert device_names(live, "yamada") == ["仕事用の Pixel"]
    page.reload()
    page.evaluate("window.app.ready")
    page.get_by_role("button", name="設定").click()
    expect(page.get_by_label("この端末の名前")).to_have_value("仕事用の Pixel")
    assert_no_sideways_scroll(page)
    in_english(page)
    expect(page.get_by_label("Name of this device")).to_have_value("仕事用の Pixel")
    assert axe_violations(page) == []


def test_hub_staff_tell_a_persons_two_phones_apart_and_rename_one(live, page, signed_in,
                                                                  axe_violations):
    token_of(live, "yamada", "Android（Pixel 7）・Chrome")
    token_of(live, "yamada", "iPhone・Safari")
    signed_in(page, live.url, "hub")
    page.get_by_role("button", name="設定").click()
    phones = page.locator("#device-list li", has_text="やまだ")
    expect(phones).to_have_count(2)
    expect(phones.nth(0)).to_contain_text("iPhone・Safari")
    expect(phones.nth(1)).to_contain_text("Android（Pixel 7）・Chrome")
    expect(page.locator("#device-list li", has_text="はやし")).to_contain_text("この端末")
    phones.nth(0).get_by_role("button", name="名前を変える").click()
    assert axe_violations(page) == []
    shot(page, "hub-devices-rename")
    assert_no_sideways_scroll(page)
    page.get_by_label("「iPhone・Safari」の新しい名前").fill("やまださんの古い iPhone")
    page.get_by_role("button", name="保存する").click()
    expect(phones.nth(0)).to_contain_text("やまださんの古い iPhone")
    assert sorted(device_names(live, "yamada")) == ["Android（Pixel 7）・Chrome",
                                                    "やまださんの古い iPhone"]
    in_english(page)
    page.locator("#device-list li", has_text="Pixel").get_by_role("button", name="Rename").click()
    expect(page.get_by_label('New name for "Android（Pixel 7）・Chrome"')).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#device-list form")).to_have_count(0)
    page.set_viewport_size(PC)  # the hub's PC
    page.locator("#device-list li", has_text="Pixel").get_by_role("button", name="Rename").click()
    assert_no_sideways_scroll(page, PC["width"])
    assert axe_violations(page) == []


# --- the ward's figures ----------------------------------------------------------------------


@pytest.fixture
def ward_officer(live):
    with live.app.app_context():
        ward = db.session.query(Ward).filter_by(code="14101").one()
        db.session.add(User(login="officer", display_name="くやくしょ", role="ward_officer",
                            ward_id=ward.id, password_hash=hash_password(PASSWORD)))
        db.session.commit()
    return "officer"


@pytest.fixture
def cards_given(live):
    """Three cards from the salon to the nursery, one arrived, under the long names real
    sites have (the names that made the table 412 px wide)."""
    with live.app.app_context():
        sites = {}
        for key, name in LONG_NAMES.items():
            site = db.session.query(Site).filter_by(source_key=key).one()
            site.name = name
            sites[key] = site.id
        db.session.commit()
    token = token_of(live, "yamada")
    minted = api(live, "POST", "/api/cards/tokens", token, {"site_id": sites["t:1"], "count": 3})
    ops = []
    for n, card in enumerate(minted["tokens"]):
        ops.append({
            "op_id": str(uuid.uuid4()), "device_id": "phone-a", "user_id": "ignored",
            "collection": "card", "record_id": card["short_code"],
            "hlc": HLC(int(time.time() * 1000) - 60_000 + n, 0, "phone-a").format(),
            "base_version": None,
            "changes": {"status": "issued", "issued_on": "2026-11-28",
                        "issuing_site_id": str(sites["t:1"]), "target_site_id": str(sites["t:2"]),
                        "wishes": {"add": ["outdoor_play", "meet_many"]}}})
    results = api(live, "POST", "/api/sync/push", token, {"protocol": 1, "ops": ops})["results"]
    assert {r["status"] for r in results} == {"applied"}
    api(live, "POST", f"/api/cards/{minted['tokens'][0]['short_code']}/arrival",
        token_of(live, "tanaka"), {})


def test_a_ward_officer_lands_on_the_wards_card_figures(live, page, signed_in, ward_officer,
                                                       cards_given, axe_violations):
    signed_in(page, live.url, ward_officer)
    expect(page.locator("#figures-view")).to_be_visible()
    expect(page.get_by_role("button", name="数字", exact=True)).to_have_attribute(
        "aria-current", "page")
    expect(page.locator("#log-view")).to_be_hidden()
    for tab in ("記録する", "紹介する", "わたしの記録"):
        expect(page.locator("#tabs").get_by_role("button", name=tab, exact=True)).to_be_hidden()
    expect(page.get_by_text("記録できる場所がありません")).to_be_hidden()
    totals = page.get_by_role("region", name="区全体")
    # An arrived card counts as opened too.
    expect(totals.locator("td")).to_have_text(["3", "1", "1", "33%"])
    expect(page.get_by_role("region", name="紹介元と紹介先ごと")).to_contain_text(
        LONG_NAMES["t:2"])
    assert_no_sideways_scroll(page)
    assert axe_violations(page) == []
    shot(page, "ward-officer-figures")
    in_english(page)
    expect(page.get_by_role("region", name="Whole ward")).to_be_visible()
    assert_no_sideways_scroll(page)
    assert axe_violations(page) == []


def test_the_figures_scroll_in_their_own_region_on_a_phone_and_fit_a_pc(live, page, signed_in,
                                                                        cards_given,
                                                                        axe_violations):
    signed_in(page, live.url, "hub")
    page.get_by_role("button", name="数字", exact=True).click()
    pairs = page.get_by_role("region", name="紹介元と紹介先ごと")
    expect(pairs).to_contain_text(LONG_NAMES["t:1"])
    assert_no_sideways_scroll(page)
    # Were a table still too wide, it would scroll inside its region, which takes keyboard
    # focus so that it scrolls from a keyboard too.
    pairs.focus()
    expect(pairs).to_be_focused()
    assert axe_violations(page) == []
    shot(page, "hub-figures")
    in_english(page)
    expect(page.get_by_role("region", name="By where from and where to")).to_be_visible()
    assert_no_sideways_scroll(page)  # six tabs in English too
    assert axe_violations(page) == []
    page.set_viewport_size(PC)
    for region in page.locator("#figures .table-scroll").all():
        assert region.evaluate("(r) => r.scrollWidth <= r.clientWidth")  # nothing hidden
    assert page.evaluate("document.documentElement.scrollWidth") <= PC["width"]
    assert axe_violations(page) == []


# --- the printed paper card ---------------------------------------------------------------------


def test_the_printed_card_speaks_to_the_parent_with_lines_to_write_on(live, page, signed_in,
                                                                      tmp_path):
    signed_in(page, live.url, "hub")
    page.get_by_role("button", name="設定").click()
    page.evaluate("window.print = () => {}")  # the test prints to PDF itself
    page.get_by_label("カードを使う場所").select_option(label="ひまわり保育園")
    page.get_by_label("枚数").select_option("24")
    page.get_by_role("button", name="印刷用のシートを作る").click()
    cards = page.locator("#print-sheet .paper-card")
    expect(cards).to_have_count(24)
    first = cards.first
    text = first.inner_text()
    assert "スマホで入力します" not in text
    assert "QR コードを読むと、行き先の案内が見られます" in text
    assert "紹介した場所：ひまわり保育園" in text
    lines = first.locator(".paper-line")
    expect(lines).to_have_count(3)
    expect(lines.locator("span:first-child")).to_have_text(["行き先", "日にち", "声をかける人"])
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi, as it prints
    page.emulate_media(media="print")
    # Room to write by hand: each line at least 4 cm of rule, inside its card.
    for line in lines.all():
        rule = line.locator(".paper-rule").bounding_box()
        assert rule["width"] >= 40 / 25.4 * 96
    card_box = first.bounding_box()
    last_line = lines.nth(2).bounding_box()
    assert last_line["y"] + last_line["height"] <= card_box["y"] + card_box["height"]
    folder = os.environ.get("TSUNAGU_SHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / "paper-cards-print.png"))
    # Still in print media: leaving it would be an "afterprint", which puts the sheet away.
    pdf_path = tmp_path / "sheet.pdf"
    page.pdf(path=str(pdf_path), format="A4", print_background=True)
    assert len(pypdfium2.PdfDocument(str(pdf_path))) == 3  # eight cards a sheet
