"""Builds the demo data once: fictional ward, 60+ sites from the shipped CSV, 8 weeks of
programmes, contact people, one account per role and the people who keep the ward's
sites, then three months of the ward's life (``activity``)."""

import csv
from datetime import date, time, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from .. import bind_migrations
from ..accounts.auth import hash_password
from ..accounts.models import Membership, User
from ..directory import opening
from ..directory.importer import import_sites
from ..directory.models import Area, ContactPerson, Programme, Site, SiteTag, Ward
from ..directory.reference import ensure_wards
from ..extensions import db
from ..timeutil import today_local
from .activity import write_activity
from .checklists import write_checklists
from .inbox import write_inbox
from .local_issues import write_local_issues
from .meetings import write_meetings

HERE = Path(__file__).parent
DEMO_WARD = ("14199", "sakura", "さくら区", "Sakura-ku (fictional)",
             "さくら区こども家庭支援課（架空）", "045-555-0000")
WEEKS = 8

# (role, login, password, display name). Demo only: the passwords are printed on purpose.
DEMO_LOGINS = (
    ("admin", "admin", "demo-admin-pass", "管理者"),
    ("hub_staff", "hub", "demo-hub-pass", "拠点スタッフ はやし"),
    ("ward_officer", "ward", "demo-ward-pass", "区こども家庭支援課 もり"),
    ("site_staff", "nursery", "demo-site-pass", "わかば保育園 さとう"),
    ("volunteer", "volunteer", "demo-volunteer-pass", "ボランティア やまだ"),
    # The people who log the other sites' sessions, visit salons and confirm arrivals.
    ("volunteer", "salon", "demo-salon-pass", "サロンボランティア きむら"),
    ("volunteer", "supporter", "demo-supporter-pass", "子育て支援者 いしい"),
    ("site_staff", "hiroba", "demo-hiroba-pass", "つどいの広場スタッフ おおた"),
    ("site_staff", "hoikuen", "demo-hoikuen-pass", "子育てひろば担当保育士 いけだ"),
    ("site_staff", "youchien", "demo-youchien-pass", "はまっ子広場担当 こんどう"),
    ("site_staff", "nurse", "demo-nurse-pass", "保健師 おがわ"),
    # Whoever welcomes a family at a salon or a supporters' room confirms its card: with
    # these two, every site of the ward has a staff login, so any card a first try issues
    # from the finder's top results can be confirmed (``demo_memberships``).
    ("site_staff", "salonhost", "demo-salonhost-pass", "サロン世話人 はしもと（民生委員）"),
    ("site_staff", "venue", "demo-venue-pass", "ケアプラザ・地区センター職員 あべ"),
)
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def build_demo() -> bool:
    """Create the demo data unless it is there already. Returns whether it was created."""
    from flask_migrate import upgrade

    bind_migrations(current_app._get_current_object())
    upgrade()
    ensure_wards(extra=(DEMO_WARD,))
    ward = db.session.execute(select(Ward).where(Ward.code == DEMO_WARD[0])).scalar_one()
    if db.session.scalar(select(func.count(Site.id)).where(Site.ward_id == ward.id)):
        return False
    report = import_sites((HERE / "sites.csv").read_bytes())
    if report.problems:
        raise RuntimeError(f"demo CSV has problems: {report.problems[:3]}")
    _apply_profiles(ward)
    sites = list(db.session.scalars(select(Site).where(Site.ward_id == ward.id)
                                    .order_by(Site.id)))
    for site in sites:
        _add_contacts(site)
        _add_programmes(site, today_local())
    _add_accounts(ward, sites)
    # The sync store writes on connections of its own: what it refers to must be there.
    db.session.commit()
    write_activity(sites, today_local())
    write_checklists(ward, today_local())
    write_meetings(ward, today_local())
    write_local_issues(ward, today_local())
    write_inbox(ward, today_local())
    return True


def _apply_profiles(ward: Ward) -> None:
    """Areas and the wishes each site answers come from site_profiles.csv (not open data)."""
    with open(HERE / "site_profiles.csv", encoding="utf-8", newline="") as handle:
        profiles = list(csv.DictReader(handle))
    areas: dict[str, Area] = {}
    for profile in profiles:
        name = profile["エリア"]
        if name not in areas:
            areas[name] = Area(ward=ward, name=name)
            db.session.add(areas[name])
    by_number = {s.number: s for s in db.session.scalars(
        select(Site).where(Site.ward_id == ward.id))}
    for profile in profiles:
        site = by_number[profile["NO"]]
        site.area = areas[profile["エリア"]]
        site.tags = [SiteTag(tag=t) for t in sorted(set(profile["タグ"].split()))]
    db.session.flush()


