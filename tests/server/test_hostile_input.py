"""Hostile input gets a 4xx with the envelope, never a 500: ids and integers beyond 64 bits,
lone surrogates, deep or non-standard JSON, unknown API URLs and oversized chunked bodies."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from marshmallow import ValidationError

from schemas.accounts import PairingRequestSchema
from schemas.sync import PushRequestSchema
from server.accounts.models import Device
from server.api import load_body
from server.directory.models import ContactPerson, Programme
from server.errors import ApiError
from server.extensions import db

TOO_BIG = 2**63
BEYOND_64_BITS = 99999999999999999999999
LONE_SURROGATE = "\ud800"
GOOD_PROGRAMME = {"title": "園庭開放", "theme": "yard_open", "starts_on": "2026-12-01"}


def post_json_text(client, url, text: str | bytes, headers=None):
    """POST ``text`` as it is: the test client's ``json=`` cannot write NaN or lone escapes."""
    return client.post(url, data=text, content_type="application/json", headers=headers)


def assert_envelope(response, status: int, code: str):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.json["error"]["code"] == code


@pytest.fixture
def staff(create_site, create_user, auth_header):
    site = create_site("nursery_hiroba")
    return site, auth_header(create_user("hub_staff"))


@pytest.fixture
def admin_headers(create_user, auth_header):
    return auth_header(create_user("admin"))


def programme_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Programme))


class TestIdsBeyond64Bits:
    @pytest.mark.parametrize("method, url", [
        ("get", "/api/sites/{id}"),
        ("patch", "/api/sites/{id}"),
        ("post", "/api/sites/{id}/programmes"),
        ("post", "/api/sites/{id}/contacts"),
        ("get", "/api/programmes/{id}"),
        ("patch", "/api/programmes/{id}"),
        ("delete", "/api/programmes/{id}"),
        ("delete", "/api/contacts/{id}"),
        ("post", "/api/devices/{id}/revoke"),
    ])
    @pytest.mark.parametrize("number", [TOO_BIG, BEYOND_64_BITS])
    def test_a_path_id_beyond_64_bits_is_an_unknown_url(self, client, staff, method, url,
                                                        number):
        _site, headers = staff
        response = getattr(client, method)(url.format(id=number), json=GOOD_PROGRAMME,
                                           headers=headers)
        assert_envelope(response, 404, "not_found")

    def test_the_largest_64_bit_id_is_still_an_id(self, app):
        # Matched without the database: on PostgreSQL the id columns are 32-bit INTEGERs.
        adapter = app.url_map.bind("localhost")
        assert adapter.match(f"/api/sites/{TOO_BIG - 1}") == ("directory.site",
                                                               {"site_id": TOO_BIG - 1})


