"""The phone words refusals from codes, in the screen's language (pwa/js/error-words.js):
a rejected op by its reason and the field at fault, an API error by its code and fields."""

import pytest
from playwright.sync_api import expect

from server.directory.models import Site
from server.extensions import db

from .test_desk import open_desk, push, screen, token_of, visit_op

pytestmark = pytest.mark.browser

WORDS_JS = """async ([lang, what, input]) => {
  localStorage.setItem('tsunagu.lang', lang);
  const words = await import('/js/error-words.js');
  return what === 'op' ? words.rejectionText(input) : words.apiErrorText(input);
}"""

CASES = [
    ("ja", "op", {"reason": "invalid_value", "field": "notes", "fault": "too_long",
                  "limit": 2000, "message": "notes must be at most 2000 characters"},
     "メモは 2000 文字までです。短くして、もう一度送ってください。"),
    ("en", "op", {"reason": "invalid_value", "field": "notes", "fault": "too_long",
                  "limit": 2000},
     "Notes may be at most 2000 characters. Please shorten it and send again."),
    ("ja", "op", {"reason": "invalid_value", "field": "parents", "fault": "out_of_range",
                  "limit": 100000}, "保護者の数が正しくありません（0から100000まで）。"),
    ("ja", "op", {"reason": "invalid_value", "field": "follow_up", "fault": "too_long",
                  "limit": 300},
     "約束したことは 300 文字までです。短くして、もう一度送ってください。"),
    ("ja", "op", {"reason": "invalid_value", "field": "went_public_health_nurse",
                  "fault": "out_of_range", "limit": 100000},
     "保健師の数が正しくありません（0から100000まで）。"),
    ("ja", "op", {"reason": "invalid_value", "field": "consultation_financial_answered_on_site",
                  "fault": "out_of_range", "limit": 100000},
     "経済的な困りごと・その場で対応の数が正しくありません（0から100000まで）。"),
    ("ja", "op", {"reason": "invalid_value", "field": "needs", "fault": "not_allowed"},
     "気づいた希望に選べない値があります。選び直してください。"),
    ("ja", "op", {"reason": "invalid_value", "field": "mystery_field", "fault": "bad_format"},
     "ある項目の書き方が正しくありません。"),
    # Kept by a phone before rejections named their field: the reason alone, in Japanese.
    ("ja", "op", {"reason": "invalid_value", "message": "notes must be at most 2000 characters"},
     "内容に誤りがあります"),
    ("ja", "op", {"reason": "out_of_scope", "field": "site_id"},
     "この場所に記録する権限がありません"),
    ("ja", "api", {"code": "invalid", "message": "Please check the input.",
                   "fields": {"notes": ["Longer than maximum length 2000."]}},
     "入力内容を確認してください。（メモ）"),
    ("en", "api", {"code": "invalid", "fields": {"notes": ["Longer than maximum length 2000."]}},
     "Please check what you entered. (Notes)"),
    # A field the user would not recognise (an id in the request) is not named.
    ("ja", "api", {"code": "not_found", "fields": {"conflict_id": ["no open conflict"]}},
     "見つかりませんでした。消されたか、別の場所のものかもしれません。"),
    ("ja", "api", {"code": "conflict_not_found", "message": "no open conflict 'x'", "fields": {}},
     "この食い違いは、もう解決されています。"),
    ("ja", "api", {"code": "out_of_scope", "message": "site 3 is not one of your sites"},
     "この場所に記録する権限がありません"),
    ("ja", "api", {"code": "offline"}, "電波がありません。つながったら、もう一度お試しください。"),
    ("ja", "api", {"code": "brand_new_code", "message": "Something in English"},
     "うまくいきませんでした。少し待ってから、もう一度お試しください。"),
]


def test_refusals_are_worded_from_codes_never_from_the_servers_message(live, page):
    page.goto(live.url + "/")
    page.evaluate("window.app.ready")
    for lang, what, given, expected in CASES:
        assert page.evaluate(WORDS_JS, [lang, what, given]) == expected, given


def test_the_desks_quarantine_says_the_field_at_fault_in_words(live, page):
    with live.app.app_context():
        salon_id = db.session.query(Site).filter_by(source_key="t:1").one().id
    (result,) = push(live, token_of(live, "yamada"), [visit_op(salon_id, {"parents": -1})])
    assert result["status"] == "rejected"
    open_desk(page, live, "hub")
    screen(page, "受け付けなかった記録")
    item = page.locator("#desk-quarantine-list li.desk-item")
    expect(item).to_contain_text("保護者の数が正しくありません（0から100000まで）。")
    expect(item).not_to_contain_text("must be")
