"""A site's opening schedule (issue 13, defect 2): a monthly or fortnightly salon is shown
open only on the days it really opens, from today on: on the parent's page, in the
directory the phone keeps, and as the hub sets it."""

import html
import re
from datetime import date

import pytest

from server.cards import public
from server.directory import opening
from server.directory.models import Site
from server.extensions import db

MONTHLY_FIRST_TUESDAY = "FREQ=MONTHLY;BYDAY=1TU"
TODAY = date(2026, 12, 2)  # a Wednesday, the day after December's first Tuesday


def text_of(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def open_days_on_page(response) -> list[str]:
    """The entries of the page's list of open days."""
    days = re.search(r'<ul class="days">(.*?)</ul>', response.get_data(as_text=True), re.S)
    return [html.unescape(d).strip() for d in re.findall(r"<li>(.*?)</li>", days.group(1))]


@pytest.fixture
def monthly_salon(create_site):
    return create_site(name="にこにこサロン", weekdays="1", open_rrule=MONTHLY_FIRST_TUESDAY,
                       open_since=date(2026, 4, 7))


@pytest.fixture
def card_to(create_site, create_user, mint_card, issue_card, monkeypatch):
    """A factory: a card from another salon to ``target``, its page seen on ``today``."""

    def make(target: Site, today: date) -> str:
        monkeypatch.setattr(public, "today_local", lambda: today)
        issuing = create_site(name="ひだまりサロン")
        issuer = create_user(sites=[issuing])
        minted = mint_card(issuer, issuing)
        issue_card(issuer, minted["short_code"], issuing, target)
        return minted["token"]

    return make


# --- the parent's page ------------------------------------------------------------------


def test_the_page_of_a_card_to_a_monthly_salon_lists_only_first_tuesdays_from_today(
        client, monthly_salon, card_to):
    token = card_to(monthly_salon, TODAY)
    response = client.get(f"/c/{token}")
    assert response.status_code == 200
    # 1 December has passed; 8, 15 and 22 December are Tuesdays but not first ones.
    assert open_days_on_page(response) == ["2027年1月5日（火） 10:00〜12:00"]
    assert open_days_on_page(client.get(f"/c/{token}?lang=en")) == ["Tue 5 Jan 2027 10:00–12:00"]


def test_on_a_first_tuesday_the_page_lists_that_day_as_today(client, monthly_salon, card_to):
    token = card_to(monthly_salon, date(2026, 12, 1))
    assert open_days_on_page(client.get(f"/c/{token}")) == [
        "今日 12月1日（火） 10:00〜12:00", "2027年1月5日（火） 10:00〜12:00"]


def test_the_page_of_a_fortnightly_salon_lists_every_other_wednesday(client, create_site,
                                                                      card_to):
    salon = create_site(name="そらいろサロン", weekdays="2",
                        open_rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", open_since=date(2026, 4, 8))
    token = card_to(salon, TODAY)
    # 8 April 2026 + 17 fortnights = 2 December 2026.
    assert open_days_on_page(client.get(f"/c/{token}")) == [
        "今日 12月2日（水） 10:00〜12:00", "12月16日（水） 10:00〜12:00",
        "12月30日（水） 10:00〜12:00"]


def test_a_site_without_a_rule_still_opens_every_week_on_its_weekdays(client, create_site,
                                                                      card_to):
    hub = create_site(kind="hub", weekdays="04", name="わっくんひろば")
    token = card_to(hub, TODAY)
    assert open_days_on_page(client.get(f"/c/{token}")) == [
        "12月4日（金） 10:00〜12:00", "12月7日（月） 10:00〜12:00", "12月11日（金） 10:00〜12:00"]


def test_the_calendar_entry_of_a_card_without_a_date_falls_on_the_next_first_tuesday(
        monthly_salon):
    visit = public.calendar.visit_for(None, None, monthly_salon, TODAY)
    assert visit.day == date(2027, 1, 5)


# --- the directory the phone keeps ------------------------------------------------------


def test_the_directory_sends_each_sites_rule_and_its_next_open_dates(client, monthly_salon,
                                                                     create_site, monkeypatch):
    monkeypatch.setattr("server.directory.views.today_local", lambda: TODAY)
    weekly = create_site(weekdays="5", name="どようひろば")
    sites = {s["id"]: s for s in client.get("/api/wards/14101/sites").get_json()}
    salon = sites[monthly_salon.id]
    assert salon["open_rrule"] == MONTHLY_FIRST_TUESDAY
    assert salon["open_since"] == "2026-04-07"
    assert salon["open_weekdays"] == [1]
    # Eight weeks from 2 December: only January's first Tuesday.
    assert salon["next_open_dates"] == ["2027-01-05"]
    assert sites[weekly.id]["open_rrule"] is None
    assert sites[weekly.id]["next_open_dates"] == [
        "2026-12-05", "2026-12-12", "2026-12-19", "2026-12-26", "2027-01-02", "2027-01-09",
        "2027-01-16", "2027-01-23"]
    one = client.get(f"/api/sites/{monthly_salon.id}").get_json()
    assert one["next_open_dates"] == ["2027-01-05"]


# --- setting the rule -------------------------------------------------------------------


def patch_site(client, auth_header, user, site, body):
    return client.patch(f"/api/sites/{site.id}", json=body, headers=auth_header(user))


@pytest.fixture
def hub_staff(create_user):
    return create_user(role="hub_staff")


def test_hub_staff_set_a_second_and_fourth_wednesday_rule_and_the_weekdays_follow(
        client, auth_header, hub_staff, create_site, monkeypatch):
    monkeypatch.setattr("server.directory.views.today_local", lambda: TODAY)
    salon = create_site(weekdays="0")
    response = patch_site(client, auth_header, hub_staff, salon,
                          {"open_rrule": "FREQ=MONTHLY;BYDAY=2WE,4WE"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["open_rrule"] == "FREQ=MONTHLY;BYDAY=2WE,4WE"
    assert body["open_since"] == "2026-12-02"  # today, when not given
    assert body["open_weekdays"] == [2]
    assert body["next_open_dates"] == ["2026-12-09", "2026-12-23", "2027-01-13"]
    response = patch_site(client, auth_header, hub_staff, salon, {"open_rrule": None})
    assert response.status_code == 200
    assert response.get_json()["open_rrule"] is None
    assert response.get_json()["open_since"] is None
    assert response.get_json()["next_open_dates"][:2] == ["2026-12-02", "2026-12-09"]


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"open_rrule": "FREQ=HOURLY"}, "open_rrule", "FREQ must be"),
    ({"open_rrule": "FREQ=WEEKLY;INTERVAL=0;BYDAY=TU"}, "open_rrule", "INTERVAL"),
    ({"open_rrule": "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=10"}, "open_rrule", "BYHOUR"),
    ({"open_rrule": "DTSTART:19000101T000000\nRRULE:FREQ=DAILY"}, "open_rrule", "one RRULE"),
    ({"open_rrule": "FREQ=MONTHLY;BYDAY=6TU"}, "open_rrule", "week number must be 1 to 5"),
    ({"open_rrule": "FREQ=MONTHLY;BYDAY=1XX"}, "open_rrule", "not a valid RRULE"),
    ({"open_rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "open_rrule", "never"),
    ({"open_rrule": "FREQ=WEEKLY;BYDAY=TU;" + "X" * 300}, "open_rrule", "300"),
    ({"open_rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"}, "open_since", "a day the site opens"),
    ({"open_rrule": MONTHLY_FIRST_TUESDAY, "open_since": "1999-12-31"}, "open_since", "2000"),
    ({"open_rrule": 7}, "open_rrule", "string"),
])
def test_a_bad_opening_rule_is_a_422_naming_the_field_and_changes_nothing(
        client, auth_header, hub_staff, create_site, body, field, words):
    salon = create_site(weekdays="1")
    response = patch_site(client, auth_header, hub_staff, salon, body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert list(error["fields"]) == [field]
    assert words in " ".join(error["fields"][field]), error
    db.session.expire_all()
    assert (salon.open_rrule, salon.open_since, salon.open_weekdays) == (None, None, "1")


def test_a_fortnightly_rule_counts_from_the_day_given_and_keeps_it_for_a_later_change(
        client, auth_header, hub_staff, create_site, monkeypatch):
    monkeypatch.setattr("server.directory.views.today_local", lambda: TODAY)
    salon = create_site(weekdays="1")
    response = patch_site(client, auth_header, hub_staff, salon, {
        "open_rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "open_since": "2026-12-08"})
    assert response.get_json()["next_open_dates"][:3] == [
        "2026-12-08", "2026-12-22", "2027-01-05"]
    # A later change of the rule alone counts from the stored day.
    response = patch_site(client, auth_header, hub_staff, salon,
                          {"open_rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["next_open_dates"][:3] == [
        "2026-12-08", "2026-12-10", "2026-12-22"]


def test_only_hub_staff_of_the_ward_may_set_the_rule(client, auth_header, create_user,
                                                     create_site):
    salon = create_site()
    volunteer = create_user(sites=[salon])
    response = patch_site(client, auth_header, volunteer, salon,
                          {"open_rrule": MONTHLY_FIRST_TUESDAY})
    assert response.status_code == 403


def test_a_stored_rule_from_before_the_checks_lists_no_day_rather_than_failing(create_site):
    salon = create_site(open_rrule="FREQ=SECONDLY", open_since=date(2026, 1, 1))
    assert opening.upcoming(salon, TODAY) == []


# --- importing open data ----------------------------------------------------------------


def test_importing_a_salon_whose_note_says_first_tuesday_gives_it_the_monthly_rule(
        client, ward):
    import csv
    import io

    from server.directory.importer import import_sites
    from server.directory.opendata import COLUMNS

    def sheet(*notes: str) -> bytes:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for number, note in enumerate(notes, start=1):
            row = dict.fromkeys(COLUMNS, "")
            row.update({"都道府県コード又は市区町村コード": ward.code, "NO": str(number),
                        "都道府県名": "神奈川県", "市区町村名": f"横浜市{ward.name_ja}",
                        "名称": f"サロン{number}", "種別": "子育てサロン", "利用可能曜日": "火",
                        "利用可能日時特記事項": note})
            writer.writerow([row[c] for c in COLUMNS])
        return buffer.getvalue().encode()

    notes = ("毎月第1火曜日。8月は休み", "隔週火曜日（2026年12月8日から）", "雨の日は休み")
    assert import_sites(sheet(*notes)).created == 3
    sites = {s.number: s for s in db.session.scalars(db.select(Site))}
    assert opening.upcoming(sites["1"], TODAY) == [date(2027, 1, 5)]
    assert opening.upcoming(sites["2"], TODAY)[:3] == [
        date(2026, 12, 8), date(2026, 12, 22), date(2027, 1, 5)]
    assert sites["3"].open_rrule is None
    assert opening.upcoming(sites["3"], TODAY)[:2] == [date(2026, 12, 8), date(2026, 12, 15)]
    # The note stays exactly as the file says it (full-width brackets too).
    assert [s.schedule_note for s in sites.values()] == list(notes)
    # The file decides: a note that no longer states a rule takes it away.
    assert import_sites(sheet("雨の日は休み")).updated == 1
    db.session.expire_all()
    assert (sites["1"].open_rrule, sites["1"].open_since) == (None, None)
