"""Collections declared once: visit ids, field kinds and the values each field takes."""

from __future__ import annotations

import pytest

from sync.collections import (
    COLLECTIONS,
    CONSULTATION_COUNTERS,
    FEATURE_TAGS,
    Kind,
    parse_visit_record_id,
    visit_record_id,
)
from sync.protocol import Reason


def test_visit_record_id_is_the_same_for_the_same_session_on_any_phone():
    assert visit_record_id("kohoku-hiroba", "2025-04-08", "am") == "kohoku-hiroba:2025-04-08:am"
    assert parse_visit_record_id("kohoku-hiroba:2025-04-08:am") == {
        "site_id": "kohoku-hiroba",
        "session_date": "2025-04-08",
        "session": "am",
    }


@pytest.mark.parametrize(
    ("site_id", "session_date", "session"),
    [
        ("has:colon", "2025-04-08", "am"),
        ("", "2025-04-08", "am"),
        ("site", "2025-02-30", "am"),
        ("site", "20250408", "am"),
        ("site", "2025-04-08", "AM"),
        ("site", "2025-04-08", ""),
    ],
)
def test_visit_record_id_refuses_parts_that_would_make_it_ambiguous(site_id, session_date, session):
    with pytest.raises(ValueError):
        visit_record_id(site_id, session_date, session)
    assert parse_visit_record_id(f"{site_id}:{session_date}:{session}") is None


def test_visit_counts_every_topic_by_every_answer():
    visit = COLLECTIONS["visit"]
    assert len(CONSULTATION_COUNTERS) == 30
    assert "consultation_elder_care_connected_to_ward" in visit.fields
    assert visit.fields["connected_to_ward_count"].kind is Kind.COUNTER
    assert visit.fields["needs"].kind is Kind.SET
    assert visit.fields["notes"].kind is Kind.REGISTER


def test_every_collection_names_an_existing_register_for_its_site():
    for spec in COLLECTIONS.values():
        for name in filter(None, (spec.site_field, spec.shared_site_field)):
            assert spec.fields[name].kind is Kind.REGISTER
            assert not spec.fields[name].nullable


def test_only_the_directory_is_public():
    assert {name for name, spec in COLLECTIONS.items() if spec.public} == {"programme", "event"}


VALID = [
    ("visit", "parents", 0),
    ("visit", "children_3plus", 12),
    ("visit", "needs", {"add": list(FEATURE_TAGS)}),
    ("visit", "needs", {"remove": ["saturday"]}),
    ("visit", "on_duty", {"add": ["user-1"], "remove": ["user-2"]}),
    ("visit", "notes", "今日は雨"),
    ("visit", "notes", None),
    ("card", "status", "arrived"),
    ("card", "planned_date", "2025-05-01"),
    ("card", "wishes", {"add": ["prenatal_ok"]}),
    ("outreach", "went_public_health_nurse", 1),
    ("outreach", "met_welfare_commissioner", 2),
    ("outreach", "topics", {"add": ["sleep", "feeding"]}),
    ("outreach", "follow_up", "来月の離乳食講座を案内する"),
    ("outreach", "follow_up_by", "2026-12-20"),
    ("programme", "theme", "yard_open"),
    ("programme", "starts_at", "10:00"),
    ("programme", "booking_required", False),
    ("event", "capacity", 20),
    ("event", "cancelled_dates", {"add": ["2025-05-05"]}),
    ("local_issue", "title", "最近、子どもが外で遊ぶ姿をあまり見かけない"),
    ("local_issue", "detail", None),
    ("local_issue", "raised_on", "2026-11-20"),
]


@pytest.mark.parametrize(("collection", "field", "change"), VALID)
def test_valid_changes_pass(collection, field, change):
    assert COLLECTIONS[collection].fields[field].problem(change) is None


