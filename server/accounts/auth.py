"""Bearer tokens for devices, password hashing, and who is asking."""

import functools
import hashlib
import secrets
from datetime import timedelta
from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g, request
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..errors import ApiError
from ..extensions import db
from ..timeutil import utcnow
from .models import Device, User

# OWASP's Argon2id setting of 19 MiB and 2 passes. The library's default (RFC 9106's
# 64 MiB, 3 passes) is of like strength but held 64 MiB in a worker for every sign-in in
# progress: with a few at once, more than the whole server otherwise uses.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
# Refresh a device's last-seen time at most this often, so reads stay reads.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` is the user's; a hash made with other settings is replaced
    (the caller commits)."""
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


@functools.cache
def _nobodys_hash() -> str:
    # Made once per process, with the settings of every stored hash, so checking it takes
    # as long as checking a real one.
    return _hasher.hash(secrets.token_urlsafe(32))


def verify_nobody(password: str) -> bool:
    """Spend on a login that names no one (or a disabled account) the time that
    ``verify_password`` spends on a real one, so the time of a refusal does not tell
    whether the login exists. Always false."""
    try:
        _hasher.verify(_nobodys_hash(), password)
    except (VerificationError, InvalidHashError):
        pass
    return False


def new_secret() -> tuple[str, str]:
    """A 256-bit URL-safe secret and the SHA-256 hex digest that is stored instead of it."""
    secret = secrets.token_urlsafe(32)
    return secret, digest(secret)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_device(user: User, name: str) -> tuple[Device, str]:
    token, token_hash = new_secret()
    now = utcnow()
    device = Device(
        user=user,
        name=name,
        token_hash=token_hash,
        created_at=now,
        expires_at=now + timedelta(days=current_app.config["DEVICE_TOKEN_DAYS"]),
    )
    db.session.add(device)
    return device, token


def unauthorized(message: str = "サインインしてください / Please sign in.") -> ApiError:
    return ApiError(401, "unauthorized", message)


@functools.cache
def _device_by_token():
    # Every view needs the user and its sites next: one round trip, not three. Built once
    # (on first use, when every model is mapped): building it cost more than running it.
    return (select(Device).where(Device.token_hash == bindparam("token_hash"))
            .options(joinedload(Device.user).joinedload(User.memberships)))


def authenticate() -> Device:
    """The device whose bearer token came with this request.

    :raise 401: no token, an unknown one, or a revoked or expired device.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized()
    device = db.session.execute(_device_by_token(), {"token_hash": digest(token.strip())}
                                ).unique().scalar_one_or_none()
    now = utcnow()
    if device is None:
        raise unauthorized()
    if device.revoked_at is not None:
        raise ApiError(401, "device_revoked",
                       "この端末は利用停止されました / This device has been revoked.")
    if device.expires_at <= now:
        raise ApiError(401, "session_expired",
                       "もう一度サインインしてください / Your sign-in has expired.")
    if not device.user.active:
        raise unauthorized("このアカウントは無効です / This account is disabled.")
    if device.last_seen_at is None or now - device.last_seen_at > LAST_SEEN_RESOLUTION:
        _note_seen(device, now)
    return device


def _note_seen(device: Device, now) -> None:
    """Write the device's last-seen time in a transaction of its own.

    Committed through the request's session, it expired the device, its user and their
    sites, and the view read each of them again. On an evening each phone syncs once and
    pays it: a sync took 0.88x the CPU without it in process, and its app CPU over HTTP
    fell from 54-67 to 26-37 ms (bench/RESULTS.md, the city evening peak)."""
    with db.engine.begin() as conn:
        conn.execute(update(Device).where(Device.id == device.id).values(last_seen_at=now))
    set_committed_value(device, "last_seen_at", now)


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.device = authenticate()
        g.user = g.device.user
        return view(*args, **kwargs)

    return wrapper
