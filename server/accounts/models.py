"""Supporters' accounts, the sites and ward they belong to, and their phones."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sync.vocabulary import ROLES

from ..extensions import db
from ..timeutil import utcnow


class User(db.Model):
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("ward.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ward = relationship("Ward")
    memberships: Mapped[list["Membership"]] = relationship(
        cascade="all, delete-orphan", order_by="Membership.site_id"
    )

    @property
    def site_ids(self) -> list[int]:
        return [m.site_id for m in self.memberships]


class Membership(db.Model):
    """A volunteer's or site staff member's site: what they may read and write."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True, index=True)


class Device(db.Model):
    """A signed-in phone or PC. Only a hash of its bearer token is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class PairingCode(db.Model):
    """A one-time code that signs a new phone in as ``user``; only its hash is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