class TestIntegersBeyond64Bits:
    @pytest.mark.parametrize("number", [TOO_BIG, -TOO_BIG - 1, BEYOND_64_BITS])
    def test_in_a_body_field_is_422_naming_it(self, client, staff, number):
        _site, headers = staff
        response = client.post("/api/pairings", json={"user_id": number}, headers=headers)
        assert_envelope(response, 422, "invalid")
        assert list(response.json["error"]["fields"]) == ["user_id"]

    def test_the_64_bit_bounds_themselves_are_accepted(self, app):
        for number in (TOO_BIG - 1, -TOO_BIG):
            with app.test_request_context(method="POST", json={"user_id": number}):
                assert load_body(PairingRequestSchema()) == {"user_id": number}

    def test_in_a_body_field_written_as_text_is_422(self, client, staff):
        _site, headers = staff
        response = client.post("/api/cards/tokens", json={"site_id": str(BEYOND_64_BITS)},
                               headers=headers)
        assert_envelope(response, 422, "invalid")
        assert list(response.json["error"]["fields"]) == ["site_id"]

    def test_in_a_nested_body_field_is_422_with_its_path(self, client, staff):
        _site, headers = staff
        response = client.post("/api/users", headers=headers, json={
            "login": "newvol", "display_name": "新しい人", "role": "volunteer",
            "site_ids": [1, BEYOND_64_BITS], "password": "a long enough password"})
        assert_envelope(response, 422, "invalid")
        assert list(response.json["error"]["fields"]) == ["site_ids.1"]

    def test_in_a_site_patch_is_422_and_changes_nothing(self, client, staff):
        site, headers = staff
        response = client.patch(f"/api/sites/{site.id}", json={"area_id": BEYOND_64_BITS},
                                headers=headers)
        assert_envelope(response, 422, "invalid")
        assert list(response.json["error"]["fields"]) == ["area_id"]

    @pytest.mark.parametrize("url, field", [
        ("/api/wards/14101/sites?area={n}", "area"),
        ("/api/wards/14101/programmes?site_id={n}", "site_id"),
        ("/api/wards/14101/events?area={n}", "area"),
    ])
    def test_in_a_query_parameter_is_422_naming_it(self, client, url, field):
        response = client.get(url.format(n=BEYOND_64_BITS))
        assert_envelope(response, 422, "invalid")
        assert list(response.json["error"]["fields"]) == [field]

    def test_in_the_pull_cursor_is_422(self, client, staff):
        _site, headers = staff
        response = client.get(f"/api/sync/pull?cursor={BEYOND_64_BITS}", headers=headers)
        assert_envelope(response, 422, "invalid")
        assert list(response.json["error"]["fields"]) == ["cursor"]

    def test_in_the_push_envelope_is_422(self, client, staff):
        _site, headers = staff
        response = client.post("/api/sync/push", json={"protocol": BEYOND_64_BITS, "ops": []},
                               headers=headers)
        assert_envelope(response, 422, "invalid")
        assert list(response.json["error"]["fields"]) == ["protocol"]


class TestLoneSurrogates:
    def test_at_login_is_422_naming_the_field(self, client, create_user):
        create_user("volunteer", login="someone")
        response = post_json_text(client, "/api/auth/login",
                                  '{"login": "some\\ud800one", "password": "x"}')
        assert_envelope(response, 422, "invalid")
        assert list(response.json["error"]["fields"]) == ["login"]

    def test_sent_as_raw_bytes_is_422_too(self, client):
        # Python's parser reads the three bytes of an encoded surrogate as that surrogate.
        body = b'{"login": "\xed\xa0\x80", "password": "x"}'
        response = post_json_text(client, "/api/auth/login", body)
        assert_envelope(response, 422, "invalid")
        assert list(response.json["error"]["fields"]) == ["login"]

    @pytest.mark.parametrize("method, url, body, field", [
        ("post", "/api/sites/{site}/programmes", {**GOOD_PROGRAMME, "title": LONE_SURROGATE},
         "title"),
        ("post", "/api/sites/{site}/programmes",
         {**GOOD_PROGRAMME, "what_to_bring": f"タオル{LONE_SURROGATE}"}, "what_to_bring"),
        ("post", "/api/sites/{site}/contacts",
         {"display_name": LONE_SURROGATE, "role": "staff"}, "display_name"),
        ("patch", "/api/sites/{site}", {"note": LONE_SURROGATE}, "note"),
        ("patch", "/api/sites/{site}", {"tags": ["a", LONE_SURROGATE]}, "tags.1"),
    ])
    def test_in_any_text_is_422_naming_the_field(self, client, staff, method, url, body,
                                                 field):
        site, headers = staff
        before = programme_count()
        # ensure_ascii: written as the escape \ud800, as a browser's JSON.stringify does.
        response = client.open(url.format(site=site.id), method=method.upper(),
                               data=json.dumps(body), content_type="application/json",
                               headers=headers)
        assert_envelope(response, 422, "invalid")
        assert list(response.json["error"]["fields"]) == [field]
        assert programme_count() == before
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactPerson)) == 0

    def test_in_a_kind_mapping_is_422(self, client, admin_headers):
        response = client.put("/api/kind-mappings", data=json.dumps(
            {"source_type": f"ひろば{LONE_SURROGATE}", "kind": "salon"}),
            content_type="application/json", headers=admin_headers)
        assert_envelope(response, 422, "invalid")
        assert list(response.json["error"]["fields"]) == ["source_type"]

    def test_in_a_key_is_422_and_the_answer_is_still_utf8(self, client):
        response = post_json_text(client, "/api/auth/login",
                                  '{"login": "a", "password": "b", "\\ud800": 1}')
        assert_envelope(response, 422, "invalid")
        assert list(response.json["error"]["fields"]) == ["\\ud800"]


