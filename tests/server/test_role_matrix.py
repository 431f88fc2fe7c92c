"""Who may do what, generated from the URL map: every route × every actor, and every
role × every synced collection × the site a push names.

The expectations are the intended policy (README "Who sees what", the docstring of
``server/accounts/policy.py``), not whatever the code answers today:

- volunteer → own sites; site staff → own site; hub staff → own ward, and manage it;
  ward officer → read own ward only; admin → everything;
- public: the directory (wards, areas, sites, programmes, events, one site or programme),
  the OpenAPI document, the card page ``/c/<token>`` with its ``.ics`` and stylesheet,
  the area calendar ``/calendar/<ward_code>`` with its month, feed and stylesheet,
  sign-in and pairing, and the phone app's shell;
- no token → 401 ``unauthorized`` on every other route; a revoked device → 401
  ``device_revoked``; a signed-in user outside the rule → 403 ``forbidden``.

A route added without a row in ``ROUTES`` fails ``test_every_route_has_a_row``.
Every request aims at ward A (``matrix_world``); each factory makes a fresh target where
a request uses one up, so one actor's DELETE or revoke does not change what the next
actor sees, and sends a body valid for an allowed actor, so "allowed" means 2xx.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from werkzeug.exceptions import HTTPException

from server import create_app
from server.accounts import auth

from .matrix_world import ACCOUNTS, ACTORS, CHEAP_HASHER, PASSWORD, World

Request = tuple[str, str, dict | None]


@dataclass(frozen=True)
class Route:
    make: Callable[[World, str], Request]
    """The request an actor sends: method, URL, JSON body."""
    expect: tuple[int, ...]
    """The status each of ``ACTORS`` gets, in that order."""
    fresh_token: bool = False
    """Each actor signs in with a throw-away device (the route signs a device out)."""


def get(url: str) -> Callable[[World, str], Request]:
    """A GET of ``url``, formatted with the world (``{w.code}``, ``{w.card_token}``…)."""
    return lambda w, _actor: ("GET", url.format(w=w), None)


def _login(w: World, _actor: str) -> Request:
    return "POST", "/api/auth/login", {"login": w.users["writer"].login, "password": PASSWORD}


def _pair(w: World, _actor: str) -> Request:
    return "POST", "/api/auth/pair", {"code": w.new_pairing_code()}


def _create_user(w: World, actor: str) -> Request:
    return "POST", "/api/users", {
        "login": f"new-by-{actor.replace('_', '-')}", "display_name": "新人",
        "role": "volunteer", "ward_code": w.code, "site_ids": [w.site_id()],
        "password": "long enough pass"}


def _arrival(w: World, _actor: str) -> Request:
    # A card issued at ward B's site for a family going to ward A's site.
    code, _token = w.new_card("b", "a")
    return "POST", f"/api/cards/{code}/arrival", {}


def _push(w: World, _actor: str) -> Request:
    return "POST", "/api/sync/push", {"protocol": 1, "ops": [
        w.op("visit", w.visit_id(), {"parents": 1})]}


def _resolve(w: World, _actor: str) -> Request:
    return "POST", "/api/sync/conflicts/resolve", {
        "conflict_id": w.new_conflict(), "resolution": "keep_current",
        "op_id": str(uuid.uuid4())}


# Those who may write a session log of site A lose a note there themselves; the others
# are asked about the note of a volunteer of site A.
_WRITERS_OF_A = {"admin", "hub", "site_staff", "volunteer"}


def _resolve_mine(w: World, actor: str) -> Request:
    loser = actor if actor in _WRITERS_OF_A else "writer"
    return "POST", "/api/sync/my-conflicts/resolve", {
        "conflict_id": w.new_conflict(loser), "resolution": "take_conflict",
        "op_id": str(uuid.uuid4())}


def _resubmit(w: World, _actor: str) -> Request:
    entry_id, corrected = w.new_quarantined()
    return "POST", f"/api/sync/quarantine/{entry_id}/resubmit", {"op": corrected}


def _dismiss(w: World, _actor: str) -> Request:
    entry_id, _corrected = w.new_quarantined()
    return "POST", f"/api/sync/quarantine/{entry_id}/dismiss", {"note": "入力ミス、確認済み"}


def _review(w: World, _actor: str) -> Request:
    return ("POST", f"/api/wards/{w.code}/records/visit/{w.session_log}/review",
            {"comment": "来場者数をご確認ください", "op_id": str(uuid.uuid4())})


def _assess(w: World, _actor: str) -> Request:
    from server.cooperation.assessments import current_checkpoints

    return ("POST", f"/api/wards/{w.code}/checklists/assessments",
            {"step": 4, "assessed_on": "2026-11-01", "next_action": "次の連絡会で振り返る",
             "next_review_on": "2027-02-01",
             "answers": [{"checkpoint_id": point.id, "status": "partly"}
                         for point in current_checkpoints(4)]})


def _read_message(w: World, _actor: str) -> Request:
    from server.extensions import db
    from server.inbox.messages import add_message
    from server.timeutil import utcnow

    message = add_message(w.wards["a"].id, "reminder", f"test:{uuid.uuid4()}",
                          {"source": "test"}, utcnow())
    db.session.commit()
    return "POST", f"/api/wards/{w.code}/inbox/{message.id}/read", None
# A liaison meeting of ward A, written by its hub staff, fresh for each actor.
_MEETING = {"held_on": "2026-11-10", "title": "北エリア子育て連絡会",
            "organisations": ["chief_child_commissioner"], "shared": "各施設の予定"}


def _new_meeting(w: World) -> int:
    response = w.client.post(f"/api/wards/{w.code}/meetings", json=_MEETING,
                             headers=w.headers["hub"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _meeting_url(tail: str = "") -> Callable[[World, str], Request]:
    return lambda w, _actor: ("GET", f"/api/wards/{w.code}/meetings/{_new_meeting(w)}{tail}",
                              None)


def _edit_meeting(w: World, _actor: str) -> Request:
    return ("PUT", f"/api/wards/{w.code}/meetings/{_new_meeting(w)}",
            {**_MEETING, "version": 1, "looked_back": "次回は園の先生にも声をかける"})


def _issue_changes(w: World, site: str | None) -> dict:
    changes = {"title": "最近、子どもが外で遊ぶ姿をあまり見かけない", "raised_on": "2026-11-20"}
    return {**changes, "site_id": str(w.site_id(site))} if site else changes


def _local_issue(w: World) -> str:
    """A regional issue raised from a phone at site A."""
    issue_id = str(uuid.uuid4())
    (made,) = w.push_as("writer", w.op("local_issue", issue_id, _issue_changes(w, "a")))
    assert made["status"] == "applied", made
    return issue_id


def _move_issue(w: World, _actor: str) -> Request:
    return ("PATCH", f"/api/wards/{w.code}/local-issues/{_local_issue(w)}",
            {"state": "shared", "meetings": [{"meeting_id": _new_meeting(w), "stage": "shared"}]})


def _restore(w: World, _actor: str) -> Request:
    return ("POST", f"/api/sync/records/visit/{w.new_tombstone()}/restore",
            {"op_id": str(uuid.uuid4())})


EVERYONE = (200,) * len(ACTORS)

# (method, rule) → request and the status of each actor, in the order of ``ACTORS``:
#   admin, hub, hub_elsewhere, ward_officer, ward_officer_elsewhere, site_staff,
#   site_staff_elsewhere, volunteer, volunteer_elsewhere, anonymous, revoked
ROUTES: dict[tuple[str, str], Route] = {
    # --- the phone app's shell: public --------------------------------------------------
    ("GET", "/"): Route(get("/"), EVERYONE),
    ("GET", "/<path:path>"): Route(get("/js/app.js"), EVERYONE),
    ("GET", "/sw.js"): Route(get("/sw.js"), EVERYONE),
    ("GET", "/manifest.webmanifest"): Route(get("/manifest.webmanifest"), EVERYONE),
    ("GET", "/api/openapi.json"): Route(get("/api/openapi.json"), EVERYONE),
    # --- signing in and out -------------------------------------------------------------
    # Public: a bearer token, even a revoked one, plays no part in signing in.
    ("POST", "/api/auth/login"): Route(_login, (201,) * len(ACTORS)),
    ("POST", "/api/auth/pair"): Route(_pair, (201,) * len(ACTORS)),
    ("POST", "/api/auth/logout"): Route(
        lambda w, a: ("POST", "/api/auth/logout", None),
        (204, 204, 204, 204, 204, 204, 204, 204, 204, 401, 401), fresh_token=True),
    ("GET", "/api/auth/me"): Route(
        get("/api/auth/me"),
        (200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("POST", "/api/auth/password"): Route(
        lambda w, a: ("POST", "/api/auth/password",
                      {"current_password": PASSWORD, "new_password": PASSWORD}),
        (204, 204, 204, 204, 204, 204, 204, 204, 204, 401, 401), fresh_token=True),
    # --- devices and people -----------------------------------------------------------------
    # Pairing signs a phone in as a volunteer of ward A: the admin, or hub staff of ward A.
    ("POST", "/api/pairings"): Route(
        lambda w, a: ("POST", "/api/pairings", {"user_id": w.users["writer"].id}),
        (201, 201, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    # Devices are the hub's to manage (list, revoke), not ward data a ward officer reads.
    ("GET", "/api/wards/<code>/devices"): Route(
        get("/api/wards/{w.code}/devices"),
        (200, 200, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    ("POST", "/api/devices/<int:device_id>/revoke"): Route(
        lambda w, a: ("POST", f"/api/devices/{w.new_device()}/revoke", None),
        (200, 200, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    # Naming a phone follows revoking it: the owner (not an actor here: the device is the
    # writer's) and whoever manages the owner.
    ("PATCH", "/api/devices/<int:device_id>"): Route(
        lambda w, a: ("PATCH", f"/api/devices/{w.new_device()}", {"name": "やまだの予備の電話"}),
        (200, 200, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    ("GET", "/api/wards/<code>/users"): Route(
        get("/api/wards/{w.code}/users"),
        (200, 200, 403, 200, 403, 403, 403, 403, 403, 401, 401)),
    ("POST", "/api/users"): Route(
        _create_user,
        (201, 201, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    # --- the directory: public reads ------------------------------------------------------
    ("GET", "/api/wards"): Route(get("/api/wards"), EVERYONE),
    ("GET", "/api/wards/<code>/areas"): Route(get("/api/wards/{w.code}/areas"), EVERYONE),
    ("GET", "/api/wards/<code>/sites"): Route(get("/api/wards/{w.code}/sites"), EVERYONE),
    ("GET", "/api/wards/<code>/programmes"): Route(
        get("/api/wards/{w.code}/programmes"), EVERYONE),
    ("GET", "/api/wards/<code>/events"): Route(get("/api/wards/{w.code}/events"), EVERYONE),
    ("GET", "/api/sites/<int:site_id>"): Route(get("/api/sites/{w.sites[a].id}"), EVERYONE),
    ("GET", "/api/programmes/<int:programme_id>"): Route(
        get("/api/programmes/{w.programme_id}"), EVERYONE),
    # --- the directory: writes --------------------------------------------------------------
    # A site's entry (area, tags, notes) is the hub's; its staff keep its programmes and
    # contact people. A volunteer edits neither.
    ("PATCH", "/api/sites/<int:site_id>"): Route(
        lambda w, a: ("PATCH", f"/api/sites/{w.site_id()}", {"tags": ["outdoor_play"]}),
        (200, 200, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    ("POST", "/api/sites/<int:site_id>/programmes"): Route(
        lambda w, a: ("POST", f"/api/sites/{w.site_id()}/programmes", {
            "title": "交流保育", "theme": "exchange_play", "starts_on": "2026-12-10"}),
        (201, 201, 403, 403, 403, 201, 403, 403, 403, 401, 401)),
    ("PATCH", "/api/programmes/<int:programme_id>"): Route(
        lambda w, a: ("PATCH", f"/api/programmes/{w.programme_id}", {"capacity": 10}),
        (200, 200, 403, 403, 403, 200, 403, 403, 403, 401, 401)),
    ("DELETE", "/api/programmes/<int:programme_id>"): Route(
        lambda w, a: ("DELETE", f"/api/programmes/{w.new_programme()}", None),
        (204, 204, 403, 403, 403, 204, 403, 403, 403, 401, 401)),
    ("POST", "/api/sites/<int:site_id>/contacts"): Route(
        lambda w, a: ("POST", f"/api/sites/{w.site_id()}/contacts",
                      {"display_name": "すずきさん", "role": "nursery_teacher"}),
        (201, 201, 403, 403, 403, 201, 403, 403, 403, 401, 401)),
    ("DELETE", "/api/contacts/<int:contact_id>"): Route(
        lambda w, a: ("DELETE", f"/api/contacts/{w.new_contact()}", None),
        (204, 204, 403, 403, 403, 204, 403, 403, 403, 401, 401)),
    ("GET", "/api/kind-mappings"): Route(
        get("/api/kind-mappings"),
        (200, 403, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    ("PUT", "/api/kind-mappings"): Route(
        lambda w, a: ("PUT", "/api/kind-mappings",
                      {"source_type": f"テスト種別{w.serial()}", "kind": "salon"}),
        (200, 403, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    # --- cards --------------------------------------------------------------------------------
    # Minting is the first write of a card: whoever may write site A's records, so not a
    # ward officer.
    ("POST", "/api/cards/tokens"): Route(
        lambda w, a: ("POST", "/api/cards/tokens", {"site_id": w.site_id(), "count": 1}),
        (201, 201, 403, 403, 403, 201, 403, 201, 403, 401, 401)),
    # Only staff of the target site (A) confirm an arrival. Hub staff are staff of every
    # site of their ward; staff of the issuing site (B) and a volunteer of A are not.
    ("POST", "/api/cards/<short_code>/arrival"): Route(
        _arrival,
        (200, 200, 403, 403, 403, 200, 403, 403, 403, 401, 401)),
    # The notices of the sites one may read: none is an empty list, not a refusal.
    ("GET", "/api/notices"): Route(
        get("/api/notices"),
        (200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("GET", "/api/wards/<code>/card-figures"): Route(
        get("/api/wards/{w.code}/card-figures"),
        (200, 200, 403, 200, 403, 403, 403, 403, 403, 401, 401)),
    ("GET", "/c/<token>"): Route(get("/c/{w.card_token}"), EVERYONE),
    ("GET", "/c/<token>/calendar.ics"): Route(get("/c/{w.card_token}/calendar.ics"), EVERYONE),
    ("GET", "/c/static/card_page.css"): Route(get("/c/static/card_page.css"), EVERYONE),
    # The area calendar is public, as the directory it reads.
    ("GET", "/calendar/<ward_code>"): Route(get("/calendar/{w.code}"), EVERYONE),
    ("GET", "/calendar/<ward_code>.ics"): Route(get("/calendar/{w.code}.ics"), EVERYONE),
    ("GET", "/calendar/<ward_code>/month/<month_text>"): Route(
        get("/calendar/{w.code}/month/2026-12"), EVERYONE),
    ("GET", "/calendar/static/calendar.css"): Route(
        get("/calendar/static/calendar.css"), EVERYONE),
    # --- sync ---------------------------------------------------------------------------------
    # A push is answered 200 with one answer per op (whether each applied is
    # test_each_role_writes_only_its_scope's part); so are the lists, scoped to the reader.
    ("POST", "/api/sync/push"): Route(
        _push,
        (200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("GET", "/api/sync/pull"): Route(
        get("/api/sync/pull"),
        (200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("GET", "/api/sync/conflicts"): Route(
        get("/api/sync/conflicts"),
        (200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("GET", "/api/sync/quarantine"): Route(
        get("/api/sync/quarantine"),
        (200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 401)),
    # Whoever may write the record settles its conflict (a push naming it in ``resolves``
    # could as well): not a ward officer, who writes nothing.
    ("POST", "/api/sync/conflicts/resolve"): Route(
        _resolve,
        (200, 200, 403, 403, 403, 200, 403, 200, 403, 401, 401)),
    # Its author settles a conflict they lost; another's in their scope is forbidden (a
    # ward officer reads it), and one outside it is unknown to them (404).
    ("GET", "/api/sync/my-conflicts"): Route(
        get("/api/sync/my-conflicts"),
        (200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("POST", "/api/sync/my-conflicts/resolve"): Route(
        _resolve_mine,
        (200, 200, 404, 403, 404, 200, 404, 200, 404, 401, 401)),
    # Hub staff work the quarantine of their own ward; an entry of another ward is
    # answered as unknown (404), so its id tells them nothing.
    ("POST", "/api/sync/quarantine/<entry_id>/resubmit"): Route(
        _resubmit,
        (200, 200, 404, 403, 403, 403, 403, 403, 403, 401, 401)),
    ("POST", "/api/sync/quarantine/<entry_id>/dismiss"): Route(
        _dismiss,
        (200, 200, 404, 403, 403, 403, 403, 403, 403, 401, 401)),
    ("POST", "/api/sync/records/<collection>/<record_id>/restore"): Route(
        _restore,
        (200, 200, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    # --- the hub desk ---------------------------------------------------------------------
    # A ward's synced records are read by its hub staff and ward officers (and the admin),
    # not by the people of its sites, who pull their own.
    ("GET", "/api/wards/<code>/visits"): Route(
        get("/api/wards/{w.code}/visits"),
        (200, 200, 403, 200, 403, 403, 403, 403, 403, 401, 401)),
    ("GET", "/api/wards/<code>/outreach"): Route(
        get("/api/wards/{w.code}/outreach"),
        (200, 200, 403, 200, 403, 403, 403, 403, 403, 401, 401)),
    ("GET", "/api/wards/<code>/records/<collection>/<record_id>"): Route(
        get("/api/wards/{w.code}/records/visit/{w.session_log}"),
        (200, 200, 403, 200, 403, 403, 403, 403, 403, 401, 401)),
    # The ward's figures: the same readers as its records (a site's people see their own
    # logs, not the ward's sums; another ward's hub staff see their own ward's).
    ("GET", "/api/wards/<code>/figures"): Route(
        get("/api/wards/{w.code}/figures?from=2026-11-01&to=2026-11-30"),
        (200, 200, 403, 200, 403, 403, 403, 403, 403, 401, 401)),
    # Its records and monthly report as files: the same readers as the records.
    ("GET", "/api/wards/<code>/exports/visits"): Route(
        get("/api/wards/{w.code}/exports/visits?format=csv"),
        (200, 200, 403, 200, 403, 403, 403, 403, 403, 401, 401)),
    ("GET", "/api/wards/<code>/exports/outreach"): Route(
        get("/api/wards/{w.code}/exports/outreach?format=xlsx"),
        (200, 200, 403, 200, 403, 403, 403, 403, 403, 401, 401)),
    ("GET", "/api/wards/<code>/reports/monthly"): Route(
        get("/api/wards/{w.code}/reports/monthly?month=2026-11&format=xlsx"),
        (200, 200, 403, 200, 403, 403, 403, 403, 403, 401, 401)),
    # A review mark is raised on a desk by those who manage the ward: not a ward officer,
    # who reads only, nor the people of its sites (site staff may open one by a push).
    ("POST", "/api/wards/<code>/records/<collection>/<record_id>/review"): Route(
        _review,
        (201, 201, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    # Which cooperation step the ward is at: everyone of the ward reads it (the guideline
    # wants every supporter to know); its hub staff and admins record the reviews.
    ("GET", "/api/wards/<code>/checklists"): Route(
        get("/api/wards/{w.code}/checklists"),
        (200, 200, 403, 200, 403, 200, 403, 200, 403, 401, 401)),
    ("GET", "/api/wards/<code>/checklists/standing"): Route(
        get("/api/wards/{w.code}/checklists/standing"),
        (200, 200, 403, 200, 403, 200, 403, 200, 403, 401, 401)),
    ("GET", "/api/wards/<code>/checklists/history"): Route(
        get("/api/wards/{w.code}/checklists/history?step=1"),
        (200, 200, 403, 200, 403, 200, 403, 200, 403, 401, 401)),
    ("POST", "/api/wards/<code>/checklists/assessments"): Route(
        _assess,
        (201, 201, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    # The checkpoints' wording is the city's, for all wards: only admins add a new version.
    ("POST", "/api/checklists/steps/<int:step>/checkpoints/<int:number>"): Route(
        lambda _w, _actor: ("POST", "/api/checklists/steps/2/checkpoints/1",
                            {"text_ja": "連絡会等で親子の状況を共有している。",
                             "text_en": "Meetings share how families are doing."}),
        (201, 403, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    # The hub's inbox (reminders, the weekly digest): its hub staff and admins; a ward
    # officer reads the ward's records, but the hub's work list is the hub's.
    ("GET", "/api/wards/<code>/inbox"): Route(
        get("/api/wards/{w.code}/inbox"),
        (200, 200, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    ("POST", "/api/wards/<code>/inbox/<int:message_id>/read"): Route(
        _read_message,
        (200, 200, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    # Liaison meetings: everyone of the ward reads them (those who were not there most of
    # all); its hub staff and admins write them.
    ("GET", "/api/wards/<code>/meetings"): Route(
        get("/api/wards/{w.code}/meetings?year=2026"),
        (200, 200, 403, 200, 403, 200, 403, 200, 403, 401, 401)),
    ("POST", "/api/wards/<code>/meetings"): Route(
        lambda w, _actor: ("POST", f"/api/wards/{w.code}/meetings", _MEETING),
        (201, 201, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    ("GET", "/api/wards/<code>/meetings/<int:meeting_id>"): Route(
        _meeting_url(),
        (200, 200, 403, 200, 403, 200, 403, 200, 403, 401, 401)),
    ("PUT", "/api/wards/<code>/meetings/<int:meeting_id>"): Route(
        _edit_meeting,
        (200, 200, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    ("GET", "/api/wards/<code>/meetings/<int:meeting_id>/history"): Route(
        _meeting_url("/history"),
        (200, 200, 403, 200, 403, 200, 403, 200, 403, 401, 401)),
    ("GET", "/api/wards/<code>/meetings/attendance"): Route(
        get("/api/wards/{w.code}/meetings/attendance?year=2026"),
        (200, 200, 403, 200, 403, 200, 403, 200, 403, 401, 401)),
    # The regional issues board: everyone of the ward reads it; only its hub staff (and
    # admins) move an issue along.
    ("GET", "/api/wards/<code>/local-issues"): Route(
        get("/api/wards/{w.code}/local-issues"),
        (200, 200, 403, 200, 403, 200, 403, 200, 403, 401, 401)),
    ("GET", "/api/wards/<code>/local-issues/<issue_id>"): Route(
        lambda w, _actor: ("GET", f"/api/wards/{w.code}/local-issues/{_local_issue(w)}", None),
        (200, 200, 403, 200, 403, 200, 403, 200, 403, 401, 401)),
    ("PATCH", "/api/wards/<code>/local-issues/<issue_id>"): Route(
        _move_issue,
        (200, 200, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
    # What was changed on the desks: the admin's to read.
    ("GET", "/api/audit"): Route(
        get("/api/audit"),
        (200, 403, 403, 403, 403, 403, 403, 403, 403, 401, 401)),
}


def served_routes(app: Flask) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            if rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}}


@pytest.fixture
def world(app, client, monkeypatch):
    monkeypatch.setattr(auth, "_hasher", CHEAP_HASHER)
    return World.build(client)


def test_every_route_has_a_row(tmp_path):
    # The URL map needs no database: one app, not one per engine.
    served = served_routes(create_app({"TESTING": True, "SECRET_KEY": "test",
                                       "SQLALCHEMY_DATABASE_URI": "sqlite://",
                                       "INSTANCE_PATH": str(tmp_path)}))
    assert sorted(served - ROUTES.keys()) == [], "routes with no row in ROUTES"
    assert sorted(ROUTES.keys() - served) == [], "rows in ROUTES for routes that are gone"
    assert all(len(route.expect) == len(ACTORS) for route in ROUTES.values())


def label(actor: str, status: int, code: str | None = None) -> str:
    """A cell: the status, with the error code where the policy fixes one."""
    if status == 401:
        return f"401 {code or ('device_revoked' if actor == 'revoked' else 'unauthorized')}"
    return f"403 {code or 'forbidden'}" if status == 403 else str(status)


def answer(actor: str, response) -> str:
    body = response.get_json(silent=True) if response.is_json else None
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return label(actor, response.status_code, code or "-")


@pytest.mark.parametrize("key", sorted(ROUTES), ids=" ".join)
def test_each_actor_gets_what_the_policy_intends(app, world, key):
    route, (method, rule) = ROUTES[key], key
    adapter = app.url_map.bind("localhost")
    expected, actual = {}, {}
    for actor, status in zip(ACTORS, route.expect, strict=True):
        sent_method, url, body = route.make(world, actor)
        assert sent_method == method
        try:
            matched, _args = adapter.match(url.partition("?")[0], method=method,
                                           return_rule=True)
        except HTTPException as error:
            pytest.fail(f"{method} {url} matches no route: {error}")
        assert matched.rule == rule, f"{url} reaches {matched.rule}, not {rule}"
        headers = world.headers_for(actor) if route.fresh_token else world.headers[actor]
        response = world.client.open(url, method=method, json=body, headers=headers)
        expected[actor], actual[actor] = label(actor, status), answer(actor, response)
    wrong = [f"{actor}: expected {expected[actor]}, got {actual[actor]}"
             for actor in ACTORS if actual[actor] != expected[actor]]
    assert not wrong, f"{method} {rule}\n" + "\n".join(wrong)


# --- push: role × collection × the site an op names ---------------------------------------

ANSWERS = {"A": ("applied", None), "S": ("rejected", "out_of_scope"),
           "M": ("rejected", "malformed")}


def _directory(w: World, collection: str, site: str | None) -> dict:
    changes = {"title": "園庭開放", "theme": "yard_open", "one_off_date": "2026-12-01"}
    if site:
        changes["site_id"] = str(w.site_id(site))
    return w.op(collection, f"{collection}-{uuid.uuid4()}", changes)


def _outreach(w: World, site: str | None) -> dict:
    # One record per place, date and visiting site, all in its id: a fresh date each time.
    serial = w.serial()
    day = f"2026-{1 + serial // 28 % 12:02d}-{1 + serial % 28:02d}"
    record_id = (f"{w.site_id(site)}:{day}:{w.site_id(site)}" if site
                 else f"{day}:s{serial}")
    changes = {"went_nursery_teacher": 1, "parents": 3, "summary": "園庭開放の案内"}
    return w.op("outreach", record_id, changes)


def _card(w: World, minted_for: str, issuing: str | None, target: str | None) -> dict:
    code, _token = w.mint(minted_for)
    return w.op("card", code, w.card_changes(issuing, target))


def _arrived(w: World) -> dict:
    code, _token = w.new_card("b", "a")
    return w.op("card", code, {"status": "arrived"})


# column → the op each actor pushes, a fresh record each time. "ward_a" names ward A's site
# (of hub, ward_officer, site_staff, volunteer), "ward_b" the site of the "_elsewhere"
# actors, "no_site" none.
PUSH_OPS: dict[str, Callable[[World], dict]] = {
    "visit@ward_a": lambda w: w.op("visit", w.visit_id("a"), {"parents": 1}),
    "visit@ward_b": lambda w: w.op("visit", w.visit_id("b"), {"parents": 1}),
    "visit@no_site": lambda w: w.op("visit", f"2026-11-30:s{w.serial()}", {"parents": 1}),
    "card@ward_a": lambda w: _card(w, "a", "a", "a"),
    "card@ward_b": lambda w: _card(w, "b", "b", "b"),
    "card@no_site": lambda w: _card(w, "a", None, None),
    "card@issuing_site_only": lambda w: _card(w, "a", "a", None),
    "card@ward_a_to_ward_b": lambda w: _card(w, "a", "a", "b"),
    "card@ward_a_minted_for_ward_b": lambda w: _card(w, "b", "a", "a"),
    "card@arrived_at_ward_a": _arrived,
    "outreach@ward_a": lambda w: _outreach(w, "a"),
    "outreach@ward_b": lambda w: _outreach(w, "b"),
    "outreach@no_site": lambda w: _outreach(w, None),
    "programme@ward_a": lambda w: _directory(w, "programme", "a"),
    "programme@ward_b": lambda w: _directory(w, "programme", "b"),
    "programme@no_site": lambda w: _directory(w, "programme", None),
    "event@ward_a": lambda w: _directory(w, "event", "a"),
    "event@ward_b": lambda w: _directory(w, "event", "b"),
    "event@no_site": lambda w: _directory(w, "event", None),
    "review@ward_a": lambda w: w.op("review", str(uuid.uuid4()), w.review_changes("a")),
    "review@ward_b": lambda w: w.op("review", str(uuid.uuid4()), w.review_changes("b")),
    "review@no_site": lambda w: w.op("review", str(uuid.uuid4()), w.review_changes(None)),
    "review@done_at_ward_a": lambda w: w.op("review", w.new_review_mark("a"), {
        "status": "done", "done_note": "数を直しました"}),
    "review@done_at_ward_b": lambda w: w.op("review", w.new_review_mark("b"), {
        "status": "done", "done_note": "数を直しました"}),
    "local_issue@ward_a": lambda w: w.op("local_issue", str(uuid.uuid4()),
                                         _issue_changes(w, "a")),
    "local_issue@ward_b": lambda w: w.op("local_issue", str(uuid.uuid4()),
                                         _issue_changes(w, "b")),
    "local_issue@no_site": lambda w: w.op("local_issue", str(uuid.uuid4()),
                                          _issue_changes(w, None)),
}

# column → the answer each of ``ACCOUNTS`` gets: A applied, S rejected out_of_scope,
# M rejected malformed. A ward officer writes nothing; a record's first op names the
# sites its collection needs.
PUSH_ANSWERS: dict[str, str] = {
    #                                 admin hub hub* wo wo* ss ss* vol vol*
    "visit@ward_a":                  "A     A   S    S  S   A  S   A   S",
    "visit@ward_b":                  "A     S   A    S  S   S  A   S   A",
    # A session log's site is its id's first part: an id without one is no visit id.
    "visit@no_site":                 "M     M   M    M  M   M  M   M   M",
    "card@ward_a":                   "A     A   S    S  S   A  S   A   S",
    "card@ward_b":                   "A     S   A    S  S   S  A   S   A",
    "card@no_site":                  "S     S   S    S  S   S  S   S   S",
    # A new card names both its sites: the issuing one alone is not enough.
    "card@issuing_site_only":        "S     S   S    S  S   S  S   S   S",
    # A card from ward A to ward B belongs to its issuing site: ward B's people may not
    # issue it (they see it, and confirm the family's arrival).
    "card@ward_a_to_ward_b":         "A     A   S    S  S   A  S   A   S",
    # A code minted for ward B's site cannot be issued as a card of ward A's site.
    "card@ward_a_minted_for_ward_b": "S     S   S    S  S   S  S   S   S",
    # "arrived" on a card from ward B to ward A: staff of the target site (A) and hub
    # staff of its ward, not a volunteer of A, nor staff or hub of the issuing side.
    "card@arrived_at_ward_a":        "A     A   S    S  S   A  S   S   S",
    "outreach@ward_a":               "A     A   S    S  S   A  S   A   S",
    "outreach@ward_b":               "A     S   A    S  S   S  A   S   A",
    # Like a session log, an outreach record's sites are in its id.
    "outreach@no_site":              "M     M   M    M  M   M  M   M   M",
    # The directory is the site's own word, as in its API: staff and hub staff write it,
    # a volunteer of the site does not.
    "programme@ward_a":              "A     A   S    S  S   A  S   S   S",
    "programme@ward_b":              "A     S   A    S  S   S  A   S   S",
    "programme@no_site":             "S     S   S    S  S   S  S   S   S",
    "event@ward_a":                  "A     A   S    S  S   A  S   S   S",
    "event@ward_b":                  "A     S   A    S  S   S  A   S   S",
    "event@no_site":                 "S     S   S    S  S   S  S   S   S",
    # A review mark is opened by staff of its site (hub staff are staff of every site of
    # their ward), not by a volunteer; it names its site first, like every record.
    "review@ward_a":                 "A     A   S    S  S   A  S   S   S",
    "review@ward_b":                 "A     S   A    S  S   S  A   S   S",
    "review@no_site":                "S     S   S    S  S   S  S   S   S",
    # Whoever writes the site settles the mark (the volunteer who wrote the log).
    "review@done_at_ward_a":         "A     A   S    S  S   A  S   A   S",
    "review@done_at_ward_b":         "A     S   A    S  S   S  A   S   A",
    # Anyone who writes a site raises an issue for it: a volunteer as much as its staff.
    "local_issue@ward_a":            "A     A   S    S  S   A  S   A   S",
    "local_issue@ward_b":            "A     S   A    S  S   S  A   S   A",
    "local_issue@no_site":           "S     S   S    S  S   S  S   S   S",
}

COLLECTIONS = ("visit", "card", "outreach", "review", "programme", "event", "local_issue")


def test_every_collection_is_pushed_at_each_site():
    assert PUSH_OPS.keys() == PUSH_ANSWERS.keys()
    assert {column.partition("@")[0] for column in PUSH_OPS} == set(COLLECTIONS)
    for collection in COLLECTIONS:
        for target in ("ward_a", "ward_b", "no_site"):
            assert f"{collection}@{target}" in PUSH_OPS
    assert all(len(row.split()) == len(ACCOUNTS) for row in PUSH_ANSWERS.values())


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_each_role_writes_only_its_scope(world, collection):
    wrong = []
    for column in (c for c in PUSH_OPS if c.partition("@")[0] == collection):
        for actor, letter in zip(ACCOUNTS, PUSH_ANSWERS[column].split(), strict=True):
            (result,) = world.push(world.headers[actor], PUSH_OPS[column](world))
            actual = (result["status"], result.get("reason"))
            if actual != ANSWERS[letter]:
                wrong.append(f"{column} {actor}: expected {ANSWERS[letter]}, got {actual}")
    assert not wrong, "\n".join(wrong)
