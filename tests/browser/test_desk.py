"""The review desk in real Chromium: hub staff read the ward's synced logs on a PC, settle a
conflict, withdraw a quarantined op; ward officers only read; volunteers have no desk."""

import json
import time
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from server.accounts.auth import hash_password
from server.accounts.models import User
from server.directory.models import Site, Ward
from server.extensions import db
from sync.hlc import HLC

pytestmark = pytest.mark.browser

PC = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
PASSWORD = "correct horse battery"  # the live fixture's
HOSTILE_NOTE = "<img src=x onerror=alert(1)>"
DATE = "2026-11-30"


def api(live, method, path, token=None, body=None):
    """One request to the live server over HTTP, as a phone makes it."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(live.url + path, data=data,
                                                       method=method, headers=headers)) as r:
        return json.load(r)


def token_of(live, login):
    return api(live, "POST", "/api/auth/login",
               body={"login": login, "password": PASSWORD,
                     "device_name": f"test {uuid.uuid4().hex[:8]}"})["token"]


def visit_op(site_id, changes, *, session="am", device="phone-a", base_version=None, ago_ms=60_000):
    first = {"site_id": str(site_id), "session_date": DATE, "session": session}
    return {"op_id": str(uuid.uuid4()), "device_id": device, "user_id": "ignored",
            "collection": "visit", "record_id": f"{site_id}:{DATE}:{session}",
            "hlc": HLC(int(time.time() * 1000) - ago_ms, 0, device).format(),
            "base_version": base_version,
            "changes": changes if base_version else {**first, **changes}}


def push(live, token, ops):
    return api(live, "POST", "/api/sync/push", token, {"protocol": 1, "ops": ops})["results"]


def has_desk_lists(live):
    return any(rule.rule == "/api/wards/<code>/visits" for rule in live.app.url_map.iter_rules())


@pytest.fixture
def salon_id(live):
    with live.app.app_context():
        return db.session.query(Site).filter_by(source_key="t:1").one().id


@pytest.fixture
def ward_officer(live):
    with live.app.app_context():
        ward = db.session.query(Ward).filter_by(code="14101").one()
        db.session.add(User(login="officer", display_name="くやくしょ", role="ward_officer",
                            ward_id=ward.id, password_hash=hash_password(PASSWORD)))
        db.session.commit()
    return "officer"


@pytest.fixture
def logs(live, salon_id):
    """Two session logs by a volunteer, one with a note that looks like markup."""
    yamada = token_of(live, "yamada")
    results = push(live, yamada, [
        visit_op(salon_id, {"parents": 3, "children_1": 2, "children_2": 2,
                            "notes": HOSTILE_NOTE}),
        visit_op(salon_id, {"parents": 1, "fathers": 1}, session="pm"),
    ])
    assert [r["status"] for r in results] == ["applied", "applied"]


@pytest.fixture
def conflict(live, salon_id):
    """Two volunteers change one note at once: the earlier clock's value loses."""
    yamada, sato = token_of(live, "yamada"), token_of(live, "sato")
    base = push(live, yamada, [visit_op(salon_id, {"notes": "はじめ"}, session="day")])
    version = base[0]["version"]
    push(live, yamada, [visit_op(salon_id, {"notes": "雨で少なめ"}, session="day", device="a",
                                 base_version=version, ago_ms=5_000)])
    push(live, sato, [visit_op(salon_id, {"notes": "外遊び"}, session="day", device="b",
                               base_version=version, ago_ms=4_000)])
    hub = token_of(live, "hub")
    assert len(api(live, "GET", "/api/sync/conflicts", hub)) == 1


@pytest.fixture
def quarantined(live, salon_id):
    yamada = token_of(live, "yamada")
    result = push(live, yamada, [visit_op(salon_id, {"parents": -1}, session="pm")])
    assert result[0]["status"] == "rejected"


def open_desk(page, live, login, size=PC):
    page.set_viewport_size(size)
    page.goto(live.url + "/")
    page.evaluate("window.app.ready")
    page.get_by_label("ログイン名").fill(login)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインインする").click()
    page.get_by_role("button", name="デスク").click()
    expect(page.locator("#desk-view")).to_be_visible()