class TestJsonThatIsNotPlainJson:
    @pytest.mark.parametrize("depth", [1_000, 100_000])
    def test_a_body_nested_deeply_is_400(self, client, staff, depth):
        site, headers = staff
        body = '{"title": ' + "[" * depth + "]" * depth + "}"
        response = post_json_text(client, f"/api/sites/{site.id}/programmes", body, headers)
        assert_envelope(response, 400, "invalid_json")

    def test_a_deep_object_in_a_push_is_400(self, client, staff):
        _site, headers = staff
        deep = '{"a": ' * 1_000 + "1" + "}" * 1_000
        body = '{"protocol": 1, "ops": [{"changes": ' + deep + "}]}"
        response = post_json_text(client, "/api/sync/push", body, headers)
        assert_envelope(response, 400, "invalid_json")

    @pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
    def test_nan_and_infinity_are_not_json(self, client, staff, constant):
        _site, headers = staff
        response = post_json_text(client, "/api/pairings", f'{{"user_id": {constant}}}',
                                  headers)
        assert_envelope(response, 400, "invalid_json")

    def test_nan_in_a_push_is_not_json(self, client, staff):
        _site, headers = staff
        response = post_json_text(client, "/api/sync/push",
                                  '{"protocol": 1, "ops": [{"changes": {"n": NaN}}]}', headers)
        assert_envelope(response, 400, "invalid_json")

    def test_an_answer_holding_a_lone_surrogate_is_still_utf8_json(self, app):
        with app.test_request_context():
            response = app.json.response({"notes": f"メモ{LONE_SURROGATE}"})
        assert json.loads(response.get_data().decode("utf-8")) == {
            "notes": f"メモ{LONE_SURROGATE}"}

    def test_ordinary_nesting_and_floats_still_load(self, app):
        assert app.json.loads('{"a": [[{"b": 1.5}]], "c": -0.0}') == {"a": [[{"b": 1.5}]],
                                                                     "c": -0.0}


class TestPushOpsAreLeftToTheEngine:
    """``verbatim`` keys are checked op by op by the sync engine, which quarantines a bad op
    instead of failing the whole push: the edge passes them through unchanged."""

    def test_verbatim_keys_are_not_walked(self, app):
        op = {"changes": {"note": LONE_SURROGATE, "count": BEYOND_64_BITS}}
        body = json.dumps({"protocol": 1, "ops": [op]})
        with app.test_request_context(method="POST", data=body,
                                      content_type="application/json"):
            data = load_body(PushRequestSchema(), verbatim=("ops",))
        assert data["ops"] == [op]

    def test_other_keys_of_the_same_body_still_are(self, app):
        body = json.dumps({"protocol": BEYOND_64_BITS, "ops": []})
        with app.test_request_context(method="POST", data=body,
                                      content_type="application/json"):
            with pytest.raises(ValidationError) as raised:
                load_body(PushRequestSchema(), verbatim=("ops",))
        assert list(raised.value.messages) == ["protocol"]

    def test_depth_still_applies_inside_verbatim_keys(self, app):
        deep = "[" * 200 + "]" * 200
        body = '{"protocol": 1, "ops": [' + deep + "]}"
        with app.test_request_context(method="POST", data=body,
                                      content_type="application/json"):
            with pytest.raises(ApiError) as raised:
                load_body(PushRequestSchema(), verbatim=("ops",))
        assert raised.value.code == "invalid_json"


