"""Builds the benchmark's data with the server's own code; run with the project's python.

    setup_data.py fresh-pg ADMIN_URL NAME   drop and create database NAME on the server of
                                            ADMIN_URL; prints {"url", "postmaster_pid"}
    setup_data.py populate SITES            (after `tsunagu db upgrade`, with DATABASE_URL
                                            and TSUNAGU_INSTANCE_PATH set) adds SITES sites to
                                            ward 14101 and one hub_staff user whose password
                                            is $BENCH_PASSWORD; prints {"login", "site_ids"}
    setup_data.py city SITES PHONES         (likewise) a city for bench/city_peak.py: SITES
                                            sites spread over the city's 18 wards, PHONES
                                            volunteers of one site each, each with a phone
                                            signed in; prints {"phones": [{"token",
                                            "site_id"}, ...]}

Each command prints one JSON line on standard output, which bench/run.py reads.
"""

import json
import os
import re
import sys

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

BENCH_WARD = "14101"  # created by the migrations, like the city's other 17 wards
BENCH_LOGIN = "bench-hub"


def fresh_pg(admin_url: str, name: str) -> dict:
    """Drop and re-create ``name``, so every repetition starts from an empty database."""
    if re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name) is None:
        raise SystemExit(f"not a plain database name: {name!r}")
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
        backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    engine.dispose()
    url = make_url(admin_url).set(database=name)
    # The backend's parent is the postmaster: the bench measures that process tree's CPU.
    return {"url": url.render_as_string(hide_password=False),
            "postmaster_pid": _parent_pid(backend)}


def _parent_pid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:  # the server runs on another machine or in a container
        return None
    return int(data[data.rindex(")") + 2:].split()[1])


def populate(site_count: int) -> dict:
    from server import create_app
    from server.accounts.auth import hash_password
    from server.accounts.models import User
    from server.directory.models import Ward
    from server.extensions import db

    app = create_app()
    with app.app_context():
        ward = db.session.execute(select(Ward).where(Ward.code == BENCH_WARD)).scalar_one()
        sites = [_site(ward, n) for n in range(1, site_count + 1)]
        db.session.add_all(sites)
        # A hub staff user's scope is every site of its ward: the widest non-admin scope,
        # so each push and pull pays the full scope check.
        db.session.add(User(login=BENCH_LOGIN, display_name="ベンチ拠点スタッフ",
                            role="hub_staff", ward_id=ward.id,
                            password_hash=hash_password(os.environ["BENCH_PASSWORD"])))
        db.session.commit()
        return {"login": BENCH_LOGIN, "site_ids": [site.id for site in sites]}


def city(site_count: int, phone_count: int) -> dict:
    """Volunteers' phones with their tokens issued directly (as a sign-in would issue
    them): the city peak measures syncs, not the sign-in limit of 10 a minute."""
    from server import create_app
    from server.accounts.auth import hash_password, issue_device
    from server.accounts.models import Membership, User
    from server.directory.models import Ward
    from server.extensions import db

    app = create_app()
    with app.app_context():
        wards = db.session.execute(select(Ward).where(Ward.code.like("141%"))
                                   .order_by(Ward.code)).scalars().all()
        sites = [_site(wards[n % len(wards)], n) for n in range(1, site_count + 1)]
        db.session.add_all(sites)
        db.session.flush()
        # One hash for all: Argon2 costs ~50 ms a user, and nobody signs in with it.
        password_hash = hash_password(os.environ["BENCH_PASSWORD"])
        phones = []
        for n in range(phone_count):
            site = sites[n % site_count]
            user = User(login=f"city-volunteer-{n:05d}", display_name=f"ボランティア{n:05d}",
                        role="volunteer", ward_id=site.ward_id, password_hash=password_hash,
                        memberships=[Membership(site_id=site.id)])
            db.session.add(user)
            _device, token = issue_device(user, f"city-phone-{n:05d}")
            phones.append({"token": token, "site_id": str(site.id)})
        db.session.commit()
        return {"phones": phones}


def _site(ward, n: int):
    from server.directory.models import Site

    return Site(source_key=f"bench:{ward.code}:{n:04d}", ward_id=ward.id, kind="salon",
                source_type="子育てサロン", schedule_kind="periodic",
                municipality_code=ward.code, number=f"B{n:04d}", prefecture="神奈川県",
                municipality=f"横浜市{ward.name_ja}", name=f"ベンチ子育てサロン{n:04d}")


def main(argv: list[str]) -> None:
    if len(argv) == 3 and argv[0] == "fresh-pg":
        out = fresh_pg(argv[1], argv[2])
    elif len(argv) == 2 and argv[0] == "populate":
        out = populate(int(argv[1]))
    elif len(argv) == 3 and argv[0] == "city":
        out = city(int(argv[1]), int(argv[2]))
    else:
        raise SystemExit(__doc__)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
