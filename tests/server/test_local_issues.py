"""The regional issues board: issues raised from phones through sync (bad ones
quarantined), read by everyone of the ward, moved along only by its hub staff, with the
history of every change; and the two queries of the weekly digest. On SQLite and
PostgreSQL."""

import uuid
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.local_issues import queries
from server.local_issues.models import LocalIssue, LocalIssueEvent

QUIET_PLAY = "最近、子どもが外で遊ぶ姿をあまり見かけない"


@dataclass
class Ward:
    """Ward A with two sites and its people, ward B with its hub, and who signs in how."""

    client: object
    code: str
    sites: list
    headers: dict
    users: dict
    other_site: object
    meetings: list
    """Two liaison meetings of ward A, then one of ward B."""

    def push(self, who: str, record_id: str, changes: dict) -> dict:
        op = {"op_id": str(uuid.uuid4()), "device_id": f"phone-{who}", "user_id": who,
              "collection": "local_issue", "record_id": record_id,
              "hlc": f"{1_790_000_000_000:015d}:000000:phone-{who}", "base_version": None,
              "changes": changes}
        response = self.client.post("/api/sync/push", json={"protocol": 1, "ops": [op]},
                                    headers=self.headers[who])
        assert response.status_code == 200, response.get_json()
        (result,) = response.get_json()["results"]
        return result

    def raise_issue(self, title: str = QUIET_PLAY, raised_on: str = "2026-11-20",
                    site=None, who: str = "volunteer") -> str:
        record_id = str(uuid.uuid4())
        result = self.push(who, record_id, {
            "site_id": str((site or self.sites[0]).id), "title": title,
            "detail": "公園で見かける親子が減った。", "raised_on": raised_on})
        assert result["status"] == "applied", result
        return record_id

    def get(self, who: str, path: str = ""):
        return self.client.get(f"/api/wards/{self.code}/local-issues{path}",
                               headers=self.headers[who])

    def patch(self, who: str, issue_id: str, body: dict):
        return self.client.patch(f"/api/wards/{self.code}/local-issues/{issue_id}",
                                 json=body, headers=self.headers[who])


@pytest.fixture
def board(client, ward, other_ward, create_site, create_user, auth_header):
    salon, hiroba = create_site("salon"), create_site("tsudoi_hiroba")
    elsewhere = create_site("salon", ward=other_ward)
    users = {
        "volunteer": create_user("volunteer", sites=[salon]),
        "site_staff": create_user("site_staff", sites=[hiroba]),
        "ward_officer": create_user("ward_officer"),
        "hub": create_user("hub_staff"),
        "admin": create_user("admin"),
        "hub_elsewhere": create_user("hub_staff", ward=other_ward),
        "volunteer_elsewhere": create_user("volunteer", ward=other_ward, sites=[elsewhere]),
    }
    headers = {name: auth_header(user) for name, user in users.items()}
    meetings = [client.post(f"/api/wards/{code}/meetings", headers=headers[hub], json={
        "held_on": "2026-11-10", "title": title}).get_json()["id"]
        for code, hub, title in ((ward.code, "hub", "北エリア連絡会"), (ward.code, "hub", "全体会"),
                                 (other_ward.code, "hub_elsewhere", "となりの区の連絡会"))]
    return Ward(client, ward.code, [salon, hiroba], headers, users, elsewhere, meetings)


# --- raising through sync ----------------------------------------------------------------


def test_an_issue_raised_on_a_phone_is_on_the_board_as_raised(board):
    issue_id = board.raise_issue()

    listed = board.get("site_staff").get_json()

    assert [(i["id"], i["title"], i["state"], i["site_name"], i["raised_on"])
            for i in listed] == [(issue_id, QUIET_PLAY, "raised", board.sites[0].name,
                                  "2026-11-20")]
    assert listed[0]["meetings"] == [] and listed[0]["updated_at"] is None


