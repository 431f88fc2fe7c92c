"""Named operations on accounts and devices. Each one commits or changes nothing."""

from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from ..directory.models import Site, Ward
from ..errors import ApiError
from ..extensions import db
from ..pairing import qr_svg
from ..timeutil import utcnow
from ..urls import public_url
from . import auth
from .models import Device, Membership, PairingCode, User
from .policy import may_create_user, require


def sign_in(login: str, password: str, device_name: str) -> tuple[Device, str]:
    """:raise 401: wrong login or password (the same answer, in the same time, for both:
    an unknown login costs one Argon2 verification too)."""
    user = db.session.execute(db.select(User).where(User.login == login)).scalar_one_or_none()
    known = user is not None and user.active
    if not (auth.verify_password(user, password) if known else auth.verify_nobody(password)):
        raise ApiError(401, "bad_credentials",
                       "ログイン名かパスワードが違います / Wrong login name or password.")
    device, token = auth.issue_device(user, device_name or "phone")
    db.session.commit()
    return device, token


def sign_out(device: Device) -> None:
    device.revoked_at = utcnow()
    device.revoked_by_id = device.user_id
    db.session.commit()


def change_password(device: Device, current: str, new: str) -> None:
    """Set a new password; the user's other devices are signed out.

    :raise 422: the current password is wrong.
    """
    user = device.user
    if not auth.verify_password(user, current):
        raise ApiError(422, "invalid", "今のパスワードが違います / The current password is wrong.",
                       {"current_password": ["違います / Wrong password."]})
    user.password_hash = auth.hash_password(new)
    now = utcnow()
    for other in db.session.scalars(db.select(Device).where(
            Device.user_id == user.id, Device.id != device.id, Device.revoked_at.is_(None))):
        other.revoked_at = now
        other.revoked_by_id = user.id
    db.session.commit()


def start_pairing(actor: User, user: User) -> dict:
    """A one-time code that signs a new phone in as ``user``, with its URL (under the
    public address) and QR code. The caller has checked ``policy.may_pair_user``."""
    code, code_hash = auth.new_secret()
    now = utcnow()
    pairing = PairingCode(
        code_hash=code_hash,
        user=user,
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(minutes=current_app.config["PAIRING_CODE_MINUTES"]),
    )
    db.session.add(pairing)
    db.session.commit()
    pair_url = public_url(f"#pair={code}")
    return {
        "id": pairing.id,
        "user_id": user.id,
        "user_display_name": user.display_name,
        "code": code,
        "pair_url": pair_url,
        "qr_svg": qr_svg(pair_url),
        "expires_at": pairing.expires_at,
    }


def complete_pairing(code: str, device_name: str) -> tuple[Device, str]:
    """Sign a phone in with a pairing code; the code then cannot be used again.

    :raise 409: the code was used already. :raise 422: it expired (after 10 minutes).
    :raise 404: no such code.
    """
    pairing = db.session.execute(
        db.select(PairingCode).where(PairingCode.code_hash == auth.digest(code))
        .with_for_update()
    ).scalar_one_or_none()
    if pairing is None:
        raise ApiError(404, "pairing_unknown",
                       "このコードは使えません。拠点の方に新しい QR を出してもらってください / "
                       "This code is not valid; ask hub staff for a new QR code.",
                       {"code": ["unknown"]})
    if pairing.used_at is not None:
        raise ApiError(409, "pairing_used",
                       "このコードはもう使われました。新しい QR を出してもらってください / "
                       "This code has already been used; ask for a new QR code.",
                       {"code": ["used"]})
    if pairing.expires_at <= utcnow():
        raise ApiError(422, "pairing_expired",
                       "このコードは期限切れです（10分）。新しい QR を出してもらってください / "
                       "This code has expired; ask for a new QR code.",
                       {"code": ["expired"]})
    if not pairing.user.active:
        raise ApiError(403, "forbidden", "このアカウントは無効です / This account is disabled.")
    device, token = auth.issue_device(pairing.user, device_name or "phone")
    db.session.flush()
    pairing.used_at = utcnow()
    pairing.device_id = device.id
    db.session.commit()
    return device, token


def revoke_device(actor: User, device: Device) -> Device:
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        device.revoked_by_id = actor.id
        db.session.commit()
    return device


def rename_device(device: Device, name: str) -> Device:
    device.name = name
    db.session.commit()
    return device


def create_user(actor: User | None, data: dict) -> User:
    """Create an account with its sites.

    :raise 404: the ward or a site does not exist. :raise 409: the login is taken.
    :raise 422: a site is outside the user's ward.
    """
    ward = None
    if data.get("ward_code"):
        ward = db.session.execute(
            db.select(Ward).where(Ward.code == data["ward_code"])
        ).scalar_one_or_none()
        if ward is None:
            raise ApiError(404, "not_found", "区が見つかりません / No such ward.",
                           {"ward_code": ["unknown"]})
    elif data["role"] != "admin":
        raise ApiError(422, "invalid", "区を選んでください / Choose a ward.",
                       {"ward_code": ["required for this role"]})
    # ``actor`` is None on the command line, where the operator is trusted.
    if actor is not None:
        require(may_create_user(actor, data["role"], ward.id if ward else None))
    sites = []
    for site_id in data["site_ids"]:
        site = db.session.get(Site, site_id)
        if site is None:
            raise ApiError(404, "not_found", "施設が見つかりません / No such site.",
                           {"site_ids": [f"unknown site {site_id}"]})
        if ward is None or site.ward_id != ward.id:
            raise ApiError(422, "invalid", "施設が区の外です / The site is outside the ward.",
                           {"site_ids": [f"site {site_id} is not in the ward"]})
        sites.append(site)
    user = User(
        login=data["login"],
        display_name=data["display_name"],
        role=data["role"],
        ward_id=ward.id if ward else None,
        password_hash=auth.hash_password(data["password"]),
        memberships=[Membership(site_id=s.id) for s in sites],
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ApiError(409, "login_taken", "このログイン名は使われています / Login name taken.",
                       {"login": ["taken"]}) from None
    return user
