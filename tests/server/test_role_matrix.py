"""Each role reads and writes only what its membership allows: roles × endpoints."""

import pytest

ACTORS = ("admin", "hub", "hub_elsewhere", "ward_officer", "site_staff", "site_staff_elsewhere",
          "volunteer")

# endpoint name → the actors allowed; every other actor must get 403.
ALLOWED = {
    "list_devices": {"admin", "hub"},
    "list_users": {"admin", "hub", "ward_officer"},
    "patch_site": {"admin", "hub"},
    "add_programme": {"admin", "hub", "site_staff"},
    "edit_programme": {"admin", "hub", "site_staff"},
    "add_contact": {"admin", "hub", "site_staff"},
    "start_pairing": {"admin", "hub"},
    "create_volunteer": {"admin", "hub"},
    "revoke_someone_elses_device": {"admin", "hub"},
    "kind_mappings": {"admin"},
    "me": set(ACTORS),
}


@pytest.fixture
def world(create_site, create_user, other_ward, client, auth_header):
    site = create_site("nursery_hiroba")
    elsewhere = create_site("nursery_hiroba", ward=other_ward)
    users = {
        "admin": create_user("admin"),
        "hub": create_user("hub_staff"),
        "hub_elsewhere": create_user("hub_staff", ward=other_ward),
        "ward_officer": create_user("ward_officer"),
        "site_staff": create_user("site_staff", sites=[site]),
        "site_staff_elsewhere": create_user("site_staff", ward=other_ward, sites=[elsewhere]),
        "volunteer": create_user("volunteer", sites=[site]),
    }
    programme = client.post(f"/api/sites/{site.id}/programmes", headers=auth_header(
        users["admin"]), json={"title": "園庭開放", "theme": "yard_open",
                               "starts_on": "2026-12-01"}).json
    target = create_user("volunteer", sites=[site])
    target_device = client.post("/api/auth/login", json={
        "login": target.login, "password": "correct horse battery"}).json["device"]
    return {"site": site, "users": users, "programme": programme, "target": target,
            "target_device": target_device}


def call(client, endpoint, world, headers, actor="anonymous"):
    site, ward = world["site"], world["site"].ward
    requests = {
        "list_devices": ("get", f"/api/wards/{ward.code}/devices", None),
        "list_users": ("get", f"/api/wards/{ward.code}/users", None),
        "patch_site": ("patch", f"/api/sites/{site.id}", {"tags": ["outdoor_play"]}),
        "add_programme": ("post", f"/api/sites/{site.id}/programmes",
                          {"title": "交流保育", "theme": "exchange_play",
                           "starts_on": "2026-12-10"}),
        "edit_programme": ("patch", f"/api/programmes/{world['programme']['id']}",
                           {"capacity": 10}),
        "add_contact": ("post", f"/api/sites/{site.id}/contacts",
                        {"display_name": "さとうさん", "role": "nursery_teacher"}),
        "start_pairing": ("post", "/api/pairings", {"user_id": world["target"].id}),
        "create_volunteer": ("post", "/api/users", {
            "login": f"made-by-{actor}", "display_name": "新人", "role": "volunteer",
            "ward_code": ward.code, "site_ids": [site.id], "password": "long enough pass"}),
        "revoke_someone_elses_device": (
            "post", f"/api/devices/{world['target_device']['id']}/revoke", None),
        "kind_mappings": ("get", "/api/kind-mappings", None),
        "me": ("get", "/api/auth/me", None),
    }
    method, url, body = requests[endpoint]
    return getattr(client, method)(url, json=body, headers=headers)


@pytest.mark.parametrize("endpoint", sorted(ALLOWED))
def test_each_role_reaches_only_what_its_membership_allows(client, world, auth_header,
                                                          endpoint):
    outcomes = {}
    for actor in ACTORS:
        response = call(client, endpoint, world, auth_header(world["users"][actor]), actor)
        outcomes[actor] = response.status_code
        if response.status_code == 403:
            assert response.json["error"]["code"] == "forbidden"
    allowed = {actor for actor, status in outcomes.items() if 200 <= status < 300}
    assert allowed == ALLOWED[endpoint], outcomes
    assert all(status == 403 for actor, status in outcomes.items() if actor not in allowed)


@pytest.mark.parametrize("endpoint", sorted(ALLOWED))
def test_every_protected_endpoint_wants_a_token(client, world, endpoint):
    response = call(client, endpoint, world, {})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