@pytest.mark.parametrize(("changes", "reason", "field"), [
    ({"title": "あ" * 121}, "invalid_value", "title"),
    ({"title": 12}, "invalid_value", "title"),
    ({"raised_on": "2026-02-30"}, "invalid_value", "raised_on"),
    ({"detail": "x" * 1001}, "invalid_value", "detail"),
    ({"state": "decided"}, "unknown_field", None),
    ({"title": None}, "invalid_value", "title"),
])
def test_a_bad_issue_op_is_quarantined_and_the_good_one_applies(board, changes, reason,
                                                                  field):
    good = {"site_id": str(board.sites[0].id), "title": QUIET_PLAY,
            "raised_on": "2026-11-20"}
    bad_id = str(uuid.uuid4())

    result = board.push("volunteer", bad_id, {**good, **changes})
    good_id = board.raise_issue()

    assert (result["status"], result["reason"]) == ("rejected", reason)
    quarantined = board.client.get("/api/sync/quarantine",
                                   headers=board.headers["volunteer"]).get_json()
    assert [entry["op_id"] for entry in quarantined] == [result["op_id"]]
    assert [i["id"] for i in board.get("hub").get_json()] == [good_id]
    if field:
        assert field in result["message"]


def test_a_volunteer_cannot_raise_an_issue_for_a_site_of_another_ward(board):
    result = board.push("volunteer", str(uuid.uuid4()), {
        "site_id": str(board.other_site.id), "title": QUIET_PLAY, "raised_on": "2026-11-20"})

    assert (result["status"], result["reason"]) == ("rejected", "out_of_scope")


# --- who reads, who moves ----------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [
    ("volunteer", 200), ("site_staff", 200), ("ward_officer", 200), ("hub", 200),
    ("admin", 200), ("hub_elsewhere", 403), ("volunteer_elsewhere", 403)])
def test_everyone_of_the_ward_reads_the_board_and_another_ward_gets_403(board, who, status):
    issue_id = board.raise_issue()

    assert board.get(who).status_code == status
    assert board.get(who, f"/{issue_id}").status_code == status


@pytest.mark.parametrize(("who", "status"), [
    ("volunteer", 403), ("site_staff", 403), ("ward_officer", 403), ("hub_elsewhere", 403),
    ("volunteer_elsewhere", 403), ("hub", 200), ("admin", 200)])
def test_only_the_wards_hub_staff_and_admins_move_an_issue(board, who, status):
    issue_id = board.raise_issue()

    response = board.patch(who, issue_id, {"state": "shared"})

    assert response.status_code == status, response.get_json()
    expected = "shared" if status == 200 else "raised"
    assert board.get("hub", f"/{issue_id}").get_json()["state"] == expected
    if status == 403:
        assert response.get_json()["error"]["code"] == "forbidden"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LocalIssue)) == 0


def test_an_issue_of_another_ward_is_not_found_through_this_ward(board):
    elsewhere = board.raise_issue(site=board.other_site, who="volunteer_elsewhere")

    assert board.get("hub", f"/{elsewhere}").status_code == 404
    response = board.patch("hub", elsewhere, {"state": "shared"})
    assert response.status_code == 404
    assert response.get_json()["error"]["fields"] == {"issue_id": ["no such issue in this ward"]}


def test_every_change_is_kept_in_the_history_with_who_and_what(board):
    issue_id = board.raise_issue()
    hub_name = board.users["hub"].display_name

    first, second, _elsewhere = board.meetings
    board.patch("hub", issue_id, {"state": "shared",
                                  "meetings": [{"meeting_id": first, "stage": "shared"}]})
    board.patch("hub", issue_id, {"state": "discussed",
                                  "meetings": [{"meeting_id": first, "stage": "shared"},
                                               {"meeting_id": second, "stage": "discussed"}]})
    board.patch("admin", issue_id, {
        "state": "decided", "initiative": "外遊びの会を公園で月1回ひらく",
        "roles": [{"site_id": board.sites[1].id, "task": "会場の公園を案内する"}],
        "review_dates": ["2027-03-01", "2027-01-15"]})
    same = board.patch("hub", issue_id, {"state": "decided"})

    shown = board.get("volunteer", f"/{issue_id}").get_json()
    assert same.status_code == 200
    assert [(e["by"], sorted(e["changes"])) for e in shown["history"]] == [
        (hub_name, ["meetings", "state"]),
        (hub_name, ["meetings", "state"]),
        (board.users["admin"].display_name, ["initiative", "review_dates", "roles", "state"]),
    ]
    assert shown["history"][1]["changes"]["state"] == {"before": "shared", "after": "discussed"}
    assert shown["history"][2]["changes"]["review_dates"] == {
        "before": [], "after": ["2027-01-15", "2027-03-01"]}
    assert shown["roles"] == [{"site_id": board.sites[1].id, "site_name": board.sites[1].name,
                               "task": "会場の公園を案内する"}]
    assert shown["meetings"] == [
        {"meeting_id": second, "stage": "discussed", "held_on": "2026-11-10", "title": "全体会"},
        {"meeting_id": first, "stage": "shared", "held_on": "2026-11-10",
         "title": "北エリア連絡会"}]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LocalIssueEvent)) == 3


