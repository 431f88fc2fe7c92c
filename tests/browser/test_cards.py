"""Introduction cards in real Chromium: issued offline from the token pool, the QR read
back, the parent's page and its calendar file, arrival confirmed at the target site while
offline, and the printed sheet of paper cards."""

import io
import json
import re

import icalendar
import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from server.directory.models import Site
from server.extensions import db
from server.replication.models import SyncRecord

pytestmark = pytest.mark.browser

POOL_JS = """async () => {
  const db = await import('/js/db.js');
  const session = await db.getSession();
  return session ? db.poolSize(String(session.user.site_ids[0])) : 0;
}"""


def decode_all(png: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def card_on_server(live, code) -> dict | None:
    with live.app.app_context():
        row = db.session.scalar(select(SyncRecord).where(
            SyncRecord.collection == "card", SyncRecord.record_id == code))
        return json.loads(row.data_json) if row else None


def site_id(live, name) -> int:
    with live.app.app_context():
        return db.session.scalar(select(Site.id).where(Site.name == name))


def wait_until_sent(page):
    expect(page.locator("#sync-bar")).to_be_visible(timeout=15_000)
    expect(page.locator("#sync-pending")).to_have_text("すべて送信済み", timeout=15_000)


def pool_ready(page):
    expect(page.locator("#finder-wishes input").first).to_be_attached(timeout=15_000)
    # Asked with evaluate, which waits for the pool's answer, until the pool is full.
    for _ in range(150):
        if page.evaluate(POOL_JS) >= 10:
            return
        page.wait_for_timeout(100)
    raise AssertionError("the phone's token pool was never filled")


def issue_card_to_the_nursery(page, ask_for="さとう先生", date="2026-12-08"):
    page.get_by_role("button", name="紹介する", exact=True).click()
    page.locator("#finder-wishes").get_by_text("屋外で体を動かせる").click()
    page.get_by_role("button", name="合う場所をさがす").click()
    first = page.locator("#finder-results li").first
    expect(first).to_contain_text("ひまわり保育園")
    expect(first).to_contain_text("希望に合う: 屋外で体を動かせる")
    first.get_by_role("button", name="ここを紹介する").click()
    page.get_by_label("行く予定の日").fill(date)
    page.get_by_label("声をかける人").fill(ask_for)
    page.get_by_label("ご家族へのひとこと").fill("園庭で運動会ごっこがあります。<b>ぜひ</b>")
    page.get_by_role("button", name="カードを渡す").click()


def issue_and_send(page, live, signed_in) -> str:
    """yamada gives a card for the nursery with signal; returns its short code once sent."""
    signed_in(page, live.url, "yamada")
    pool_ready(page)
    issue_card_to_the_nursery(page)
    page.get_by_role("button", name="閉じる").click()
    code = page.locator("#my-cards li").first.get_attribute("data-code")
    wait_until_sent(page)
    return code


def test_a_card_issued_offline_opens_for_the_parent_once_synced(live, page, context, browser,
                                                                signed_in, axe_violations,
                                                                tmp_path):
    signed_in(page, live.url, "yamada")
    pool_ready(page)  # tokens are minted while there is signal
    context.set_offline(True)
    issue_card_to_the_nursery(page)

    qr = page.locator("#card-show-qr")
    expect(qr).to_be_visible()
    expect(page.locator("#card-show")).to_contain_text("ひまわり保育園")
    page.screenshot(path=str(tmp_path / "card-qr.png"))
    (url,) = decode_all(qr.screenshot())
    code = page.locator("#card-show-code").inner_text().replace(" ", "")
    # Drawn on the phone, offline: the page's address with the introduction's public parts.
    nursery = site_id(live, "ひまわり保育園")
    assert re.fullmatch(rf"{re.escape(live.url)}/c/[\w-]{{22,}}\?to={nursery}&on=2026-12-08#{code}",
                        url)
    page.get_by_role("button", name="閉じる").click()
    expect(page.locator(f"#my-cards li[data-code='{code}']")).to_contain_text("渡した")
    assert card_on_server(live, code) is None

    context.set_offline(False)
    wait_until_sent(page)
    card = card_on_server(live, code)
    assert (card["status"], card["planned_date"], card["ask_for"]) == (
        "issued", "2026-12-08", "さとう先生")
    assert card["wishes"] == ["outdoor_play"]

    parent = browser.new_context(viewport={"width": 360, "height": 740})
    parents_phone = parent.new_page()
    parents_phone.goto(url)
    body = parents_phone.locator("body")
    expect(body).to_contain_text("ひまわり保育園")
    expect(body).to_contain_text("さとう先生")
    expect(body).to_contain_text("園庭で運動会ごっこがあります。<b>ぜひ</b>")  # shown as text
    expect(body).not_to_contain_text("やまだ")  # nothing about who gave it, or the family
    assert axe_violations(parents_phone) == []
    parents_phone.screenshot(path=str(tmp_path / "parent-page.png"), full_page=True)
    assert card_on_server(live, code)["status"] == "opened"
    calendar = parents_phone.request.get(url.split("?")[0] + "/calendar.ics")
    assert calendar.ok and calendar.headers["content-type"].startswith("text/calendar")
    (event,) = icalendar.Calendar.from_ical(calendar.body()).walk("VEVENT")
    assert str(event.decoded("DTSTART"))[:10] == "2026-12-08"
    assert "ひまわり町1-2-3" in str(event.get("LOCATION"))
    parent.close()

    page.get_by_role("button", name="今すぐ送る").click()
    expect(page.locator(f"#my-cards li[data-code='{code}']")).to_contain_text("開かれた")


def test_the_target_site_confirms_arrival_offline_and_a_late_cancel_does_not_undo_it(
        live, page, context, browser, signed_in, axe_violations):
    code = issue_and_send(page, live, signed_in)

    staff_context = browser.new_context(viewport={"width": 360, "height": 740})
    staff = staff_context.new_page()
    signed_in(staff, live.url, "tanaka")
    staff.get_by_role("button", name="紹介する", exact=True).click()
    expected = staff.locator(f"#arrival-list li[data-code='{code}']")
    expect(expected).to_contain_text("ひだまりサロン から")
    expect(staff.locator("#arrival-list")).to_contain_text("1組 来所予定")
    assert axe_violations(staff) == []

    context.set_offline(True)
    staff_context.set_offline(True)
    expected.get_by_role("button", name="来所を確認").click()
    expect(staff.locator("#status")).to_contain_text(f"来所を記録しました（{code}）")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#my-cards li[data-code='{code}']").get_by_role("button", name="取り消す").click()
    expect(page.locator(f"#my-cards li[data-code='{code}']")).to_contain_text("取り消し")

    staff_context.set_offline(False)
    wait_until_sent(staff)
    context.set_offline(False)  # the volunteer's cancel arrives after the arrival
    wait_until_sent(page)
    assert card_on_server(live, code)["status"] == "arrived"
    page.get_by_role("button", name="今すぐ送る").click()
    expect(page.locator(f"#my-cards li[data-code='{code}']")).to_contain_text("来所した")
    expect(staff.locator(f"#arrival-list li[data-code='{code}']")).to_have_count(0)
    staff_context.close()


def test_a_volunteers_arrival_is_refused_and_says_so(live, page, signed_in):
    code = issue_and_send(page, live, signed_in)
    page.evaluate("""async (code) => {
      const db = await import('/js/db.js');
      const cards = await import('/js/cards.js');
      await cards.confirmArrival((await db.getSession()).user.id, code);
    }""", code)
    expect(page.locator("#sync-problem")).to_contain_text("受け付けられませんでした",
                                                          timeout=15_000)
    assert card_on_server(live, code)["status"] == "issued"


def test_the_printed_sheet_has_one_readable_qr_per_card(live, page, signed_in, tmp_path):
    signed_in(page, live.url, "hub")
    page.get_by_role("button", name="設定").click()
    page.evaluate("window.print = () => {}")  # the test prints to PDF itself
    page.get_by_label("カードを使う場所").select_option(label="ひまわり保育園")
    page.get_by_label("枚数").select_option("8")
    page.get_by_role("button", name="印刷用のシートを作る").click()
    expect(page.locator("#print-sheet .paper-card")).to_have_count(8)
    pdf_path = tmp_path / "sheet.pdf"
    page.pdf(path=str(pdf_path), format="A4", print_background=True)

    found = []
    document = pypdfium2.PdfDocument(str(pdf_path))
    for index in range(len(document)):
        image = document[index].render(scale=3).to_pil()
        found += [result.text for result in zxingcpp.read_barcodes(image)]
    assert len(document) == 1  # eight cards fit one A4 sheet
    assert len(found) == 8 and len(set(found)) == 8
    codes = page.locator("#print-sheet .paper-code").all_inner_texts()
    for url, printed in zip(sorted(found, key=lambda u: u.split("#")[1]),
                            sorted(c.replace(" ", "") for c in codes), strict=True):
        assert re.fullmatch(rf"{re.escape(live.url)}/c/[\w-]{{22,}}#{printed}", url)
