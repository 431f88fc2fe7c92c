"""Outreach records (step 4): one record per place, date and visiting site, so the nursery
teacher and the nurse who went together each add their part from their own phone."""

from __future__ import annotations

import json

import pytest

from sync.collections import OUTREACH, outreach_record_id, parse_outreach_record_id
from sync.protocol import Reason, Scope, Status

SALON, NURSERY, ELSEWHERE = "12", "7", "99"
RECORD = outreach_record_id(SALON, "2026-11-30", NURSERY)


def test_the_id_names_the_place_the_date_and_the_visiting_site():
    assert RECORD == "12:2026-11-30:7"
    assert parse_outreach_record_id(RECORD) == {
        "place_site_id": SALON, "visit_date": "2026-11-30", "site_id": NURSERY}
    assert OUTREACH.initial_data(RECORD)["site_id"] == NURSERY


@pytest.mark.parametrize("bad", ["12:2026-11-30", "12:2026-02-30:7", "a b:2026-11-30:7",
                                 "12:2026-11-30:7:extra", "x" * 41 + ":2026-11-30:7"])
def test_an_id_that_does_not_read_back_is_not_an_outreach_id(bad):
    assert parse_outreach_record_id(bad) is None
    assert not OUTREACH.accepts_id(bad)


def test_an_op_may_not_contradict_its_id():
    problem = OUTREACH.problem(RECORD, {"site_id": ELSEWHERE})
    assert problem is not None and problem[0] is Reason.INVALID_VALUE


def test_two_phones_that_went_together_make_one_record_with_both_parts(push, create_op,
                                                                       store):
    teacher = create_op({"went_nursery_teacher": 1, "parents": 4, "children": 5,
                         "topics": {"add": ["feeding", "sleep"]}},
                        device="phone-teacher", collection="outreach", record_id=RECORD)
    nurse = create_op({"went_public_health_nurse": 1, "parents": 2, "children": 2,
                       "met_welfare_commissioner": 1, "topics": {"add": ["checkups"]}},
                      device="phone-nurse", collection="outreach", record_id=RECORD)
    scope = Scope.of(NURSERY)
    assert push([teacher], scope=scope).results[0].status is Status.APPLIED
    assert push([nurse], scope=scope).results[0].status is Status.APPLIED
    data = json.loads(store.snapshot()["records"][("outreach", RECORD)].data_json)
    assert (data["went_nursery_teacher"], data["went_public_health_nurse"]) == (1, 1)
    assert (data["parents"], data["children"]) == (6, 7)
    assert sorted(data["topics"]) == ["checkups", "feeding", "sleep"]
    assert data["place_site_id"] == SALON


def test_the_place_visited_may_add_to_it_and_a_third_site_may_not(push, create_op):
    op = create_op({"parents": 1}, collection="outreach", record_id=RECORD)
    assert push([op], scope=Scope.of(SALON)).results[0].status is Status.APPLIED
    other = create_op({"parents": 1}, device="phone-x", collection="outreach",
                      record_id=RECORD)
    answer = push([other], scope=Scope.of(ELSEWHERE)).results[0]
    assert (answer.status, answer.reason) == (Status.REJECTED, Reason.OUT_OF_SCOPE)
