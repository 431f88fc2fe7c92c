"""Who may read and write what. Every view asks here before it acts.

volunteer → own sites; site staff → own sites; hub staff → own ward (and manage it);
ward officer → read own ward; admin → everything.
"""

from ..errors import ApiError
from ..replication.scope import WARD_READERS
from .models import User

PEOPLE_HUB_STAFF_MANAGE = {"volunteer", "site_staff", "hub_staff", "ward_officer"}


def forbidden() -> ApiError:
    return ApiError(403, "forbidden", "この操作の権限がありません / You may not do this.")


def require(allowed: bool) -> None:
    """:raise 403: when ``allowed`` is false."""
    if not allowed:
        raise forbidden()


def may_read_ward(user: User, ward_id: int) -> bool:
    return user.role == "admin" or (user.role in WARD_READERS and user.ward_id == ward_id)


def may_read_ward_checklists(user: User, ward_id: int) -> bool:
    """Everyone of a ward may see which cooperation step it is at: the guideline asks that
    every supporter know it, not only those who record the reviews."""
    return user.role == "admin" or (user.ward_id is not None and user.ward_id == ward_id)


def may_manage_ward(user: User, ward_id: int) -> bool:
    return user.role == "admin" or (user.role == "hub_staff" and user.ward_id == ward_id)


def may_edit_site(user: User, site) -> bool:
    if may_manage_ward(user, site.ward_id):
        return True
    return user.role == "site_staff" and site.id in user.site_ids


def may_manage_user(actor: User, target: User) -> bool:
    """Admins manage everyone; hub staff manage the non-admin people of their own ward."""
    if actor.role == "admin":
        return True
    return (
        actor.role == "hub_staff"
        and target.role in PEOPLE_HUB_STAFF_MANAGE
        and target.ward_id is not None
        and target.ward_id == actor.ward_id
    )


def may_create_user(actor: User, role: str, ward_id: int | None) -> bool:
    if actor.role == "admin":
        return True
    return actor.role == "hub_staff" and role in {"volunteer", "site_staff"} and (
        ward_id == actor.ward_id
    )


def may_pair_user(actor: User, target: User) -> bool:
    """A pairing code signs a phone in as ``target`` with no password, so it follows the
    rule for creating that account: hub staff pair only the volunteers and site staff of
    their own ward, and a phone of their own (which gives them nothing new)."""
    if actor.role == "hub_staff" and actor.id == target.id:
        return True
    return may_manage_user(actor, target) and may_create_user(actor, target.role,
                                                               target.ward_id)


def may_revoke_device(actor: User, device) -> bool:
    return device.user_id == actor.id or may_manage_user(actor, device.user)


def may_rename_device(actor: User, device) -> bool:
    """Whoever may revoke a phone may name it: its owner, and whoever manages the owner
    (hub staff tell a person's two phones apart in the ward's list)."""
    return may_revoke_device(actor, device)
