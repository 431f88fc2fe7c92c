"""Sign-in, devices, revocation and pairing through the HTTP API."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from schemas.accounts import CONTROL_CHARACTERS, DEVICE_NAME_MAX
from server.accounts.models import Device, PairingCode, User
from server.extensions import db
from server.timeutil import utcnow

PASSWORD = "correct horse battery"


def login(client, user, password=PASSWORD, device_name="my phone"):
    return client.post("/api/auth/login",
                       json={"login": user.login, "password": password,
                             "device_name": device_name})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_login_creates_a_device_with_its_own_token(client, create_user):
    user = create_user("volunteer")
    first = login(client, user)
    second = login(client, user)
    assert first.status_code == 201 and second.status_code == 201
    assert first.json["token"] != second.json["token"]
    assert first.json["user"]["login"] == user.login
    me = client.get("/api/auth/me", headers=bearer(first.json["token"]))
    assert me.status_code == 200 and me.json["role"] == "volunteer"
    assert db.session.scalar(sa.select(sa.func.count(Device.id))) == 2


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, create_user):
    user = create_user("volunteer")
    wrong_password = login(client, user, password="not the password")
    wrong_login = client.post("/api/auth/login", json={"login": "nobody", "password": "x"})
    assert wrong_password.status_code == wrong_login.status_code == 401
    assert wrong_password.json["error"]["code"] == wrong_login.json["error"]["code"]
    assert db.session.scalar(sa.select(sa.func.count(Device.id))) == 0


def test_token_is_stored_only_as_a_hash(client, create_user):
    token = login(client, create_user("volunteer")).json["token"]
    device = db.session.scalars(sa.select(Device)).one()
    assert token not in device.token_hash and len(device.token_hash) == 64


def test_a_request_notes_when_its_device_was_last_seen_without_reading_it_all_again(
        client, create_user, create_site):
    volunteer = create_user("volunteer", sites=[create_site(), create_site()])
    token = login(client, volunteer).json["token"]
    statements = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement.split()[0].upper())

    def me() -> list[str]:
        db.session.expire_all()  # each request starts from nothing loaded
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", note)
        try:
            assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", note)
        return list(statements)

    def last_seen():
        db.session.expire_all()
        return db.session.scalars(sa.select(Device.last_seen_at)).one()

    first = me()
    seen = last_seen()
    assert seen is not None and utcnow() - seen < timedelta(minutes=1)
    again = me()
    assert "UPDATE" not in again and last_seen() == seen
    # The device, its user and their sites are read once, written once, not read again.
    assert sorted(first) == sorted([*again, "UPDATE"])

    db.session.execute(sa.update(Device).values(last_seen_at=seen - timedelta(hours=1)))
    db.session.commit()
    assert "UPDATE" in me() and last_seen() > seen - timedelta(minutes=1)


def test_revoked_device_gets_401_at_once(client, create_user):
    hub = create_user("hub_staff")
    volunteer = create_user("volunteer")
    phone = login(client, volunteer).json
    hub_token = login(client, hub).json["token"]
    assert client.get("/api/auth/me", headers=bearer(phone["token"])).status_code == 200

    listed = client.get(f"/api/wards/{hub.ward.code}/devices", headers=bearer(hub_token))
    assert phone["device"]["id"] in [d["id"] for d in listed.json]
    revoked = client.post(f"/api/devices/{phone['device']['id']}/revoke",
                          headers=bearer(hub_token))
    assert revoked.status_code == 200 and revoked.json["revoked_at"]

    after = client.get("/api/auth/me", headers=bearer(phone["token"]))
    assert after.status_code == 401
    assert after.json["error"]["code"] == "device_revoked"


def test_hub_staff_cannot_revoke_a_device_of_another_ward(client, create_user, other_ward):
    hub = create_user("hub_staff")
    stranger = create_user("volunteer", ward=other_ward)
    phone = login(client, stranger).json
    response = client.post(f"/api/devices/{phone['device']['id']}/revoke",
                           headers=bearer(login(client, hub).json["token"]))
    assert response.status_code == 403
    assert db.session.get(Device, phone["device"]["id"]).revoked_at is None


def test_logout_ends_this_device_only(client, create_user):
    user = create_user("volunteer")
    one, two = login(client, user).json["token"], login(client, user).json["token"]
    assert client.post("/api/auth/logout", headers=bearer(one)).status_code == 204
    assert client.get("/api/auth/me", headers=bearer(one)).status_code == 401
    assert client.get("/api/auth/me", headers=bearer(two)).status_code == 200


def test_expired_sign_in_is_refused_with_its_own_code(client, create_user):
    token = login(client, create_user("volunteer")).json["token"]
    db.session.scalars(sa.select(Device)).one().expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get("/api/auth/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json["error"]["code"] == "session_expired"


def test_change_password_signs_out_my_other_devices(client, create_user):
    user = create_user("volunteer")
    here, elsewhere = login(client, user).json["token"], login(client, user).json["token"]
    wrong = client.post("/api/auth/password", headers=bearer(here),
                        json={"current_password": "nope", "new_password": "a new long password"})
    assert wrong.status_code == 422 and "current_password" in wrong.json["error"]["fields"]
    ok = client.post("/api/auth/password", headers=bearer(here),
                     json={"current_password": PASSWORD, "new_password": "a new long password"})
    assert ok.status_code == 204
    assert client.get("/api/auth/me", headers=bearer(here)).status_code == 200
    assert client.get("/api/auth/me", headers=bearer(elsewhere)).status_code == 401
    assert login(client, user, password="a new long password").status_code == 201


class TestPairing:
    def start(self, client, hub, target):
        token = login(client, hub).json["token"]
        return client.post("/api/pairings", json={"user_id": target.id}, headers=bearer(token))

    def test_pairing_code_signs_the_new_phone_in_as_the_named_supporter(self, client,
                                                                        create_user):
        hub, volunteer = create_user("hub_staff"), create_user("volunteer")
        started = self.start(client, hub, volunteer)
        assert started.status_code == 201
        code = started.json["code"]
        assert started.json["pair_url"].endswith(f"#pair={code}")
        assert started.json["qr_svg"].lstrip().startswith("<?xml")
        paired = client.post("/api/auth/pair", json={"code": code, "device_name": "new phone"})
        assert paired.status_code == 201
        assert paired.json["user"]["id"] == volunteer.id
        me = client.get("/api/auth/me", headers=bearer(paired.json["token"]))
        assert me.json["login"] == volunteer.login

    def test_a_pairing_code_works_once(self, client, create_user):
        hub, volunteer = create_user("hub_staff"), create_user("volunteer")
        code = self.start(client, hub, volunteer).json["code"]
        assert client.post("/api/auth/pair", json={"code": code}).status_code == 201
        again = client.post("/api/auth/pair", json={"code": code})
        assert again.status_code == 409
        assert again.json["error"]["code"] == "pairing_used"
        assert "新しい" in again.json["error"]["message"]

    def test_an_expired_pairing_code_is_refused_with_a_clear_message(self, client,
                                                                    create_user):
        hub, volunteer = create_user("hub_staff"), create_user("volunteer")
        code = self.start(client, hub, volunteer).json["code"]
        pairing = db.session.scalars(sa.select(PairingCode)).one()
        assert pairing.expires_at - pairing.created_at == timedelta(minutes=10)
        pairing.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        response = client.post("/api/auth/pair", json={"code": code})
        assert response.status_code == 422
        assert response.json["error"]["code"] == "pairing_expired"
        assert response.json["error"]["fields"] == {"code": ["expired"]}
        assert db.session.scalar(sa.select(sa.func.count(Device.id))
                                 .where(Device.user_id == volunteer.id)) == 0

    def test_an_unknown_pairing_code_is_404(self, client):
        response = client.post("/api/auth/pair", json={"code": "x" * 43})
        assert response.status_code == 404

    @pytest.mark.parametrize("role", ["volunteer", "site_staff", "ward_officer"])
    def test_only_hub_staff_and_admins_start_pairing(self, client, create_user, role):
        actor, volunteer = create_user(role), create_user("volunteer")
        assert self.start(client, actor, volunteer).status_code == 403
        assert db.session.scalar(sa.select(sa.func.count(PairingCode.id))) == 0


def test_users_created_by_hub_staff_stay_in_their_ward(client, create_user, create_site,
                                                       other_ward):
    hub = create_user("hub_staff")
    mine, theirs = create_site(), create_site(ward=other_ward)
    token = login(client, hub).json["token"]
    body = {"login": "newvol", "display_name": "新しい人", "role": "volunteer",
            "ward_code": hub.ward.code, "password": "long enough pass"}
    ok = client.post("/api/users", headers=bearer(token), json={**body, "site_ids": [mine.id]})
    assert ok.status_code == 201 and ok.json["site_ids"] == [mine.id]
    outside = client.post("/api/users", headers=bearer(token),
                          json={**body, "login": "other", "site_ids": [theirs.id]})
    assert outside.status_code == 422 and "site_ids" in outside.json["error"]["fields"]
    admin = client.post("/api/users", headers=bearer(token),
                        json={**body, "login": "boss", "role": "admin", "ward_code": None})
    assert admin.status_code == 403
    taken = client.post("/api/users", headers=bearer(token), json=body)
    assert taken.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2


def test_guessing_passwords_is_rate_limited(tmp_path):
    from server import create_app

    limited = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "SECRET_KEY": "t", "INSTANCE_PATH": str(tmp_path),
                          "LOGIN_RATE_LIMIT": "3 per minute",
                          # The limiter object is shared by every app of this process.
                          "RATELIMIT_ENABLED": True})
    with limited.app_context():
        db.create_all()
        client = limited.test_client()
        answers = [client.post("/api/auth/login", json={"login": "x", "password": "guess"})
                   for _ in range(5)]
        db.session.remove()
        db.engine.dispose()
    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429]
    assert answers[-1].json["error"]["code"] == "rate_limited"
    assert "Retry-After" in answers[-1].headers


def test_a_password_hashed_with_older_settings_still_signs_in_and_is_rehashed(
        client, create_user):
    from argon2 import PasswordHasher

    user = create_user("volunteer")
    old = PasswordHasher(time_cost=3, memory_cost=65_536, parallelism=4).hash(PASSWORD)
    user.password_hash = old
    db.session.commit()
    assert login(client, user, password="not the password").status_code == 401
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == old
    assert login(client, user).status_code == 201
    db.session.expire_all()
    new = db.session.get(User, user.id).password_hash
    assert new != old and new.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert login(client, user).status_code == 201


class TestRenamingADevice:
    """A phone gets a name people can tell apart (「Android（Pixel 7）・Chrome」); its owner
    and the hub staff who manage the owner may change it."""

    def test_the_owner_renames_their_own_phone(self, client, create_user):
        phone = login(client, create_user("volunteer")).json
        renamed = client.patch(f"/api/devices/{phone['device']['id']}",
                               json={"name": "  仕事用の Pixel  "}, headers=bearer(phone["token"]))
        assert renamed.status_code == 200, renamed.json
        assert renamed.json["name"] == "仕事用の Pixel"
        assert db.session.get(Device, phone["device"]["id"]).name == "仕事用の Pixel"

    def test_hub_staff_rename_a_phone_of_their_ward(self, client, create_user):
        phone = login(client, create_user("volunteer")).json
        hub_token = login(client, create_user("hub_staff")).json["token"]
        renamed = client.patch(f"/api/devices/{phone['device']['id']}",
                               json={"name": "やまださんの古い iPhone"}, headers=bearer(hub_token))
        assert renamed.status_code == 200 and renamed.json["name"] == "やまださんの古い iPhone"

    def test_another_volunteer_may_not_rename_my_phone(self, client, create_user):
        phone = login(client, create_user("volunteer")).json
        other = login(client, create_user("volunteer")).json["token"]
        response = client.patch(f"/api/devices/{phone['device']['id']}", json={"name": "x"},
                                headers=bearer(other))
        assert response.status_code == 403
        assert db.session.get(Device, phone["device"]["id"]).name == "my phone"

    def test_hub_staff_of_another_ward_may_not_rename(self, client, create_user, other_ward):
        phone = login(client, create_user("volunteer", ward=other_ward)).json
        hub_token = login(client, create_user("hub_staff")).json["token"]
        response = client.patch(f"/api/devices/{phone['device']['id']}", json={"name": "x"},
                                headers=bearer(hub_token))
        assert response.status_code == 403

    def test_an_unknown_device_is_404(self, client, create_user):
        token = login(client, create_user("hub_staff")).json["token"]
        response = client.patch("/api/devices/999999", json={"name": "x"}, headers=bearer(token))
        assert response.status_code == 404
        assert response.json["error"]["fields"] == {"device_id": ["unknown id"]}

    @pytest.mark.parametrize("name", ["", "   ", "a" * 81, "二台目\nの電話", "tab\there",
                                      "esc\x1b[31m", "c1\x85"])
    def test_an_empty_overlong_or_control_character_name_is_422_naming_the_field(
            self, client, create_user, name):
        phone = login(client, create_user("volunteer")).json
        response = client.patch(f"/api/devices/{phone['device']['id']}", json={"name": name},
                                headers=bearer(phone["token"]))
        assert response.status_code == 422, response.json
        assert list(response.json["error"]["fields"]) == ["name"]
        assert db.session.get(Device, phone["device"]["id"]).name == "my phone"

    def test_eighty_characters_of_japanese_fit(self, client, create_user):
        phone = login(client, create_user("volunteer")).json
        response = client.patch(f"/api/devices/{phone['device']['id']}", json={"name": "端" * 80},
                                headers=bearer(phone["token"]))
        assert response.status_code == 200

    def test_a_control_character_in_the_name_sent_at_sign_in_is_422(self, client, create_user):
        response = login(client, create_user("volunteer"), device_name="phone\n2")
        assert response.status_code == 422
        assert list(response.json["error"]["fields"]) == ["device_name"]

    def test_the_phone_refuses_what_the_server_refuses(self):
        """pwa/js/device-name.js checks a typed name before sending it: the same bound (the
        column's width) and the same control characters as schemas/accounts.py."""
        source = (Path(__file__).resolve().parents[2] / "pwa" / "js" / "device-name.js"
                  ).read_text(encoding="utf-8")
        bound = re.search(r"export const MAX_LENGTH = (\d+);", source)
        control = re.search(r"const CONTROL = /(\[[^\]]+\])/;", source)
        assert bound and control, "MAX_LENGTH or CONTROL moved in pwa/js/device-name.js"
        assert int(bound[1]) == DEVICE_NAME_MAX == Device.__table__.c.name.type.length
        # JavaScript's \u0000 is Python's \u0000 too.
        in_javascript = re.compile(control[1])
        assert all(bool(in_javascript.search(chr(c))) == bool(CONTROL_CHARACTERS.search(chr(c)))
                   for c in range(0x3000))
