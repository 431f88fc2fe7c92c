#!/usr/bin/env python3
"""Tsunagu against Kinto and pouchdb-server, on the identical workload, in one command.

    bash ../shared/bench-peers/setup.sh     # once: installs the peers under $PEERS_DIR
    .venv/bin/python bench/run.py           # from the repository root

The peers' benchmark (shared/bench-peers/run.py) is imported as a module, two more
adapters are registered in its PEERS dict (tsunagu-sqlite, tsunagu-pg: `tsunagu serve`,
gunicorn, on SQLite or PostgreSQL) and its run_peer() drives every server through the
same record generator, phases and timers. Its report is printed, then Tsunagu's figures
divided by each peer's (per repetition, then the median), then the targets, met or missed.
"""

import argparse
import glob
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PEERS_DIR = REPO.parent / "shared" / "bench-peers"
RESULTS_DIR = REPO / "bench" / "results"
TSUNAGU = ("tsunagu-sqlite", "tsunagu-pg")
DEFAULT_PEERS = "tsunagu-sqlite,tsunagu-pg,pouch-mem,pouch-ldb,kinto"

# (label, metric name in the peers' METRICS, at least / at most, bound, unit)
TARGETS = [
    ("push", "push rec/s", ">=", 4500, "rec/s"),
    ("paged pull", "paged pull rec/s", ">=", 9000, "rec/s"),
    ("full pull", "full pull rec/s", ">=", 70000, "rec/s"),
    ("incremental pull", "incr pull ms", "<=", 5, "ms median, 100 new"),
    ("incr. pull, nothing new", "idle pull ms", "<=", 5, "ms median"),
    ("concurrent push", "concurrent rec/s", ">=", 4700, "rec/s"),
    ("acknowledged-but-lost", "lost (max)", "<=", 0, "records, worst run"),
    ("peak server RSS", "peak RSS MiB", "<=", 150, "MiB"),
]


# ----------------------------------------------------------------------------- loading

def _ensure_requests() -> None:
    """The peers' run.py needs `requests`, which the project does not depend on.

    setup.sh installs it in $PEERS_DIR/client-venv; its site-packages is added to the
    path when this interpreter has the same Python version (requests is pure Python)."""
    try:
        import requests  # noqa: F401
        return
    except ImportError:
        pass
    peers_dir = os.environ.get("PEERS_DIR", os.path.join(tempfile.gettempdir(), "peers"))
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    found = glob.glob(os.path.join(peers_dir, "client-venv", "lib", version, "site-packages"))
    if not found:
        sys.exit(f"`requests` is missing: run setup.sh of the peers first (no {version} "
                 f"client-venv under {peers_dir})")
    sys.path.append(found[0])


def load_peers(peers_dir: Path):
    """Import the peers' run.py as the module ``bench_peers``."""
    _ensure_requests()
    path = peers_dir / "run.py"
    if not path.exists():
        sys.exit(f"{path} not found (--peers-dir)")
    spec = importlib.util.spec_from_file_location("bench_peers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def register_tsunagu(peers, args) -> None:
    from tsunagu_peer import TsunaguPeer

    def factory(name, backend):
        return lambda: TsunaguPeer(name, backend, peers, args.workers, args.server_threads)

    peers.PEERS["tsunagu-sqlite"] = factory("tsunagu-sqlite", "sqlite")
    peers.PEERS["tsunagu-pg"] = factory("tsunagu-pg", "postgresql")


# ----------------------------------------------------------------------------- arguments

def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peers-dir", type=Path, default=DEFAULT_PEERS_DIR,
                    help="where the peers' run.py is (default: ../shared/bench-peers)")
    ap.add_argument("--peers", default=DEFAULT_PEERS, help="comma list of servers to run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--n", type=int, default=10000, help="records in phase (a)")
    ap.add_argument("--batch", type=int, default=100, help="records a push in phases a, c")
    ap.add_argument("--page", type=int, default=100, help="records a request in phase b2")
    ap.add_argument("--rounds", type=int, default=10, help="rounds of phase c")
    ap.add_argument("--updates", type=int, default=100, help="updates a round of phase c")
    ap.add_argument("--threads", type=int, default=20, help="client threads of phase d")
    ap.add_argument("--per-thread", type=int, default=500, help="records a thread, phase d")
    ap.add_argument("--cbatch", type=int, default=50, help="records a push in phase d")
    ap.add_argument("--ratio-base", default="kinto",
                    help="the base of the peers' own ratio table (default kinto)")
    ap.add_argument("--workers", type=int, default=None,
                    help="gunicorn workers of Tsunagu (default: the server's own, "
                         "`tsunagu serve`: 1 on SQLite; on PostgreSQL 1 for every 2 cores)")
    ap.add_argument("--server-threads", type=int, default=None,
                    help="gunicorn threads per worker of Tsunagu (default: the server's own)")
    ap.add_argument("--live-source", action="store_true",
                    help="run the working tree as it is at each server start, instead of a "
                         "copy of server/, sync/ and schemas/ taken when the command starts")
    ap.add_argument("--keep-data", action="store_true", help="keep each run's database")
    ap.add_argument("--out", default=None,
                    help="JSON results file (default bench/results/<timestamp>.json)")
    return ap.parse_args()


