"""Several processes pushing into one SQLite file: how long each batch waits, with the
writers taking turns through the file lock (``_FileTurn``) and without it (SQLite's busy
handler alone, ``--busy-handler``).

    .venv/bin/python bench/sqlite_processes.py [--processes 8] [--ops 1000] [--runs 3]
"""

import argparse
import multiprocessing
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

BATCH = 50


def _ops(n: int, count: int):
    from sync.hlc import HLC
    from sync.protocol import Op

    return [Op(str(uuid.UUID(int=(n + 1) << 32 | i)), f"phone-{n}", f"user-{n}", "visit",
               f"site-{n}:2026-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}:s{i // 336}",
               HLC(1_000 + i, 0, f"phone-{n}").format(), None, {"parents": 1 + i % 5})
            for i in range(count)]


def _push(args) -> list[float]:
    path, n, count, busy_handler = args
    from server.replication import store as store_module
    from sync.engine import apply_push
    from sync.protocol import Scope

    if busy_handler:
        store_module._Writers.of = classmethod(lambda cls, _engine: cls())
    store = store_module.SqlStore(sa.create_engine(f"sqlite:///{path}"))
    ops, waits = _ops(n, count), []
    for start in range(0, count, BATCH):
        began = time.perf_counter()
        apply_push(store, ops[start:start + BATCH], now_ms=10_000, max_drift_ms=60_000,
                   scope=Scope.everywhere(), server_node="s", author=f"writer-{n}")
        waits.append(time.perf_counter() - began)
    return waits


def run(processes: int, count: int, busy_handler: bool) -> dict:
    import server  # noqa: F401  (the SQLite pragmas: WAL, synchronous=FULL, busy_timeout)
    from server.extensions import db
    from server.replication import store  # noqa: F401  (its tables, and the figures')

    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "bench.sqlite3")
        engine = sa.create_engine(f"sqlite:///{path}")
        db.metadata.create_all(engine)
        engine.dispose()
        began = time.perf_counter()
        with multiprocessing.Pool(processes) as pool:
            per_process = pool.map(_push, [(path, n, count, busy_handler)
                                           for n in range(processes)])
        took = time.perf_counter() - began
    waits = sorted(w for one in per_process for w in one)
    return {"records_per_s": processes * count / took,
            "median_ms": 1000 * statistics.median(waits),
            "p99_ms": 1000 * waits[int(0.99 * (len(waits) - 1))],
            "max_ms": 1000 * waits[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--ops", type=int, default=1000, help="ops each process pushes")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for label, busy_handler in (("file turn", False), ("busy handler", True)):
        runs = [run(args.processes, args.ops, busy_handler) for _ in range(args.runs)]
        medians = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        print(f"{label:>12}: " + ", ".join(f"{key} {value:,.0f}"
                                           for key, value in medians.items()))


if __name__ == "__main__":
    main()
