"""The hub desk's reads on a year of one ward: list pages and one record's history.

One ward of 60 sites (6 areas, all 6 kinds), 20 authors, one year (2026) of 10,000
session logs and 2,000 outreach records, written in process through ``engine.apply_push``
in batches of 1,000 (about a third of the logs get a second author's op). Then, in process
through the Flask test client as the ward's hub staff, the median of ``--calls`` calls of
each list filter's first page (50 items) and of one record's detail and history.

    .venv/bin/python bench/desk.py [--engine sqlite|postgres|both] [--calls 30]

PostgreSQL: ``TSUNAGU_TEST_PG_URL`` (as the tests) names the server; the bench makes and
drops its own database ``tsunagu_bench_desk``.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from datetime import time as time_of_day
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PG_URL = os.environ.get("TSUNAGU_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_DB = "tsunagu_bench_desk"
KINDS = ("hub", "tsudoi_hiroba", "supporter_program", "nursery_hiroba",
         "kindergarten_hamakko", "salon")
VISITS, OUTREACH, SITES, AUTHORS = 10_000, 2_000, 60, 20
YEAR = date(2026, 1, 1)
NOW_MS = int(time.time() * 1000)


def _app(engine: str, workdir: str):
    from server import create_app

    if engine == "sqlite":
        url = f"sqlite:///{workdir}/desk.sqlite3"
    else:
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"))
            conn.execute(sa.text(f"CREATE DATABASE {PG_DB}"))
        admin.dispose()
        url = sa.make_url(PG_URL).set(database=PG_DB).render_as_string(hide_password=False)
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                       "INSTANCE_PATH": workdir, "RATELIMIT_ENABLED": False})


def _build(app) -> dict:
    from server.accounts.auth import issue_device
    from server.accounts.models import User
    from server.directory.models import Area, Site, Ward
    from server.directory.reference import ensure_wards
    from server.extensions import db
    from server.replication.writes import store
    from sync import engine
    from sync.hlc import HLC
    from sync.protocol import Scope

    db.create_all()
    ensure_wards()
    ward = db.session.execute(sa.select(Ward).where(Ward.code == "14101")).scalar_one()
    areas = [Area(ward_id=ward.id, name=f"地区{n}") for n in range(6)]
    db.session.add_all(areas)
    db.session.flush()
    sites = [Site(source_key=f"desk:{n}", ward_id=ward.id, area_id=areas[n % 6].id,
                  kind=KINDS[n // 10 % 6], source_type="ベンチ", schedule_kind="permanent",
                  municipality_code=ward.code, number=f"D{n}", prefecture="神奈川県",
                  municipality="横浜市", name=f"ベンチ施設{n}", open_weekdays="12345",
                  opens_at=time_of_day(10), closes_at=time_of_day(12))
             for n in range(SITES)]
    db.session.add_all(sites)
    users = [User(login=f"desk-author-{n}", display_name=f"作成者{n}", role="volunteer",
                  ward_id=ward.id, password_hash="x") for n in range(AUTHORS)]
    hub = User(login="desk-hub", display_name="拠点", role="hub_staff", ward_id=ward.id,
               password_hash="x")
    db.session.add_all([*users, hub])
    db.session.commit()
    by_author: dict[str, list] = {}
    clock = iter(range(NOW_MS - 400 * 86_400_000, NOW_MS, 1_000))

    def op(author: int, collection: str, record_id: str, changes: dict) -> None:
        device = f"phone-{author}"
        by_author.setdefault(str(users[author].id), []).append({
            "op_id": str(uuid.uuid4()), "device_id": device, "user_id": "x",
            "collection": collection, "record_id": record_id,
            "hlc": HLC(next(clock), 0, device).format(), "base_version": None,
            "changes": changes})

    visits = []
    for k in range(VISITS):
        site = sites[k % SITES]
        day = YEAR + timedelta(days=(k // SITES) * 2 + k % 2)
        record_id = f"{site.id}:{day.isoformat()}:am"
        visits.append(record_id)
        op(k % AUTHORS, "visit", record_id, {"parents": 1 + k % 7, "children_0": k % 3,
                                            "notes": "雨で少なめ" if k % 10 == 0 else None})
        if k % 3 == 0:
            op((k + 1) % AUTHORS, "visit", record_id, {"parents": 2})
    for k in range(OUTREACH):
        visiting, place = sites[k % SITES], sites[(k * 7 + 3) % SITES]
        day = YEAR + timedelta(days=(k // SITES) * 11)
        op(k % AUTHORS, "outreach", f"{place.id}:{day.isoformat()}:{visiting.id}",
           {"went_nursery_teacher": 1, "parents": 1 + k % 5})
    started = time.perf_counter()
    for author, ops in by_author.items():
        for start in range(0, len(ops), 1_000):
            result = engine.apply_push(store(), ops[start:start + 1_000], now_ms=NOW_MS,
                                       max_drift_ms=60_000, scope=Scope.everywhere(),
                                       server_node="bench", author=author, max_batch=1_000)
            assert all(r.status == "applied" for r in result.results), result.results[:1]
    loaded = time.perf_counter() - started
    _device, token = issue_device(hub, "bench desk")
    db.session.commit()
    return {"headers": {"Authorization": f"Bearer {token}"}, "code": ward.code,
            "area": areas[2].id, "site": sites[17].id, "author": users[5].id,
            "visits": visits, "load_s": loaded,
            "ops": sum(len(ops) for ops in by_author.values())}


def _median_ms(client, url: str, headers: dict, calls: int, **params) -> float:
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        response = client.get(url, query_string=params, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_json()
    return statistics.median(times)


def run(engine: str, calls: int) -> list[tuple[str, float]]:
    from server.extensions import db

    with tempfile.TemporaryDirectory() as workdir:
        app = _app(engine, workdir)
        with app.app_context():
            world = _build(app)
            print(f"{engine}: loaded {world['ops']} ops in {world['load_s']:.1f} s",
                  flush=True)
            client, headers = app.test_client(), world["headers"]
            visits = f"/api/wards/{world['code']}/visits"
            cases = [
                ("visits, no filter", visits, {}),
                ("visits, one month", visits, {"from": "2026-06-01", "to": "2026-06-30"}),
                ("visits, kind=salon", visits, {"kind": "salon"}),
                ("visits, area", visits, {"area": world["area"]}),
                ("visits, site", visits, {"site": world["site"]}),
                ("visits, author", visits, {"author": world["author"]}),
                ("visits, area+kind+quarter", visits, {
                    "area": world["area"], "kind": "nursery_hiroba",
                    "from": "2026-04-01", "to": "2026-06-30"}),
                ("outreach, no filter", f"/api/wards/{world['code']}/outreach", {}),
            ]
            figures = []
            for label, url, params in cases:
                figures.append((label, _median_ms(client, url, headers, calls, **params)))
            # A second page: the cursor of the first.
            first = client.get(visits, headers=headers).get_json()
            figures.append(("visits, page 2 (cursor)", _median_ms(
                client, visits, headers, calls, cursor=first["next"])))
            picks = world["visits"][::VISITS // calls][:calls]
            times = []
            for record_id in picks:
                started = time.perf_counter()
                response = client.get(
                    f"/api/wards/{world['code']}/records/visit/{record_id}", headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.get_json()
            figures.append(("record detail + history", statistics.median(times)))
            db.session.remove()
            db.engine.dispose()
    if engine == "postgres":
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"))
        admin.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    engines = ("sqlite", "postgres") if args.engine == "both" else (args.engine,)
    results = {engine: run(engine, args.calls) for engine in engines}
    print(f"\n| request (median of {args.calls}) | " + " | ".join(engines) + " |")
    print("|---|" + "---|" * len(engines))
    for i, (label, _ms) in enumerate(results[engines[0]]):
        print(f"| {label} | " + " | ".join(f"{results[e][i][1]:.1f} ms" for e in engines) + " |")


if __name__ == "__main__":
    main()
