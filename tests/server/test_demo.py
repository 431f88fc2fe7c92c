"""``tsunagu demo`` tells the story of a living ward: three months of session logs,
outreach visits, cards in every state, one conflict and one quarantined op, all written
through the sync engine and read back here as hub staff and the volunteer read them."""

import json
import re
import shutil
import subprocess
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from server import create_app
from server.accounts.models import User
from server.demo.build import DEMO_LOGINS, DEMO_WARD
from server.directory.models import Site
from server.extensions import db
from server.replication.models import SyncOp, SyncRecord
from server.timeutil import today_local


def build(path) -> Flask:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path / 'demo.sqlite3'}",
                      "SECRET_KEY": "t", "INSTANCE_PATH": str(path), "TESTING": True,
                      "RATELIMIT_ENABLED": False})
    result = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    return app


def dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    app = build(tmp_path_factory.mktemp("demo"))
    yield app
    dispose(app)


def sign_in(app, login: str) -> dict:
    password = next(p for _role, name, p, _n in DEMO_LOGINS if name == login)
    answer = app.test_client().post("/api/auth/login", json={"login": login,
                                                             "password": password})
    assert answer.status_code == 201, answer.json
    return {"Authorization": f"Bearer {answer.json['token']}"}


def pulled(app, login: str) -> dict[tuple[str, str], dict]:
    """Every record ``login`` pulls, as ``{(collection, record_id): data}``."""
    client, headers, cursor, records = app.test_client(), sign_in(app, login), 0, {}
    while True:
        page = client.get(f"/api/sync/pull?cursor={cursor}&limit=10000", headers=headers).json
        records |= {(c["collection"], c["record_id"]): c["data"] for c in page["changes"]}
        cursor = page["cursor"]
        if not page["more"]:
            return records


@pytest.fixture(scope="module")
def ward(demo):
    return pulled(demo, "hub")


def of(records: dict, collection: str) -> dict[str, dict]:
    return {rid: data for (kind, rid), data in records.items() if kind == collection}


def test_every_demo_login_signs_in(demo):
    logins = [login for _role, login, _p, _n in DEMO_LOGINS]
    assert {"admin", "hub", "ward", "nursery", "volunteer"} <= set(logins)
    for login in logins:
        sign_in(demo, login)


def test_session_logs_cover_three_months_at_every_kind_of_site(demo, ward):
    visits = of(ward, "visit")
    days = sorted(date.fromisoformat(v["session_date"]) for v in visits.values())
    today = today_local()
    assert days[-1] < today and today - days[0] >= timedelta(days=85)
    with demo.app_context():
        kinds = dict(db.session.execute(sa.select(Site.id, Site.kind)).all())
    by_kind = Counter(kinds[int(v["site_id"])] for v in visits.values())
    assert set(by_kind) == {"hub", "tsudoi_hiroba", "nursery_hiroba", "kindergarten_hamakko",
                            "supporter_program", "salon"}
    assert all(count >= 40 for count in by_kind.values()), by_kind
    salon_parents = [v["parents"] for v in visits.values()
                     if kinds[int(v["site_id"])] == "salon"]
    assert min(salon_parents) >= 1 and max(salon_parents) <= 10
    assert all(v.get("in_ward", 0) + v.get("out_of_ward", 0) == v["parents"]
               for v in visits.values())
    assert any(v.get("fathers") for v in visits.values())
    assert any(v.get("connected_to_ward_count") for v in visits.values())
    assert any(v.get("notes") for v in visits.values())


def test_sessions_fall_on_each_sites_open_weekdays(demo, ward):
    with demo.app_context():
        weekdays = {str(site.id): site.weekdays for site in db.session.scalars(sa.select(Site))}
    for visit in of(ward, "visit").values():
        assert date.fromisoformat(visit["session_date"]).weekday() in weekdays[visit["site_id"]]


def test_outreach_visits_some_written_by_two_people(demo, ward):
    outreach = of(ward, "outreach")
    assert len(outreach) >= 12
    assert all(v["parents"] >= 1 and v["topics"] and v["summary"] for v in outreach.values())
    with demo.app_context():
        # The op log's key is "author:op_id" (sync.engine.op_key).
        written = {(record_id, key.partition(":")[0]) for record_id, key in db.session.execute(
            sa.select(SyncOp.record_id, SyncOp.op_id).where(SyncOp.collection == "outreach"))}
    authors = Counter(record_id for record_id, _author in written)
    assert sum(1 for n in authors.values() if n == 2) >= 3
    both_parts = [v for v in outreach.values() if sum(
        v.get(f"went_{role}", 0) for role in ("public_health_nurse", "parenting_partner",
                                              "nursery_teacher")) >= 2]
    assert both_parts


