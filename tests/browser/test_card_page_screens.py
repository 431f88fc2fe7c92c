"""The parent's page in real Chromium at 360 px, in Japanese and English: the page built
from the URL before the card's record arrives, and a cancelled card's page. Each is
checked with axe-core, for sideways scrolling, and kept as a screenshot to look at."""

import uuid
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.cards import tokens
from server.directory.models import Programme, Site
from server.extensions import db
from server.replication import writes
from server.timeutil import today_local
from sync.protocol import Scope

pytestmark = pytest.mark.browser


def mint_for_salon(live) -> tuple[str, str, tuple[int, int, int]]:
    """A token of the salon, as the phone's pool holds it; returns it, its short code and
    the ids of the salon, the nursery and a weekly programme of the nursery."""
    with live.app.app_context():
        salon = db.session.scalar(select(Site).where(Site.name == "ひだまりサロン"))
        nursery = db.session.scalar(select(Site).where(Site.name == "ひまわり保育園"))
        programme = Programme(site=nursery, title="園庭あそびの会", theme="chat",
                              starts_on=today_local(), rrule="FREQ=WEEKLY;BYDAY=MO",
                              starts_at=time(10), ends_at=time(11, 30), booking_required=True,
                              what_to_bring="帽子と水筒")
        db.session.add(programme)
        ((row, token),) = tokens.mint(salon.id, 1, user_id=None)
        db.session.commit()
        return token, row.short_code, (salon.id, nursery.id, programme.id)


def looks_right_at_360(page, axe_violations, shot):
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(shot), full_page=True)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_page_from_the_url_before_sync_reads_well_at_360px(live, page, axe_violations,
                                                                tmp_path, lang):
    token, code, (_salon, nursery, programme) = mint_for_salon(live)
    day = today_local() + timedelta(days=(7 - today_local().weekday()) % 7 or 7)  # a Monday
    page.goto(f"{live.url}/c/{token}?to={nursery}&on={day.isoformat()}&p={programme}"
              f"&lang={lang}#{code}")
    body = page.locator("body")
    expect(body).to_contain_text("ひまわり保育園")
    expect(body).to_contain_text("園庭あそびの会")
    expect(body).to_contain_text(f"{code[:4]}-{code[4:]}")
    expect(body).to_contain_text("支援者からのメッセージは、あとでこのページに表示されます。"
                                 if lang == "ja" else
                                 "A note from your supporter will appear on this page later.")
    looks_right_at_360(page, axe_violations, tmp_path / f"card-page-from-url-{lang}.png")

    # The language switch keeps the introduction.
    page.locator("a.switch").click()
    expect(page.locator("body")).to_contain_text("園庭あそびの会")
    expect(page.locator("html")).to_have_attribute("lang", "en" if lang == "ja" else "ja")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_cancelled_cards_page_reads_well_at_360px(live, page, axe_violations, tmp_path,
                                                    lang):
    token, code, (salon, nursery, _programme) = mint_for_salon(live)
    with live.app.app_context():
        result = writes.write_as_user("card", code, {
            "status": "cancelled", "issued_on": today_local().isoformat(),
            "issuing_site_id": str(salon), "target_site_id": str(nursery),
            "message": "お待ちしています。", "planned_date": today_local().isoformat()},
            op_id=str(uuid.uuid4()), author="1", scope=Scope.everywhere())
        assert result.status == "applied", result
    page.goto(f"{live.url}/c/{token}?lang={lang}#{code}")
    body = page.locator("body")
    expect(body).to_contain_text("ひまわり保育園")
    expect(body).to_contain_text("この紹介は取り消されました。" if lang == "ja"
                                 else "This introduction was cancelled.")
    expect(body).not_to_contain_text("お待ちしています")
    looks_right_at_360(page, axe_violations, tmp_path / f"card-page-cancelled-{lang}.png")