@pytest.mark.parametrize(("body", "field"), [
    ({}, "state"),
    ({"state": "finished"}, "state"),
    ({"meetings": [{"meeting_id": 0, "stage": "shared"}]}, "meetings"),
    ({"meetings": [{"meeting_id": 3, "stage": "decided"}]}, "meetings"),
    ({"roles": [{"site_id": 1, "task": " "}]}, "roles"),
    ({"initiative": "連絡先 090-1234-5678"}, "initiative"),
    ({"review_dates": ["1999-12-31"]}, "review_dates"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_change_is_refused_naming_the_field_and_writes_nothing(board, body, field):
    issue_id = board.raise_issue()

    response = board.patch("hub", issue_id, body)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LocalIssueEvent)) == 0


def test_a_meeting_of_another_ward_or_none_is_refused_and_nothing_is_written(board):
    issue_id = board.raise_issue()
    first, _second, elsewhere = board.meetings

    for meeting in (elsewhere, max(board.meetings) + 100):
        response = board.patch("hub", issue_id, {"state": "shared", "meetings": [
            {"meeting_id": first, "stage": "shared"}, {"meeting_id": meeting, "stage": "shared"}]})
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"]["meetings"] == [
            f"item 1: meeting {meeting} is not a liaison meeting of this ward"]
    assert board.get("hub", f"/{issue_id}").get_json()["history"] == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LocalIssue)) == 0


def test_a_role_for_a_site_of_another_ward_is_refused_and_nothing_is_half_written(board):
    issue_id = board.raise_issue()

    response = board.patch("hub", issue_id, {
        "state": "decided", "roles": [{"site_id": board.other_site.id, "task": "案内する"}]})

    assert response.status_code == 422
    assert "roles" in response.get_json()["error"]["fields"]
    assert board.get("hub", f"/{issue_id}").get_json()["state"] == "raised"


def test_a_deleted_issue_leaves_the_board(board):
    issue_id = board.raise_issue()
    op = {"op_id": str(uuid.uuid4()), "device_id": "phone-volunteer", "user_id": "volunteer",
          "collection": "local_issue", "record_id": issue_id, "delete": True,
          "hlc": f"{1_790_000_000_001:015d}:000000:phone-volunteer", "base_version": 1,
          "changes": {}}
    result = board.client.post("/api/sync/push", json={"protocol": 1, "ops": [op]},
                               headers=board.headers["volunteer"]).get_json()["results"][0]

    assert result["status"] == "applied", result
    assert board.get("hub").get_json() == []
    assert board.get("hub", f"/{issue_id}").status_code == 404


# --- what the weekly digest asks -----------------------------------------------------------


def test_raised_between_gives_the_wards_issues_of_those_days_oldest_first(board, ward,
                                                                           other_ward):
    before = board.raise_issue("十月の課題", "2026-10-31")
    first = board.raise_issue("月曜の課題", "2026-11-02")
    last = board.raise_issue("日曜の課題", "2026-11-08", site=board.sites[1],
                             who="site_staff")
    board.raise_issue("翌週の課題", "2026-11-09")
    board.raise_issue("よその区", "2026-11-03", site=board.other_site,
                      who="volunteer_elsewhere")

    found = queries.raised_between(ward.id, date(2026, 11, 2), date(2026, 11, 8))

    assert [(i["id"], i["title"], i["raised_on"]) for i in found] == [
        (first, "月曜の課題", date(2026, 11, 2)), (last, "日曜の課題", date(2026, 11, 8))]
    assert found[1]["site_name"] == board.sites[1].name
    assert before not in {i["id"] for i in found}
    assert [i["title"] for i in queries.raised_between(other_ward.id, date(2026, 11, 1),
                                                        date(2026, 11, 30))] == ["よその区"]


