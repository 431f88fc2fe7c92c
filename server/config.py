"""Settings: safe defaults, then the environment, then what a test passes in.

Every setting is listed in README.md ("Configuration").
"""

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

ENV_SETTINGS = {
    # name in the environment: (config key, parser)
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "SECRET_KEY": ("SECRET_KEY", str),
    "TSUNAGU_TEXT_RETENTION_DAYS": ("TEXT_RETENTION_DAYS", int),
    "TSUNAGU_DEVICE_TOKEN_DAYS": ("DEVICE_TOKEN_DAYS", int),
    "TSUNAGU_PAIRING_CODE_MINUTES": ("PAIRING_CODE_MINUTES", int),
    "TSUNAGU_MAX_BODY_BYTES": ("MAX_CONTENT_LENGTH", int),
    "TSUNAGU_RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", str),
    "TSUNAGU_LOGIN_RATE_LIMIT": ("LOGIN_RATE_LIMIT", str),
    "TSUNAGU_SYNC_MAX_DRIFT_MS": ("SYNC_MAX_DRIFT_MS", int),
    "TSUNAGU_SYNC_MAX_BATCH": ("SYNC_MAX_BATCH", int),
    "TSUNAGU_DB_POOL_SIZE": ("DB_POOL_SIZE", int),
    "TSUNAGU_SYNC_NODE_ID": ("SYNC_NODE_ID", str),
    "TSUNAGU_SCHEDULER": ("SCHEDULER_ENABLED", lambda v: v.lower() in {"1", "true", "yes", "on"}),
    "TSUNAGU_PUBLIC_BASE_URL": ("PUBLIC_BASE_URL", str),
    "TSUNAGU_TRUSTED_PROXIES": ("TRUSTED_PROXIES", int),
    "TSUNAGU_CARD_TOKENS_OUTSTANDING_MAX": ("CARD_TOKENS_OUTSTANDING_MAX", int),
    "TSUNAGU_CARD_POOL_SIZE": ("CARD_POOL_SIZE", int),
    "TSUNAGU_CARD_EXPIRE_DAYS": ("CARD_EXPIRE_DAYS", int),
    "TSUNAGU_CARD_GRACE_DAYS": ("CARD_GRACE_DAYS", int),
    "TSUNAGU_CARD_TOKEN_UNUSED_DAYS": ("CARD_TOKEN_UNUSED_DAYS", int),
    "TSUNAGU_CARD_PAGE_RATE_LIMIT": ("CARD_PAGE_RATE_LIMIT", str),
    "TSUNAGU_CALENDAR_RATE_LIMIT": ("CALENDAR_RATE_LIMIT", str),
    "TSUNAGU_EVENING_NOTICE_HOUR": ("EVENING_NOTICE_HOUR", int),
    "TSUNAGU_SMTP_URL": ("SMTP_URL", str),
    "TSUNAGU_MAIL_FROM": ("MAIL_FROM", str),
    "TSUNAGU_HUB_MAIL_TO": ("HUB_MAIL_TO", str),
    "TSUNAGU_DIGEST_HOUR": ("DIGEST_HOUR", int),
}

DEFAULTS = {
    "TEXT_RETENTION_DAYS": 365,
    "DEVICE_TOKEN_DAYS": 180,
    "PAIRING_CODE_MINUTES": 10,
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "LOGIN_RATE_LIMIT": "10 per minute",
    "SCHEDULER_ENABLED": False,
    # A phone clock more than this far ahead of the server's is clamped to it.
    "SYNC_MAX_DRIFT_MS": 5 * 60 * 1000,
    "SYNC_MAX_BATCH": 500,
    "SYNC_NODE_ID": "server",
    # The address card and pairing QR codes point at ("" = the address the request came
    # to, as the trusted proxies name it).
    "PUBLIC_BASE_URL": "",
    # Reverse proxies in front of the server whose X-Forwarded-For, -Proto and -Host are
    # believed. 0: none, and a client's own X-Forwarded-For is ignored.
    "TRUSTED_PROXIES": 0,
    "CARD_TOKENS_OUTSTANDING_MAX": 500,
    "CARD_POOL_SIZE": 10,
    "CARD_EXPIRE_DAYS": 30,
    "CARD_GRACE_DAYS": 7,
    "CARD_TOKEN_UNUSED_DAYS": 180,
    "CARD_PAGE_RATE_LIMIT": "30 per minute;300 per hour",
    # The public area calendar: generous, as calendar apps refetch the feed on a timer.
    "CALENDAR_RATE_LIMIT": "120 per minute;2000 per hour",
    "EVENING_NOTICE_HOUR": 18,
    # The hub's weekly digest by e-mail (server/inbox/mail.py): off while SMTP_URL is "".
    "SMTP_URL": "",
    "MAIL_FROM": "tsunagu@localhost",
    "HUB_MAIL_TO": "",
    # The weekly digest is written from this hour (Japan time) of each Monday.
    "DIGEST_HOUR": 8,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # Connections a process keeps open to PostgreSQL (None: SQLAlchemy's 5). ``tsunagu
    # serve`` sets it from its threads (``wsgi_server.connections_per_worker``).
    "DB_POOL_SIZE": None,
}


def from_environment(environ=os.environ) -> dict:
    """Return the settings that the environment sets, parsed; unset names are left out."""
    settings = {}
    for name, (key, parse) in ENV_SETTINGS.items():
        if environ.get(name):
            settings[key] = parse(environ[name])
    return settings


def default_database_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "tsunagu.sqlite3")


def create_private_sqlite_file(url: str) -> None:
    """Create the SQLite file of ``url`` empty (a valid database) and readable by its owner
    only, unless it exists. SQLite gives the -wal, -shm and -journal files it makes later
    the database file's mode, so they are private too; a file SQLite created itself would
    take the process's umask (0644 as a rule). A missing folder is left for SQLite to
    report."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    if parsed.query.get("uri") or parsed.database.startswith("file:"):
        return  # a URI filename may name a memory database or open read-only
    try:
        os.close(os.open(parsed.database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except (FileExistsError, FileNotFoundError):
        pass


def normalise_database_url(url: str) -> str:
    """Point plain ``postgresql://`` URLs at psycopg 3, the driver Tsunagu installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_instance_folder(instance_path: str) -> None:
    """Create the instance folder, when missing, open to its owner only: it holds the
    secret key and the database."""
    Path(instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)


def instance_secret_key(instance_path: str) -> str:
    """Read the key kept in the instance folder, creating it once (readable by owner only)."""
    path = Path(instance_path) / "secret_key"
    make_instance_folder(instance_path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another worker process of the same server created it first.
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
