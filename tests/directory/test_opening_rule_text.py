"""利用可能日時特記事項 that say a site opens on some weeks only become an opening rule
(issue 13, defect 2); anything else is left as the note."""

from datetime import date

import pytest

from server.directory.opendata_cells import MONTHLY_SINCE, parse_opening_rule


@pytest.mark.parametrize(("text", "rule"), [
    ("毎月第1火曜日", "FREQ=MONTHLY;BYDAY=1TU"),
    ("毎月第１火曜日", "FREQ=MONTHLY;BYDAY=1TU"),
    ("第2・第4水曜日", "FREQ=MONTHLY;BYDAY=2WE,4WE"),
    ("第１・３木曜", "FREQ=MONTHLY;BYDAY=1TH,3TH"),
    ("第3水曜日。雨天中止", "FREQ=MONTHLY;BYDAY=3WE"),
    ("毎月最終金曜日", "FREQ=MONTHLY;BYDAY=-1FR"),
    ("毎月第1火曜日。8月は休み", "FREQ=MONTHLY;BYDAY=1TU;BYMONTH=1,2,3,4,5,6,7,9,10,11,12"),
    ("第2・第4月曜日。8月・12月はお休み",
     "FREQ=MONTHLY;BYDAY=2MO,4MO;BYMONTH=1,2,3,4,5,6,7,9,10,11"),
])
def test_monthly_forms_become_a_monthly_rule(text, rule):
    assert parse_opening_rule(text) == (rule, MONTHLY_SINCE)


def test_every_other_week_becomes_a_fortnightly_rule_from_the_day_given():
    assert parse_opening_rule("隔週水曜日（2026年4月8日から）") == (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", date(2026, 4, 8))


@pytest.mark.parametrize("text", [
    "",
    "毎週火曜日",  # weekly: the weekdays say it
    "隔週水曜日",  # which weeks is unknown
    "隔週水曜日（2026年4月9日から）",  # a Thursday
    "隔週水曜日（2026年2月30日から）",
    "第6火曜日",
    "第1火曜日。13月は休み",
    "第2・第4月曜日 10時から",
    "日曜・祝日・年末年始は休み",
])
def test_other_notes_are_no_rule(text):
    assert parse_opening_rule(text) is None
