"""Review marks (要確認) on the volunteer's phone in real Chromium: the hub asks about a
session log, the phone shows the question in 「わたしの記録」, and the volunteer corrects the
log and answers 「直しました」 with no signal; both reach the server at the next sync."""

import json
import re
import time
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from server.directory.models import Site
from server.extensions import db
from sync.hlc import HLC

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"  # the live fixture's
DATE = "2026-11-18"
QUESTION = "保護者の人数が予約より少ないようです。確認してください。"
HOSTILE_COMMENT = "<img src=x onerror=alert(1)>"
REVIEW_RULE = "/api/wards/<code>/records/<collection>/<record_id>/review"


def api(live, method, path, token=None, body=None):
    """One request to the live server over HTTP."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(live.url + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def token_of(live, login):
    return api(live, "POST", "/api/auth/login",
               body={"login": login, "password": PASSWORD,
                     "device_name": f"test {uuid.uuid4().hex[:8]}"})["token"]


def has_review_endpoint(live):
    return any(rule.rule == REVIEW_RULE for rule in live.app.url_map.iter_rules())


def raise_mark(live, hub_token, site_id, record_id, comment):
    """The hub asks about a session log: through the desk's endpoint when there is one,
    else as the same op pushed by the hub (the same data either way). Returns the mark id."""
    if has_review_endpoint(live):
        answer = api(live, "POST", f"/api/wards/14101/records/visit/{record_id}/review",
                     hub_token, {"comment": comment, "op_id": str(uuid.uuid4())})
        return answer.get("record_id") or answer.get("id") or answer["mark"]["record_id"]
    mark_id = str(uuid.uuid4())
    op = {"op_id": str(uuid.uuid4()), "device_id": "hub-desk", "user_id": "ignored",
          "collection": "review", "record_id": mark_id,
          "hlc": HLC(int(time.time() * 1000), 0, "hub-desk").format(), "base_version": None,
          "changes": {"site_id": str(site_id), "target_collection": "visit",
                      "target_record_id": record_id, "comment": comment, "status": "open"}}
    (result,) = api(live, "POST", "/api/sync/push", hub_token,
                    {"protocol": 1, "ops": [op]})["results"]
    assert result["status"] == "applied", result
    return mark_id


def pulled_by_hub(live, collection):
    """The records of ``collection`` as the hub's pull shows them, by record id."""
    token, cursor, found = token_of(live, "hub"), 0, {}
    while True:
        page = api(live, "GET", f"/api/sync/pull?cursor={cursor}&limit=500", token)
        for change in page["changes"]:
            if change["collection"] == collection:
                found[change["record_id"]] = change["data"]
        cursor = page["cursor"]
        if not page["more"]:
            return found


@pytest.fixture
def salon_id(live):
    with live.app.app_context():
        return db.session.query(Site).filter_by(source_key="t:1").one().id


def log_session(page, parents):
    """On the phone: one session log on DATE, sent."""
    page.get_by_label("日付").fill(DATE)
    expect(page.locator("#log-form")).to_have_attribute("data-record",
                                                        re.compile(f":{DATE}:day$"))
    for _ in range(parents):
        page.get_by_role("button", name="保護者を1増やす").click()
    expect(page.locator("#count-parents")).to_have_text(str(parents))
    wait_until_sent(page)


def wait_until_sent(page):
    expect(page.locator("#sync-pending")).to_have_text("すべて送信済み", timeout=15_000)


def show_my_entries(page):
    page.get_by_role("button", name="今すぐ送る").click()
    wait_until_sent(page)
    page.get_by_role("button", name="わたしの記録").click()


def test_a_mark_is_answered_offline_and_settled_at_the_next_sync(live, page, context,
                                                                 signed_in, salon_id,
                                                                 worker_activated):
    signed_in(page, live.url, "yamada")
    expect(page.locator("#log-view")).to_be_visible()
    worker_activated(page)
    log_session(page, parents=2)
    record_id = f"{salon_id}:{DATE}:day"
    mark_id = raise_mark(live, token_of(live, "hub"), salon_id, record_id, QUESTION)

    show_my_entries(page)
    item = page.locator(f"#entry-list li[data-record='{record_id}']")
    expect(item).to_have_attribute("data-review", "open")
    expect(item).to_contain_text("要確認")
    expect(item.locator(".review-comment")).to_have_text(QUESTION)

    context.set_offline(True)
    item.get_by_role("button", name="開いて直す").click()
    expect(page.locator("#log-view")).to_be_visible()
    page.get_by_role("button", name="保護者を1増やす").click()
    expect(page.locator("#count-parents")).to_have_text("3")
    page.get_by_role("button", name="わたしの記録").click()
    item.get_by_label("ひとこと返事（なくても大丈夫）").fill("保護者を1人追加しました")
    item.get_by_role("button", name="直しました").click()
    expect(item).to_have_attribute("data-review", "done")
    expect(item).to_contain_text("確認済み（未送信）")
    expect(page.locator("#status")).to_contain_text("電波がつながったら送ります")
    expect(item.get_by_role("button", name="直しました")).to_have_count(0)
    assert pulled_by_hub(live, "review")[mark_id]["status"] == "open"

    context.set_offline(False)  # no click: the app notices the network and sends
    wait_until_sent(page)
    marks = pulled_by_hub(live, "review")
    assert (marks[mark_id]["status"], marks[mark_id]["done_note"]) == (
        "done", "保護者を1人追加しました")
    assert pulled_by_hub(live, "visit")[record_id]["parents"] == 3
    page.get_by_role("button", name="今すぐ送る").click()
    wait_until_sent(page)
    expect(item).to_contain_text("確認済み")
    expect(item).not_to_contain_text("未送信")


def test_a_comment_that_looks_like_markup_shows_as_text(live, page, signed_in, salon_id):
    signed_in(page, live.url, "yamada")
    page.on("dialog", lambda dialog: pytest.fail(f"the comment ran: {dialog.message}"))
    log_session(page, parents=1)
    raise_mark(live, token_of(live, "hub"), salon_id, f"{salon_id}:{DATE}:day",
               HOSTILE_COMMENT)
    show_my_entries(page)
    comment = page.locator("#entry-list .review-comment")
    expect(comment).to_have_text(HOSTILE_COMMENT)
    assert comment.locator("img").count() == 0
    assert page.locator("#entry-list img").count() == 0


@pytest.mark.parametrize("language", ["ja", "en"])
def test_my_entries_with_a_mark_have_no_serious_accessibility_problems(
        live, page, signed_in, salon_id, axe_violations, language):
    page.set_viewport_size({"width": 360, "height": 740})
    signed_in(page, live.url, "yamada")
    log_session(page, parents=1)
    raise_mark(live, token_of(live, "hub"), salon_id, f"{salon_id}:{DATE}:day", QUESTION)
    show_my_entries(page)
    if language == "en":
        page.get_by_role("button", name="English").click()
        page.get_by_role("button", name="My entries").click()
        expect(page.locator("#entry-list li[data-review=open]")).to_contain_text("Please check")
    else:
        expect(page.locator("#entry-list li[data-review=open]")).to_contain_text("要確認")
    assert axe_violations(page) == []
    # Measured in one go in the page: the list is redrawn after every sync, so a button
    # found by one call may be gone by the next.
    sizes = page.evaluate("""() => [...document.querySelectorAll(
        '#entry-list li[data-review] button')].filter((button) => button.offsetParent)
        .map((button) => { const box = button.getBoundingClientRect();
                           return [box.width, box.height]; })""")
    assert sizes and all(width >= 48 and height >= 48 for width, height in sizes), sizes
