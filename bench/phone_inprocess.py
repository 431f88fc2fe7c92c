#!/usr/bin/env python3
"""One city phone's evening sync in one process, through Flask's test client.

    .venv/bin/python bench/phone_inprocess.py [--pg URL] [--syncs N] [--profile]
        [--two-requests]

The sync of ``city_peak.py`` (a push of 20 ops, then a pull of the phone's site from its
cursor: its first page in the push's answer, or with ``--two-requests`` a GET of its own),
repeated by phones in turn against a fresh city of 600 sites and 3,000 phones
with a day of history: the process CPU per phone without HTTP or gunicorn, and with
``--profile`` its cProfile by process CPU (sorted by ``SORT``, default tottime). This is
where the city peak's server CPU per phone is taken apart.
"""

import argparse
import cProfile
import datetime
import gc
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from city_peak import PULL_LIMIT, Phone  # noqa: E402


def build(database_url: str | None, workdir: str, sites: int, phones: int):
    os.environ["TSUNAGU_INSTANCE_PATH"] = workdir
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir}/city.sqlite3"
    env = dict(os.environ, BENCH_PASSWORD="bench-password-phone")
    venv_bin = Path(os.path.abspath(sys.executable)).parent
    subprocess.run([str(venv_bin / "tsunagu"), "db", "upgrade"], env=env, check=True,
                   capture_output=True)
    made = json.loads(subprocess.run(
        [sys.executable, str(BENCH / "setup_data.py"), "city", str(sites), str(phones)],
        env=env, check=True, capture_output=True).stdout)
    from server import create_app

    app = create_app()
    gc.freeze()  # as server/wsgi.py does in every worker
    return app.test_client(), [Phone(n, p["token"], p["site_id"])
                               for n, p in enumerate(made["phones"])]


def sync(client, phone: Phone, day: str, one_request: bool) -> float:
    """-> the process CPU of the push request alone, in ms."""
    cursor = phone.cursor
    body = phone.body(day, cursor if one_request else None)
    started = time.process_time()
    answer = client.post("/api/sync/push", data=body, headers=phone.headers)
    push_ms = (time.process_time() - started) * 1000
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    page = json.loads(answer.get_data()).get("pull")
    while True:
        if page is None:
            answer = client.get(f"/api/sync/pull?cursor={cursor}&limit={PULL_LIMIT}",
                                headers=phone.headers)
            assert answer.status_code == 200
            page = json.loads(answer.get_data())
        cursor = page["cursor"]
        if not page["more"]:
            break
        page = None
    phone.cursor = cursor
    return push_ms


def last_seen_an_hour_ago(app) -> None:
    """As on an evening when each phone syncs once: its first request in a while notes
    when the device was last seen."""
    from sqlalchemy import update

    from server.accounts.models import Device
    from server.extensions import db
    from server.timeutil import utcnow

    with app.app_context():
        db.session.execute(update(Device).values(
            last_seen_at=utcnow() - datetime.timedelta(hours=1)))
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="PostgreSQL URL of an empty database (default: SQLite)")
    parser.add_argument("--sites", type=int, default=600)
    parser.add_argument("--phones", type=int, default=3000)
    parser.add_argument("--syncs", type=int, default=1500)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--two-requests", action="store_true",
                        help="pull with a GET after the push, not in the push's answer")
    args = parser.parse_args()
    day = datetime.date.today().isoformat()
    with tempfile.TemporaryDirectory() as workdir:
        client, phones = build(args.pg, workdir, args.sites, args.phones)
        # Each phone's first sync pulls its site from the start; the second is the one
        # the evening peak repeats, so every phone syncs once before the timing.
        first_ms = []
        for phone in phones[:args.syncs]:
            started = time.process_time()
            sync(client, phone, day, not args.two_requests)
            first_ms.append((time.process_time() - started) * 1000)
        last_seen_an_hour_ago(client.application)
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        cpu_ms, push_ms = [], []
        for phone in phones[:args.syncs]:
            started = time.process_time()
            if profiler:
                profiler.enable()
            push_ms.append(sync(client, phone, day, not args.two_requests))
            if profiler:
                profiler.disable()
            cpu_ms.append((time.process_time() - started) * 1000)
        if profiler:
            pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "tottime")).print_stats(40)
        print(f"{len(first_ms)} first syncs (the site pulled from the start): process CPU "
              f"median {statistics.median(first_ms):.2f} ms a phone")
        print(f"{len(cpu_ms)} syncs of 20 ops and a pull: process CPU median "
              f"{statistics.median(cpu_ms):.2f} ms a phone, mean "
              f"{statistics.fmean(cpu_ms):.2f} ms; the push request alone median "
              f"{statistics.median(push_ms):.2f} ms (the phone's body built outside)")


if __name__ == "__main__":
    main()
