"""A ward's figures (``server.figures.compute`` and ``GET /api/wards/{code}/figures``)
equal the totals of generated records pushed through sync, on SQLite and PostgreSQL:
every figure, per filter, across month boundaries, with edits, second phones and
deletions; and the route answers only those who may read the ward."""

import json
from datetime import date

import pytest

from server.extensions import db
from server.figures import compute
from server.figures.projection import rebuild
from sync.vocabulary import FEATURE_TAGS

from .figures_world import FigureWorld

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def world(client, ward, other_ward, create_site, create_user, auth_header):
    return FigureWorld.build(client, ward, other_ward, create_site, create_user, auth_header)


def _figures(world: FigureWorld, start: date, end: date, **filters) -> dict:
    return compute(world.ward.code, start, end, **filters)


def _without_comparison(figures: dict) -> dict:
    return {key: figures[key] for key in ("totals", "sites", "by_week", "by_month",
                                          "consultations", "outreach", "cards")}


@pytest.mark.parametrize("period", [NOVEMBER, (date(2025, 10, 1), date(2026, 12, 5)),
                                    (date(2026, 2, 15), date(2026, 3, 14))])
def test_every_figure_equals_the_generated_totals(world, period):
    figures = _figures(world, *period)
    assert _without_comparison(figures) == world.expected(*period)
    assert figures["ward"] == {"code": world.ward.code, "name": world.ward.name_ja}
    assert (figures["from"], figures["to"]) == tuple(day.isoformat() for day in period)


@pytest.mark.parametrize("which", ["area", "kind", "site"])
def test_filters_narrow_every_figure_to_the_sites_they_name(world, which):
    value = {"area": world.areas[0].id, "kind": "salon", "site": world.sites[3].id}[which]
    period = (date(2025, 10, 1), date(2026, 12, 5))
    figures = _figures(world, *period, **{"site_id" if which == "site" else which: value})
    expected = world.expected(*period, **{which: value})
    assert _without_comparison(figures) == expected
    assert 0 < figures["totals"]["sessions"] < _figures(world, *period)["totals"]["sessions"]
    assert figures["filters"] == {"area": value if which == "area" else None,
                                  "kind": value if which == "kind" else None,
                                  "site_id": value if which == "site" else None}


def test_a_session_on_the_last_day_of_a_month_counts_in_that_month(world):
    last_day = [v for v in world.visits if v.day == date(2026, 10, 31) and not v.deleted
                and v.site in world.sites]
    assert last_day, "the generator logs a session on every month's last day"
    october = _figures(world, date(2026, 10, 1), date(2026, 10, 31))
    november = _figures(world, *NOVEMBER)
    assert october["totals"] == world.expected_totals(date(2026, 10, 1), date(2026, 10, 31))
    assert october["by_month"][-1]["month"] == "2026-10"
    assert november["totals"] == world.expected_totals(*NOVEMBER)
    cards_that_day = [c for c in world.cards if c.day == date(2026, 10, 31)
                      and not c.deleted and c.issuing in world.sites]
    assert cards_that_day, "the generator issues cards on a month's last day"
    assert october["cards"]["issued"] == world.expected(
        date(2026, 10, 1), date(2026, 10, 31))["cards"]["issued"]
    only_that_day = _figures(world, date(2026, 10, 31), date(2026, 10, 31))
    assert only_that_day["cards"]["issued"] == len(cards_that_day)
    assert only_that_day["totals"]["sessions"] == len(last_day)
    assert only_that_day["by_month"] == [
        {"month": "2026-10", **{key: sum(v.counts[key] for v in last_day)
                                for key in ("children_0", "children_1", "children_2",
                                            "children_3plus", "expecting_parents")},
         "adults": sum(v.counts["parents"] for v in last_day)}]


