"""A ward's card figures from hand-built cards, who may read them, and the notices API."""

import uuid
from datetime import datetime

import pytest

from server import jobs
from server.replication.writes import store
from sync import engine
from sync.protocol import Scope


def set_status(code: str, status: str) -> None:
    """As the server would (the parent's page records "opened", the timer "expired")."""
    engine.write_as_server(store(), "card", code, {"status": status}, op_id=str(uuid.uuid4()),
                           user_id="test", now_ms=1_790_000_001_000, scope=Scope.everywhere(),
                           server_node="server")


@pytest.fixture
def world(create_site, create_user, other_ward, mint_card, issue_card, client, auth_header):
    """Salon and nursery in ward 14101, two sites in 14102, and seven cards:

    ===== =================== ============ ========================= =====================
    card  from → to           issued_on    status                    wishes
    ===== =================== ============ ========================= =====================
    c1    salon → nursery     2026-11-28   arrived (by its staff)    outdoor_play
    c2    salon → nursery     2026-11-28   opened                    outdoor_play, small…
    c3    salon → nursery     2026-11-28   issued
    c4    salon → park        2026-11-28   opened, then expired
    c5    far_salon → nursery 2026-11-28   arrived
    c6    far_salon → park    2026-11-28   issued (not this ward's)
    c7    salon → nursery     2026-10-01   cancelled
    ===== =================== ============ ========================= =====================
    """
    salon = create_site("salon", name="つるみサロン")
    nursery = create_site("nursery_hiroba", name="つるみ保育園")
    park = create_site("tsudoi_hiroba", ward=other_ward, name="かながわ広場")
    far_salon = create_site("salon", ward=other_ward, name="かながわサロン")
    volunteer = create_user(sites=[salon])
    far_volunteer = create_user(ward=other_ward, sites=[far_salon])
    nursery_staff = create_user("site_staff", sites=[nursery])

    def card(issuer, issuing, target, **fields):
        code = mint_card(issuer, issuing)["short_code"]
        issue_card(issuer, code, issuing, target, **fields)
        return code

    c1 = card(volunteer, salon, nursery, wishes={"add": ["outdoor_play"]})
    c2 = card(volunteer, salon, nursery, wishes={"add": ["outdoor_play", "small_homely"]})
    card(volunteer, salon, nursery)
    c4 = card(volunteer, salon, park)
    c5 = card(far_volunteer, far_salon, nursery)
    card(far_volunteer, far_salon, park)
    c7 = card(volunteer, salon, nursery, issued_on="2026-10-01")
    for code in (c1, c5):
        response = client.post(f"/api/cards/{code}/arrival", json={},
                               headers=auth_header(nursery_staff))
        assert response.status_code == 200, response.get_json()
    set_status(c2, "opened")
    set_status(c4, "opened")
    set_status(c4, "expired")
    set_status(c7, "cancelled")
    return {"salon": salon, "nursery": nursery, "park": park, "far_salon": far_salon,
            "volunteer": volunteer, "nursery_staff": nursery_staff}


def figures(client, headers, query=""):
    response = client.get(f"/api/wards/14101/card-figures{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_ward_figures_count_cards_issued_or_received_in_the_ward(client, world, create_user,
                                                                  auth_header):
    salon, nursery, park, far = (world[k] for k in ("salon", "nursery", "park", "far_salon"))
    body = figures(client, auth_header(create_user("hub_staff")))

    assert body["ward"] == "14101" and body["from"] is None and body["to"] is None
    # c4 was opened before it expired, but the card keeps only its furthest state.
    assert body["totals"] == {"issued": 6, "opened": 3, "arrived": 2, "expired": 1,
                              "cancelled": 1, "arrival_rate": 0.333}
    assert body["by_pair"] == [
        {"issuing_site_id": salon.id, "issuing_site_name": "つるみサロン",
         "target_site_id": nursery.id, "target_site_name": "つるみ保育園",
         "issued": 4, "opened": 2, "arrived": 1, "arrival_rate": 0.25},
        {"issuing_site_id": salon.id, "issuing_site_name": "つるみサロン",
         "target_site_id": park.id, "target_site_name": "かながわ広場",
         "issued": 1, "opened": 0, "arrived": 0, "arrival_rate": 0.0},
        {"issuing_site_id": far.id, "issuing_site_name": "かながわサロン",
         "target_site_id": nursery.id, "target_site_name": "つるみ保育園",
         "issued": 1, "opened": 1, "arrived": 1, "arrival_rate": 1.0},
    ]
    assert body["by_issuing_site"] == [
        {"site_id": salon.id, "site_name": "つるみサロン", "in_ward": True, "issued": 5,
         "opened": 2, "arrived": 1, "expired": 1, "cancelled": 1, "arrival_rate": 0.2},
        {"site_id": far.id, "site_name": "かながわサロン", "in_ward": False, "issued": 1,
         "opened": 1, "arrived": 1, "expired": 0, "cancelled": 0, "arrival_rate": 1.0},
    ]
    assert [(row["site_id"], row["issued"], row["arrived"], row["arrival_rate"])
            for row in body["by_target_site"]] == [(nursery.id, 5, 2, 0.4), (park.id, 1, 0, 0.0)]
    wishes = {row["wish"]: row for row in body["by_wish"]}
    assert wishes["outdoor_play"] == {"wish": "outdoor_play", "issued": 2, "arrived": 1,
                                      "arrival_rate": 0.5}
    assert wishes["small_homely"]["issued"] == 1 and wishes["small_homely"]["arrived"] == 0
    assert wishes["saturday"] == {"wish": "saturday", "issued": 0, "arrived": 0,
                                  "arrival_rate": None}