def check_installed(peers, names) -> None:
    for name in names:
        if name not in peers.PEERS:
            sys.exit(f"unknown peer {name}; choose from {', '.join(peers.PEERS)}")
    need = {"kinto": peers.KINTO_BIN, "pouch": peers.POUCH_BIN}
    for prefix, path in need.items():
        if any(n.startswith(prefix) for n in names) and not os.path.exists(path):
            sys.exit(f"{path} missing; run bash {DEFAULT_PEERS_DIR}/setup.sh first")


# ----------------------------------------------------------------------------- running

def use_snapshot(dest: Path) -> None:
    """Make every Tsunagu process of this command import one copy of the source."""
    from tsunagu_peer import snapshot_source, source_fingerprint

    snapshot_source(dest)
    os.environ["TSUNAGU_BENCH_SOURCE"] = str(dest)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(dest)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    print(f"measuring a copy of the server's source ({source_fingerprint(dest)}) in "
          f"{dest.parent.name}/{dest.name} of the peers' runs",
          file=sys.stderr, flush=True)


IDLE_PULLS = 30


def time_idle_pulls(peer) -> None:
    """The issue's "incremental pull with nothing new", which the peers' phases lack.

    The peers' run_peer calls ``all_ids`` once, after phase d, with the server still up;
    wrapped, it then pulls to the head and times ``IDLE_PULLS`` pulls from there with the
    same client session, each of which must return nothing. Kept in ``peer.idle_pull``."""
    listed = peer.all_ids

    def all_ids(s):
        ids = listed(s)
        _docs, checkpoint, _n = peer.pull(s)
        latencies, returned = [], 0
        for _ in range(IDLE_PULLS):
            t0 = time.perf_counter()
            docs, checkpoint, _n = peer.pull(s, since=checkpoint)
            latencies.append(1000 * (time.perf_counter() - t0))
            returned += len(docs)
        peer.idle_pull = {"latency_ms_median": statistics.median(latencies),
                          "latency_ms_min": min(latencies), "returned": returned}
        return ids

    peer.all_ids = all_ids


def run_all(peers, names, args) -> list:
    from tsunagu_peer import TsunaguPeer

    results = []
    for rep in range(1, args.runs + 1):
        order = names if rep % 2 else list(reversed(names))  # alternate order against drift
        for name in order:
            peer = peers.PEERS[name]()
            time_idle_pulls(peer)
            t0 = time.perf_counter()
            r = peers.run_peer(peer, args, rep, do_semantics=(rep == 1))
            r["wall_s"] = time.perf_counter() - t0
            if hasattr(peer, "idle_pull"):
                r["idle_pull"] = peer.idle_pull
            if isinstance(peer, TsunaguPeer) and peer.server:
                r.update(peer.diagnostics())
            results.append(r)
            status = r.get("error") or (f"push {r['a_push']['rps']:.0f} rec/s, concurrent "
                                        f"{r['d_concurrent']['rps']:.0f} rec/s")
            print(f"[run {rep}/{args.runs}] {name}: {status} ({r['wall_s']:.0f}s)",
                  file=sys.stderr, flush=True)
    return results


