"""Fixtures: a fresh app per test on SQLite and (where storage is touched) PostgreSQL.

A test asks for ``app`` (or ``client``) and runs once per engine. When PostgreSQL or
Chromium is missing the test is skipped, unless TSUNAGU_REQUIRE_ALL=1 (as in CI), which
turns that skip into a failure.
"""

import atexit
import functools
import os
import uuid
from datetime import time

import pytest
import sqlalchemy as sa

from server import bind_migrations, create_app
from server.accounts.auth import hash_password, issue_device
from server.accounts.models import Membership, User
from server.cooperation.reference import ensure_checkpoints
from server.directory.models import Site, SiteTag, Ward
from server.directory.reference import ensure_wards
from server.extensions import db

PG_URL = os.environ.get("TSUNAGU_TEST_PG_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Per test process, so that two runs on one machine (a developer's and CI's) never share
# tables.
PG_TEST_DB = f"tsunagu_test_{os.getpid()}"
PG_EMPTY_DB = f"tsunagu_empty_{os.getpid()}"


def skip_or_fail(reason: str):
    """Skip, or fail when the run must prove everything (CI sets TSUNAGU_REQUIRE_ALL=1)."""
    if os.environ.get("TSUNAGU_REQUIRE_ALL") == "1":
        pytest.fail(f"required but unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def require():
    """The ``skip_or_fail`` function, for conftest files in sub-folders."""
    return skip_or_fail


@functools.cache
def _postgres_url() -> str | None:
    """Create a fresh database for this test run; None when PostgreSQL cannot be reached."""
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_TEST_DB} WITH (FORCE)"))
            conn.execute(sa.text(f"CREATE DATABASE {PG_TEST_DB}"))
    except sa.exc.OperationalError:
        return None
    finally:
        admin.dispose()
    atexit.register(_drop_databases)
    return sa.make_url(PG_URL).set(database=PG_TEST_DB).render_as_string(hide_password=False)


def _drop_databases() -> None:
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for name in (PG_TEST_DB, PG_EMPTY_DB):
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    except sa.exc.OperationalError:
        pass  # the server went away first; nothing left to clean
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url():
    url = _postgres_url()
    if url is None:
        skip_or_fail(f"PostgreSQL is not reachable at {PG_URL}")
    return url


@pytest.fixture(scope="session")
def _postgres_schema(postgres_url, tmp_path_factory):
    """Builds the PostgreSQL schema once, through the migrations (so they are exercised)."""
    from flask_migrate import upgrade

    app = bind_migrations(create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": postgres_url, "SECRET_KEY": "test",
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("i"))}))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return postgres_url


def _truncate_all() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def empty_database_url(engine_name, request, tmp_path):
    """The URL of an empty database (no tables) of the engine under test."""
    if engine_name == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    url = request.getfixturevalue("postgres_url")
    fresh = sa.make_url(url).set(database=PG_EMPTY_DB)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_EMPTY_DB} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {PG_EMPTY_DB}"))
    admin.dispose()
    return fresh.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine_name(request):
    return request.param


@pytest.fixture
def fresh_app(empty_database_url, tmp_path):
    """An app on a database with no tables at all, as a city's first run has (the ``tsunagu``
    commands migrate it themselves)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "t",
                      "INSTANCE_PATH": str(tmp_path), "TESTING": True})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(engine_name, request, tmp_path):
    config = {"TESTING": True, "SECRET_KEY": "test", "INSTANCE_PATH": str(tmp_path),
              "RATELIMIT_ENABLED": False}
    if engine_name == "postgres":
        config["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("_postgres_schema")
    else:
        config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    app = create_app(config)
    with app.app_context():
        if engine_name == "postgres":
            _truncate_all()
        else:
            db.create_all()
        ensure_wards()
        ensure_checkpoints()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@functools.cache
def _hash(password: str) -> str:
    # Argon2 is slow on purpose; tests reuse one hash per password.
    return hash_password(password)


@pytest.fixture
def ward(app) -> Ward:
    return db.session.execute(sa.select(Ward).where(Ward.code == "14101")).scalar_one()


@pytest.fixture
def other_ward(app) -> Ward:
    return db.session.execute(sa.select(Ward).where(Ward.code == "14102")).scalar_one()


@pytest.fixture
def create_site(app, ward):
    counter = iter(range(1, 10_000))

    def make(kind="salon", ward=ward, weekdays="1", tags=(), name=None, **fields) -> Site:
        n = next(counter)
        site = Site(source_key=f"{ward.code}:T{n}", ward_id=ward.id, kind=kind,
                    source_type="テスト", schedule_kind="permanent" if len(weekdays) >= 3
                    else "periodic", municipality_code=ward.code, number=f"T{n}",
                    prefecture="神奈川県", municipality=f"横浜市{ward.name_ja}",
                    name=name or f"テスト施設{n}", open_weekdays=weekdays,
                    opens_at=time(10), closes_at=time(12),
                    tags=[SiteTag(tag=t) for t in tags], **fields)
        db.session.add(site)
        db.session.commit()
        return site

    return make


@pytest.fixture
def create_user(app, ward):
    counter = iter(range(1, 10_000))

    def make(role="volunteer", ward=ward, sites=(), password="correct horse battery",
             login=None) -> User:
        n = next(counter)
        user = User(login=login or f"{role}{n}", display_name=f"{role} {n}", role=role,
                    ward_id=None if role == "admin" else ward.id,
                    password_hash=_hash(password),
                    memberships=[Membership(site_id=s.id) for s in sites])
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def auth_header(app):
    """A factory: the Authorization header of a new device of ``user``."""

    def make(user: User) -> dict:
        _device, token = issue_device(user, "test phone")
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def mint_card(client, auth_header):
    """A factory: mint one token for ``issuer``'s site; returns the minted token's JSON."""

    def make(issuer: User, site: Site, **body) -> dict:
        response = client.post("/api/cards/tokens", json={"site_id": site.id, "count": 1, **body},
                               headers=auth_header(issuer))
        assert response.status_code == 201, response.get_json()
        return response.get_json()["tokens"][0]

    return make


@pytest.fixture
def issue_card(client, auth_header):
    """A factory: a phone of ``issuer`` sends the card ``short_code`` (as the PWA does)."""

    def make(issuer: User, short_code: str, issuing: Site, target: Site, **fields) -> dict:
        changes = {"status": "issued", "issued_on": "2026-11-28",
                   "issuing_site_id": str(issuing.id), "target_site_id": str(target.id),
                   **fields}
        op = {"op_id": str(uuid.uuid4()), "device_id": "phone-issuer", "user_id": "x",
              "collection": "card", "record_id": short_code,
              "hlc": f"{1_790_000_000_000:015d}:000000:phone-issuer", "base_version": None,
              "changes": changes}
        response = client.post("/api/sync/push", json={"protocol": 1, "ops": [op]},
                               headers=auth_header(issuer))
        (result,) = response.get_json()["results"]
        assert result["status"] == "applied", result
        return result

    return make