def test_cards_in_every_state_between_sites_of_different_kinds(demo, ward):
    cards = of(ward, "card")
    assert set(Counter(c["status"] for c in cards.values())) == {
        "issued", "opened", "arrived", "expired", "cancelled"}
    with demo.app_context():
        kinds = dict(db.session.execute(sa.select(Site.id, Site.kind)).all())
    assert all(kinds[int(c["issuing_site_id"])] != kinds[int(c["target_site_id"])]
               for c in cards.values())


def test_hub_staff_find_one_conflict_and_one_quarantined_op(demo):
    client, headers = demo.test_client(), sign_in(demo, "hub")
    conflicts = client.get("/api/sync/conflicts", headers=headers).json
    assert [(c["collection"], c["field"]) for c in conflicts] == [("visit", "notes")]
    quarantine = client.get("/api/sync/quarantine?state=open", headers=headers).json
    assert [(q["reason"], q["payload"]["changes"]) for q in quarantine] == [
        ("invalid_value", {"parents": -1})]


def test_a_volunteer_pulls_only_their_own_sites(demo, ward):
    mine = pulled(demo, "volunteer")
    assert of(mine, "visit") and len(of(mine, "visit")) < len(of(ward, "visit")) / 5


def stored_records(app) -> dict[tuple[str, str], dict]:
    with app.app_context():
        rows = db.session.execute(sa.select(SyncRecord.collection, SyncRecord.record_id,
                                            SyncRecord.data_json)).all()
    return {(collection, record_id): json.loads(data) for collection, record_id, data in rows}


def test_the_demo_is_the_same_every_time(demo, tmp_path):
    again = build(tmp_path)
    try:
        assert stored_records(again) == stored_records(demo)
    finally:
        dispose(again)


# --- the logins a first-time tester needs --------------------------------------------------

FINDER_JS = Path(__file__).resolve().parents[2] / "pwa" / "js" / "finder.js"
# What a volunteer ticks first: nothing, or one of the wishes the finder offers.
FIRST_QUERIES = [[]] + [[wish] for wish in (
    "meet_many", "small_homely", "outdoor_play", "family_consult", "consult_room",
    "fathers_welcome", "saturday", "prenatal_ok", "temp_childcare")]
TOP = 3
# The phone's own finder (pwa/js/finder.js, plain ES module with no imports), run by Node on
# the directory the phone downloads.
RANK_JS = """
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const source = require('fs').readFileSync(input.finder, 'utf8');
import('data:text/javascript;base64,' + Buffer.from(source).toString('base64')).then((f) => {
  const tops = [];
  for (const fromId of input.from) {
    const fromSite = input.sites.find((s) => s.id === fromId);
    for (const wishes of input.queries) {
      const ranked = f.rankSites(input.sites, input.events,
        { wishes, ageMonths: null, weekdays: [] },
        { fromSite, today: input.today, soonDays: 14, programmes: input.programmes });
      tops.push({ from: fromId, wishes, top: ranked.slice(0, input.top).map((r) => r.site.id) });
    }
  }
  process.stdout.write(JSON.stringify(tops));
});
"""


def printed_logins(app) -> dict[str, str]:
    """``tsunagu demo``'s printed logins: login → the line saying what it can do."""
    output = app.test_cli_runner().invoke(args=["demo", "--no-serve"]).output
    lines = output.splitlines()
    found = {}
    for line, following in zip(lines, lines[1:], strict=False):
        match = re.fullmatch(r"    (\w+)\s+(\S+)\s+(demo-\S+)", line)
        if match:
            found[match[2]] = following.strip()
    return found