# ----------------------------------------------------------------------------- report

def _ok(results, name):
    return [r for r in results if r["peer"] == name and "error" not in r]


def ratio_table(peers, results, names) -> str:
    """Each Tsunagu figure / each peer's figure in the same repetition, then the median.

    Cells read "median (run 1 / run 2 / …)"; for 'incr pull ms' and RSS lower is better."""
    metrics = [(m, fn) for m, fn in peers.METRICS if not m.endswith("(max)")]
    others = [n for n in names if n not in TSUNAGU]
    rows = []
    for t in (n for n in names if n in TSUNAGU):
        for other in others:
            row = [f"{t} / {other}"]
            for _name, fn in metrics:
                rs = []
                for r in _ok(results, t):
                    base = [x for x in _ok(results, other) if x["rep"] == r["rep"]]
                    if base and fn(base[0]):
                        rs.append(fn(r) / fn(base[0]))
                row.append(f"{statistics.median(rs):.2f}x ({' / '.join(f'{x:.2f}' for x in rs)})"
                           if rs else "-")
            rows.append(row)
    if not rows:
        return ""
    return ("\nTsunagu / peer, per repetition then the median (>1 = higher value; for "
            "'incr pull ms' and RSS lower is better):\n"
            + peers.table(["ratio"] + [m for m, _ in metrics], rows))


def idle_pull_ms(r) -> float:
    return r["idle_pull"]["latency_ms_median"]


def idle_pull_lines(results, names) -> str:
    """Each server's pulls with nothing new, per run, and whether any returned a change."""
    lines = [f"\nIncremental pull with nothing new ({IDLE_PULLS} pulls from the head after "
             "phase d, same client session): median ms per run"]
    for name in names:
        runs = [r for r in _ok(results, name) if "idle_pull" in r]
        if runs:
            values = [idle_pull_ms(r) for r in runs]
            extra = sum(r["idle_pull"]["returned"] for r in runs)
            lines.append(f"  {name:<15} {statistics.median(values):.1f} (runs: "
                         f"{', '.join(f'{v:.1f}' for v in values)})"
                         + (f"; RETURNED {extra} changes" if extra else ""))
    return "\n".join(lines)


def target_lines(peers, results, names) -> str:
    fns = {**dict(peers.METRICS), "idle pull ms": idle_pull_ms}
    lines = ["\nTargets (median of the runs; lost: worst run):"]
    for t in (n for n in names if n in TSUNAGU):
        ok = _ok(results, t)
        for label, metric, op, bound, unit in TARGETS:
            if not ok:
                lines.append(f"  {t:<15} {label:<22} MISSED (no successful run)")
                continue
            values = [fns[metric](r) for r in ok]
            value = max(values) if metric.endswith("(max)") else statistics.median(values)
            met = value >= bound if op == ">=" else value <= bound
            lines.append(f"  {t:<15} {label:<22} {'met   ' if met else 'MISSED'} "
                         f"{peers.fmt(value)} {unit} (target {op} {bound:,}; runs: "
                         f"{', '.join(peers.fmt(v) for v in values)})")
        lines += _sanity(ok, t)
    return "\n".join(lines)


def diagnostic_lines(results, names) -> str:
    """Per Tsunagu run: memory by process at the end, PostgreSQL backends, CPU split."""
    lines = ["\nTsunagu per run: memory by process when stopped (VmHWM / PSS MiB; master "
             "first), PostgreSQL backends seen, server CPU-s whole run (app + database):"]
    for r in (x for x in results if x["peer"] in TSUNAGU and "error" not in x):
        mem = r.get("memory_at_stop") or []
        procs = ", ".join(f"{m['vmhwm_mib']:.0f}/{m['pss_mib']:.0f}" for m in mem)
        pss = sum(m["pss_mib"] for m in mem)
        pg = (f"; {r['pg_backends_seen']} backends, PostgreSQL backends' peak RSS "
              f"{r.get('db_peak_rss_mib', 0):.0f} MiB" if "pg_backends_seen" in r else "")
        src = r.get("source", {})
        changed = (f" CHANGED DURING THE RUN to {src.get('at_end')}"
                   if src.get("at_start") != src.get("at_end") else "")
        if src.get("working_tree_at_end") not in (None, src.get("at_start")):
            changed += f" (working tree now {src['working_tree_at_end']}, not measured)"
        lines.append(f"  {r['peer']:<15} run {r['rep']}: [{procs}] sum PSS {pss:.0f} MiB{pg}; "
                     f"CPU-s {r['server_cpu_total_s']:.1f}; source {src.get('at_start')}{changed}")
    sources = {r.get("source", {}).get("at_start") for r in results if r["peer"] in TSUNAGU}
    if len(sources) > 1:
        lines.append(f"  WARNING: the server's source changed between runs ({len(sources)} "
                     "versions measured); the medians mix them.")
    return "\n".join(lines)


