#!/usr/bin/env python3
"""The sync API in one process, through Flask's test client: no HTTP, no gunicorn.

    .venv/bin/python bench/inprocess.py [--pg URL] [--batch N] [--profile push|pull|empty|paged]

Times the phases of the peers' workload (push 10,000 visit records in batches of 100, or
``--batch`` — the concurrent phase of ``bench/run.py`` sends 50 —, a
full pull, a pull paged 100 at a time, an empty incremental pull) against a fresh database
with the bench's 200-site ward and hub staff user, and prints medians in ms. With
``--profile`` it prints the cProfile of that phase instead (and saves it to the file the
``DUMP`` environment variable names, if set; ``CLOCK=cpu`` times it by the process's CPU
instead of the wall). This is where the server's own
cost per op is read; ``bench/run.py`` measures the whole stack against the peers.
"""

import argparse
import cProfile
import gc
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

N = 10_000
BATCH = 100
PASSWORD = "bench-password-inprocess"


def build(database_url: str | None, workdir: str):
    os.environ["TSUNAGU_INSTANCE_PATH"] = workdir
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["BENCH_PASSWORD"] = PASSWORD
    env = dict(os.environ)
    venv_bin = Path(os.path.abspath(sys.executable)).parent
    subprocess.run([str(venv_bin / "tsunagu"), "db", "upgrade"], env=env, check=True,
                   capture_output=True)
    made = json.loads(subprocess.run([sys.executable, str(BENCH / "setup_data.py"), "populate",
                                      "200"], env=env, check=True,
                                     capture_output=True).stdout)
    from server import create_app

    app = create_app()
    gc.freeze()  # as server/wsgi.py does in every worker
    client = app.test_client()
    answer = client.post("/api/auth/login", json={"login": made["login"], "password": PASSWORD,
                                                  "device_name": "bench"})
    headers = {"Authorization": f"Bearer {answer.get_json()['token']}",
               "Content-Type": "application/json"}
    return client, headers, [str(i) for i in made["site_ids"]]


def bodies(site_ids: list[str], batch: int = BATCH) -> list[bytes]:
    from sync.hlc import HLC

    clock = HLC(0, 0, "bench-phone")
    out = []
    for start in range(0, N, batch):
        ops = []
        for n in range(start, start + batch):
            clock = clock.tick(time.time_ns() // 1_000_000)
            ops.append({"op_id": str(uuid.uuid4()), "device_id": "bench-phone",
                        "collection": "visit",
                        "record_id": f"{site_ids[n % len(site_ids)]}:2026-11-{1 + n % 28:02d}:"
                                     f"{uuid.uuid4().hex[:16]}",
                        "hlc": clock.format(), "base_version": None,
                        "changes": {"parents": n % 7, "children_0": 1, "children_1": 2,
                                    "children_2": 0, "first_time": 1, "fathers": 0,
                                    "notes": "ひろばで遊びました。" * 8}})
        out.append(json.dumps({"protocol": 1, "ops": ops}, ensure_ascii=False).encode())
    return out


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="PostgreSQL URL of an empty database (default: SQLite)")
    parser.add_argument("--profile", choices=("push", "pull", "empty", "paged"))
    parser.add_argument("--batch", type=int, default=BATCH,
                        help="ops a push (the concurrent phase of bench/run.py sends 50)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        client, headers, site_ids = build(args.pg, workdir)
        batches = bodies(site_ids, args.batch)

        def push(body):
            answer = client.post("/api/sync/push", data=body, headers=headers)
            assert answer.status_code == 200, answer.get_data(as_text=True)[:300]

        def pull(cursor, limit):
            answer = client.get(f"/api/sync/pull?cursor={cursor}&limit={limit}",
                                headers=headers)
            assert answer.status_code == 200
            return json.loads(answer.get_data())

        def paged():
            cursor, more = 0, True
            while more:
                page = pull(cursor, 100)
                cursor, more = page["cursor"], page["more"]

        # CLOCK=cpu times the profile by this process's CPU, not the wall: on a shared
        # machine the wall counts the waits on fsync and on other processes too.
        clock = {"cpu": time.process_time}.get(os.environ.get("CLOCK", ""))
        profiler = ((cProfile.Profile(clock) if clock else cProfile.Profile())
                    if args.profile == "push" else None)
        push_ms = []
        cpu_s = time.process_time()
        for body in batches:
            t0 = time.perf_counter()
            if profiler:
                profiler.enable()
            push(body)
            if profiler:
                profiler.disable()
            push_ms.append((time.perf_counter() - t0) * 1000)
        cpu_s = time.process_time() - cpu_s
        last = pull(0, 10_000)["cursor"]
        phases = {"empty": lambda: pull(last, 100), "pull": lambda: pull(0, 10_000),
                  "paged": paged}
        if args.profile in phases:
            profiler = cProfile.Profile()
            profiler.runcall(lambda: timed(phases[args.profile], 5))
        if profiler:
            if os.environ.get("DUMP"):  # a file for pstats or snakeviz
                profiler.dump_stats(os.environ["DUMP"])
            pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(45)
            return
        print(f"push of {args.batch}: median {statistics.median(push_ms):.1f} ms "
              f"({args.batch / statistics.median(push_ms) * 1000:,.0f} rec/s); all {N:,} in "
              f"{sum(push_ms) / 1000:.2f} s ({N / sum(push_ms) * 1000:,.0f} rec/s), "
              f"process CPU {cpu_s:.2f} s")
        for name, repeat in (("full pull", 5), ("paged pull", 3), ("empty", 50)):
            ms = statistics.median(timed(phases[{"full pull": "pull", "paged pull": "paged",
                                                 "empty": "empty"}[name]], repeat))
            rate = f" ({N / ms * 1000:,.0f} rec/s)" if name != "empty" else ""
            print(f"{name}: median {ms:.1f} ms{rate}")


if __name__ == "__main__":
    main()
