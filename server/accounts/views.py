"""Sign-in, pairing, devices and people: thin views over ``operations``."""

from flask import Blueprint, current_app, g
from flask_limiter.util import get_remote_address

from schemas.accounts import (
    DeviceRenameSchema,
    DeviceSchema,
    LoginRequestSchema,
    PairingRequestSchema,
    PairingSchema,
    PairRequestSchema,
    PasswordChangeSchema,
    SessionSchema,
    UserCreateSchema,
    UserSchema,
)

from ..api import documented, load_body, respond
from ..directory.lookups import get_or_404, ward_by_code
from ..extensions import db, limiter
from . import operations, policy
from .auth import login_required
from .models import Device, User

bp = Blueprint("accounts", __name__, url_prefix="/api")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _user_and_address() -> str:
    # Password guesses through a signed-in device: a user's phones share one count, and
    # users behind one address (a site's Wi-Fi) do not share theirs.
    return f"user:{g.user.id}@{get_remote_address()}"


@bp.post("/auth/login")
@limiter.limit(_login_limit)
@documented("Sign in; creates a device with its own bearer token", "auth",
            body=LoginRequestSchema, response=SessionSchema, status=201, auth=False,
            errors=(400, 401, 422, 429))
def login():
    data = load_body(LoginRequestSchema())
    device, token = operations.sign_in(data["login"], data["password"], data["device_name"])
    return respond(SessionSchema(), {"token": token, "device": device, "user": device.user}, 201)


@bp.post("/auth/pair")
@limiter.limit(_login_limit)
@documented("Sign a new phone in with a one-time pairing code", "auth",
            body=PairRequestSchema, response=SessionSchema, status=201, auth=False,
            errors=(400, 404, 409, 422, 429))
def pair():
    data = load_body(PairRequestSchema())
    device, token = operations.complete_pairing(data["code"], data["device_name"])
    return respond(SessionSchema(), {"token": token, "device": device, "user": device.user}, 201)


@bp.post("/auth/logout")
@login_required
@documented("Sign this device out (its token stops working)", "auth", status=204,
            errors=(401,))
def logout():
    operations.sign_out(g.device)
    return "", 204


@bp.get("/auth/me")
@login_required
@documented("Who this device belongs to", "auth", response=UserSchema, errors=(401,))
def me():
    return respond(UserSchema(), g.user)


@bp.post("/auth/password")
@login_required
@limiter.limit(_login_limit, key_func=_user_and_address)
@documented("Change my password; my other devices are signed out", "auth",
            body=PasswordChangeSchema, status=204, errors=(400, 401, 422, 429))
def change_password():
    data = load_body(PasswordChangeSchema())
    operations.change_password(g.device, data["current_password"], data["new_password"])
    return "", 204


@bp.post("/pairings")
@login_required
@documented("Show a pairing QR code that signs a new phone in as a supporter (10 minutes)",
            "devices", body=PairingRequestSchema, response=PairingSchema, status=201,
            errors=(400, 401, 403, 404, 422))
def create_pairing():
    data = load_body(PairingRequestSchema())
    user = get_or_404(User, data["user_id"], "user_id")
    policy.require(policy.may_pair_user(g.user, user))
    return respond(PairingSchema(), operations.start_pairing(g.user, user), 201)


@bp.get("/wards/<code>/devices")
@login_required
@documented("The devices of a ward's people", "devices", response=DeviceSchema, many=True,
            errors=(401, 403, 404))
def ward_devices(code: str):
    ward = ward_by_code(code)
    policy.require(policy.may_manage_ward(g.user, ward.id))
    devices = db.session.scalars(
        db.select(Device).join(Device.user).where(User.ward_id == ward.id)
        .order_by(Device.revoked_at.is_not(None), Device.id.desc())
    )
    return respond(DeviceSchema(many=True), devices)


@bp.post("/devices/<int:device_id>/revoke")
@login_required
@documented("Revoke a device (a lost phone): its token gets 401 at once", "devices",
            response=DeviceSchema, errors=(401, 403, 404))
def revoke_device(device_id: int):
    device = get_or_404(Device, device_id, "device_id")
    policy.require(policy.may_revoke_device(g.user, device))
    return respond(DeviceSchema(), operations.revoke_device(g.user, device))


@bp.patch("/devices/<int:device_id>")
@login_required
@documented("Rename a device: one's own, or one of the people one manages", "devices",
            body=DeviceRenameSchema, response=DeviceSchema, errors=(400, 401, 403, 404, 422))
def rename_device(device_id: int):
    device = get_or_404(Device, device_id, "device_id")
    policy.require(policy.may_rename_device(g.user, device))
    data = load_body(DeviceRenameSchema())
    return respond(DeviceSchema(), operations.rename_device(device, data["name"]))


@bp.get("/wards/<code>/users")
@login_required
@documented("The people of a ward", "people", response=UserSchema, many=True,
            errors=(401, 403, 404))
def ward_users(code: str):
    ward = ward_by_code(code)
    policy.require(policy.may_read_ward(g.user, ward.id))
    users = db.session.scalars(
        db.select(User).where(User.ward_id == ward.id).order_by(User.role, User.display_name)
    )
    return respond(UserSchema(many=True), users)


@bp.post("/users")
@login_required
@documented("Create an account (admin; hub staff for volunteers and site staff of their ward)",
            "people", body=UserCreateSchema, response=UserSchema, status=201,
            errors=(400, 401, 403, 404, 409, 422))
def create_user():
    data = load_body(UserCreateSchema())
    return respond(UserSchema(), operations.create_user(g.user, data), 201)
