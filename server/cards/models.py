"""Card tokens and the notices in a site's inbox.

A card itself is a sync record (collection ``card``, see ``sync/collections.py``) whose
id is the token's short code; this table holds what must exist before the card does.
"""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class CardToken(db.Model):
    """A card's secret (only its SHA-256 is kept) and the short code people type.

    Minted for a site, in a phone's pool or on a printed sheet, before any card uses it,
    so a volunteer can issue a card with no signal. The card's sync record takes the
    short code as its id once the phone sends it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    short_code: Mapped[str] = mapped_column(String(12), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    minted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    minted_at: Mapped[datetime] = mapped_column(default=utcnow)
    printed: Mapped[bool] = mapped_column(default=False)
    voided_at: Mapped[datetime | None] = mapped_column(default=None)

    site = relationship("Site")


class Notice(db.Model):
    """A message in a site's inbox in Tsunagu (families expected tomorrow, …)."""

    __table_args__ = (UniqueConstraint("site_id", "kind", "day", name="one_notice_a_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    day: Mapped[date] = mapped_column(Date)
    body_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