def _sanity(ok, name) -> list:
    """Checks that make a figure meaningful: complete pulls, exact incremental pulls."""
    out = []
    for r in ok:
        c = r["c_incremental"]
        problems = []
        if not (r["b_full_pull"]["complete"] and r["b2_paged_pull"]["complete"]):
            problems.append("a pull from zero was incomplete")
        if c["pulled_per_round"] != [c["updates_per_round"]] or c["update_failures"]:
            problems.append(f"incremental pulls returned {c['pulled_per_round']}, "
                            f"{c['update_failures']} updates failed")
        if r["a_push"]["failed"] or r["d_concurrent"]["failed"]:
            problems.append(f"rejected: {r['a_push']['fail_examples']} "
                            f"{r['d_concurrent']['fail_examples']}")
        log = r.get("server_log", {})
        bad = {k: v for k, v in log.get("statuses", {}).items() if not k.endswith(" 200")
               and not k.endswith(" 201")}
        if bad or log.get("errors"):
            problems.append(f"server log: non-2xx {bad}, {log.get('errors')} error lines "
                            f"{log.get('error_examples')}")
        if problems:
            out.append(f"  {name} run {r['rep']}: " + "; ".join(problems))
    return out


def _without_machine_path(value) -> str:
    """An argument as the results keep it: a path inside or beside the repository relative
    to it, so that no results file names the machine it ran on."""
    if isinstance(value, Path) or (isinstance(value, str) and os.path.isabs(value)):
        return os.path.relpath(os.path.abspath(value), REPO)
    return str(value)


def write_results(text, results, args, started) -> str:
    out = args.out or str(RESULTS_DIR / (time.strftime("%Y%m%d-%H%M%S") + ".json"))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    meta = {"args": {k: _without_machine_path(v) for k, v in vars(args).items()},
            "started": started,
            "elapsed_s": time.time() - started,
            "host": {"nproc": os.cpu_count(), "loadavg_end": os.getloadavg()},
            "python": sys.version.split()[0]}
    with open(out, "w") as f:
        json.dump({"meta": meta, "results": results}, f, ensure_ascii=False, indent=1)
    with open(out.removesuffix(".json") + ".txt", "w") as f:
        f.write(text + "\n")
    return out


def main() -> None:
    args = parse_args()
    peers = load_peers(args.peers_dir.resolve())
    register_tsunagu(peers, args)
    names = [p.strip() for p in args.peers.split(",") if p.strip()]
    check_installed(peers, names)
    os.makedirs(peers.RUNS_DIR, exist_ok=True)
    if not args.live_source and any(n in TSUNAGU for n in names):
        use_snapshot(Path(peers.RUNS_DIR) / "tsunagu-source")
    started = time.time()
    print(f"load average at start: {os.getloadavg()}", file=sys.stderr, flush=True)
    results = run_all(peers, names, args)
    text = "\n".join([peers.report(results, names, args), ratio_table(peers, results, names),
                      idle_pull_lines(results, names), target_lines(peers, results, names),
                      diagnostic_lines(results, names)])
    print(text)
    out = write_results(text, results, args, started)
    print(f"\nJSON: {_without_machine_path(out)}   total {time.time() - started:.0f}s; "
          f"load average at end: {os.getloadavg()}", file=sys.stderr)


if __name__ == "__main__":
    main()
