"""The parent's page of a card (``/c/<token>``) and its calendar file: what a family sees,
what it never sees, the headers, the rate limit."""

import html
import json
import re
from datetime import date, datetime, time
from types import SimpleNamespace

import icalendar
import pytest
import sqlalchemy as sa

from server.cards import public
from server.cards.models import CardToken
from server.directory.models import Programme
from server.extensions import db, limiter
from server.replication.models import SyncOp, SyncRecord
from server.timeutil import JAPAN, utcnow

TODAY = date(2026, 11, 28)  # a Saturday
STRICT_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
              "form-action 'none'; frame-ancestors 'none'")


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(public, "today_local", lambda: TODAY)


@pytest.fixture
def card(create_site, create_user, mint_card, issue_card):
    """A factory: a volunteer of a salon introduces a family to a hub (open Mon–Fri),
    optionally to its weekly programme; returns ``(token, short_code, hub, issuer)``."""

    def make(with_programme=False, **fields):
        salon = create_site(name="ひだまりサロン", address="横浜市鶴見区鶴見中央1-1-1",
                            phone="045-111-2222")
        hub = create_site(kind="hub", weekdays="01234", name="わっくんひろば",
                          address="横浜市鶴見区豊岡町2-1", address_extra="フーガ1 4階",
                          phone="045-333-4444", latitude=35.508, longitude=139.676)
        if with_programme:
            fields["programme_id"] = str(weekly_programme(hub).id)
        issuer = create_user(sites=[salon])
        minted = mint_card(issuer, salon)
        issue_card(issuer, minted["short_code"], salon, hub, **fields)
        return minted["token"], minted["short_code"], hub, issuer

    return make


def weekly_programme(site, **fields) -> Programme:
    """はじめてのひろば: Thursdays 10:30–11:30 from 5 Nov 2026, booking required."""
    programme = Programme(site=site, title="はじめてのひろば", theme="chat",
                          starts_on=date(2026, 11, 5), rrule="FREQ=WEEKLY;BYDAY=TH",
                          starts_at=time(10, 30), ends_at=time(11, 30), booking_required=True,
                          what_to_bring="母子手帳と飲み物", **fields)
    db.session.add(programme)
    db.session.commit()
    return programme


def record_of(short_code: str) -> tuple[int, dict]:
    version, data = db.session.execute(sa.select(SyncRecord.version, SyncRecord.data_json).where(
        SyncRecord.collection == "card", SyncRecord.record_id == short_code)).one()
    return version, json.loads(data)