def test_ward_figures_filter_on_the_issue_date(client, world, create_user, auth_header):
    headers = auth_header(create_user("ward_officer"))

    november = figures(client, headers, "?from=2026-11-01")
    assert november["from"] == "2026-11-01"
    assert november["totals"] == {"issued": 5, "opened": 3, "arrived": 2, "expired": 1,
                                  "cancelled": 0, "arrival_rate": 0.4}
    october = figures(client, headers, "?from=2026-10-01&to=2026-10-31")["totals"]
    assert (october["issued"], october["cancelled"]) == (1, 1)
    empty = figures(client, headers, "?to=2026-09-30")
    assert empty["totals"]["arrival_rate"] is None and empty["by_pair"] == []

    backwards = client.get("/api/wards/14101/card-figures?from=2026-11-02&to=2026-11-01",
                           headers=headers)
    assert backwards.status_code == 422 and "to" in backwards.get_json()["error"]["fields"]


def test_ward_figures_are_for_the_wards_hub_staff_and_officers_only(
        client, world, create_user, other_ward, auth_header):
    url = "/api/wards/14101/card-figures"
    for reader in (create_user("admin"), create_user("hub_staff"),
                   create_user("ward_officer")):
        assert client.get(url, headers=auth_header(reader)).status_code == 200, reader.role
    for outsider in (world["volunteer"], world["nursery_staff"],
                     create_user("hub_staff", ward=other_ward)):
        response = client.get(url, headers=auth_header(outsider))
        assert response.status_code == 403, outsider.role
        assert response.get_json()["error"]["code"] == "forbidden"
    assert client.get(url).status_code == 401
    unknown = client.get("/api/wards/99999/card-figures",
                         headers=auth_header(create_user("admin")))
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "not_found"


def test_a_sites_notices_reach_its_staff_and_not_other_sites_staff(
        client, create_site, create_user, mint_card, issue_card, auth_header):
    salon, nursery, plaza = create_site(), create_site("nursery_hiroba"), create_site("hub")
    volunteer = create_user(sites=[salon])
    for target in (nursery, nursery, plaza):
        code = mint_card(volunteer, salon)["short_code"]
        issue_card(volunteer, code, salon, target, planned_date="2026-11-29",
                   ask_for="さとうさん")
    jobs.evening_notice(datetime.fromisoformat("2026-11-28T18:00+09:00"))

    def notices(user):
        response = client.get("/api/notices", headers=auth_header(user))
        assert response.status_code == 200
        return response.get_json()

    (notice,) = notices(create_user("site_staff", sites=[nursery]))
    assert {k: notice[k] for k in ("site_id", "site_name", "kind", "day", "count")} == {
        "site_id": nursery.id, "site_name": nursery.name, "kind": "expected_tomorrow",
        "day": "2026-11-29", "count": 2}
    assert [card["ask_for"] for card in notice["cards"]] == ["さとうさん", "さとうさん"]
    assert [n["site_id"] for n in notices(create_user("site_staff", sites=[plaza]))] == [
        plaza.id]
    assert notices(create_user("site_staff", sites=[salon])) == []
    assert {n["site_id"] for n in notices(create_user("hub_staff"))} == {nursery.id, plaza.id}
    assert client.get("/api/notices").status_code == 401