INVALID = [
    ("visit", "parents", -1, Reason.INVALID_VALUE),
    ("visit", "parents", 1.5, Reason.INVALID_VALUE),
    ("visit", "parents", True, Reason.INVALID_VALUE),
    ("visit", "parents", "3", Reason.INVALID_VALUE),
    ("visit", "parents", 10**9, Reason.INVALID_VALUE),
    ("visit", "needs", ["saturday"], Reason.INVALID_VALUE),
    ("visit", "needs", {"add": ["swimming"]}, Reason.INVALID_VALUE),
    ("visit", "needs", {"add": [["saturday"]]}, Reason.INVALID_VALUE),
    ("visit", "needs", {"add": ["saturday"], "remove": ["saturday"]}, Reason.INVALID_VALUE),
    ("visit", "needs", {"toggle": ["saturday"]}, Reason.INVALID_VALUE),
    ("visit", "notes", "x" * 2001, Reason.INVALID_VALUE),
    ("visit", "notes", 12, Reason.INVALID_VALUE),
    ("visit", "site_id", None, Reason.INVALID_VALUE),
    ("card", "status", "lost", Reason.INVALID_STATUS),
    ("card", "status", 2, Reason.INVALID_STATUS),
    ("card", "planned_date", "2025-13-01", Reason.INVALID_VALUE),
    ("card", "planned_date", "next tuesday", Reason.INVALID_VALUE),
    ("outreach", "went_nursery_teacher", -1, Reason.INVALID_VALUE),
    ("outreach", "follow_up", "x" * 301, Reason.INVALID_VALUE),
    ("programme", "starts_at", "25:00", Reason.INVALID_VALUE),
    ("programme", "theme", "karaoke", Reason.INVALID_VALUE),
    ("outreach", "topics", {"add": ["karaoke"]}, Reason.INVALID_VALUE),
    ("programme", "booking_required", "yes", Reason.INVALID_VALUE),
    ("event", "target_age_max_months", 500, Reason.INVALID_VALUE),
    ("local_issue", "title", None, Reason.INVALID_VALUE),
    ("local_issue", "title", "あ" * 121, Reason.INVALID_VALUE),
    ("local_issue", "detail", "x" * 1001, Reason.INVALID_VALUE),
    ("local_issue", "raised_on", "2026-11-31", Reason.INVALID_VALUE),
]


@pytest.mark.parametrize(("collection", "field", "change", "reason"), INVALID)
def test_invalid_changes_give_their_reason_code(collection, field, change, reason):
    problem = COLLECTIONS[collection].fields[field].problem(change)
    assert problem is not None and problem[0] is reason


def test_a_visit_op_cannot_contradict_its_record_id():
    visit = COLLECTIONS["visit"]
    record_id = "kohoku-hiroba:2025-04-08:am"
    assert visit.problem(record_id, {"site_id": "kohoku-hiroba", "session": "am"}) is None
    assert visit.problem(record_id, {"session": "pm"})[0] is Reason.INVALID_VALUE
    assert visit.problem(record_id, {"attendance": 3})[0] is Reason.UNKNOWN_FIELD


def test_a_new_visit_knows_its_site_from_its_id():
    visit = COLLECTIONS["visit"]
    data = visit.initial_data("kohoku-hiroba:2025-04-08:am")
    assert visit.sites(data) == ("kohoku-hiroba",)
    assert visit.initial_data("not-a-visit-id") is None


def test_the_data_derived_from_an_id_is_a_new_dict_each_time_and_ids_are_bounded():
    visit, card = COLLECTIONS["visit"], COLLECTIONS["card"]
    first = visit.initial_data("kohoku-hiroba:2025-04-08:am")
    first["session"] = "changed by a caller"
    assert visit.initial_data("kohoku-hiroba:2025-04-08:am")["session"] == "am"
    assert card.accepts_id("AB12CD") and card.initial_data("AB12CD") == {}
    assert not card.accepts_id("x" * 201) and not card.accepts_id("a/b")
    assert not visit.accepts_id(None) and card.accepts_id("x" * 200)


def test_a_card_belongs_to_its_issuing_and_its_target_site():
    card = COLLECTIONS["card"]
    assert card.sites({"issuing_site_id": "a", "target_site_id": "b"}) == ("a", "b")
    assert card.sites({"issuing_site_id": "a", "target_site_id": "a"}) == ("a",)
    assert card.sites({}) == ()


def test_a_regional_issue_takes_any_id_a_phone_makes_and_no_hub_field():
    issue = COLLECTIONS["local_issue"]
    changes = {"site_id": "12", "title": "外遊びが減った", "raised_on": "2026-11-20"}
    assert issue.accepts_id("0a445f5a-9e45-40fe-918a-cbe30f184186")
    assert not issue.accepts_id("has/slash")
    assert issue.problem("any-id", changes) is None
    assert issue.problem("any-id", {**changes, "state": "decided"})[0] is Reason.UNKNOWN_FIELD