def text_of(response) -> str:
    """The page's visible text, tags dropped and entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_page_shows_where_when_and_whom_to_ask_in_plain_japanese(client, card):
    token, code, _hub, _issuer = card(with_programme=True, message="はじめてでも大丈夫です。",
                                      ask_for="受付のたなか", planned_date="2026-12-03")

    response = client.get(f"/c/{token}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert '<html lang="ja">' in body
    assert "<title>わっくんひろば | つなぐ</title>" in body
    text = text_of(response)
    for shown in ("わっくんひろば", "地域子育て支援拠点", "はじめてでも大丈夫です。",
                  "横浜市鶴見区豊岡町2-1", "フーガ1 4階", "12月3日（木） 10:30〜11:30",
                  "はじめてのひろば", "要予約", "母子手帳と飲み物", "受付のたなか",
                  "11月30日（月） 10:00〜12:00", "12月1日（火）", "12月2日（水）",
                  "カレンダーに追加", f"{code[:4]}-{code[4:]}", "045-333-4444"):
        assert shown in text, shown
    assert ('href="https://www.google.com/maps/search/?api=1&amp;query=35.508%2C139.676"'
            in body)
    assert f'href="/c/{token}/calendar.ics"' in body
    assert 'href="?lang=en"' in body


def test_the_page_is_in_english_when_asked(client, card):
    token, _code, _hub, _issuer = card(planned_date="2026-12-03", ask_for="Tanaka at the desk")
    response = client.get(f"/c/{token}?lang=en")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert '<html lang="en">' in body
    text = text_of(response)
    for shown in ("When", "Where", "Ask for", "Tanaka at the desk", "Thu 3 Dec",
                  "Regional child-rearing support hub", "Add to calendar", "Mon 30 Nov"):
        assert shown in text, shown
    assert "いつ" not in text and "カレンダーに追加" not in text
    assert f'href="/c/{token}/calendar.ics?lang=en"' in body
    assert 'href="?lang=ja"' in body


def test_text_from_the_card_is_escaped(client, card):
    token, _code, _hub, _issuer = card(message="<script>alert(1)</script>",
                                       ask_for='"><img src=x onerror=alert(2)>')
    body = client.get(f"/c/{token}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in body
    assert "<script" not in body and "<img" not in body


def test_opening_the_page_marks_the_card_opened_once(client, card):
    token, code, _hub, _issuer = card()
    issued_version, issued = record_of(code)
    assert issued["status"] == "issued"

    assert client.head(f"/c/{token}").status_code == 200  # a link preview is not a visit
    assert record_of(code) == (issued_version, issued)

    assert client.get(f"/c/{token}").status_code == 200
    opened_version, opened = record_of(code)
    assert opened["status"] == "opened" and opened_version == issued_version + 1

    assert client.get(f"/c/{token}").status_code == 200
    assert client.get(f"/c/{token}/calendar.ics").status_code == 200
    assert record_of(code) == (opened_version, opened)


def test_an_expired_card_still_shows_its_page_with_a_kind_note(client, card):
    token, code, _hub, _issuer = card(message="また会いましょう", ask_for="受付のたなか",
                                      planned_date="2026-11-02")
    response = client.get(f"/c/{token}")
    assert response.status_code == 200
    text = text_of(response)
    assert "このカードの期限が過ぎました。" in text and "わっくんひろば" in text
    assert "カレンダーに追加" not in text
    # Its arrival can still be confirmed (arrived beats expired), so the desk part stays.
    for kept in ("また会いましょう", "受付のたなか", "受付でこのページかカードを見せてください。",
                 f"{code[:4]}-{code[4:]}"):
        assert kept in text, kept


@pytest.mark.parametrize("lang, shown, withheld", [
    ("ja", ("この紹介は取り消されました。施設はこれからも利用できます。", "わっくんひろば",
            "電話する 045-333-4444", "開いている日", "11月30日（月） 10:00〜12:00",
            "横浜市鶴見区豊岡町2-1"),
     ("お待ちしています", "受付のたなか", "受付でこのページかカードを見せてください。",
      "ご紹介します", "カレンダーに追加", "行く日", "12月3日（木）", "カード番号", "着いたら")),
    ("en", ("This introduction was cancelled. You are still welcome at the site",
            "Call 045-333-4444", "Open on", "Mon 30 Nov 10:00–12:00"),
     ("お待ちしています", "受付のたなか", "Show this page or the card at the desk.",
      "We'd like to introduce you to", "Add to calendar", "Your day", "Thu 3 Dec",
      "Card number", "When you arrive")),
])
def test_a_cancelled_card_no_longer_welcomes_the_family_but_says_how_to_call(
        client, card, lang, shown, withheld):
    token, code, _hub, _issuer = card(status="cancelled", message="お待ちしています",
                                      ask_for="受付のたなか", planned_date="2026-12-03")
    before = record_of(code)
    response = client.get(f"/c/{token}?lang={lang}")
    assert response.status_code == 200
    text = text_of(response)
    for part in shown:
        assert part in text, part
    for part in (*withheld, f"{code[:4]}-{code[4:]}"):
        assert part not in text, part
    assert 'href="tel:0453334444"' in response.get_data(as_text=True)
    assert record_of(code) == before  # only an issued card is marked opened


def test_a_card_not_synced_yet_shows_the_issuing_sites_contact_and_sites_nearby(
        client, create_site, create_user, mint_card, other_ward):
    salon = create_site(name="ひだまりサロン", address="横浜市鶴見区鶴見中央1-1-1",
                        address_extra="地区センター2階", phone="045-111-2222",
                        latitude=35.500, longitude=139.670)
    near = create_site(name="すぐそこひろば", latitude=35.501, longitude=139.671)
    middle = create_site(name="となり町ひろば", latitude=35.520, longitude=139.680)
    far = create_site(name="遠くのひろば", latitude=35.600, longitude=139.750)
    unmapped = create_site(name="地図なしサロン")
    create_site(name="よその区のひろば", ward=other_ward, latitude=35.5005, longitude=139.6705)
    token = mint_card(create_user(sites=[salon]), salon)["token"]

    response = client.get(f"/c/{token}")
    assert response.status_code == 200
    text = text_of(response)
    for shown in ("まもなく表示されます。しばらくしてから、もう一度開いてください。",
                  "ひだまりサロン", "横浜市鶴見区鶴見中央1-1-1", "地区センター2階",
                  "045-111-2222"):
        assert shown in text, shown
    assert 'href="tel:0451112222"' in response.get_data(as_text=True)
    shown_nearby = [name for name in (near.name, middle.name, far.name, unmapped.name,
                                      "よその区のひろば") if name in text]
    assert shown_nearby == [near.name, middle.name, far.name]
    assert text.index(near.name) < text.index(middle.name) < text.index(far.name)


def test_an_unknown_or_voided_token_is_a_plain_404_page(client, create_site, create_user,
                                                        mint_card):
    salon = create_site()
    minted = mint_card(create_user(sites=[salon]), salon)
    row = db.session.scalar(sa.select(CardToken).where(
        CardToken.short_code == minted["short_code"]))
    row.voided_at = utcnow()
    db.session.commit()

    for url in ("/c/no-such-token", f"/c/{minted['token']}",
                f"/c/{minted['token']}?to={salon.id}", "/c/no-such-token/calendar.ics"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.mimetype == "text/html"
        text = text_of(response)
        assert "ページが見つかりません" in text and "Page not found" in text
        assert salon.name not in text
        assert response.headers["Content-Security-Policy"] == STRICT_CSP


def test_a_voided_token_that_a_card_came_to_use_still_opens_it(client, create_site,
                                                              create_user, mint_card,
                                                              issue_card):
    salon, nursery = create_site(), create_site(kind="nursery_hiroba", name="ひまわり保育園")
    volunteer = create_user(sites=[salon])
    minted = mint_card(volunteer, salon)
    row = db.session.scalar(sa.select(CardToken).where(
        CardToken.short_code == minted["short_code"]))
    row.voided_at = utcnow()  # an old pool token, voided before the phone used it
    db.session.commit()
    issue_card(volunteer, minted["short_code"], salon, nursery)

    response = client.get(f"/c/{minted['token']}")
    assert response.status_code == 200
    assert "ひまわり保育園" in text_of(response)


def test_guessing_tokens_is_rate_limited_with_a_friendly_page(app, client):
    # The app fixture binds the limiter switched off; bind it again, on, before any request.
    app.config.update(RATELIMIT_ENABLED=True, CARD_PAGE_RATE_LIMIT="3 per minute")
    limiter.init_app(app)
    # The page and the .ics share one budget, so guessing through either counts.
    answers = [client.get(url) for url in ("/c/guess-1", "/c/guess-2/calendar.ics",
                                           "/c/guess-3", "/c/guess-4/calendar.ics")]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    limited = answers[3]
    assert limited.mimetype == "text/html"
    assert "少し待ってから開いてください" in text_of(limited)
    assert "Retry-After" in limited.headers
    assert limited.headers["Content-Security-Policy"] == STRICT_CSP
    assert limited.headers["Cache-Control"] == "no-store"


def test_every_card_answer_carries_the_strict_headers(client, card, create_site, create_user,
                                                      mint_card):
    token, _code, _hub, _issuer = card(planned_date="2026-12-03")
    salon = create_site()
    unsynced = mint_card(create_user(sites=[salon]), salon)["token"]
    answers = {"page": client.get(f"/c/{token}"), "pending": client.get(f"/c/{unsynced}"),
               "unknown": client.get("/c/unknown"),
               "ics": client.get(f"/c/{token}/calendar.ics")}
    for name, response in answers.items():
        headers = response.headers
        assert headers["Content-Security-Policy"] == STRICT_CSP, name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "no-referrer", name
        assert headers["Cache-Control"] == "no-store", name
        assert "noindex" in headers["X-Robots-Tag"], name
    for name in ("page", "pending", "unknown"):
        body = answers[name].get_data(as_text=True)
        assert "<script" not in body and " style=" not in body and "<style" not in body, name

    (sheet,) = re.findall(r'<link rel="stylesheet" href="([^"]+)">',
                          answers["page"].get_data(as_text=True))
    assert sheet.startswith("/c/static/")
    css = client.get(sheet)
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert css.headers["X-Content-Type-Options"] == "nosniff"


def test_the_page_and_calendar_show_no_one_but_the_target_site(client, card):
    token, _code, _hub, issuer = card(message="お待ちしています", ask_for="受付のたなか",
                                      wishes={"add": ["meet_many", "fathers_welcome"]})
    page = text_of(client.get(f"/c/{token}"))
    ics = client.get(f"/c/{token}/calendar.ics").get_data(as_text=True)
    for withheld in (issuer.login, issuer.display_name, "ひだまりサロン", "045-111-2222",
                     "多くの親子と知り合える", "meet_many", "父親も参加しやすい", "2026-11-28"):
        assert withheld not in page, withheld
        assert withheld not in ics, withheld
    assert "お待ちしています" in page and "受付のたなか" in page


def test_the_calendar_file_holds_the_programmes_time_in_japan_and_the_address(client, card):
    token, code, _hub, _issuer = card(with_programme=True, message="お待ちしています",
                                      ask_for="受付のたなか", planned_date="2026-12-03")

    response = client.get(f"/c/{token}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    (event,) = icalendar.Calendar.from_ical(response.data).events
    assert event.start == datetime(2026, 12, 3, 10, 30, tzinfo=JAPAN)
    assert event.end == datetime(2026, 12, 3, 11, 30, tzinfo=JAPAN)
    assert event.start.utcoffset().total_seconds() == 9 * 3600
    assert str(event["location"]) == "横浜市鶴見区豊岡町2-1 フーガ1 4階"
    assert str(event["summary"]) == "わっくんひろば: はじめてのひろば"
    description = str(event["description"])
    assert "お待ちしています" in description and "受付のたなか" in description
    assert "要予約" in description
    assert str(event["uid"]) == f"card-{code}@tsunagu"
    assert event.get("dtstamp") is not None
    again = icalendar.Calendar.from_ical(client.get(f"/c/{token}/calendar.ics").data)
    assert str(again.events[0]["uid"]) == str(event["uid"])


def test_the_calendar_file_is_all_day_on_the_planned_date_or_the_next_open_day(client, card):
    planned, _code, _hub, _issuer = card(planned_date="2026-12-08")
    (event,) = icalendar.Calendar.from_ical(client.get(f"/c/{planned}/calendar.ics").data).events
    assert event.start == date(2026, 12, 8) and not isinstance(event.start, datetime)
    assert event.end == date(2026, 12, 9)

    undated, _code, _hub, _issuer = card()
    (event,) = icalendar.Calendar.from_ical(client.get(f"/c/{undated}/calendar.ics").data).events
    assert event.start == date(2026, 11, 30)  # the hub's next open day after Saturday


def test_two_first_views_at_once_record_opened_once(card):
    _token, code, _hub, _issuer = card()
    version, issued = record_of(code)
    # Both views read "issued" before either wrote; the second write is the same op.
    public.mark_opened(code, issued)
    public.mark_opened(code, issued)
    assert record_of(code)[0] == version + 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncOp).where(
        SyncOp.record_id == code)) == 2  # the phone's issue and one "opened"


def test_a_card_for_a_site_no_longer_listed_shows_the_issuing_sites_contact(
        client, create_site, create_user, mint_card, issue_card, other_ward):
    salon = create_site(name="ひだまりサロン", phone="045-111-2222")
    issuer = create_user(sites=[salon])
    minted = mint_card(issuer, salon)
    issue_card(issuer, minted["short_code"], salon, SimpleNamespace(id=999_999))
    other = create_site(name="よそのひろば", ward=other_ward)  # not among those nearby
    for url in (f"/c/{minted['token']}", f"/c/{minted['token']}?to={other.id}"):
        response = client.get(url)  # the record, not the URL, says where the card leads
        assert response.status_code == 200
        text = text_of(response)
        assert "紹介先の情報が見つかりませんでした" in text
        assert "ひだまりサロン" in text and "045-111-2222" in text
        assert "よそのひろば" not in text
    assert client.get(f"/c/{minted['token']}/calendar.ics").status_code == 404


@pytest.mark.parametrize("target", ["1" * 30, str(2**31), str(2**63), "0{other}"])
def test_a_card_whose_target_cannot_be_a_site_id_shows_as_for_an_unknown_site(
        client, create_site, create_user, mint_card, issue_card, other_ward, target):
    salon = create_site(name="ひだまりサロン", phone="045-111-2222")
    # "0<id>" names no site: sync site ids are a site's id as written, with no leading 0.
    other = create_site(name="よその区のひろば", ward=other_ward)
    issuer = create_user(sites=[salon])
    minted = mint_card(issuer, salon)
    issue_card(issuer, minted["short_code"], salon,
               SimpleNamespace(id=target.format(other=other.id)))
    response = client.get(f"/c/{minted['token']}")
    assert response.status_code == 200
    text = text_of(response)
    assert "紹介先の情報が見つかりませんでした" in text
    assert "ひだまりサロン" in text and "よその区のひろば" not in text
    assert client.get(f"/c/{minted['token']}/calendar.ics").status_code == 404


# --- before the card's record arrives: the introduction in the URL ----------------------


@pytest.fixture
def unsynced(create_site, create_user, mint_card):
    """A volunteer of a salon has given a card for a hub's programme with no signal: the
    token is live, the record is still on the phone. Returns ``(token, short_code, hub,
    programme, salon)``."""
    salon = create_site(name="ひだまりサロン", address="横浜市鶴見区鶴見中央1-1-1",
                        phone="045-111-2222")
    hub = create_site(kind="hub", weekdays="01234", name="わっくんひろば",
                      address="横浜市鶴見区豊岡町2-1", address_extra="フーガ1 4階",
                      phone="045-333-4444", latitude=35.508, longitude=139.676)
    programme = weekly_programme(hub)
    minted = mint_card(create_user(sites=[salon]), salon)
    return minted["token"], minted["short_code"], hub, programme, salon


def test_before_its_record_arrives_the_page_shows_the_introduction_from_its_url(
        client, unsynced):
    token, code, hub, programme, _salon = unsynced
    url = f"/c/{token}?to={hub.id}&on=2026-12-03&p={programme.id}"

    response = client.get(url)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    text = text_of(response)
    for shown in ("ご紹介します", "わっくんひろば", "地域子育て支援拠点", "横浜市鶴見区豊岡町2-1",
                  "フーガ1 4階", "行く日", "12月3日（木） 10:30〜11:30", "はじめてのひろば",
                  "要予約", "母子手帳と飲み物", "11月30日（月） 10:00〜12:00",
                  "支援者からのメッセージは、あとでこのページに表示されます。",
                  "受付でこのページかカードを見せてください。", f"{code[:4]}-{code[4:]}"):
        assert shown in text, shown
    assert 'href="tel:0453334444"' in body
    assert ('href="https://www.google.com/maps/search/?api=1&amp;query=35.508%2C139.676"'
            in body)
    # The switch to English keeps the introduction, written from what it named.
    assert f'href="?to={hub.id}&amp;on=2026-12-03&amp;p={programme.id}&amp;lang=en"' in body
    for withheld in ("まもなく表示されます", "ひだまりサロン", "045-111-2222",
                     "カレンダーに追加", "calendar.ics"):
        assert withheld not in text and withheld not in body, withheld
    # The .ics is made from the record alone, and a view with no record writes nothing.
    assert client.get(f"/c/{token}/calendar.ics?to={hub.id}").status_code == 404
    head = client.head(url)  # a link preview
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Security-Policy"] == STRICT_CSP
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncRecord)) == 0
    headers = response.headers
    assert headers["Content-Security-Policy"] == STRICT_CSP
    assert headers["Cache-Control"] == "no-store"
    assert "noindex" in headers["X-Robots-Tag"]


def test_the_introduction_from_the_url_is_in_english_when_asked(client, unsynced):
    token, code, hub, programme, _salon = unsynced
    response = client.get(f"/c/{token}?to={hub.id}&on=2026-12-03&p={programme.id}&lang=en")
    assert response.status_code == 200
    text = text_of(response)
    for shown in ("We'd like to introduce you to", "Regional child-rearing support hub",
                  "Your day", "Thu 3 Dec 10:30–11:30", "Booking required",
                  "A note from your supporter will appear on this page later.",
                  "Show this page or the card at the desk.", f"{code[:4]}-{code[4:]}"):
        assert shown in text, shown
    assert "支援者からのメッセージ" not in text
    body = response.get_data(as_text=True)
    assert f'href="?to={hub.id}&amp;on=2026-12-03&amp;p={programme.id}&amp;lang=ja"' in body


def test_a_url_may_name_a_site_of_any_ward(client, unsynced, create_site, other_ward):
    token, _code, _hub, _programme, _salon = unsynced
    elsewhere = create_site(name="よその区のひろば", ward=other_ward, phone="045-555-6666")
    text = text_of(client.get(f"/c/{token}?to={elsewhere.id}"))
    assert "よその区のひろば" in text and "045-555-6666" in text


def test_once_the_record_arrives_it_wins_over_the_url(client, unsynced, create_site,
                                                      create_user, issue_card, other_ward):
    token, code, hub, programme, salon = unsynced
    elsewhere = create_site(name="よその区のひろば", ward=other_ward)
    url = f"/c/{token}?to={elsewhere.id}&on=2026-12-22&p={programme.id}"
    assert "よその区のひろば" in text_of(client.get(url))

    issue_card(create_user(sites=[salon]), code, salon, hub, message="はじめてでも大丈夫です。",
               ask_for="受付のたなか", planned_date="2026-12-03")
    response = client.get(url)
    assert response.status_code == 200
    text = text_of(response)
    for shown in ("わっくんひろば", "はじめてでも大丈夫です。", "受付のたなか", "12月3日（木）",
                  "カレンダーに追加"):
        assert shown in text, shown
    # The hub's programme is still among its coming events, but not the card's programme.
    for withheld in ("よその区のひろば", "12月22日", "プログラム",
                     "あとでこのページに表示されます"):
        assert withheld not in text, withheld
    assert 'href="?lang=en"' in response.get_data(as_text=True)
    assert record_of(code)[1]["status"] == "opened"


BOGUS = "73915046"  # in no id, date or text of this test's world


@pytest.mark.parametrize("query", [
    f"to={BOGUS}",
    f"to=9{BOGUS}{BOGUS}{BOGUS}",  # beyond any row id, and beyond 64 bits
    f"to=0{{hub}}&on=2026-12-03&x={BOGUS}",  # a site id is written with no leading zero
    f"to={{hub}}x{BOGUS}",
    f"to=%EF%BC%91{BOGUS}",  # a full-width digit first
    f"to={{hub}}&to={BOGUS}",  # repeated: which one was meant is unknown
    f"to=%3Cb%3E{BOGUS}%3C%2Fb%3E",
    f"on=2026-12-03&p={BOGUS}",  # no site at all
])
def test_a_url_naming_no_listed_site_shows_the_pending_page_and_never_echoes_it(
        client, unsynced, query):
    token, _code, hub, _programme, _salon = unsynced
    response = client.get(f"/c/{token}?{query.format(hub=hub.id)}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    text = text_of(response)
    assert "まもなく表示されます。" in text
    assert "ひだまりサロン" in text and "045-111-2222" in text  # the issuing site's contact
    assert BOGUS not in body
    assert "ご紹介します" not in text and "12月3日" not in text
    assert 'href="?lang=en"' in body


@pytest.mark.parametrize("extra", [
    f"on=2026-11-27&p={BOGUS}",  # yesterday: the plan has passed
    f"on=2026-13-{BOGUS[:2]}",
    f"on={BOGUS}",
    "on=20261203",
    "on=2026-12-3",
    "on=2026-12-03T10:00",
    "on=%EF%BC%92026-12-03",  # a full-width digit
    "on=2026-12-03&on=2026-12-04",
    f"p={BOGUS}",
    f"p=9{BOGUS}{BOGUS}{BOGUS}",
    "p=0{programme}",
    "p={programme}&p={programme}",
    "p={elsewhere}",  # a programme of another site
])
def test_a_date_or_programme_the_url_cannot_mean_is_left_out_and_never_echoed(
        client, unsynced, extra):
    token, _code, hub, programme, salon = unsynced
    other = Programme(site=salon, title="サロンの手遊び会", theme="chat",
                      starts_on=date(2026, 11, 3), rrule="FREQ=WEEKLY;BYDAY=TU")
    db.session.add(other)
    db.session.commit()
    query = f"to={hub.id}&{extra}".format(programme=programme.id, elsewhere=other.id)
    response = client.get(f"/c/{token}?{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    text = text_of(response)
    assert "わっくんひろば" in text and "あとでこのページに表示されます" in text
    assert BOGUS not in body and "2026-1" not in body
    # The hub's programme is among its coming events; it is not the card's programme.
    for withheld in ("行く日", "プログラム", "次の開催日", "母子手帳と飲み物", "サロンの手遊び会",
                     "12月4日", "11月27日"):
        assert withheld not in text, withheld
    assert f'href="?to={hub.id}&amp;lang=en"' in body


def test_today_is_a_date_the_url_may_name(client, unsynced):
    token, _code, hub, _programme, _salon = unsynced
    text = text_of(client.get(f"/c/{token}?to={hub.id}&on=2026-11-28"))
    assert "行く日" in text and "今日 11月28日（土）" in text
