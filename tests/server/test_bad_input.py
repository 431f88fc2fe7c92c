"""Bad input gets the documented 4xx with the field at fault, and nothing is written."""

import pytest
import sqlalchemy as sa

from server.accounts.models import Device, User
from server.directory.models import ContactPerson, Programme
from server.extensions import db


def row_counts() -> dict:
    db.session.expire_all()
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (User, Device, Programme, ContactPerson)}


@pytest.fixture
def staff(create_site, create_user, auth_header):
    site = create_site("nursery_hiroba")
    return site, auth_header(create_user("hub_staff"))


GOOD_PROGRAMME = {"title": "園庭開放", "theme": "yard_open", "starts_on": "2026-12-01"}


@pytest.mark.parametrize("body, status, field", [
    ({**GOOD_PROGRAMME, "theme": "party"}, 422, "theme"),
    ({**GOOD_PROGRAMME, "starts_on": "next tuesday"}, 422, "starts_on"),
    ({**GOOD_PROGRAMME, "capacity": "ten"}, 422, "capacity"),
    ({**GOOD_PROGRAMME, "capacity": -1}, 422, "capacity"),
    ({**GOOD_PROGRAMME, "booking_required": "perhaps"}, 422, "booking_required"),
    ({**GOOD_PROGRAMME, "family_name": "山田"}, 422, "family_name"),
    ({**GOOD_PROGRAMME, "starts_at": "11:00", "ends_at": "10:00"}, 422, "ends_at"),
    ({"theme": "chat", "starts_on": "2026-12-01"}, 422, "title"),
])
def test_invalid_programme_names_the_field_and_writes_nothing(client, staff, body, status,
                                                             field):
    site, headers = staff
    before = row_counts()
    response = client.post(f"/api/sites/{site.id}/programmes", json=body, headers=headers)
    assert response.status_code == status
    assert response.json["error"]["code"] == "invalid"
    assert field in response.json["error"]["fields"]
    assert row_counts() == before


@pytest.mark.parametrize("data, content_type", [
    ("{not json", "application/json"),
    ("[1, 2, 3]", "application/json"),
    ("title=x", "application/x-www-form-urlencoded"),
])
def test_a_body_that_is_not_a_json_object_is_400(client, staff, data, content_type):
    site, headers = staff
    before = row_counts()
    response = client.post(f"/api/sites/{site.id}/programmes", data=data,
                           content_type=content_type, headers=headers)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_json"
    assert row_counts() == before


def test_an_oversized_body_is_413_with_the_envelope(client, staff, app):
    site, headers = staff
    before = row_counts()
    padding = "あ" * (app.config["MAX_CONTENT_LENGTH"] // 3 + 10)
    response = client.post(f"/api/sites/{site.id}/programmes", headers=headers,
                           json={**GOOD_PROGRAMME, "description": padding})
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    assert response.headers["Connection"] == "close"  # the unread body spoils the connection
    assert row_counts() == before


@pytest.mark.parametrize("method, url, field", [
    ("get", "/api/sites/999999", "site_id"),
    ("patch", "/api/programmes/999999", "programme_id"),
    ("post", "/api/devices/999999/revoke", "device_id"),
    ("post", "/api/sites/999999/programmes", "site_id"),
])
def test_unknown_ids_are_404_naming_the_id(client, staff, method, url, field):
    _site, headers = staff
    response = getattr(client, method)(url, json=GOOD_PROGRAMME, headers=headers)
    assert response.status_code == 404
    assert response.json["error"]["fields"] == {field: ["unknown id"]}


def test_unknown_pairing_target_is_404_and_creates_no_code(client, staff):
    _site, headers = staff
    response = client.post("/api/pairings", json={"user_id": 424242}, headers=headers)
    assert response.status_code == 404 and "user_id" in response.json["error"]["fields"]


def test_unknown_fields_at_login_are_rejected(client):
    response = client.post("/api/auth/login", json={"login": "a", "password": "b",
                                                    "remember_me": True})
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"remember_me": ["Unknown field."]}


def test_wrong_method_and_unknown_api_path_use_the_envelope(client):
    assert client.get("/api/nothing-here").json["error"]["code"] == "not_found"
    response = client.delete("/api/wards")
    assert response.status_code == 405 and response.json["error"]["code"] == "method_not_allowed"