def finder_tops(app, require) -> list[dict]:
    """The finder's top results for the demo volunteer, from each of their sites, for each
    of ``FIRST_QUERIES``."""
    node = shutil.which("node")
    if node is None:
        require("Node.js is not installed (it runs the phone's finder here)")
    client = app.test_client()
    me = client.get("/api/auth/me", headers=sign_in(app, "volunteer")).json
    ward = DEMO_WARD[0]
    directory = {name: client.get(f"/api/wards/{ward}/{name}").json
                 for name in ("sites", "programmes", "events")}
    answer = subprocess.run(
        [node, "-e", RANK_JS], check=True, capture_output=True, text=True, timeout=60,
        input=json.dumps({**directory, "finder": str(FINDER_JS), "from": me["site_ids"],
                          "queries": FIRST_QUERIES, "top": TOP,
                          "today": today_local().isoformat()}))
    return json.loads(answer.stdout)


def test_the_finders_top_sites_for_the_demo_volunteer_have_a_printed_staff_login(demo,
                                                                                 require):
    printed = printed_logins(demo)
    assert set(printed) == {login for _r, login, _p, _n in DEMO_LOGINS}
    with demo.app_context():
        staff = {user.login: set(user.site_ids) for user in db.session.scalars(
            sa.select(User).where(User.role == "site_staff"))}
    confirming = {login for login in staff if "confirms arrivals" in printed[login]}
    staffed = set().union(*(staff[login] for login in confirming))
    tops = finder_tops(demo, require)
    assert len(tops) == 3 * len(FIRST_QUERIES)  # the volunteer's three sites
    unstaffed = [(t["from"], t["wishes"], site) for t in tops for site in t["top"]
                 if site not in staffed]
    assert unstaffed == [], "top finder results no printed site staff login can confirm"


def test_each_printed_staff_login_says_which_sites_it_confirms(demo):
    printed = printed_logins(demo)
    assert printed["salonhost"].endswith("all 25 子育てサロン")
    assert printed["venue"].endswith("all 10 子育て支援者の広場")
    assert printed["nursery"].endswith("わかば保育園 子育てひろば")
    assert "writes nothing" in printed["ward"]


def test_the_hubs_figures_count_the_demos_session_logs_and_cards(demo, ward):
    """The demo writes through the sync store, so its records are in the figures: the
    figures API's totals equal the sums of what the hub pulls."""
    visits, cards = of(ward, "visit"), of(ward, "card")
    with demo.app_context():
        ours = {str(site_id) for site_id in db.session.scalars(
            sa.select(Site.id).where(Site.ward.has(code=DEMO_WARD[0])))}
    visits = {rid: v for rid, v in visits.items() if v["site_id"] in ours}
    issued = [c for c in cards.values() if c["issuing_site_id"] in ours]
    days = sorted(v["session_date"] for v in visits.values())
    cards_days = sorted(c["issued_on"] for c in issued)
    start, end = min(days[0], cards_days[0]), max(days[-1], cards_days[-1])
    answer = demo.test_client().get(f"/api/wards/{DEMO_WARD[0]}/figures",
                                    query_string={"from": start, "to": end},
                                    headers=sign_in(demo, "hub"))
    assert answer.status_code == 200, answer.json
    totals = answer.json["totals"]
    assert totals["sessions"] == len(visits) > 0
    assert totals["adults"] == sum(v.get("parents", 0) for v in visits.values())
    assert answer.json["cards"]["issued"] == len(issued) > 0
    assert answer.json["cards"]["arrived"] == sum(c["status"] == "arrived" for c in issued)


def test_hub_staff_see_each_step_reviewed_twice_with_what_moved_and_what_is_due(demo):
    client = demo.test_client()
    standing = client.get(f"/api/wards/{DEMO_WARD[0]}/checklists/standing",
                          headers=sign_in(demo, "hub")).json
    rows = standing["standings"]
    assert sorted(row["step"] for row in rows) == [1, 2, 3, 4]
    assert all(row["previous"] is not None and row["changes"] for row in rows)
    assert {row["area_name"] for row in rows} == {None, "中部エリア", "北部エリア", "南部エリア"}
    today = date.fromisoformat(standing["today"])
    assert [row["step"] for row in rows if row["review_due"]] == [3]
    assert any(today < date.fromisoformat(row["next_review_on"]) <= today + timedelta(days=7)
               for row in rows)
    # A volunteer of the ward reads the same standing.
    assert client.get(f"/api/wards/{DEMO_WARD[0]}/checklists/standing",
                      headers=sign_in(demo, "volunteer")).json == standing