class TestUnknownApiUrls:
    @pytest.mark.parametrize("method, url", [
        ("post", "/api/sites/abc/programmes"),
        ("patch", "/api/programmes/abc"),
        ("delete", "/api/programmes/abc"),
        ("delete", "/api/contacts/abc"),
        ("post", "/api/devices/abc/revoke"),
        ("post", "/api/nothing-here"),
        ("put", "/api/nothing/here/either"),
        ("delete", "/api/sites/-1"),
        ("options", "/api/nothing-here"),
        ("head", "/api/nothing-here"),
        ("get", "/api/sites/abc"),
    ])
    def test_answer_404_with_the_envelope_for_every_method(self, client, staff, method, url):
        _site, headers = staff
        response = client.open(url, method=method.upper(), json={}, headers=headers)
        assert response.status_code == 404
        if method != "head":
            assert response.json["error"]["code"] == "not_found"

    @pytest.mark.parametrize("method, url, allowed", [
        ("put", "/api/sites/1", {"GET", "HEAD", "PATCH", "OPTIONS"}),
        ("delete", "/api/wards", {"GET", "HEAD", "OPTIONS"}),
        ("get", "/api/sync/push", {"POST", "OPTIONS"}),
        ("put", "/api/auth/login", {"POST", "OPTIONS"}),
        ("head", "/api/auth/login", {"POST", "OPTIONS"}),
    ])
    def test_a_known_url_with_a_wrong_method_is_405_allowing_its_own_methods(
            self, client, method, url, allowed):
        response = client.open(url, method=method.upper())
        assert response.status_code == 405
        if method != "head":
            assert response.json["error"]["code"] == "method_not_allowed"
        assert set(response.headers["Allow"].split(", ")) == allowed

    @pytest.mark.parametrize("url, allowed", [
        ("/api/auth/login", {"POST", "OPTIONS"}),
        ("/api/sites/1", {"GET", "HEAD", "PATCH", "OPTIONS"}),
    ])
    def test_options_lists_only_the_api_methods(self, client, url, allowed):
        response = client.options(url)
        assert response.status_code == 200
        assert set(response.headers["Allow"].split(", ")) == allowed

    def test_pwa_pages_still_answer_get(self, client):
        assert client.get("/").status_code == 200
        assert client.post("/index.html").status_code == 405


class TestChunkedBodies:
    def chunked(self, client, url, body: bytes, headers=None):
        # As gunicorn passes a chunked body: no Content-Length, the server ends the stream.
        return client.post(url, input_stream=io.BytesIO(body), content_type="application/json",
                           headers={"Transfer-Encoding": "chunked", **(headers or {})},
                           environ_overrides={"wsgi.input_terminated": True})

    def test_a_chunked_body_over_the_limit_is_413_like_any_other(self, client, staff, app):
        site, headers = staff
        padding = "x" * app.config["MAX_CONTENT_LENGTH"]
        body = json.dumps({**GOOD_PROGRAMME, "description": padding}).encode()
        response = self.chunked(client, f"/api/sites/{site.id}/programmes", body, headers)
        assert_envelope(response, 413, "payload_too_large")
        assert response.headers["Connection"] == "close"
        assert programme_count() == 0

    def test_a_chunked_body_within_the_limit_is_read(self, client, staff):
        site, headers = staff
        body = json.dumps(GOOD_PROGRAMME).encode()
        response = self.chunked(client, f"/api/sites/{site.id}/programmes", body, headers)
        assert response.status_code == 201
        assert programme_count() == 1


