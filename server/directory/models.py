"""Directory tables. Public facts about places; nothing here describes a family."""

from datetime import date, datetime, time

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sync.vocabulary import (
    CONTACT_ROLES,
    FEATURE_TAGS,
    KIND_MAPPING_TARGETS,
    PROGRAMME_THEMES,
    SCHEDULE_KINDS,
    SITE_KINDS,
)

from ..extensions import db
from ..timeutil import utcnow


class Ward(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_ja: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(60))
    # The ward office's public desk, shown when a volunteer taps 「心配なことがある」.
    office_name: Mapped[str | None] = mapped_column(String(120))
    office_phone: Mapped[str | None] = mapped_column(String(40))

    areas: Mapped[list["Area"]] = relationship(back_populates="ward", order_by="Area.name")


class LocalGovernment(db.Model):
    """One row of the national list of local-government codes (``local_government.py``):
    a prefecture, designated city, municipality or ward. Reference data loaded by
    migration 0013; a ward of Tsunagu is made from one when a file first names it."""

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    code6: Mapped[str] = mapped_column(String(6), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    prefecture: Mapped[str] = mapped_column(String(10))
    prefecture_kana: Mapped[str] = mapped_column(String(20))
    parent: Mapped[str | None] = mapped_column(String(5), index=True)
    name: Mapped[str] = mapped_column(String(40))
    name_kana: Mapped[str] = mapped_column(String(80))


class Area(db.Model):
    __table_args__ = (UniqueConstraint("ward_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))

    ward: Mapped[Ward] = relationship(back_populates="areas")


class Site(db.Model):
    __table_args__ = (
        CheckConstraint(f"kind IN {SITE_KINDS!r}", name="kind"),
        CheckConstraint(f"schedule_kind IN {SCHEDULE_KINDS!r}", name="schedule_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The open-data identity (municipality code and NO), so a re-import updates in place.
    source_key: Mapped[str] = mapped_column(String(600), unique=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    source_type: Mapped[str] = mapped_column(String(120))
    schedule_kind: Mapped[str] = mapped_column(String(12))
    municipality_code: Mapped[str] = mapped_column(String(12))
    number: Mapped[str] = mapped_column(String(40))
    prefecture: Mapped[str] = mapped_column(String(20))
    municipality: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    address_extra: Mapped[str] = mapped_column(String(200), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    access: Mapped[str] = mapped_column(Text, default="")
    parking: Mapped[str] = mapped_column(Text, default="")
    # The facility's published numbers; a person's number is never stored.
    phone: Mapped[str] = mapped_column(String(40), default="")
    extension: Mapped[str] = mapped_column(String(20), default="")
    fax: Mapped[str] = mapped_column(String(40), default="")
    corporate_number: Mapped[str] = mapped_column(String(20), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    approved_on: Mapped[date | None]
    capacity: Mapped[int | None]
    ages_text: Mapped[str] = mapped_column(String(200), default="")
    age_min_months: Mapped[int | None]
    age_max_months: Mapped[int | None]
    # Weekday digits, 0 = Monday, e.g. "01234": filterable with LIKE on both engines.
    open_weekdays: Mapped[str] = mapped_column(String(7), default="")
    opens_at: Mapped[time | None]
    closes_at: Mapped[time | None]
    schedule_note: Mapped[str] = mapped_column(Text, default="")
    # Opening days that are not every week (毎月第1火曜日, 隔週): one RRULE as programmes
    # have, counted from open_since. Without one, the site opens every week on its weekdays.
    open_rrule: Mapped[str | None] = mapped_column(String(300))
    open_since: Mapped[date | None]
    temp_childcare: Mapped[bool | None]
    url: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    ward: Mapped[Ward] = relationship()
    area: Mapped[Area | None] = relationship()
    tags: Mapped[list["SiteTag"]] = relationship(
        cascade="all, delete-orphan", order_by="SiteTag.tag"
    )
    contacts: Mapped[list["ContactPerson"]] = relationship(
        back_populates="site", cascade="all, delete-orphan", order_by="ContactPerson.id"
    )
    programmes: Mapped[list["Programme"]] = relationship(
        back_populates="site", cascade="all, delete-orphan", order_by="Programme.id"
    )

    @property
    def tag_codes(self) -> list[str]:
        return [t.tag for t in self.tags]

    @property
    def weekdays(self) -> list[int]:
        return [int(d) for d in self.open_weekdays]


class SiteTag(db.Model):
    """A wish a site answers (e.g. ``outdoor_play``); one row per tag so filters use an index."""

    __table_args__ = (CheckConstraint(f"tag IN {FEATURE_TAGS!r}", name="tag"),)

    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)


class KindMapping(db.Model):
    """An admin's extension of the built-in table from the open data's 種別 to a site kind,
    or to ``skip`` (a childcare provider, not a support site: counted, never imported)."""

    __table_args__ = (CheckConstraint(f"kind IN {KIND_MAPPING_TARGETS!r}", name="kind"),)

    source_type: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))


class Programme(db.Model):
    """A programme or event: weekly by an iCalendar RRULE, or once on ``starts_on``."""

    __table_args__ = (CheckConstraint(f"theme IN {PROGRAMME_THEMES!r}", name="theme"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(30))
    starts_on: Mapped[date]
    rrule: Mapped[str | None] = mapped_column(String(300))
    cancelled_dates: Mapped[list] = mapped_column(JSON, default=list)
    starts_at: Mapped[time | None]
    ends_at: Mapped[time | None]
    target_age_min_months: Mapped[int | None]
    target_age_max_months: Mapped[int | None]
    capacity: Mapped[int | None]
    booking_required: Mapped[bool] = mapped_column(default=False)
    what_to_bring: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    site: Mapped[Site] = relationship(back_populates="programmes")


class ContactPerson(db.Model):
    """Whom to ask at a site: a display name and a role, never private contact data."""

    __table_args__ = (CheckConstraint(f"role IN {CONTACT_ROLES!r}", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(30))

    site: Mapped[Site] = relationship(back_populates="contacts")