def test_the_hubs_inbox_has_two_weekly_digests_and_two_review_reminders(demo, ward):
    inbox = demo.test_client().get(f"/api/wards/{DEMO_WARD[0]}/inbox",
                                   headers=sign_in(demo, "hub")).json
    messages = inbox["messages"]
    assert [m["kind"] for m in messages] == ["reminder", "reminder", "digest", "digest"]
    assert [m["read"] for m in messages] == [False, False, False, True]
    assert inbox["unread"] == 3
    reminders = {m["body"]["source"]: m["body"] for m in messages[:2]}
    step = reminders["checklist_review"]
    assert (step["step"], step["area_name"]) == (1, "中部エリア")
    # The regional issue whose initiative's review date passed two days ago.
    assert reminders["issue_review"]["title"] == "最近、子どもが外で遊ぶ姿をあまり見かけない"
    latest, older = messages[2:]
    monday = date.fromisoformat(latest["body"]["to"]) + timedelta(days=1)
    assert monday.weekday() == 0 and monday > today_local() - timedelta(days=7)
    assert date.fromisoformat(older["body"]["to"]) == monday - timedelta(days=8)
    # The digest counts the demo's own records: the cards issued in its week.
    issued = [c for c in of(ward, "card").values()
              if latest["body"]["from"] <= c["issued_on"] <= latest["body"]["to"]]
    assert latest["body"]["sections"]["cards"] == {
        "issued": len(issued), "arrived": sum(c["status"] == "arrived" for c in issued)}
    assert latest["body"]["sections"]["sync_waiting"] == {"conflicts": 1, "quarantined": 1}


def test_the_ward_has_two_meetings_one_publishing_the_area_calendar_with_sites_never_reached(
        demo):
    client, code = demo.test_client(), DEMO_WARD[0]
    volunteer = sign_in(demo, "volunteer")
    meetings = client.get(f"/api/wards/{code}/meetings", headers=volunteer).json
    assert [m["title"] for m in meetings] == ["中部エリア子育て連絡会",
                                              "さくら区子育て支援連絡会（全体会）"]
    area_meeting = meetings[0]
    assert area_meeting["area_name"] == "中部エリア" and area_meeting["version"] == 2
    assert all(area_meeting[part] for part in ("shared", "discussed", "looked_back"))
    calendar = re.search(r"/calendar/\d+\?area=\d+", area_meeting["decided"][0]["task"])
    assert calendar and client.get(calendar.group()).status_code == 200
    history = client.get(f"/api/wards/{code}/meetings/{area_meeting['id']}/history",
                         headers=volunteer).json
    assert [row["version"] for row in history] == [2, 1]
    assert history[1]["state"]["looked_back"] == ""
    year = date.fromisoformat(area_meeting["held_on"]).year
    attendance = client.get(f"/api/wards/{code}/meetings/attendance?year={year}",
                            headers=sign_in(demo, "hub")).json
    assert attendance["meetings"] == 2
    never = [row for row in attendance["sites"] if not row["attended"]]
    assert len(never) == 2 and {row["area_name"] for row in never} == {"西部エリア"}
    assert all(row["rarely"] for row in never)



def test_the_wards_board_has_three_regional_issues_in_different_states(demo):
    from server.local_issues import queries

    client = demo.test_client()
    board = client.get(f"/api/wards/{DEMO_WARD[0]}/local-issues",
                       headers=sign_in(demo, "volunteer")).json
    assert [issue["state"] for issue in board] == ["raised", "shared", "in_progress"]
    outdoor = board[2]
    assert outdoor["title"] == "最近、子どもが外で遊ぶ姿をあまり見かけない"
    assert "サロン" in outdoor["site_name"]
    assert outdoor["initiative"] and len(outdoor["roles"]) == 3
    assert {m["stage"] for m in outdoor["meetings"]} == {"shared", "discussed"}
    shown = client.get(f"/api/wards/{DEMO_WARD[0]}/local-issues/{outdoor['id']}",
                       headers=sign_in(demo, "hub")).json
    assert [entry["changes"].get("state", {}).get("after") for entry in shown["history"]] == [
        "shared", "discussed", "decided", "in_progress"]
    with demo.app_context():
        due = queries.reviews_due(today_local())
        ward_id = db.session.scalar(sa.select(Site.ward_id).where(
            Site.id == outdoor["site_id"]))
        raised = queries.raised_between(ward_id, today_local() - timedelta(days=7),
                                        today_local())
    assert [item["id"] for item in due] == [outdoor["id"]]
    assert [item["title"] for item in raised] == [board[0]["title"]]