def test_reviews_due_gives_decided_and_in_progress_initiatives_past_a_review_date(board,
                                                                                 ward):
    decided = board.raise_issue("決まった課題")
    running = board.raise_issue("進行中の課題")
    reviewed = board.raise_issue("振り返った課題")
    not_yet = board.raise_issue("まだ先の課題")
    board.patch("hub", decided, {"state": "decided", "initiative": "外遊びの会",
                                 "review_dates": ["2026-12-01", "2027-03-01"]})
    board.patch("hub", running, {"state": "in_progress",
                                 "review_dates": ["2026-11-01", "2026-12-07"]})
    board.patch("hub", reviewed, {"state": "reviewed", "review_dates": ["2026-11-01"]})
    board.patch("hub", not_yet, {"state": "decided", "review_dates": ["2026-12-08"]})

    due = queries.reviews_due(date(2026, 12, 7))

    assert [(i["id"], i["ward_id"], i["state"], i["review_on"]) for i in due] == [
        (decided, ward.id, "decided", date(2026, 12, 1)),
        (running, ward.id, "in_progress", date(2026, 12, 7))]
    assert due[0]["initiative"] == "外遊びの会" and due[0]["title"] == "決まった課題"
    assert queries.reviews_due(date(2026, 11, 30)) == [
        {"id": running, "ward_id": ward.id, "title": "進行中の課題", "state": "in_progress",
         "initiative": "", "review_on": date(2026, 11, 1)}]


def test_two_desks_making_an_issues_first_change_at_once_get_a_409_not_a_500(
        board, ward, monkeypatch):
    from server.local_issues import board as board_logic

    issue_id = board.raise_issue()
    checked = board_logic._check_roles

    def other_desk_first(*args):
        # The other desk's first change commits while this one is between read and write.
        db.session.execute(sa.insert(LocalIssue.__table__).values(
            record_id=issue_id, ward_id=ward.id, state="shared", initiative="",
            updated_at=sa.func.current_timestamp()))
        return checked(*args)

    monkeypatch.setattr(board_logic, "_check_roles", other_desk_first)
    response = board.patch("hub", issue_id, {"state": "discussed"})

    assert response.status_code == 409, response.get_json()
    assert response.get_json()["error"]["code"] == "conflict"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LocalIssueEvent)) == 0


# --- what the hub's inbox takes from the board ---------------------------------------------


def test_an_initiative_past_its_review_date_reminds_the_hub_once_and_the_digest_counts_issues(
        board, ward):
    import json
    from datetime import datetime

    from server import jobs
    from server.inbox.models import HubMessage

    issue_id = board.raise_issue(raised_on="2026-12-02")
    board.raise_issue(title="土曜に開いている場が少ない", raised_on="2026-11-20")  # the week before
    board.patch("hub", issue_id, {"state": "decided", "initiative": "外遊びの会をひらく",
                                  "review_dates": ["2026-12-10"]})

    def inbox(kind):
        return [json.loads(m.body_json) for m in db.session.scalars(
            sa.select(HubMessage).where(HubMessage.kind == kind, HubMessage.ward_id == ward.id)
            .order_by(HubMessage.id))]

    day_before = datetime.fromisoformat("2026-12-09T09:00+09:00")
    assert jobs.review_reminders(day_before)["reminders"]["issue_review"] == 0
    for day in ("2026-12-10", "2026-12-11", "2026-12-20"):
        jobs.review_reminders(datetime.fromisoformat(f"{day}T09:00+09:00"))
    (reminder,) = inbox("reminder")
    assert (reminder["source"], reminder["record_id"], reminder["title"],
            reminder["review_on"]) == ("issue_review", issue_id, QUIET_PLAY, "2026-12-10")

    jobs.weekly_digest(datetime.fromisoformat("2026-12-07T08:00+09:00"))
    (digest,) = inbox("digest")
    assert digest["sections"]["issues_raised"] == {"count": 1, "titles": [QUIET_PLAY]}