def screen(page, name):
    page.locator("#desk-switch").get_by_role("button", name=name).click()


def test_hub_staff_read_the_wards_synced_logs_side_by_side_on_a_pc(live, page, logs, tmp_path):
    if not has_desk_lists(live):
        pytest.skip("GET /api/wards/<code>/visits is not in the server yet (server/hub/)")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_desk(page, live, "hub")
    rows = page.locator("#desk-log-list li")
    expect(rows).to_have_count(2)
    first = rows.filter(has_text="午前")
    expect(first).to_contain_text("保護者 3・子ども 4")
    expect(first).to_contain_text(HOSTILE_NOTE)  # the note is text...
    assert page.locator("#desk-view img").count() == 0  # ...and no element was made of it
    first.get_by_role("button").click()
    detail = page.locator("#desk-detail")
    expect(detail).to_contain_text("ひだまりサロン")
    expect(detail).to_contain_text(HOSTILE_NOTE)
    expect(detail.locator("h4", has_text="だれが書いたか")).to_be_visible()
    expect(detail).to_contain_text("やまだ")  # who wrote it, from the record's parts
    assert page.locator("#desk-view img").count() == 0 and dialogs == []
    # At 1280 px the detail sits beside the list, not below it.
    list_box = page.locator("#desk-log-list").bounding_box()
    detail_box = detail.bounding_box()
    assert detail_box["x"] > list_box["x"] + list_box["width"] - 1
    page.screenshot(path=str(tmp_path / "desk.png"))
    page.get_by_label("場所").last.select_option(label="ひまわり保育園")
    page.get_by_role("button", name="絞り込む").click()
    expect(page.locator("#desk-logs-empty")).to_be_visible()


def test_hub_staff_keep_the_current_value_of_a_conflict(live, page, conflict):
    open_desk(page, live, "hub")
    screen(page, "競合")
    item = page.locator("#desk-conflict-list li")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("雨で少なめ")
    item.get_by_role("button", name="いまの値を残す").click()
    expect(page.locator("#desk-conflict-list li")).to_have_count(0)
    expect(page.locator("#desk-conflicts-empty")).to_be_visible()
    assert api(live, "GET", "/api/sync/conflicts", token_of(live, "hub")) == []