def test_a_one_month_period_compares_with_last_year_and_the_three_months_before(world):
    comparison = _figures(world, *NOVEMBER)["comparison"]
    months = {"2025-11": (date(2025, 11, 1), date(2025, 11, 30)),
              "2026-10": (date(2026, 10, 1), date(2026, 10, 31)),
              "2026-09": (date(2026, 9, 1), date(2026, 9, 30)),
              "2026-08": (date(2026, 8, 1), date(2026, 8, 31))}
    assert comparison == {
        "month": "2026-11",
        "last_year": {"month": "2025-11",
                      "totals": world.expected_totals(*months["2025-11"])},
        "previous": [{"month": month, "totals": world.expected_totals(*months[month])}
                     for month in ("2026-10", "2026-09", "2026-08")]}
    assert comparison["last_year"]["totals"]["sessions"] > 0


@pytest.mark.parametrize("period", [(date(2026, 11, 1), date(2026, 11, 29)),
                                    (date(2026, 11, 2), date(2026, 12, 1)),
                                    (date(2026, 10, 1), date(2026, 11, 30))])
def test_any_other_period_has_no_comparison(world, period):
    assert _figures(world, *period)["comparison"] is None


def test_tombstones_and_superseded_values_never_count(world):
    """The generator deletes some records and edits others; the figures follow the live
    records' latest values only, and a rebuild from sync_record gives the same rows."""
    deleted = [v for v in world.visits if v.deleted and v.site in world.sites]
    assert deleted and any(c.deleted for c in world.cards)
    period = (date(2025, 10, 1), date(2026, 12, 5))
    before = _figures(world, *period)
    assert before["totals"]["sessions"] == len(
        [v for v in world.visits if not v.deleted and v.site in world.sites])
    rebuild(db.session.connection())
    db.session.commit()
    assert _figures(world, *period) == before


def test_another_wards_records_never_count_here(world):
    figures = _figures(world, date(2025, 10, 1), date(2026, 12, 5))
    ours = {site.id for site in world.sites}
    assert {row["site_id"] for row in figures["sites"]} == ours
    assert {row["from_site_id"] for row in figures["cards"]["site_flows"]} <= ours
    # Cards may lead to another ward's site: the flow still names it.
    theirs = {site.id for site in world.elsewhere}
    assert theirs & {row["to_site_id"] for row in figures["cards"]["site_flows"]}


# --- the route --------------------------------------------------------------------------


def _get(world, user_headers, **params):
    return world.client.get(f"/api/wards/{world.ward.code}/figures", query_string=params,
                            headers=user_headers)


def test_the_route_answers_the_same_figures(world):
    response = _get(world, world.headers["admin"], **{"from": "2026-11-01", "to": "2026-11-30",
                                                      "kind": "salon"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == _figures(world, *NOVEMBER, kind="salon")


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-11-30", "to": "2026-11-01"}, "to"),
    ({"from": "2023-01-01", "to": "2026-01-31"}, "to"),
    ({"from": "2026-02-30", "to": "2026-03-01"}, "from"),
    ({"from": "2026-11-01", "to": "30/11/2026"}, "to"),
    ({"from": "2026-11-01"}, "to"),
    ({"to": "2026-11-30"}, "from"),
    ({"from": "2026-11-01", "to": "2026-11-30", "kind": "zoo"}, "kind"),
    ({"from": "2026-11-01", "to": "2026-11-30", "area": "north"}, "area"),
    ({"from": "2026-11-01", "to": "2026-11-30", "colour": "red"}, "colour"),
])
def test_a_bad_period_or_filter_is_a_422_naming_the_parameter(client, ward, create_user,
                                                              auth_header, params, field):
    admin = create_user("admin")
    response = client.get(f"/api/wards/{ward.code}/figures", query_string=params,
                          headers=auth_header(admin))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


def test_without_a_period_the_route_answers_this_month(client, ward, create_user,
                                                       auth_header, monkeypatch):
    from server.figures import views

    monkeypatch.setattr(views, "today_local", lambda: date(2026, 2, 14))
    response = client.get(f"/api/wards/{ward.code}/figures",
                          headers=auth_header(create_user("ward_officer")))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["from"], body["to"]) == ("2026-02-01", "2026-02-28")
    assert body["comparison"]["previous"][0]["month"] == "2026-01"


@pytest.mark.parametrize(("role", "own_ward", "status"), [
    ("hub_staff", True, 200), ("ward_officer", True, 200), ("admin", True, 200),
    ("hub_staff", False, 403), ("ward_officer", False, 403),
    ("site_staff", True, 403), ("volunteer", True, 403)])