CONTACT_NAMES = ("たなか", "すずき", "いとう", "わたなべ", "なかむら", "こばやし", "かとう",
                 "よしだ", "やまもと", "まつもと", "いのうえ", "きむら")
CONTACT_ROLE_BY_KIND = {
    "hub": ("parenting_partner", "staff"),
    "tsudoi_hiroba": ("staff",),
    "supporter_program": ("supporter",),
    "nursery_hiroba": ("nursery_teacher",),
    "kindergarten_hamakko": ("staff",),
    "salon": ("volunteer", "welfare_commissioner"),
}


def _add_contacts(site: Site) -> None:
    for offset, role in enumerate(CONTACT_ROLE_BY_KIND[site.kind]):
        name = CONTACT_NAMES[(site.id + offset * 5) % len(CONTACT_NAMES)]
        site.contacts.append(ContactPerson(display_name=f"{name}さん", role=role))


def _weekly(site: Site, title: str, theme: str, start: date, **extra) -> Programme:
    """A programme on every day the site opens (its rule's days, else every week on its
    weekdays) for the next WEEKS weeks."""
    until = (start + timedelta(weeks=WEEKS)).strftime("%Y%m%d")
    if site.open_rrule:
        # Counted from the site's first open day, so a fortnight falls on the site's weeks.
        start = next(iter(opening.upcoming(site, start)), start)
        rule = f"{site.open_rrule};UNTIL={until}"
    else:
        days = ",".join(ICAL_DAYS[d] for d in site.weekdays) or ICAL_DAYS[start.weekday()]
        rule = f"FREQ=WEEKLY;BYDAY={days};UNTIL={until}"
    return Programme(title=title, theme=theme, starts_on=start, rrule=rule,
                     starts_at=site.opens_at or time(10), ends_at=site.closes_at or time(12),
                     **extra)


def _add_programmes(site: Site, today: date) -> None:
    """Programmes that fit each kind of site, for the next eight weeks."""
    in_two_weeks = today + timedelta(days=14 + site.id % 7)
    if site.kind == "hub":
        site.programmes += [
            _weekly(site, "ひろば（自由に遊べます）", "chat", today),
            Programme(title="育児講座「はじめての離乳食」", theme="parenting_class",
                      starts_on=in_two_weeks, starts_at=time(10, 30), ends_at=time(11, 30),
                      capacity=12, booking_required=True, target_age_min_months=4,
                      target_age_max_months=11, what_to_bring="母子健康手帳、バスタオル"),
            Programme(title="パパと遊ぼう（土曜日）", theme="event",
                      starts_on=in_two_weeks + timedelta(days=(5 - in_two_weeks.weekday()) % 7),
                      starts_at=time(10), ends_at=time(12), capacity=15,
                      booking_required=True),
        ]
    elif site.kind == "tsudoi_hiroba":
        site.programmes += [
            _weekly(site, "つどいの広場", "chat", today),
            Programme(title="月曜日のおしゃべり会", theme="chat", starts_on=today,
                      rrule=f"FREQ=WEEKLY;BYDAY=MO;COUNT={WEEKS}", starts_at=time(13, 30),
                      ends_at=time(14, 30)),
        ]
    elif site.kind == "nursery_hiroba":
        site.programmes += [
            _weekly(site, "園庭開放", "yard_open", today, what_to_bring="帽子、飲み物、着替え",
                    target_age_min_months=12, target_age_max_months=71),
            Programme(title="交流保育「運動会ごっこ」", theme="exchange_play",
                      starts_on=in_two_weeks, starts_at=time(10), ends_at=time(11),
                      capacity=8, booking_required=True, target_age_min_months=24,
                      target_age_max_months=47, what_to_bring="動きやすい服装、飲み物"),
        ]
    elif site.kind == "kindergarten_hamakko":
        site.programmes.append(_weekly(site, "はまっ子広場", "yard_open", today,
                                       what_to_bring="上履き、飲み物"))
    elif site.kind == "supporter_program":
        site.programmes.append(_weekly(site, "子育て支援者の相談・交流の場", "consultation",
                                       today))
    else:
        site.programmes.append(_weekly(site, "子育てサロン", "chat", today,
                                       what_to_bring="飲み物、タオル"))