def test_hub_staff_withdraw_a_quarantined_op_with_a_reason(live, page, quarantined):
    open_desk(page, live, "hub")
    screen(page, "受け付けなかった記録")
    item = page.locator("#desk-quarantine-list li.desk-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("内容に誤りがあります")  # the reason, in words
    expect(item).to_contain_text("保護者")
    item.get_by_label("取り下げる理由").fill("入力ミス、本人に確認済み")
    item.get_by_role("button", name="取り下げる").click()
    expect(page.locator("#desk-quarantine-list li")).to_have_count(0)
    expect(page.locator("#desk-quarantine-empty")).to_be_visible()
    states = api(live, "GET", "/api/sync/quarantine?state=all", token_of(live, "hub"))
    assert [(e["state"], e["note"]) for e in states] == [("dismissed", "入力ミス、本人に確認済み")]


def test_hub_staff_correct_a_quarantined_op_and_accept_it(live, page, quarantined):
    open_desk(page, live, "hub")
    screen(page, "受け付けなかった記録")
    item = page.locator("#desk-quarantine-list li.desk-item")
    item.get_by_label("保護者", exact=False).fill("2")
    item.get_by_role("button", name="直して受け付ける").click()
    expect(page.locator("#desk-quarantine-list li")).to_have_count(0)
    expect(page.locator("#status")).to_have_text("直した記録を受け付けました。")
    pulled = api(live, "GET", "/api/sync/pull?cursor=0", token_of(live, "yamada"))["changes"]
    assert [change["data"]["parents"] for change in pulled] == [2]


@pytest.mark.parametrize("size", [PC, PHONE], ids=["pc", "phone"])
def test_every_desk_screen_passes_axe_in_both_languages(live, page, logs, conflict, quarantined,
                                                        axe_violations, size):
    open_desk(page, live, "hub", size)
    for language in ("ja", "en"):
        if language == "en":
            page.get_by_role("button", name="English").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
            expect(page.locator("#desk-view")).to_be_visible()
        for choice in page.locator("#desk-switch button:visible").all():
            choice.click()
            expect(choice).to_have_attribute("aria-pressed", "true")
            page.wait_for_load_state("networkidle")
            assert axe_violations(page) == [], (language, choice.text_content())


def test_a_ward_officer_reads_the_desk_without_action_buttons(live, page, ward_officer, conflict,
                                                              quarantined):
    open_desk(page, live, ward_officer)
    expect(page.locator("#desk-role")).to_contain_text("見るだけ")
    expect(page.locator("#desk-switch").get_by_role("button", name="端末")).to_be_hidden()
    screen(page, "競合")
    expect(page.locator("#desk-conflict-list li")).to_have_count(1)
    expect(page.locator("#desk-conflict-list button")).to_have_count(0)
    screen(page, "受け付けなかった記録")
    expect(page.locator("#desk-quarantine-list li.desk-item")).to_have_count(1)
    controls = page.locator("#desk-quarantine-list").locator("button, input")
    expect(controls).to_have_count(0)


def test_a_volunteer_has_no_desk(live, page, signed_in):
    signed_in(page, live.url, "yamada")
    expect(page.get_by_role("button", name="記録する")).to_be_visible()
    expect(page.get_by_role("button", name="デスク")).to_have_count(0)
    expect(page.locator("#desk-view")).to_be_hidden()


def test_hub_staff_mark_a_log_to_check_and_see_the_answer(live, page, logs):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_desk(page, live, "hub")
    first = page.locator("#desk-log-list li").filter(has_text="午前")
    first.get_by_role("button").click()
    detail = page.locator("#desk-detail")
    detail.get_by_label("書いた人への質問").fill(HOSTILE_NOTE)
    detail.get_by_role("button", name="要確認にする").click()
    expect(detail.locator(".desk-reviews li")).to_contain_text(HOSTILE_NOTE)
    expect(detail.locator(".desk-reviews .badge")).to_have_text("要確認")
    expect(first.locator(".badge.review-open")).to_have_text("要確認")
    assert page.locator("#desk-view img").count() == 0 and dialogs == []
    # The volunteer's phone pulls the mark and settles it; the desk shows the answer.
    yamada = token_of(live, "yamada")
    (mark,) = [c for c in api(live, "GET", "/api/sync/pull?cursor=0", yamada)["changes"]
               if c["collection"] == "review"]
    assert mark["data"]["status"] == "open"
    push(live, yamada, [{**visit_op(0, {}, ago_ms=0), "collection": "review",
                         "record_id": mark["record_id"], "base_version": mark["version"],
                         "changes": {"status": "done", "done_note": "数を直しました"}}])
    page.get_by_role("button", name="絞り込む").click()
    first = page.locator("#desk-log-list li").filter(has_text="午前")
    expect(first.locator(".badge.review-open")).to_have_count(0)
    first.get_by_role("button").click()
    expect(detail.locator(".desk-reviews .badge")).to_have_text("確認済み")
    expect(detail).to_contain_text("数を直しました")


def test_a_ward_officer_cannot_mark_a_log_to_check(live, page, ward_officer, logs):
    open_desk(page, live, ward_officer)
    page.locator("#desk-log-list li").first.get_by_role("button").click()
    expect(page.locator("#desk-detail h4", has_text="要確認")).to_be_visible()
    expect(page.get_by_role("button", name="要確認にする")).to_have_count(0)


# --- Markup on every desk screen, settled values reaching a phone, paging, axe on the detail.


def no_markup_made(page, dialogs):
    """Nothing sent to the server became an element or ran: no <img>, no dialog."""
    page.wait_for_timeout(200)  # an onerror handler would have fired by now
    assert page.locator("#desk-view img").count() == 0
    assert dialogs == []


def catch_dialogs(page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return dialogs


@pytest.fixture
def hostile_author(live, salon_id):
    """A volunteer whose display name looks like markup, so the parts and history carry it."""
    with live.app.app_context():
        from server.accounts.models import Membership
        ward = db.session.query(Ward).filter_by(code="14101").one()
        db.session.add(User(login="evil", display_name=HOSTILE_NOTE, role="volunteer",
                            ward_id=ward.id, password_hash=hash_password(PASSWORD),
                            memberships=[Membership(site_id=salon_id)]))
        db.session.commit()
    return "evil"


def test_markup_in_a_note_is_text_on_every_desk_screen(live, page, salon_id, hostile_author):
    evil, yamada, sato = (token_of(live, login) for login in (hostile_author, "yamada", "sato"))
    # A record written by the hostile name, with the hostile note: list, detail.
    assert push(live, evil, [visit_op(salon_id, {"parents": 2, "notes": HOSTILE_NOTE},
                                      session="am")])[0]["status"] == "applied"
    # A conflict on notes whose two values both hold the markup.
    base = push(live, yamada, [visit_op(salon_id, {"notes": "はじめ"}, session="day")])
    version = base[0]["version"]
    push(live, yamada, [visit_op(salon_id, {"notes": HOSTILE_NOTE + " A"}, session="day",
                                 device="a", base_version=version, ago_ms=5_000)])
    push(live, sato, [visit_op(salon_id, {"notes": HOSTILE_NOTE + " B"}, session="day",
                               device="b", base_version=version, ago_ms=4_000)])
    # Two rejected ops: a note over 2000 characters, and an unknown field named and valued
    # with the markup.
    long_note = HOSTILE_NOTE + "あ" * 2001
    rejected = push(live, yamada, [
        visit_op(salon_id, {"notes": long_note}, session="pm"),
        visit_op(salon_id, {HOSTILE_NOTE: HOSTILE_NOTE}, session="pm"),
    ])
    assert [r["status"] for r in rejected] == ["rejected", "rejected"]

    dialogs = catch_dialogs(page)
    open_desk(page, live, "hub")
    row = page.locator("#desk-log-list li").filter(has_text="午前")
    expect(row).to_contain_text(HOSTILE_NOTE)
    no_markup_made(page, dialogs)
    row.get_by_role("button").click()
    detail = page.locator("#desk-detail")
    expect(detail.locator("dl.desk-fields")).to_contain_text(HOSTILE_NOTE)  # values
    parts = detail.locator("h4:has-text('だれが書いたか') + ul")
    expect(parts).to_contain_text(HOSTILE_NOTE)  # the note's part, and its author's name
    history = detail.locator("ol.desk-lines")
    expect(history).to_contain_text(HOSTILE_NOTE)  # the author's name in the history
    no_markup_made(page, dialogs)

    screen(page, "競合")
    item = page.locator("#desk-conflict-list li")
    expect(item).to_have_count(1)
    expect(item.locator(".desk-value").first).to_have_text(HOSTILE_NOTE + " B")  # current
    expect(item.locator(".desk-value").last).to_have_text(HOSTILE_NOTE + " A")  # lost
    no_markup_made(page, dialogs)

    screen(page, "受け付けなかった記録")
    items = page.locator("#desk-quarantine-list li.desk-item")
    expect(items).to_have_count(2)
    # The two may come in either order: one box holds the long note, one the unknown field.
    boxes = page.locator("#desk-quarantine-list input[type=text][id^='desk-q-']")
    values = boxes.evaluate_all("inputs => inputs.map((input) => input.value)")
    assert long_note in values and HOSTILE_NOTE in values
    unknown = page.locator("#desk-quarantine-list label", has_text=f"{HOSTILE_NOTE}（")
    expect(unknown).to_have_count(1)  # the unknown field's name, as the label's text
    no_markup_made(page, dialogs)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    no_markup_made(page, dialogs)


def phone_signed_in(page, live, login):
    """A second browser (a volunteer's phone) at 360 px, signed in and synced once."""
    phone_context = page.context.browser.new_context(viewport=PHONE, locale="ja-JP")
    phone = phone_context.new_page()
    open_sign_in(phone, live, login)
    expect(phone.locator("#log-form")).to_be_visible()
    return phone


def open_sign_in(page, live, login):
    page.goto(live.url + "/")
    page.evaluate("window.app.ready")
    page.get_by_label("ログイン名").fill(login)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインインする").click()


def phone_opens_session(phone, site_id, session):
    """The phone syncs, then its log screen opens the session of DATE."""
    phone.locator("#sync-now").click()
    phone.wait_for_load_state("networkidle")
    phone.locator("#log-site").select_option(str(site_id))
    phone.locator("#log-date").fill(DATE)
    phone.locator("#log-session").select_option(session)


@pytest.mark.parametrize("how", ["take_conflict", "write_value"])
def test_a_conflict_settled_on_the_desk_reaches_the_volunteers_phone(live, page, salon_id,
                                                                     conflict, how):
    phone = phone_signed_in(page, live, "yamada")
    phone_opens_session(phone, salon_id, "day")
    expect(phone.locator("#log-notes")).to_have_value("外遊び")  # the value before settling
    open_desk(page, live, "hub")
    screen(page, "競合")
    item = page.locator("#desk-conflict-list li")
    expect(item).to_have_count(1)
    if how == "take_conflict":
        item.get_by_role("button", name="こちらを採用").click()
        settled = "雨で少なめ"
    else:
        settled = "雨、外遊びは中止"
        item.get_by_label("新しい値").fill(settled)
        item.get_by_role("button", name="新しい値を書く").click()
    expect(page.locator("#desk-conflict-list li")).to_have_count(0)
    expect(page.locator("#desk-conflicts-empty")).to_be_visible()
    assert api(live, "GET", "/api/sync/conflicts", token_of(live, "hub")) == []
    phone_opens_session(phone, salon_id, "day")
    expect(phone.locator("#log-notes")).to_have_value(settled)
    phone.context.close()


def test_a_corrected_quarantined_op_reaches_the_volunteers_phone(live, page, salon_id,
                                                                 quarantined):
    phone = phone_signed_in(page, live, "yamada")
    open_desk(page, live, "hub")
    screen(page, "受け付けなかった記録")
    item = page.locator("#desk-quarantine-list li.desk-item")
    item.get_by_label("保護者", exact=False).fill("2")
    item.get_by_role("button", name="直して受け付ける").click()
    expect(page.locator("#desk-quarantine-list li")).to_have_count(0)
    phone_opens_session(phone, salon_id, "pm")
    expect(phone.locator("#count-parents")).to_have_text("2")
    phone.context.close()


def test_the_log_list_pages_with_more_and_shows_each_record_once(live, page, salon_id):
    from datetime import date, timedelta
    dates = [(date(2026, 11, 30) - timedelta(days=n)).isoformat() for n in range(61)]
    ops = []
    for n, day in enumerate(dates):
        op = visit_op(salon_id, {"parents": 1 + n % 3}, ago_ms=60_000 + n)
        op["record_id"] = f"{salon_id}:{day}:am"
        op["changes"]["session_date"] = day
        ops.append(op)
    results = push(live, token_of(live, "yamada"), ops)
    assert {r["status"] for r in results} == {"applied"}
    open_desk(page, live, "hub")
    rows = page.locator("#desk-log-list li")
    expect(rows).to_have_count(50)  # the first page
    more = page.locator("#desk-more")
    expect(more).to_be_visible()
    expect(more).to_have_text("もっと見る")
    first_page = rows.evaluate_all("rows => rows.map((li) => li.dataset.recordId)")
    assert first_page == [f"{salon_id}:{day}:am" for day in dates[:50]]  # newest first
    more.click()
    expect(rows).to_have_count(61)
    expect(more).to_be_hidden()
    ids = rows.evaluate_all("rows => rows.map((li) => li.dataset.recordId)")
    assert ids == [f"{salon_id}:{day}:am" for day in dates]
    assert len(set(ids)) == 61


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("size", [PC, PHONE], ids=["pc", "phone"])
def test_the_record_detail_with_its_review_form_passes_axe(live, page, logs, axe_violations,
                                                            size, language):
    open_desk(page, live, "hub", size)
    if language == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        # The list is drawn again in English; a row clicked before that would be dropped.
        expect(page.locator("#desk-log-list li", has_text="Morning")).to_have_count(1)
    page.locator("#desk-log-list li").first.get_by_role("button").click()
    form = page.locator("#desk-detail form.desk-review")
    expect(form).to_be_visible()
    expect(form.locator("textarea")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == [], (language, size)