def test_only_the_wards_readers_get_its_figures(client, ward, other_ward, create_site,
                                                create_user, auth_header, role, own_ward,
                                                status):
    site = create_site("salon")
    user = create_user(role, ward=ward if own_ward else other_ward,
                       sites=[site] if role in ("site_staff", "volunteer") else ())
    response = client.get(f"/api/wards/{ward.code}/figures", headers=auth_header(user))
    assert response.status_code == status, response.get_json()


def test_an_unknown_ward_is_a_404(client, create_user, auth_header):
    response = client.get("/api/wards/99999/figures",
                          headers=auth_header(create_user("admin")))
    assert response.status_code == 404


# --- a database from before the figures -------------------------------------------------


def test_the_migration_fills_the_figures_from_the_records_already_stored(
        empty_database_url, tmp_path):
    """Revision 0008 creates the figures' tables; a database that already holds records
    gets their rows (live ones only), so its figures are right from the first request."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from server import bind_migrations, create_app

    app = bind_migrations(create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url,
                                      "SECRET_KEY": "t", "INSTANCE_PATH": str(tmp_path)}))
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as conn:
            ward_id = conn.execute(sa.text("SELECT id FROM ward WHERE code = '14101'")).scalar()
            conn.execute(sa.text(
                "INSERT INTO site (source_key, ward_id, kind, source_type, schedule_kind, "
                "municipality_code, number, prefecture, municipality, name, name_kana, "
                "address, address_extra, access, parking, phone, extension, fax, "
                "corporate_number, organisation, ages_text, open_weekdays, schedule_note, "
                "url, note, updated_at) VALUES ('m:1', :w, 'salon', 'テスト', 'periodic', "
                "'14101', '1', '神奈川県', '横浜市鶴見区', 'サロン', '', '', '', '', '', '', '', "
                "'', '', '', '', '2', '', '', '', '2026-12-01 00:00:00')"), {"w": ward_id})
            site = conn.execute(sa.text("SELECT id FROM site")).scalar()
            rows = [("visit", f"{site}:2026-11-30:am", False,
                     {"site_id": str(site), "session_date": "2026-11-30", "session": "am",
                      "parents": 4, "children_1": 3, "connected_to_ward_count": 1}),
                    ("visit", f"{site}:2026-11-29:am", True, {}),
                    ("card", "ABCD2345", False,
                     {"issuing_site_id": str(site), "target_site_id": str(site),
                      "issued_on": "2026-11-02", "status": "arrived",
                      "wishes": ["saturday"], "child_age": "1"})]
            for position, (collection, record_id, deleted, data) in enumerate(rows, 1):
                conn.execute(sa.text(
                    "INSERT INTO sync_record (collection, record_id, version, position, "
                    "deleted, public, sites_json, data_json, meta_json) VALUES (:c, :r, 1, "
                    ":p, :d, false, :s, :j, '{}')"),
                    {"c": collection, "r": record_id, "p": position, "d": deleted,
                     "s": f'["{site}"]', "j": json.dumps(data)})
        upgrade()
        figures = compute("14101", *NOVEMBER)
        assert figures["totals"]["sessions"] == 1
        assert (figures["totals"]["adults"], figures["totals"]["children_1"],
                figures["totals"]["worry"]) == (4, 3, 1)
        assert (figures["cards"]["issued"], figures["cards"]["arrived"]) == (1, 1)
        assert figures["cards"]["by_wish"][FEATURE_TAGS.index("saturday")]["issued"] == 1
        db.session.remove()
        db.engine.dispose()


def test_a_site_of_another_ward_narrows_to_nothing(world):
    """The ward is always applied: naming another ward's site shows none of its records."""
    figures = _figures(world, date(2025, 10, 1), date(2026, 12, 5),
                       site_id=world.elsewhere[0].id)
    assert figures["totals"] == world.expected_totals(date(2025, 10, 1), date(2026, 12, 5),
                                                      site=-1)
    assert figures["sites"] == [] and figures["cards"]["issued"] == 0
    assert figures["outreach"]["visits"] == 0
