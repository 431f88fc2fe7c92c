#!/usr/bin/env python3
"""The ward figures (``server.figures.compute`` and ``GET /api/wards/{code}/figures``) on a
ward's year, then on ten years of a whole city.

    .venv/bin/python bench/figures.py [--pg ADMIN_URL] [--city] [--repeat N]

1. A fresh database (SQLite in a temporary folder, or a database ``bench_figures`` created
   on the server of ``--pg``), migrated; ward 14101 gets 60 sites of the six kinds over
   four areas. One year of it (2025-12 to 2026-11: 10,000 session logs, 2,000 outreach
   visits, 3,000 cards) is pushed through the sync engine as phones push it
   (``replication.operations.push``, batches of 200), so the figures' tables are filled
   by the store itself. Then the figures of one month, three months and the year are
   timed, by ``compute`` and through the route (the test client, no HTTP).
2. With ``--city``: 1,100 more sites over the 18 wards and ten years of session logs for
   every site (about 2,000,000 rows), outreach (200,000) and cards (300,000), written
   straight into the figures' tables with bulk inserts (the figures read nothing else),
   and the same periods timed again, plus three years: the time should follow the period
   and the ward, not the size of the database.

Prints medians in ms; nothing is timed under pytest.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

WARD = "14101"
YEAR = (date(2025, 12, 1), date(2026, 11, 30))
MONTH = (date(2026, 11, 1), date(2026, 11, 30))
QUARTER = (date(2026, 9, 1), date(2026, 11, 30))
THREE_YEARS = (date(2023, 12, 1), date(2026, 11, 30))
KINDS = ("hub", "tsudoi_hiroba", "supporter_program", "nursery_hiroba",
         "kindergarten_hamakko", "salon")


def make_app(pg_admin: str | None, workdir: str):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if pg_admin:
        admin = create_engine(pg_admin, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS bench_figures WITH (FORCE)"))
            conn.execute(text("CREATE DATABASE bench_figures"))
        admin.dispose()
        url = make_url(pg_admin).set(database="bench_figures").render_as_string(
            hide_password=False)
    else:
        url = f"sqlite:///{workdir}/figures.sqlite3"
    from flask_migrate import upgrade

    from server import bind_migrations, create_app

    app = bind_migrations(create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                                      "INSTANCE_PATH": workdir, "RATELIMIT_ENABLED": False}))
    with app.app_context():
        upgrade()
    return app


def add_sites(ward, count: int, prefix: str, areas: list) -> list:
    from server.directory.models import Site
    from server.extensions import db

    sites = [Site(source_key=f"{prefix}:{ward.code}:{n:04d}", ward_id=ward.id,
                  area_id=areas[n % len(areas)].id if areas else None,
                  kind=KINDS[n % len(KINDS)], source_type="ベンチ", schedule_kind="periodic",
                  municipality_code=ward.code, number=f"{prefix}{n:04d}",
                  prefecture="神奈川県", municipality=f"横浜市{ward.name_ja}",
                  name=f"ベンチ施設{prefix}{n:04d}", open_weekdays="2")
             for n in range(count)]
    db.session.add_all(sites)
    db.session.commit()
    return sites


def ward_year(app) -> dict:
    """Push the 60-site ward's year through sync; returns the site ids and load time."""
    from sqlalchemy import select

    from server.accounts.models import User
    from server.cards import tokens
    from server.directory.models import Area, Ward
    from server.extensions import db
    from server.replication import operations
    from sync.hlc import HLC
    from sync.vocabulary import FEATURE_TAGS

    rng = random.Random(14)
    with app.app_context():
        ward = db.session.execute(select(Ward).where(Ward.code == WARD)).scalar_one()
        areas = [Area(ward_id=ward.id, name=f"エリア{n}") for n in range(4)]
        db.session.add_all(areas)
        db.session.commit()
        sites = [str(site.id) for site in add_sites(ward, 60, "W", areas)]
        admin = User(login="bench-admin", display_name="bench", role="admin",
                     password_hash="x")
        db.session.add(admin)
        db.session.commit()
        days = [YEAR[0] + timedelta(days=n) for n in range((YEAR[1] - YEAR[0]).days + 1)]
        clock = [time.time_ns() // 1_000_000 - 3_600_000]

        def op(collection, record_id, changes):
            clock[0] += 1
            return {"op_id": str(uuid.uuid4()), "device_id": "bench", "user_id": "x",
                    "collection": collection, "record_id": record_id,
                    "hlc": HLC(clock[0], 0, "bench").format(), "base_version": None,
                    "changes": changes}

        ops = []
        for n in range(10_000):
            site, day = sites[n % 60], days[(n * 7919) % len(days)]
            ops.append(op("visit", f"{site}:{day}:s{n // 60 % 50}", {
                "site_id": site, "session_date": day.isoformat(), "session": f"s{n // 60 % 50}",
                "parents": rng.randint(1, 12), "children_0": rng.randint(0, 4),
                "children_1": rng.randint(0, 4), "children_2": rng.randint(0, 3),
                "children_3plus": rng.randint(0, 3), "first_time": rng.randint(0, 2),
                "fathers": rng.randint(0, 2), "in_ward": rng.randint(0, 8),
                "consultation_development_answered_on_site": rng.randint(0, 2)}))
        for n in range(2_000):
            site, place = sites[n % 60], sites[(n * 13 + 5) % 60]
            if site == place:
                place = sites[(n + 1) % 60]
            day = days[(n * 31) % len(days)]
            ops.append(op("outreach", f"{place}:{day}:{site}", {
                "site_id": site, "place_site_id": place, "visit_date": day.isoformat(),
                "parents": rng.randint(1, 9), "went_public_health_nurse": 1}))
        minted = {}
        for site in sites:
            minted[site] = [row.short_code for row, _secret in
                            tokens.mint(int(site), 50, user_id=None)]
        db.session.commit()
        for n in range(3_000):
            site = sites[n % 60]
            ops.append(op("card", minted[site].pop(), {
                "status": rng.choice(("issued", "opened", "arrived", "expired")),
                "issued_on": days[(n * 17) % len(days)].isoformat(), "issuing_site_id": site,
                "target_site_id": sites[rng.randrange(60)],
                "wishes": {"add": rng.sample(FEATURE_TAGS, 2)}}))
        # An outreach id names (place, day, visiting site): keep the first of a repeat.
        seen, unique = set(), []
        for each in ops:
            key = (each["collection"], each["record_id"])
            if key not in seen:
                seen.add(key)
                unique.append(each)
        started = time.perf_counter()
        for start in range(0, len(unique), 200):
            result = operations.push(admin, unique[start:start + 200], 1)
            assert all(r.status.value == "applied" for r in result.results)
        loaded = time.perf_counter() - started
        db.session.commit()
        return {"sites": sites, "ops": len(unique), "load_s": loaded}


def city(app) -> dict:
    """Ten years of 1,100 more sites over every ward, straight into the figures' tables."""
    from sqlalchemy import func, select

    from server.directory.models import Ward
    from server.extensions import db
    from server.figures.models import (
        FIGURE_CARD,
        FIGURE_OUTREACH,
        FIGURE_VISIT,
        OUTREACH_COUNTS,
        VISIT_COUNTS,
    )
    from server.figures.projection import _statements

    rng = random.Random(1100)
    first = date(2016, 12, 1)
    days = [first + timedelta(days=n) for n in range((YEAR[1] - first).days + 1)]
    started = time.perf_counter()
    with app.app_context():
        wards = db.session.execute(select(Ward).order_by(Ward.code)).scalars().all()
        sites = []
        for n, ward in enumerate(wards):
            sites += [site.id for site in add_sites(ward, 1100 // 18 + (n < 1100 % 18), "C",
                                                    [])]
        conn = db.session.connection()

        def flush(collection, rows):
            _statements(conn.dialect, collection).add.run(conn, rows)
            rows.clear()

        visits, outreach, cards = [], [], []
        counts = {"visit": 0, "outreach": 0, "card": 0}
        for site in sites:
            for day in days:
                if rng.random() < 0.5:  # about 1,800 sessions a site in ten years
                    monday = day - timedelta(days=day.weekday())
                    values = [0] * len(VISIT_COUNTS)
                    values[0] = rng.randint(1, 12)
                    for i in range(1, 5):
                        values[i] = rng.randint(0, 3)
                    visits.append((f"{site}:{day}:am", site, day.isoformat(),
                                   monday.isoformat(), day.isoformat()[:7], *values))
                    if rng.random() < 0.1:
                        outreach.append((f"{site + 1}:{day}:{site}", site, day.isoformat(),
                                         day.isoformat()[:7], *([1] * len(OUTREACH_COUNTS))))
                    if rng.random() < 0.15:
                        cards.append((f"C{site}-{day}", site, rng.choice(sites),
                                      day.isoformat(), day.isoformat()[:7],
                                      rng.choice(("issued", "arrived")), None,
                                      rng.randrange(512)))
            counts["visit"] += len(visits)
            counts["outreach"] += len(outreach)
            counts["card"] += len(cards)
            flush("visit", visits)
            flush("outreach", outreach)
            flush("card", cards)
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))  # both engines: plan with the new sizes
        db.session.commit()
        total = {name: db.session.scalar(select(func.count()).select_from(table))
                 for name, table in (("visit", FIGURE_VISIT), ("outreach", FIGURE_OUTREACH),
                                     ("card", FIGURE_CARD))}
    return {"rows": total, "load_s": time.perf_counter() - started}


