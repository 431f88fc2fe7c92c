"""The desk's cooperation steps in real Chromium: hub staff and ward officers see where the
ward and each area stand on each step, what moved since the review before and which
review is due, on a PC and on a phone, in Japanese and English."""

import json
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from server.accounts.auth import hash_password
from server.accounts.models import User
from server.directory.models import Area, Ward
from server.extensions import db

pytestmark = pytest.mark.browser

PC = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
PASSWORD = "correct horse battery"  # the live fixture's
HOSTILE = "<img src=x onerror=alert(1)>"


def api(live, method, path, token=None, body=None):
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(live.url + path, data=data,
                                                       method=method, headers=headers)) as r:
        return json.load(r)


@pytest.fixture
def reviewed(live):
    """Step 1 of 北エリア reviewed twice (its next review long past), step 4 of the ward
    once, with a next action that looks like markup."""
    with live.app.app_context():
        ward = db.session.query(Ward).filter_by(code="14101").one()
        area = Area(ward_id=ward.id, name="北エリア")
        db.session.add(area)
        db.session.add(User(login="officer", display_name="くやくしょ", role="ward_officer",
                            ward_id=ward.id, password_hash=hash_password(PASSWORD)))
        db.session.commit()
        area_id = area.id
    token = api(live, "POST", "/api/auth/login", body={
        "login": "hub", "password": PASSWORD, "device_name": f"t {uuid.uuid4().hex[:6]}"})["token"]
    steps = api(live, "GET", "/api/wards/14101/checklists", token)["steps"]

    def assess(step, statuses, **fields):
        points = next(s for s in steps if s["number"] == step)["checkpoints"]
        api(live, "POST", "/api/wards/14101/checklists/assessments", token, {
            "step": step, "next_action": "連絡会で共有する",
            "answers": [{"checkpoint_id": p["id"], "status": s}
                        for p, s in zip(points, statuses, strict=True)], **fields})

    assess(1, ["not_yet"] * 5, area_id=area_id, assessed_on="2026-01-10",
           next_review_on="2026-01-20")
    assess(1, ["met", "partly", "not_yet", "not_yet", "not_yet"], area_id=area_id,
           assessed_on="2026-01-20", next_review_on="2026-02-01")
    assess(4, ["partly", "not_yet", "not_yet"], assessed_on="2026-11-01",
           next_review_on="2099-01-01", next_action=HOSTILE)


def open_steps(page, live, login, size=PC):
    page.set_viewport_size(size)
    page.goto(live.url + "/")
    page.evaluate("window.app.ready")
    page.get_by_label("ログイン名").fill(login)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインインする").click()
    page.get_by_role("button", name="デスク").click()
    page.locator("#desk-switch").get_by_role("button", name="連携のステップ").click()
    expect(page.locator("#desk-steps")).to_be_visible()


def test_hub_staff_see_each_areas_step_what_moved_and_the_review_due(live, page, reviewed):
    open_steps(page, live, "hub")
    items = page.locator("#desk-step-list > li")
    expect(items).to_have_count(2)
    ward_row, area_row = items.nth(0), items.nth(1)
    expect(ward_row).to_contain_text("区全体")
    expect(ward_row).to_contain_text("ステップ4　他の担い手と連携・協力した取組を実施する")
    expect(ward_row).to_contain_text("はじめての見直しです。")
    expect(ward_row).not_to_contain_text("見直しの時期です")
    expect(ward_row.locator(".desk-note")).to_have_text(f"次にすること: {HOSTILE}")
    expect(ward_row.locator("img")).to_have_count(0)
    expect(area_row).to_contain_text("北エリア　ステップ1　担い手同士が互いの取組を知る")
    expect(area_row).to_contain_text("前回（2026-01-10）からの変化: "
                                     "できている +1・一部できている +1・まだ −2")
    expect(area_row.locator(".desk-lines li")).to_have_count(2)
    expect(area_row.locator(".desk-lines li").first).to_contain_text("まだ → できている")
    expect(area_row).to_contain_text("次の見直し: 2026-02-01 見直しの時期です")


def test_a_ward_officer_reads_the_steps(live, page, reviewed):
    open_steps(page, live, "officer")
    expect(page.locator("#desk-step-list > li")).to_have_count(2)
    expect(page.locator("#desk-steps").locator("button, input")).to_have_count(0)


@pytest.mark.parametrize("size", [PC, PHONE], ids=["pc", "phone"])
def test_the_steps_screen_passes_axe_in_both_languages_without_sideways_scroll(
        live, page, reviewed, axe_violations, size):
    open_steps(page, live, "hub", size)
    for language in ("ja", "en"):
        if language == "en":
            page.get_by_role("button", name="English").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
            page.locator("#desk-switch").get_by_role("button", name="Cooperation steps").click()
            expect(page.locator("#desk-step-list")).to_contain_text("Step 1: Supporters")
            expect(page.locator("#desk-step-list")).to_contain_text("Review due")
        expect(page.locator("#desk-step-list > li")).to_have_count(2)
        page.wait_for_load_state("networkidle")
        assert axe_violations(page) == [], (language, size)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]


def test_hub_staff_record_a_review_on_the_desk(live, page, reviewed):
    open_steps(page, live, "hub")
    form = page.locator("#desk-step-form")
    form.get_by_label("どこの見直しか").select_option(label="北エリア")
    form.get_by_label("ステップ", exact=True).select_option(value="2")
    points = form.locator("fieldset.desk-checkpoint")
    expect(points).to_have_count(2)
    points.nth(0).get_by_label("できている", exact=True).check()
    points.nth(1).get_by_label("一部できている").check()
    points.nth(1).get_by_label("そう言えるわけ（ご家族のことは書かないでください）").fill(
        "区のデータを連絡会で説明した")
    form.get_by_label("次にすること").fill("エリアごとの状況を次の連絡会で出し合う")
    form.get_by_label("次に見直す日").fill("2099-03-01")
    form.get_by_role("button", name="見直しを保存する").click()
    expect(page.locator("#status")).to_contain_text("見直しを記録しました。")
    rows = page.locator("#desk-step-list > li")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="北エリア　ステップ2")).to_contain_text(
        "できている 1・一部できている 1・まだ 0")
    with live.app.app_context():
        area_id = db.session.query(Area).filter_by(name="北エリア").one().id
    history = api(live, "GET", f"/api/wards/14101/checklists/history?step=2&area={area_id}",
                  api(live, "POST", "/api/auth/login", body={
                      "login": "hub", "password": PASSWORD, "device_name": "t"})["token"])
    assert [a["evidence"] for a in history[0]["answers"]] == ["", "区のデータを連絡会で説明した"]
