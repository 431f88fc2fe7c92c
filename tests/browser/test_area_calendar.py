"""The area calendar in real Chromium at 360 px: the page and the printable month read
well in Japanese and English (axe-core, no sideways scrolling), the page works with
JavaScript switched off (its filters too), and the month prints on one A4 sheet."""

from datetime import time, timedelta

import pypdfium2
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.directory.models import Area, Programme, Site, Ward
from server.extensions import db
from server.timeutil import today_local

from .conftest import PHONE

pytestmark = pytest.mark.browser
A4_POINTS = (595, 842)
PRINTABLE_WIDTH = 718  # CSS px: 210 mm less two 10 mm margins


@pytest.fixture
def calendar_world(live):
    """Two areas and four programmes of ward 14101 around today."""
    with live.app.app_context():
        ward = db.session.scalar(select(Ward).where(Ward.code == "14101"))
        salon = db.session.scalar(select(Site).where(Site.name == "ひだまりサロン"))
        nursery = db.session.scalar(select(Site).where(Site.name == "ひまわり保育園"))
        north, south = Area(ward=ward, name="北部地区"), Area(ward=ward, name="南部地区")
        db.session.add_all([north, south])
        db.session.flush()
        salon.area_id, nursery.area_id = south.id, north.id
        salon.phone, nursery.phone = "045-111-2222", "045-333-4444"
        today = today_local()
        db.session.add_all([
            Programme(site=nursery, title="園庭あそびの会", theme="yard_open", starts_on=today,
                      rrule="FREQ=WEEKLY;BYDAY=MO,TU", starts_at=time(10), ends_at=time(11, 30),
                      booking_required=True, what_to_bring="帽子と水筒",
                      target_age_min_months=12, target_age_max_months=71),
            Programme(site=salon, title="ひだまりサロンのおしゃべり会", theme="chat",
                      starts_on=today, rrule="FREQ=WEEKLY;BYDAY=TU", starts_at=time(13, 30),
                      ends_at=time(15), target_age_min_months=0, target_age_max_months=11),
            Programme(site=salon, title="親子リトミック", theme="event",
                      starts_on=today + timedelta(days=3), starts_at=time(10),
                      ends_at=time(11)),
            Programme(site=nursery, title="絵本の読み聞かせ", theme="event",
                      starts_on=today + timedelta(days=9), what_to_bring="敷物"),
        ])
        db.session.commit()
        return {"north": north.id, "south": south.id, "today": today}


def reads_well_at_360(page, axe_violations, shot):
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(shot), full_page=True)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_calendar_reads_well_at_360px(live, calendar_world, page, axe_violations,
                                          tmp_path, lang):
    page.goto(f"{live.url}/calendar/14101?lang={lang}")
    body = page.locator("body")
    expect(body).to_contain_text("園庭あそびの会")
    expect(body).to_contain_text("親子リトミック")
    expect(body).to_contain_text("要予約" if lang == "ja" else "Booking required")
    reads_well_at_360(page, axe_violations, tmp_path / f"calendar-{lang}.png")
    # The filters open, and still fit.
    page.locator("details.filters summary").click()
    reads_well_at_360(page, axe_violations, tmp_path / f"calendar-filters-{lang}.png")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_month_reads_well_at_360px(live, calendar_world, page, axe_violations, tmp_path,
                                       lang):
    month = calendar_world["today"].strftime("%Y-%m")
    page.goto(f"{live.url}/calendar/14101/month/{month}?lang={lang}")
    expect(page.locator("table.grid")).to_contain_text("ひだまりサロンのおしゃべり会")
    reads_well_at_360(page, axe_violations, tmp_path / f"calendar-month-{lang}.png")


def test_the_calendar_and_its_filters_work_without_javascript(live, calendar_world, browser,
                                                              tmp_path):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="ja-JP")
    try:
        page = context.new_page()
        page.goto(f"{live.url}/calendar/14101")
        body = page.locator("body")
        expect(body).to_contain_text("園庭あそびの会")
        expect(body).to_contain_text("ひだまりサロンのおしゃべり会")
        expect(body).to_contain_text("ひまわり保育園")
        # A plain GET form: choosing an area and pressing the button narrows the list.
        page.locator("details.filters summary").click()
        page.get_by_label("地区").select_option(label="南部地区")
        page.get_by_role("button", name="この条件で見る").click()
        page.wait_for_url(f"**/calendar/14101?area={calendar_world['south']}**")
        expect(body).to_contain_text("ひだまりサロンのおしゃべり会")
        expect(body).not_to_contain_text("園庭あそびの会")
        expect(page.get_by_label("地区")).to_have_value(str(calendar_world["south"]))
        page.screenshot(path=str(tmp_path / "calendar-no-js.png"), full_page=True)
    finally:
        context.close()


def test_the_month_prints_on_one_a4_sheet(live, calendar_world, page, tmp_path):
    month = calendar_world["today"].strftime("%Y-%m")
    page.goto(f"{live.url}/calendar/14101/month/{month}")
    expect(page.locator("table.grid")).to_contain_text("園庭あそびの会")
    path = tmp_path / "calendar-month.pdf"
    page.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        assert len(pdf) == 1
        width, height = pdf[0].get_size()
        assert (round(width), round(height)) == A4_POINTS
    finally:
        pdf.close()
    # Printed (A4 less 10 mm margins is 718 px wide), the grid is seven columns that stay
    # inside the sheet, and the page's bar and buttons are left off.
    page.set_viewport_size({"width": PRINTABLE_WIDTH, "height": 1000})
    page.emulate_media(media="print")
    assert page.evaluate("document.querySelectorAll('table.grid thead th').length") == 7
    right = page.evaluate("document.querySelector('table.grid').getBoundingClientRect().right")
    assert right <= PRINTABLE_WIDTH
    assert page.evaluate("document.documentElement.scrollWidth") <= PRINTABLE_WIDTH
    assert page.evaluate("getComputedStyle(document.querySelector('.bar')).display") == "none"