def timings(app, repeat: int) -> dict[str, float]:
    from server.accounts.auth import issue_device
    from server.accounts.models import User
    from server.extensions import db
    from server.figures import compute

    out = {}
    with app.app_context():
        admin = db.session.execute(db.select(User).where(User.login == "bench-admin")
                                   ).scalar_one()
        _device, token = issue_device(admin, "bench")
        db.session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        periods = {"one month": MONTH, "three months": QUARTER, "one year": YEAR,
                   "three years": THREE_YEARS}
        for name, (start, end) in periods.items():
            runs = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                compute(WARD, start, end)
                runs.append((time.perf_counter() - t0) * 1000)
                db.session.rollback()
            out[f"compute, {name}"] = statistics.median(runs)
        for name, (start, end) in (("one month", MONTH), ("one year", YEAR)):
            runs = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                answer = client.get(f"/api/wards/{WARD}/figures",
                                    query_string={"from": start.isoformat(),
                                                  "to": end.isoformat()}, headers=headers)
                runs.append((time.perf_counter() - t0) * 1000)
                assert answer.status_code == 200, answer.get_json()
            out[f"GET figures, {name}"] = statistics.median(runs)
        figures = compute(WARD, *MONTH)
        out["(one month: sessions counted)"] = figures["totals"]["sessions"]
    return out


def run(timings, repeat: int) -> None:
    """The command line of this bench and of ``bench/exports.py``: a ward's year, then with
    ``--city`` ten years of the city, each followed by ``timings(app, repeat)`` printed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="PostgreSQL URL of a database to create bench_figures from")
    parser.add_argument("--city", action="store_true", help="then ten years of 1,100 sites")
    parser.add_argument("--repeat", type=int, default=repeat)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        os.environ["TSUNAGU_INSTANCE_PATH"] = workdir
        app = make_app(args.pg, workdir)
        made = ward_year(app)
        print(f"ward year: {made['ops']} records pushed in {made['load_s']:.1f} s")
        _show(timings(app, args.repeat))
        if args.city:
            made = city(app)
            print(f"city: {made['rows']} figure rows written in {made['load_s']:.0f} s")
            _show(timings(app, args.repeat))
        with app.app_context():
            from server.extensions import db

            db.engine.dispose()


def _show(timed: dict) -> None:
    # A name in brackets is a count, not a time.
    for name, value in timed.items():
        print(f"  {name}: {value:.1f}" + ("" if name.startswith("(") else " ms"))


def main() -> None:
    run(timings, repeat=15)


if __name__ == "__main__":
    main()
