"""Issuing a card at the site the volunteer is at, offline, with the QR drawn on the phone;
what the target site's staff see of the family to expect, and a card for another site.

The world: suzuki volunteers at two salons (ひだまりサロン, the first, and みどりサロン);
the nursery runs a one-off programme in five days; two areas (駒岡, 生麦) have located sites.
"""

import os
import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.accounts.auth import hash_password
from server.accounts.models import Membership, User
from server.directory.models import Area, Programme, Site, SiteTag, Ward
from server.extensions import db
from tests.browser.conftest import PASSWORD
from tests.browser.test_cards import card_on_server, decode_all, wait_until_sent

pytestmark = pytest.mark.browser


POOLS_JS = """async () => {
  const db = await import('/js/db.js');
  const session = await db.getSession();
  if (!session) return 0;
  const sizes = await Promise.all(session.user.site_ids.map((id) => db.poolSize(String(id))));
  return Math.min(...sizes);
}"""

KNOWN_JS = """async (code) => Boolean(await (await import('/js/cards.js')).knownCard(code))"""


@dataclass
class World:
    salon: int
    midori: int
    nursery: int
    namamugi: int
    programme: int
    programme_day: str


def shots_folder(tmp_path) -> Path:
    """Where the 360 px screenshots go: $TSUNAGU_SHOTS_DIR to look at them, else tmp_path."""
    folder = Path(os.environ.get("TSUNAGU_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def shots(tmp_path) -> Path:
    return shots_folder(tmp_path)


def shot(page, folder, name, full_page=True):
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def site(ward, number, name, kind, source_type, **fields):
    return Site(source_key=f"t:{number}", ward_id=ward.id, kind=kind, source_type=source_type,
                schedule_kind="periodic", municipality_code="14101", number=str(number),
                prefecture="神奈川県", municipality="横浜市鶴見区", name=name, **fields)


@pytest.fixture
def world(live) -> World:
    with live.app.app_context():
        ward = db.session.scalar(select(Ward).where(Ward.code == "14101"))
        komaoka, namamugi_area = Area(ward_id=ward.id, name="駒岡"), Area(ward_id=ward.id,
                                                                           name="生麦")
        db.session.add_all([komaoka, namamugi_area])
        db.session.flush()
        salon = db.session.scalar(select(Site).where(Site.name == "ひだまりサロン"))
        nursery = db.session.scalar(select(Site).where(Site.name == "ひまわり保育園"))
        nursery.area_id = komaoka.id
        # No opening day: the phone's default is then the first site, whatever the weekday.
        midori = site(ward, 3, "みどりサロン", "salon", "子育てサロン", area_id=komaoka.id,
                      latitude=35.52, longitude=139.69)
        namamugi = site(ward, 4, "なまむぎ広場", "tsudoi_hiroba", "親と子のつどいの広場",
                        area_id=namamugi_area.id, latitude=35.49, longitude=139.66,
                        open_weekdays="0", tags=[SiteTag(tag="outdoor_play")])
        day = date.today() + timedelta(days=5)
        programme = Programme(site=nursery, title="園庭あそび", theme="yard_open", starts_on=day,
                              starts_at=time(10))
        db.session.add_all([midori, namamugi, programme])
        db.session.flush()
        db.session.add(User(login="suzuki", display_name="すずき", role="volunteer",
                            ward_id=ward.id, password_hash=hash_password(PASSWORD),
                            memberships=[Membership(site_id=salon.id),
                                         Membership(site_id=midori.id)]))
        db.session.commit()
        return World(salon=salon.id, midori=midori.id, nursery=nursery.id,
                     namamugi=namamugi.id, programme=programme.id,
                     programme_day=day.isoformat())


def shown_qr(page) -> str:
    """The URL in the card's QR on screen, read from a screenshot once the image is drawn."""
    qr = page.locator("#card-show-qr")
    expect(qr).to_be_visible()
    page.wait_for_function("""() => {
      const img = document.getElementById('card-show-qr');
      return img.complete && img.naturalWidth > 0;
    }""")
    for _ in range(20):
        found = decode_all(qr.screenshot())
        if found:
            (url,) = found
            return url
        page.wait_for_timeout(100)
    raise AssertionError("the card's QR could not be read from the screen")


def pools_ready(page):
    """Every one of the user's sites has its tokens (minted while there is signal)."""
    expect(page.locator("#finder-wishes input").first).to_be_attached(timeout=15_000)
    for _ in range(150):
        if page.evaluate(POOLS_JS) >= 10:
            return
        page.wait_for_timeout(100)
    raise AssertionError("the phone's token pools were never filled")


def find(page, wish="屋外で体を動かせる"):
    page.locator("#finder-wishes").get_by_text(wish).click()
    page.get_by_role("button", name="合う場所をさがす").click()


def result(page, name):
    return page.locator("#finder-results li").filter(has_text=name)


def test_a_card_issued_offline_at_the_second_site_names_it_and_its_qr_says_where_and_when(
        live, world, page, context, browser, signed_in, axe_violations, shots):
    signed_in(page, live.url, "suzuki")
    pools_ready(page)
    context.set_offline(True)
    page.get_by_role("button", name="紹介する", exact=True).click()
    at = page.get_by_label("カードを渡す場所（いま活動している場所）")
    expect(at).to_have_value(str(world.salon))  # nothing is on now: the first site
    at.select_option(label="みどりサロン")
    find(page)
    first = page.locator("#finder-results li").first
    expect(first).to_contain_text("ひまわり保育園")
    expect(first).to_contain_text("近い（1.4 km）")  # from みどりサロン, the site chosen
    expect(page.locator("#finder-results")).not_to_contain_text("みどりサロン")
    no_sideways_scroll(page)
    shot(page, shots, "finder-two-sites-ja")
    assert axe_violations(page) == []

    first.get_by_role("button", name="ここを紹介する").click()
    expect(page.locator("#issue-at")).to_have_text("みどりサロン で渡すカードです")
    page.get_by_label("行事・プログラム").select_option(index=1)
    expect(page.get_by_label("行く予定の日")).to_have_value(world.programme_day)
    shot(page, shots, "issue-form-ja")
    assert axe_violations(page) == []
    page.get_by_role("button", name="カードを渡す").click()

    url = shown_qr(page)
    shot(page, shots, "card-show-ja", full_page=False)
    assert axe_violations(page) == []
    code = page.locator("#card-show-code").inner_text().replace(" ", "")
    # Drawn on the phone with no signal, from the token's address and the introduction's
    # public parts; the short code stays last, where a scan looks for it.
    assert re.fullmatch(
        rf"{re.escape(live.url)}/c/[\w-]{{22,}}\?to={world.nursery}&on={world.programme_day}"
        rf"&p={world.programme}#{code}", url), url
    # The page reads the same QR with the shipped decoder (what a phone without
    # BarcodeDetector uses).
    in_page = page.evaluate("""async () => {
      const jsQR = await (await import('/js/qr.js')).loadQrReader();
      const img = document.getElementById('card-show-qr');
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 400;
      const context = canvas.getContext('2d');
      context.fillStyle = '#fff';
      context.fillRect(0, 0, 400, 400);
      context.drawImage(img, 0, 0, 400, 400);
      return jsQR(context.getImageData(0, 0, 400, 400).data, 400, 400)?.data ?? null;
    }""")
    assert in_page == url
    page.get_by_role("button", name="閉じる").click()

    context.set_offline(False)
    wait_until_sent(page)
    card = card_on_server(live, code)
    assert (card["issuing_site_id"], card["target_site_id"], card["programme_id"],
            card["planned_date"]) == (str(world.midori), str(world.nursery),
                                      str(world.programme), world.programme_day)
    assert "child_age" not in card  # not asked: nothing stored

    parent = browser.new_context(viewport={"width": 360, "height": 740})
    parents_phone = parent.new_page()
    parents_phone.goto(url)
    expect(parents_phone.locator("body")).to_contain_text("ひまわり保育園")
    expect(parents_phone.locator("body")).to_contain_text("園庭あそび")
    parent.close()


def test_near_is_measured_from_the_familys_area_when_given(live, world, page, signed_in,
                                                           axe_violations, shots):
    signed_in(page, live.url, "suzuki")
    pools_ready(page)
    page.get_by_role("button", name="紹介する", exact=True).click()
    page.get_by_label("カードを渡す場所（いま活動している場所）").select_option(label="みどりサロン")
    find(page)
    expect(result(page, "なまむぎ広場")).to_contain_text("近い（4.3 km）")
    expect(page.locator("#finder-results li").first).to_contain_text("ひまわり保育園")

    # The area's position is the mean of its located sites' (no station data yet).
    page.get_by_label("「近い」をはかる場所").select_option(label="ご家族の住む地域（生麦）から")
    page.get_by_role("button", name="合う場所をさがす").click()
    expect(page.locator("#finder-results li").first).to_contain_text("なまむぎ広場")
    expect(result(page, "なまむぎ広場")).to_contain_text("近い（0 km）")
    expect(result(page, "ひまわり保育園")).to_contain_text("近い（2.9 km）")
    # The card is still given at the site chosen, which is never offered as a target.
    expect(page.locator("#finder-results")).not_to_contain_text("みどりサロン")
    result(page, "なまむぎ広場").get_by_role("button", name="ここを紹介する").click()
    expect(page.locator("#issue-at")).to_have_text("みどりサロン で渡すカードです")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Introduce", exact=True).click()
    expect(page.get_by_label("Measure \"near\" from")).to_be_visible()
    page.get_by_label("Where you are giving the card (where you are now)").select_option(
        label="みどりサロン")
    page.get_by_label("Measure \"near\" from").select_option(label="The family's area (生麦)")
    page.get_by_role("button", name="Find places that fit").click()
    expect(page.locator("#finder-results li").first).to_contain_text("Near (0 km)")
    no_sideways_scroll(page)
    shot(page, shots, "finder-two-sites-en")
    assert axe_violations(page) == []
    page.locator("#finder-results li").first.get_by_role("button").click()
    expect(page.locator("#issue-at")).to_have_text("Card given at みどりサロン")
    shot(page, shots, "issue-form-en")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Give the card").click()
    url = shown_qr(page)
    assert f"?to={world.namamugi}#" in url  # no date nor programme chosen: only the site
    shot(page, shots, "card-show-en", full_page=False)
    assert axe_violations(page) == []


def issue_for_the_nursery_with_age(page, live, signed_in):
    """yamada gives a card for the nursery (a 2-year-old, outdoor play); returns its code."""
    signed_in(page, live.url, "yamada")
    expect(page.locator("#finder-wishes input").first).to_be_attached(timeout=15_000)
    for _ in range(150):
        if page.evaluate(POOLS_JS) >= 10:
            break
        page.wait_for_timeout(100)
    page.get_by_role("button", name="紹介する", exact=True).click()
    page.get_by_label("お子さんの年齢").select_option(label="2歳")
    find(page)
    result(page, "ひまわり保育園").get_by_role("button", name="ここを紹介する").click()
    page.get_by_role("button", name="カードを渡す").click()
    page.get_by_role("button", name="閉じる").click()
    code = page.locator("#my-cards li").first.get_attribute("data-code")
    wait_until_sent(page)
    return code


def staff_phone(browser, live, signed_in):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ja-JP")
    staff = context.new_page()
    signed_in(staff, live.url, "tanaka")
    staff.get_by_role("button", name="紹介する", exact=True).click()
    return context, staff


def test_staff_see_the_childs_age_and_the_familys_wishes_in_arrivals(
        live, page, browser, signed_in, axe_violations, shots):
    code = issue_for_the_nursery_with_age(page, live, signed_in)
    assert card_on_server(live, code)["child_age"] == "2"

    context, staff = staff_phone(browser, live, signed_in)
    expected = staff.locator(f"#arrival-list li[data-code='{code}']")
    expect(expected).to_contain_text("お子さん: 2歳")
    expect(expected).to_contain_text("ご家族の希望: 屋外で体を動かせる")
    no_sideways_scroll(staff)
    shot(staff, shots, "arrivals-ja")
    assert axe_violations(staff) == []
    staff.get_by_role("button", name="English").click()
    expect(staff.locator("html")).to_have_attribute("lang", "en")
    staff.get_by_role("button", name="Introduce", exact=True).click()
    expected = staff.locator(f"#arrival-list li[data-code='{code}']")
    expect(expected).to_contain_text("Child: 2 years")
    expect(expected).to_contain_text("The family's wishes: Room to move outdoors")
    shot(staff, shots, "arrivals-en")
    assert axe_violations(staff) == []
    context.close()


def test_staff_typing_a_card_for_another_site_are_told_which_site(live, browser, signed_in,
                                                                  axe_violations, shots):
    # tanaka, staff of the nursery, gives a card there for ひだまりサロン: it comes back to
    # the phone's replica with the next sync, but its arrival belongs to the salon.
    context, staff = staff_phone(browser, live, signed_in)
    expect(staff.locator("#finder-wishes input").first).to_be_attached(timeout=15_000)
    for _ in range(150):
        if staff.evaluate(POOLS_JS) >= 10:
            break
        staff.wait_for_timeout(100)
    staff.get_by_role("button", name="合う場所をさがす").click()
    result(staff, "ひだまりサロン").get_by_role("button", name="ここを紹介する").click()
    staff.get_by_role("button", name="カードを渡す").click()
    staff.get_by_role("button", name="閉じる").click()
    code = staff.locator("#my-cards li").first.get_attribute("data-code")
    wait_until_sent(staff)
    for _ in range(100):
        if staff.evaluate(KNOWN_JS, code):
            break
        staff.get_by_role("button", name="今すぐ送る").click()
        staff.wait_for_timeout(200)

    staff.get_by_label("カードの番号（8文字）").fill(f"{code[:4]} {code[4:]}".lower())
    staff.locator("#arrival-form").get_by_role("button", name="来所を確認する").click()
    expect(staff.locator("#status")).to_have_text(
        "このカードは「ひだまりサロン」への紹介です。来所の確認は、ひだまりサロンでお願いします。")
    assert card_on_server(live, code)["status"] == "issued"
    shot(staff, shots, "arrival-other-site-ja")
    assert axe_violations(staff) == []

    staff.get_by_role("button", name="English").click()
    staff.get_by_role("button", name="Introduce", exact=True).click()
    staff.get_by_label("Card number (8 characters)").fill(code)
    staff.locator("#arrival-form").get_by_role("button", name="Confirm arrival").click()
    expect(staff.locator("#status")).to_have_text(
        "This card introduces the family to ひだまりサロン. Their arrival is confirmed there.")
    shot(staff, shots, "arrival-other-site-en")
    assert axe_violations(staff) == []
    context.close()
