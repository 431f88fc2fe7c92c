"""The demo ward's liaison meetings, after the city document's first worked example: an
area meeting where the sites, the chief child welfare commissioners, the care plaza and
the public health nurse get to know each other's work and decide to publish a shared
child-rearing calendar (the area calendar page), and the ward's meeting a couple of months
earlier. Two sites of 西部エリア came to neither, so the attendance shows them."""

from datetime import date, timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..directory.models import Site, Ward
from ..extensions import db
from ..liaison import meetings

NEVER_REACHED = 2
"""Sites of 西部エリア (the last by number) that attended no meeting this year."""


def _hub_staff(ward: Ward) -> User:
    return db.session.scalars(select(User).where(User.role == "hub_staff",
                                                 User.ward_id == ward.id)
                              .order_by(User.id)).first()


def _dates(today: date) -> tuple[date, date]:
    # Both in this calendar year, so the attendance of this year counts them (early in
    # January they fall on its first days).
    first = max(today - timedelta(days=100), date(today.year, 1, 10))
    return first, max(today - timedelta(days=40), first + timedelta(days=1))


def write_meetings(ward: Ward, today: date) -> None:
    hub = _hub_staff(ward)
    areas = {area.name: area.id for area in ward.areas}
    sites = list(db.session.scalars(select(Site).where(Site.ward_id == ward.id)
                                    .order_by(Site.id)))
    west = [site for site in sites if site.area_id == areas["西部エリア"]]
    never = {site.id for site in west[-NEVER_REACHED:]}
    central = [site for site in sites if site.area_id == areas["中部エリア"]]
    hub_site = next(site for site in sites if site.kind == "hub")
    ward_day, area_day = _dates(today)
    calendar = f"/calendar/{ward.code}?area={areas['中部エリア']}"

    meetings.create(ward, hub, {
        "area_id": None, "held_on": ward_day,
        "title": "さくら区子育て支援連絡会（全体会）",
        "site_ids": [site.id for site in sites if site.id not in never],
        "organisations": ["ward_cfsd", "public_health_nurse", "district_swc",
                          "chief_child_commissioner"],
        "shared": "区こども家庭支援課から、区の子育て実態調査の結果（身近に相談できる人がいない"
                  "と答えた養育者が増えていること）を共有した。各エリアの連絡会の開催状況を報告"
                  "し合った。",
        "discussed": "調査結果を各エリアの連絡会でどう話し合うか。連絡会に来られない施設にも"
                     "情報を届ける方法。",
        "decided": [
            {"site_id": None, "organisation": "ward_cfsd",
             "task": "調査結果の要約を各エリアの連絡会に届ける", "due_on": area_day},
            {"site_id": hub_site.id, "organisation": None,
             "task": "各エリアの連絡会の日程を一覧にして全施設へ送る",
             "due_on": ward_day + timedelta(days=14)}],
        "decided_note": "欠席した施設には拠点が記録を持って訪ねる。",
        "looked_back": "全エリアから参加があった。西部エリアの小さなサロンには届いていない。",
    })
    first = meetings.create(ward, hub, {
        "area_id": areas["中部エリア"], "held_on": area_day,
        "title": "中部エリア子育て連絡会",
        "site_ids": [site.id for site in central[:8]],
        "organisations": ["chief_child_commissioner", "care_plaza", "public_health_nurse"],
        "shared": "参加者の自己紹介と、各施設の今月の予定（園庭開放、育児講座、サロン）を"
                  "持ち寄った。「近くにこんな場所があると知らなかった」という声が多い。",
        "discussed": "エリアの親子が、どこで何をしているかを一か所で見られない。"
                     "最近、子どもが外で遊ぶ姿をあまり見かけない。",
        "decided": [
            {"site_id": hub_site.id, "organisation": None,
             "task": f"地域子育てカレンダーを {calendar} で公開し、印刷版をつくる",
             "due_on": area_day + timedelta(days=30)},
            *({"site_id": site.id, "organisation": None,
               "task": "毎月20日までに翌月の予定を登録する", "due_on": None}
              for site in central[1:3]),
            {"site_id": None, "organisation": "chief_child_commissioner",
             "task": "町内会の掲示板に印刷版を貼る", "due_on": area_day + timedelta(days=35)},
            {"site_id": None, "organisation": "public_health_nurse",
             "task": "乳幼児健診でカレンダーを紹介する", "due_on": None}],
        "decided_note": "外遊びは次回の連絡会で取り上げる。",
        "looked_back": "",
    })
    # Written a week later: the record's first version stays in its history.
    meetings.edit(first, ward, hub, {
        **meetings.edit_form(first),
        "looked_back": "保育園の先生が初めて参加し、顔の見える関係ができた。カレンダーは"
                       "予定どおり公開できた。",
    })