class TestNoSniff:
    def test_json_answers_say_nosniff(self, client):
        response = client.get("/api/wards/14101/sites")
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"

    @pytest.mark.parametrize("method, url", [
        ("get", "/api/sites/999999"),
        ("post", "/api/auth/login"),
        ("get", "/api/auth/me"),
        ("delete", "/api/wards"),
    ])
    def test_error_answers_say_nosniff(self, client, method, url):
        response = client.open(url, method=method.upper(), data="{", content_type="text/plain")
        assert response.status_code >= 400
        assert response.headers["X-Content-Type-Options"] == "nosniff"

    def test_an_unexpected_error_says_nosniff(self, app, client, monkeypatch):
        from server.directory import views

        def broken(*_args):
            raise RuntimeError("boom")

        monkeypatch.setattr(views, "get_or_404", broken)
        app.config["PROPAGATE_EXCEPTIONS"] = False
        response = client.get("/api/sites/1")
        assert response.status_code == 500
        assert response.headers["X-Content-Type-Options"] == "nosniff"

    def test_html_pages_keep_a_single_nosniff(self, client):
        response = client.get("/")
        assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]


def assert_utc_iso(text: str):
    moment = datetime.fromisoformat(text)
    assert text.endswith("+00:00"), text
    assert moment.utcoffset() == timedelta(0)
    return moment


class TestDatetimesCarryTheirOffset:
    def test_device_list(self, client, create_user, auth_header):
        hub, volunteer = create_user("hub_staff"), create_user("volunteer")
        headers = auth_header(hub)
        auth_header(volunteer)
        lost = db.session.scalars(sa.select(Device).where(Device.user_id == volunteer.id)).one()
        # Stored as the app stores them: naive UTC.
        lost.last_seen_at = lost.revoked_at = datetime(2026, 12, 5, 11, 0)
        db.session.commit()
        listed = client.get(f"/api/wards/{hub.ward.code}/devices", headers=headers)
        assert listed.status_code == 200
        for device in listed.json:
            for name in ("created_at", "expires_at"):
                assert_utc_iso(device[name])
        (revoked,) = [d for d in listed.json if d["id"] == lost.id]
        assert revoked["revoked_at"] == revoked["last_seen_at"] == "2026-12-05T11:00:00+00:00"

    def test_login_pairing_and_pair_answers(self, client, create_user):
        hub, volunteer = create_user("hub_staff"), create_user("volunteer")
        signed_in = client.post("/api/auth/login", json={
            "login": hub.login, "password": "correct horse battery"})
        assert signed_in.status_code == 201
        created = assert_utc_iso(signed_in.json["device"]["created_at"])
        assert abs(datetime.now(UTC) - created) < timedelta(minutes=5)
        assert signed_in.json["device"]["last_seen_at"] is None
        started = client.post("/api/pairings", json={"user_id": volunteer.id},
                              headers={"Authorization": f"Bearer {signed_in.json['token']}"})
        expires = assert_utc_iso(started.json["expires_at"])
        assert timedelta(minutes=9) < expires - datetime.now(UTC) <= timedelta(minutes=10)
        paired = client.post("/api/auth/pair", json={"code": started.json["code"]})
        assert_utc_iso(paired.json["device"]["expires_at"])


@pytest.mark.parametrize("where", ["title", "what_to_bring"])
def test_a_nul_character_in_text_is_refused_naming_the_field(client, create_site, create_user,
                                                             auth_header, where):
    # PostgreSQL's text has no NUL: it was a 500 there (found by the directory's review).
    site = create_site("nursery_hiroba")
    body = {"title": "園庭開放", "theme": "yard_open", "starts_on": "2026-12-01", where: "a\x00b"}
    response = client.post(f"/api/sites/{site.id}/programmes", json=body,
                           headers=auth_header(create_user("hub_staff")))
    assert response.status_code == 422
    assert where in response.get_json()["error"]["fields"]
