"""Tsunagu's Flask server: ``create_app`` builds one app; nothing is bound at import time."""

import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import config, request_limits
from .accounts.no_cookies import NoCookieSession
from .extensions import db, limiter

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then the environment, then ``test_config``."""
    instance_path = os.environ.get("TSUNAGU_INSTANCE_PATH") or str(Path.cwd() / "instance")
    if test_config and "INSTANCE_PATH" in test_config:
        instance_path = test_config["INSTANCE_PATH"]
    app = Flask(__name__, instance_path=instance_path, static_folder=None)
    request_limits.init_app(app)
    app.config.from_mapping(config.DEFAULTS)
    app.config.from_mapping(config.from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    _fill_instance_defaults(app)
    _trust_proxies(app)
    # Japanese text goes out as UTF-8, not as \u escapes (a third of the bytes).
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    app.session_interface = NoCookieSession()
    db.init_app(app)
    limiter.init_app(app)

    from . import errors, pwa
    from .accounts.views import bp as accounts_bp
    from .api_docs import bp as api_docs_bp
    from .area_calendar.views import bp as area_calendar_bp
    from .cards.public import bp as card_page_bp
    from .cards.reports import bp as card_reports_bp
    from .cards.views import bp as cards_bp
    from .cooperation.views import bp as cooperation_bp
    from .directory.views import bp as directory_bp
    from .exports.views import bp as exports_bp
    from .figures.views import bp as figures_bp
    from .hub.views import bp as hub_bp
    from .inbox.views import bp as inbox_bp
    from .liaison.views import bp as liaison_bp
    from .local_issues.views import bp as local_issues_bp
    from .replication.views import bp as replication_bp

    errors.register(app)
    for blueprint in (accounts_bp, directory_bp, replication_bp, cards_bp, card_page_bp,
                      card_reports_bp, hub_bp, figures_bp, exports_bp, cooperation_bp,
                      api_docs_bp, area_calendar_bp, inbox_bp, liaison_bp, local_issues_bp,
                      pwa.bp):
        app.register_blueprint(blueprint)

    from .cli import register_commands
    from .jobs import init_scheduler

    register_commands(app)
    init_scheduler(app)
    return app


def bind_migrations(app: Flask) -> Flask:
    """Bind Flask-Migrate to ``app``: its ``db`` commands, and ``flask_migrate.upgrade()``
    inside the app context. ``create_app`` leaves this out so that a gunicorn worker never
    imports alembic (about 11 MiB of each worker's memory); the ``tsunagu`` command and
    code that migrates call it."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    return app


def _fill_instance_defaults(app: Flask) -> None:
    """Defaults that live in the instance folder (the SQLite file and the secret key), and
    the engine's options for the database named."""
    needs_instance = not app.config.get("SQLALCHEMY_DATABASE_URI") or not app.config.get(
        "SECRET_KEY"
    )
    if needs_instance:
        config.make_instance_folder(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = config.default_database_url(app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = config.normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A file has no connection to lose: a ping on every checkout (two a request) only
        # costs time. PostgreSQL keeps it, so a restarted server is not an error.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
        config.create_private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    elif app.config.get("DB_POOL_SIZE") is not None:
        # A connection returned to a full pool is closed, and the next request opens a new
        # one (a new PostgreSQL backend): kept open, as many as the process's threads use.
        size = app.config["DB_POOL_SIZE"]
        if not isinstance(size, int) or size < 1:
            # SQLAlchemy would take 0 as "no limit" and -1 as "never close one".
            raise ValueError(f"TSUNAGU_DB_POOL_SIZE must be a whole number of 1 or more, "
                             f"not {size!r}")
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_size": size}
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.instance_secret_key(app.instance_path)


def _trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, take the client's address, scheme and
    host from the X-Forwarded-* headers they add (the rate limits key on that address, and
    URLs are built on that host); with none, those headers are a client's own claim and are
    ignored."""
    trusted = app.config["TRUSTED_PROXIES"]
    if trusted > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers go on while one phone's batch is written; FKs are off by default."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if _is_file_database(dbapi_connection):
            cursor.execute("PRAGMA journal_mode=WAL")
            # FULL: an acknowledged push survives a power cut too (the phone drops acked ops).
            cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def _is_file_database(dbapi_connection) -> bool:
    cursor = dbapi_connection.cursor()
    try:
        rows = cursor.execute("PRAGMA database_list").fetchall()
    finally:
        cursor.close()
    return any(row[1] == "main" and row[2] for row in rows)
