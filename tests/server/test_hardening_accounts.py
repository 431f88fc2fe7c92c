"""Accounts behind a proxy: client addresses and public URLs, sign-in timing, password
guessing, who may pair a phone, and the files the server creates."""

import os
import stat

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from server import create_app
from server.accounts.auth import hash_password, issue_device
from server.accounts.models import PairingCode, User
from server.directory.models import Ward
from server.directory.reference import ensure_wards
from server.extensions import db

PASSWORD = "correct horse battery"


def login(client, login_name, password=PASSWORD):
    return client.post("/api/auth/login", json={"login": login_name, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def limited_app(tmp_path):
    """A factory: an app with the limiter on (the ``app`` fixture turns it off) and its
    own settings, with the wards in place. Not mixed with the ``app`` fixture: the limiter
    object is shared by every app of this process."""
    apps = []

    def make(**config):
        app = create_app({"TESTING": True, "SECRET_KEY": "t", "INSTANCE_PATH": str(tmp_path),
                          "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_ENABLED": True,
                          "LOGIN_RATE_LIMIT": "2 per minute", **config})
        with app.app_context():
            db.create_all()
            ensure_wards()
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def device_token(app, login_name, role="volunteer") -> str:
    """A bearer token of a new device of a new user of ward 14101 (made once by login)."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.login == login_name))
        if user is None:
            ward = db.session.scalar(sa.select(Ward).where(Ward.code == "14101"))
            user = User(login=login_name, display_name=login_name, role=role, ward_id=ward.id,
                        password_hash=hash_password(PASSWORD))
            db.session.add(user)
        _device, token = issue_device(user, "phone")
        db.session.commit()
        return token


class TestClientAddressBehindAProxy:
    def test_clients_behind_one_trusted_proxy_have_their_own_sign_in_limit(self, limited_app):
        client = limited_app(TRUSTED_PROXIES=1).test_client()

        def attempt(address):
            return client.post("/api/auth/login", json={"login": "x", "password": "guess"},
                               headers={"X-Forwarded-For": address}).status_code

        assert [attempt("198.51.100.1") for _ in range(3)] == [401, 401, 429]
        assert [attempt("198.51.100.2") for _ in range(2)] == [401, 401]

    def test_with_no_trusted_proxy_a_forwarded_address_does_not_escape_the_limit(
            self, limited_app):
        client = limited_app().test_client()
        answers = [client.post("/api/auth/login", json={"login": "x", "password": "guess"},
                               headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
                   for n in range(3)]
        assert answers == [401, 401, 429]

    def test_only_the_configured_number_of_proxies_is_trusted(self, limited_app):
        # A client may send its own X-Forwarded-For; the one proxy appends the address it
        # saw, and only that last entry counts.
        client = limited_app(TRUSTED_PROXIES=1).test_client()
        answers = [client.post("/api/auth/login", json={"login": "x", "password": "guess"},
                               headers={"X-Forwarded-For": f"10.0.0.{n}, 198.51.100.7"}
                               ).status_code for n in range(3)]
        assert answers == [401, 401, 429]

    def test_the_proxy_setting_comes_from_the_environment(self, monkeypatch):
        from server import config

        monkeypatch.setenv("TSUNAGU_TRUSTED_PROXIES", "2")
        assert config.from_environment(os.environ)["TRUSTED_PROXIES"] == 2
        assert config.DEFAULTS["TRUSTED_PROXIES"] == 0


class TestPublicUrls:
    def start_pairing(self, client, create_user, auth_header, **headers):
        hub, volunteer = create_user("hub_staff"), create_user("volunteer")
        response = client.post("/api/pairings", json={"user_id": volunteer.id},
                               headers={**auth_header(hub), **headers})
        assert response.status_code == 201, response.json
        return response.json["pair_url"]

    def test_the_pairing_url_uses_the_configured_public_address(self, app, client, create_user,
                                                                auth_header):
        app.config["PUBLIC_BASE_URL"] = "https://tsunagu.example.city/"
        url = self.start_pairing(client, create_user, auth_header, Host="evil.example")
        assert url.startswith("https://tsunagu.example.city/#pair=")

    def test_an_untrusted_forwarded_host_does_not_reach_the_pairing_url(
            self, client, create_user, auth_header):
        url = self.start_pairing(client, create_user, auth_header,
                                 **{"X-Forwarded-Host": "evil.example",
                                    "X-Forwarded-Proto": "https"})
        assert url.startswith("http://localhost/#pair=")

    def test_a_trusted_proxy_names_the_public_host(self, limited_app):
        app = limited_app(TRUSTED_PROXIES=1)
        hub = device_token(app, "hub", role="hub_staff")
        device_token(app, "vol")
        with app.app_context():
            volunteer_id = db.session.scalar(sa.select(User.id).where(User.login == "vol"))
        response = app.test_client().post(
            "/api/pairings", json={"user_id": volunteer_id},
            headers={**bearer(hub), "X-Forwarded-Host": "tsunagu.example.city",
                     "X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.1"})
        assert response.status_code == 201, response.json
        assert response.json["pair_url"].startswith("https://tsunagu.example.city/#pair=")

    def test_public_url_joins_the_configured_base_and_a_path(self, app):
        from server.urls import public_url

        app.config["PUBLIC_BASE_URL"] = "https://tsunagu.example.city/"
        assert public_url("/c/abc#K7Q2") == "https://tsunagu.example.city/c/abc#K7Q2"
        app.config["PUBLIC_BASE_URL"] = ""
        with app.test_request_context("/", base_url="http://10.0.0.5:8000"):
            assert public_url("c/abc") == "http://10.0.0.5:8000/c/abc"
        with pytest.raises(RuntimeError):
            public_url("c/abc")  # no request and no configured address


class TestSignInTiming:
    @pytest.fixture
    def verified(self, monkeypatch):
        """The hashes that Argon2 verified, in order."""
        seen = []
        real = PasswordHasher.verify

        def spy(self, hash, password):
            seen.append(hash)
            return real(self, hash, password)

        monkeypatch.setattr(PasswordHasher, "verify", spy)
        return seen

    def test_an_unknown_login_costs_one_argon2_verification_like_a_known_one(
            self, client, create_user, verified):
        user = create_user("volunteer")
        assert login(client, user.login, "wrong password").status_code == 401
        assert login(client, "nobody-has-this-login", "wrong password").status_code == 401
        assert login(client, "nor-this-one", "wrong password").status_code == 401
        known, unknown, again = verified
        # The same settings as a stored hash, so it takes as long; and made once.
        assert unknown.rsplit("$", 2)[0] == known.rsplit("$", 2)[0]
        assert again == unknown

    def test_a_disabled_account_costs_one_verification_too(self, client, create_user,
                                                          verified):
        user = create_user("volunteer")
        user.active = False
        db.session.commit()
        assert login(client, user.login).status_code == 401
        assert len(verified) == 1


def test_guessing_the_current_password_is_rate_limited(limited_app):
    app = limited_app()
    tokens = [device_token(app, "me"), device_token(app, "me"), device_token(app, "other")]
    client = app.test_client()

    def change(token, address="192.0.2.1"):
        return client.post("/api/auth/password", headers=bearer(token),
                           json={"current_password": "guess", "new_password": "a new password"},
                           environ_base={"REMOTE_ADDR": address})

    mine, my_other_phone, someone_else = tokens
    assert [change(mine).status_code for _ in range(2)] == [422, 422]
    refused = change(my_other_phone)  # the limit is the user's, not one phone's
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    assert "Retry-After" in refused.headers
    assert change(someone_else).status_code == 422  # and not everyone's behind one address
    assert client.post("/api/auth/password", json={}).status_code == 401  # no one to key on


class TestWhoMayPair:
    def start(self, client, auth_header, actor, target):
        return client.post("/api/pairings", json={"user_id": target.id},
                           headers=auth_header(actor))

    @pytest.mark.parametrize("role", ["hub_staff", "ward_officer"])
    def test_hub_staff_may_not_pair_a_phone_as_someone_they_may_not_create(
            self, client, create_user, auth_header, role):
        hub, target = create_user("hub_staff"), create_user(role)
        response = self.start(client, auth_header, hub, target)
        assert response.status_code == 403
        assert response.json["error"]["code"] == "forbidden"
        assert db.session.scalar(sa.select(sa.func.count(PairingCode.id))) == 0

    @pytest.mark.parametrize("role", ["volunteer", "site_staff"])
    def test_hub_staff_pair_the_people_they_may_create(self, client, create_user, auth_header,
                                                      role):
        hub, target = create_user("hub_staff"), create_user(role)
        assert self.start(client, auth_header, hub, target).status_code == 201

    def test_hub_staff_may_not_pair_a_supporter_of_another_ward(
            self, client, create_user, auth_header, other_ward):
        hub, target = create_user("hub_staff"), create_user("volunteer", ward=other_ward)
        assert self.start(client, auth_header, hub, target).status_code == 403

    def test_hub_staff_pair_a_phone_of_their_own(self, client, create_user, auth_header):
        hub = create_user("hub_staff")
        assert self.start(client, auth_header, hub, hub).status_code == 201

    def test_a_volunteer_pairs_no_phone_not_even_their_own(self, client, create_user,
                                                          auth_header):
        volunteer = create_user("volunteer")
        assert self.start(client, auth_header, volunteer, volunteer).status_code == 403

    @pytest.mark.parametrize("role", ["hub_staff", "ward_officer", "admin"])
    def test_the_admin_pairs_anyone(self, client, create_user, auth_header, role):
        admin, target = create_user("admin"), create_user(role)
        assert self.start(client, auth_header, admin, target).status_code == 201


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """The usual umask (022), which alone leaves new files readable by everyone."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.parametrize("configured", [True, False], ids=["DATABASE_URL", "instance default"])
def test_the_sqlite_database_and_its_wal_files_are_readable_by_the_owner_only(
        tmp_path, open_umask, configured):
    instance = tmp_path / "instance"
    config = {"TESTING": True, "SECRET_KEY": "t", "INSTANCE_PATH": str(instance)}
    path = instance / "tsunagu.sqlite3"
    if configured:
        path = tmp_path / "data.sqlite3"
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    app = create_app(config)
    with app.app_context():
        db.create_all()  # a write, in WAL mode: the -wal and -shm files exist now
        created = {name: _mode(f"{path}{name}") for name in ("", "-wal", "-shm")}
        db.session.remove()
        db.engine.dispose()
    assert created == {"": 0o600, "-wal": 0o600, "-shm": 0o600}
    assert os.umask(0o022) == 0o022  # nothing changed the process's umask


def test_a_new_instance_folder_is_private(tmp_path, open_umask):
    instance = tmp_path / "instance"
    create_app({"TESTING": True, "INSTANCE_PATH": str(instance),
                "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert _mode(instance) == 0o700
    assert _mode(instance / "secret_key") == 0o600


class TestGunicornSettings:
    def settings(self, tmp_path, **kwargs):
        """The settings gunicorn itself reads from the command line ``serve`` builds."""
        from gunicorn.config import Config

        from server import wsgi_server

        argv = wsgi_server.gunicorn_argv("127.0.0.1", 8000, 1, 1, **kwargs)
        assert argv[:3] == [argv[0], "-m", "gunicorn"] and argv[-1] == "server.wsgi:app"
        config = Config()
        parsed = config.parser().parse_args(argv[3:])
        for name, value in vars(parsed).items():
            if value is not None and name != "args":
                config.set(name, value)
        return config, parsed

    def test_serve_makes_no_control_socket_shared_by_every_server_of_the_machine(
            self, tmp_path):
        config, _ = self.settings(tmp_path)
        assert config.settings["control_socket_disable"].get() is True

    def test_serve_binds_with_so_reuseport(self, tmp_path):
        config, parsed = self.settings(tmp_path)
        assert config.reuse_port is True
        assert config.bind == ["127.0.0.1:8000"] and parsed.args == ["server.wsgi:app"]