def demo_memberships(sites: list[Site]) -> dict[str, list[Site]]:
    """The sites of each demo login (none: the admin, and the ward officer who reads).

    One site staff login per kind of site holds every site of that kind (hub: nurse,
    つどいの広場: hiroba, 子育てひろば: hoikuen, はまっ子広場: youchien, サロン: salonhost,
    支援者の広場: venue), so a card issued to any site can be confirmed by one of them."""
    of_kind = {kind: [s for s in sites if s.kind == kind] for kind in CONTACT_ROLE_BY_KIND}
    return {
        "hub": of_kind["hub"][:1],
        "nursery": of_kind["nursery_hiroba"][:1],
        "volunteer": of_kind["salon"][:2] + of_kind["supporter_program"][:1],
        "salon": of_kind["salon"],
        "supporter": of_kind["supporter_program"],
        "hiroba": of_kind["tsudoi_hiroba"],
        "hoikuen": of_kind["nursery_hiroba"],
        "youchien": of_kind["kindergarten_hamakko"],
        "nurse": of_kind["hub"],
        "salonhost": of_kind["salon"],
        "venue": of_kind["supporter_program"],
    }


KIND_NAMES = {
    "hub": "地域子育て支援拠点", "tsudoi_hiroba": "親と子のつどいの広場",
    "supporter_program": "子育て支援者の広場", "nursery_hiroba": "子育てひろば（保育園・こども園）",
    "kindergarten_hamakko": "はまっ子広場", "salon": "子育てサロン",
}
ROLE_CAN = {
    "admin": "everything, in every ward",
    "hub_staff": "the ward's desk, phones (pair, rename, revoke), paper cards, figures with "
                 "charts and reports; confirms arrivals at every site of the ward",
    "ward_officer": "reads the ward's figures and charts, downloads its reports (its home "
                    "screen) and reads the desk; writes nothing",
    "site_staff": "confirms arrivals of cards for, and logs sessions at: {sites}",
    "volunteer": "logs sessions and issues cards at: {sites}",
}


def _sites_in_words(mine: list[Site], ward_sites: list[Site]) -> str:
    """``all 25 子育てサロン`` for a whole kind, else the sites' names."""
    parts = []
    for kind, name in KIND_NAMES.items():
        of_kind = [s for s in mine if s.kind == kind]
        if not of_kind:
            continue
        if len(of_kind) > 1 and len(of_kind) == sum(1 for s in ward_sites if s.kind == kind):
            parts.append(f"all {len(of_kind)} {name}")
        else:
            parts.extend(s.name for s in of_kind)
    return "; ".join(parts)


def login_guide() -> list[tuple[str, str, str, str]]:
    """``(role, login, password, what it can do)`` of each demo login, for ``tsunagu demo``
    to print: a tester picks the login that confirms the card they just issued."""
    ward = db.session.execute(select(Ward).where(Ward.code == DEMO_WARD[0])).scalar_one()
    ward_sites = list(db.session.scalars(select(Site).where(Site.ward_id == ward.id)))
    by_id = {s.id: s for s in ward_sites}
    users = {u.login: u for u in db.session.scalars(select(User))}
    guide = []
    for role, login, password, _name in DEMO_LOGINS:
        user = users.get(login)
        mine = [by_id[i] for i in (user.site_ids if user else []) if i in by_id]
        guide.append((role, login, password,
                      ROLE_CAN[role].format(sites=_sites_in_words(mine, ward_sites))))
    return guide


def _add_accounts(ward: Ward, sites: list[Site]) -> None:
    memberships = demo_memberships(sites)
    for role, login, password, name in DEMO_LOGINS:
        if db.session.scalar(select(User).where(User.login == login)):
            continue
        members = memberships.get(login, [])
        db.session.add(User(
            login=login, display_name=name, role=role,
            ward_id=None if role == "admin" else ward.id,
            password_hash=hash_password(password),
            memberships=[Membership(site_id=s.id) for s in members],
        ))
