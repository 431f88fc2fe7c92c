"""A city's evening peak: phones arriving at random, each pushing its day and pulling its site.

After the evening's sessions, volunteers' phones reach signal and sync. Each simulated
phone arrives at a Poisson time (open loop: arrivals do not wait for the server), pushes
20 ops (two tallies of its site's shared morning and afternoon sessions, which other
phones of the site also write, and 18 records of its own) and pulls its scope from where
its last sync left off, following the cursor while ``more``. As the app does, the push asks
for the pull's first page in its answer, so a sync is one request; ``--two-requests`` pulls
with a GET of its own after the push instead (as the app did before). A phone's latency is
from its arrival to the end of its pull, so time spent waiting for a free client counts too.

Tokens are issued directly (``setup_data.py city``): the sign-in limit of 10 a minute would
otherwise shape the test. The server is ``tsunagu serve`` (gunicorn), as in production,
on a fresh database with a day of history pushed first.

Two measurements per server:

- **windows**: 300, 1,000 and 3,000 phones arriving over 5 minutes each;
- **ramp**: rising arrival rates, 30 s each, until the p99 passes 1 s. The knee is the
  highest rate whose p99 stayed at or under 1 s with every phone served.

    .venv/bin/python bench/city_peak.py --engine sqlite
    .venv/bin/python bench/city_peak.py --engine pg --workers 1
    .venv/bin/python bench/city_peak.py --engine pg --workers 2
    .venv/bin/python bench/city_peak.py --engine sqlite --windows 60 --window-seconds 20 \\
        --rates 10,20 --step-seconds 5 --history 500          # a quick try

``--server-log PATH`` keeps a copy of the server's log (its errors, if any) after the run.
Each run writes its figures to
``bench/results/city-<engine>-w<workers>[t<threads>][-2req]-<time>.json`` and prints a table.
The server's CPU (its process tree, and on PostgreSQL the backends of the bench database)
is read from /proc at each step's edges, giving CPU per phone.
"""

import argparse
import datetime
import http.client
import json
import os
import queue
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sync.hlc import HLC

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
SETUP_DATA = BENCH_DIR / "setup_data.py"
VENV_BIN = Path(os.path.abspath(sys.executable)).parent
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DATABASE = "tsunagu_city"
OPS_PER_PHONE = 20
SHARED_SLOTS = ("am", "pm")
PULL_LIMIT = 500
HISTORY_BATCH = 200
P99_LIMIT_S = 1.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- the server ---------------------------------------------------------------------------

def _run(argv, cwd, env, log_name) -> str:
    with open(os.path.join(cwd, log_name), "wb") as log:
        done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=log,
                              stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, argv[:3]))} failed; see {cwd}/{log_name}")
    return done.stdout.decode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A fresh database, the city's phones, and ``tsunagu serve`` on a free port."""

    def __init__(self, engine: str, workers: int | None, threads: int | None, sites: int,
                 phones: int, workdir: str):
        self.engine, self.workdir = engine, workdir
        env = dict(os.environ, TSUNAGU_INSTANCE_PATH=workdir)
        if engine == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{Path(workdir, 'city.sqlite3')}"
            self.pg_marker = None
        else:
            admin = os.environ.get("TSUNAGU_BENCH_PG_URL", PG_ADMIN_URL)
            made = json.loads(_run([sys.executable, str(SETUP_DATA), "fresh-pg", admin,
                                    PG_DATABASE], workdir, env, "fresh-pg.log"))
            env["DATABASE_URL"] = made["url"]
            self.pg_marker = f" {PG_DATABASE} ".encode()
        self.database_url = env["DATABASE_URL"]
        _run([str(VENV_BIN / "tsunagu"), "db", "upgrade"], workdir, env, "upgrade.log")
        made = json.loads(_run([sys.executable, str(SETUP_DATA), "city", str(sites),
                                str(phones)], workdir,
                               dict(env, BENCH_PASSWORD=secrets.token_urlsafe(18)), "city.log"))
        self.phones = made["phones"]
        self.port = _free_port()
        argv = [str(VENV_BIN / "tsunagu"), "serve", "--host", "127.0.0.1",
                "--port", str(self.port)]
        if workers is not None:
            argv += ["--workers", str(workers)]
        if threads is not None:
            argv += ["--threads", str(threads)]
        self.log = open(Path(workdir, "server.log"), "wb")
        self.proc = subprocess.Popen(argv, cwd=workdir, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/wards")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit(f"the server did not start; see {workdir}/server.log")
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)
        self.log.close()

    def processes(self) -> tuple[list[int], list[int]]:
        """(the gunicorn master and its workers, the bench database's backends)."""
        children: dict[int, list[int]] = {}
        titles: dict[int, bytes] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            stat = _stat(int(entry))
            if stat is not None:
                children.setdefault(stat[0], []).append(int(entry))
            if self.pg_marker is not None:
                try:
                    with open(f"/proc/{entry}/cmdline", "rb") as f:
                        titles[int(entry)] = f.read().replace(b"\0", b" ")
                except OSError:
                    pass
        tree, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += children.get(pid, [])
        backends = [pid for pid, title in titles.items() if self.pg_marker in title]
        return tree, backends

    def cpu_seconds(self) -> dict[int, tuple[bool, float]]:
        """pid -> (is a database backend, CPU seconds so far)."""
        app, backends = self.processes()
        out = {}
        for backend, pids in ((False, app), (True, backends)):
            for pid in pids:
                stat = _stat(pid)
                if stat is not None:
                    out[pid] = (backend, stat[1])
        return out

    def database_mib(self) -> float:
        """The database's size on disk (SQLite: the file and its WAL)."""
        if self.pg_marker is None:
            return round(sum(f.stat().st_size for f in Path(self.workdir).glob("city.sqlite3*"))
                         / 2**20, 1)
        from sqlalchemy import create_engine, text

        engine = create_engine(self.database_url)
        with engine.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
        engine.dispose()
        return round(size / 2**20, 1)

    def memory_mib(self) -> dict:
        """Peak RSS of the app's processes (gunicorn's master and workers) and their PSS."""
        app, _backends = self.processes()
        hwm = sum(_proc_kib(pid, "status", "VmHWM:") for pid in app)
        pss = sum(_proc_kib(pid, "smaps_rollup", "Pss:") for pid in app)
        return {"app_peak_rss_mib": round(hwm / 1024, 1), "app_pss_mib": round(pss / 1024, 1)}


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of ``pid``."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLK_TCK


def _proc_kib(pid: int, name: str, field: str) -> int:
    """A KiB figure of /proc/<pid>/<name> (status, smaps_rollup), 0 if the process is gone."""
    try:
        with open(f"/proc/{pid}/{name}") as f:
            return next((int(line.split()[1]) for line in f if line.startswith(field)), 0)
    except OSError:
        return 0


def cpu_between(before: dict, after: dict) -> tuple[float, float]:
    """(the app's CPU seconds, the database backends') between two readings."""
    app = database = 0.0
    for pid, (backend, seconds) in after.items():
        # A process that started during the step (a new backend) counts from zero.
        spent = seconds - before.get(pid, (backend, 0.0))[1]
        if backend:
            database += spent
        else:
            app += spent
    return app, database


# -- the phones -------------------------------------------------------------------------

class Phone:
    """One volunteer's phone: its token, site, device id, clock and last cursor."""

    def __init__(self, number: int, token: str, site_id: str):
        self.number, self.site_id = number, site_id
        self.headers = {"Authorization": f"Bearer {token}",
                        "Content-Type": "application/json"}
        self.device_id = f"city-phone-{number:05d}"
        self.cursor = 0
        self.syncs = 0
        self.lock = threading.Lock()

    def body(self, day: str, pull_from: int | None = None) -> bytes:
        """Today's 20 ops: the site's two shared sessions and 18 sessions of its own; with
        ``pull_from``, the ask for the pull's first page from that cursor."""
        with self.lock:
            self.syncs += 1
            syncs = self.syncs
        now = time.time_ns() // 1_000_000
        slots = [*SHARED_SLOTS,
                 *(f"p{self.number:05d}{syncs:04d}{k:02d}"[-16:]
                   for k in range(OPS_PER_PHONE - len(SHARED_SLOTS)))]
        ops = []
        for k, slot in enumerate(slots):
            ops.append({"op_id": str(uuid.uuid4()), "device_id": self.device_id,
                        "collection": "visit", "record_id": f"{self.site_id}:{day}:{slot}",
                        "hlc": HLC(now, k, self.device_id).format(), "base_version": None,
                        "changes": {"parents": 3 + syncs % 5, "children_0": 1 + k % 3,
                                    "children_1": 2, "first_time": k % 2,
                                    "notes": "絵本の読み聞かせ"}})
        body = {"protocol": 1, "ops": ops}
        if pull_from is not None:
            body["pull"] = {"cursor": pull_from, "limit": PULL_LIMIT}
        return json.dumps(body, ensure_ascii=False).encode()


class Client:
    """A worker thread's keep-alive connection, remade when the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.conn = None

    def request(self, method: str, path: str, body: bytes | None, headers: dict):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.will_close:
                    self.conn.close()
                    self.conn = None
                return response.status, data
            except (ConnectionError, http.client.RemoteDisconnected, BrokenPipeError):
                # An idle keep-alive connection the server closed: once more on a new one.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def sync_once(client: Client, phone: Phone, day: str, one_request: bool = True) -> dict:
    """Push the phone's 20 ops, then pull its scope from its cursor (the first page in the
    push's answer when ``one_request``). -> timings, problems"""
    started = time.perf_counter()
    cursor, pulled = phone.cursor, 0
    body = phone.body(day, cursor if one_request else None)
    status, data = client.request("POST", "/api/sync/push", body, phone.headers)
    pushed = time.perf_counter()
    if status != 200:
        return {"error": f"push HTTP {status}: {data[:120]!r}"}
    answer = json.loads(data)
    refused = [r for r in answer["results"] if r["status"] not in ("applied", "duplicate")]
    page = answer.get("pull")
    while True:
        if page is None:
            status, data = client.request(
                "GET", f"/api/sync/pull?cursor={cursor}&limit={PULL_LIMIT}", None,
                phone.headers)
            if status != 200:
                return {"error": f"pull HTTP {status}: {data[:120]!r}"}
            page = json.loads(data)
        pulled += len(page["changes"])
        cursor = page["cursor"]
        if not page["more"]:
            break
        page = None
    with phone.lock:
        phone.cursor = max(phone.cursor, cursor)
    done = time.perf_counter()
    out = {"push_s": pushed - started, "pull_s": done - pushed, "pulled": pulled}
    if refused:
        out["error"] = f"{len(refused)} ops refused: {refused[0]}"
    return out


def run_arrivals(port: int, phones: list[Phone], arrivals: list[float], day: str,
                 clients: int, one_request: bool = True) -> list[dict]:
    """Each arrival (seconds from now) takes the next phone; latency runs from arrival."""
    work: queue.Queue = queue.Queue()
    results: list[dict] = []
    guard = threading.Lock()

    def worker():
        client = Client(port)
        while True:
            item = work.get()
            if item is None:
                return
            due, phone = item
            try:
                out = sync_once(client, phone, day, one_request)
            except Exception as exc:  # a broken connection is a failed sync, not a crash
                out = {"error": f"{type(exc).__name__}: {exc}"}
            out["latency_s"] = time.perf_counter() - due
            with guard:
                results.append(out)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    for n, offset in enumerate(arrivals):
        due = start + offset
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        work.put((due, phones[n % len(phones)]))
    for _ in threads:
        work.put(None)
    for thread in threads:
        thread.join()
    return results


def poisson(rate: float, seconds: float, rng: random.Random) -> list[float]:
    out, t = [], rng.expovariate(rate)
    while t < seconds:
        out.append(t)
        t += rng.expovariate(rate)
    return out


def poisson_count(count: int, seconds: float, rng: random.Random) -> list[float]:
    """``count`` arrivals of a Poisson process over ``seconds``: uniform times, sorted."""
    return sorted(rng.uniform(0, seconds) for _ in range(count))


def summary(results: list[dict], offered: float, seconds: float,
            cpu_s: tuple[float, float]) -> dict:
    ok = [r for r in results if "error" not in r]
    latencies = sorted(r["latency_s"] for r in results)

    def pct(values, q):
        if not values:
            return None
        return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)

    pushes = sorted(r["push_s"] for r in ok)
    return {"phones": len(results), "offered_per_s": round(offered, 1),
            "served_per_s": round(len(ok) / seconds, 1) if seconds else None,
            "errors": len(results) - len(ok),
            "error_examples": [r["error"] for r in results if "error" in r][:3],
            "p50_ms": pct(latencies, 0.50), "p95_ms": pct(latencies, 0.95),
            "p99_ms": pct(latencies, 0.99), "max_ms": pct(latencies, 1.0),
            "push_p50_ms": pct(pushes, 0.50), "push_p99_ms": pct(pushes, 0.99),
            "pulled_median": statistics.median(r["pulled"] for r in ok) if ok else None,
            "app_cpu_s": round(cpu_s[0], 2), "db_cpu_s": round(cpu_s[1], 2),
            "app_cpu_ms_per_phone": round(cpu_s[0] * 1000 / len(results), 2) if results else None,
            "db_cpu_ms_per_phone": round(cpu_s[1] * 1000 / len(results), 2) if results else None}


def push_history(server: Server, phones: list[Phone], records: int, day: str) -> None:
    """The day before's records of the city, pushed in batches of 200."""
    client = Client(server.port)
    written, batch = 0, 0
    yesterday = (datetime.date.fromisoformat(day) - datetime.timedelta(days=1)).isoformat()
    while written < records:
        phone = phones[batch % len(phones)]
        ops = []
        for k in range(min(HISTORY_BATCH, records - written)):
            slot = f"h{batch:06d}{k:03d}"
            ops.append({"op_id": str(uuid.uuid4()), "device_id": phone.device_id,
                        "collection": "visit",
                        "record_id": f"{phones[(batch + k) % len(phones)].site_id}:"
                                     f"{yesterday}:{slot}",
                        "hlc": HLC(time.time_ns() // 1_000_000, 0, phone.device_id).format(),
                        "base_version": None, "changes": {"parents": 2, "children_0": 1}})
        status, data = client.request("POST", "/api/sync/push",
                                      json.dumps({"protocol": 1, "ops": ops}).encode(),
                                      phone.headers)
        if status != 200:
            raise SystemExit(f"history push failed: HTTP {status} {data[:200]!r}")
        written += len(ops)
        batch += 1
    # Each phone's first sync of the evening pulls its site's records from the start.
    print(f"history: {written} records pushed", flush=True)


def measured(server: Server, phones, arrivals, seconds, offered, day, clients,
             one_request: bool) -> dict:
    before, client_cpu = server.cpu_seconds(), time.process_time()
    started = time.perf_counter()
    results = run_arrivals(server.port, phones, arrivals, day, clients, one_request)
    elapsed = time.perf_counter() - started
    spent = cpu_between(before, server.cpu_seconds())
    row = summary(results, offered, max(seconds, elapsed), spent)
    row["elapsed_s"] = round(elapsed, 1)
    # The simulated phones share the machine's cores with the server.
    row["client_cpu_s"] = round(time.process_time() - client_cpu, 2)
    return row


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: tsunagu serve's for the engine)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--sites", type=int, default=600)
    parser.add_argument("--phones", type=int, default=3000)
    parser.add_argument("--history", type=int, default=20_000)
    parser.add_argument("--windows", default="300,1000,3000",
                        help="phones per window, comma-separated ('' for none)")
    parser.add_argument("--window-seconds", type=float, default=300)
    parser.add_argument("--rates", default="20,40,60,80,100,120,150,200,250,300",
                        help="arrival rates of the ramp, phones a second ('' for none)")
    parser.add_argument("--step-seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=256,
                        help="client threads, each with its keep-alive connection")
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--server-log", help="keep a copy of the server's log at this path")
    parser.add_argument("--two-requests", action="store_true",
                        help="pull with a GET after the push, not in the push's answer")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    day = datetime.date.today().isoformat()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    threads = f"t{args.threads}" if args.threads else ""
    requests = "-2req" if args.two_requests else ""
    name = f"city-{args.engine}-w{args.workers or 'default'}{threads}{requests}-{stamp}"
    out_path = BENCH_DIR / "results" / f"{name}.json"
    out_path.parent.mkdir(exist_ok=True)
    report = {"name": name, "args": vars(args), "load_at_start": os.getloadavg(),
              "cores": os.cpu_count(), "windows": [], "ramp": []}
    with tempfile.TemporaryDirectory(prefix="tsunagu-city-") as workdir:
        server = Server(args.engine, args.workers, args.threads, args.sites, args.phones,
                        workdir)
        try:
            phones = [Phone(n, p["token"], p["site_id"]) for n, p in enumerate(server.phones)]
            rng.shuffle(phones)
            push_history(server, phones, args.history, day)
            for rate in [float(r) for r in args.rates.split(",") if r]:
                arrivals = poisson(rate, args.step_seconds, rng)
                row = measured(server, phones, arrivals, args.step_seconds, rate, day,
                               args.clients, not args.two_requests)
                report["ramp"].append(row)
                print("ramp", json.dumps(row), flush=True)
                if row["errors"] or row["p99_ms"] is None or row["p99_ms"] > P99_LIMIT_S * 1000:
                    break
            for count in [int(c) for c in args.windows.split(",") if c]:
                arrivals = poisson_count(count, args.window_seconds, rng)
                row = measured(server, phones, arrivals, args.window_seconds,
                               count / args.window_seconds, day, args.clients,
                               not args.two_requests)
                report["windows"].append(row)
                print("window", json.dumps(row), flush=True)
            report["memory"] = server.memory_mib()
            report["database_mib"] = server.database_mib()
        finally:
            server.stop()
            if args.server_log:
                shutil.copyfile(Path(workdir, "server.log"), args.server_log)
    report["load_at_end"] = os.getloadavg()
    fine = [r for r in report["ramp"] if not r["errors"] and r["p99_ms"] is not None
            and r["p99_ms"] <= P99_LIMIT_S * 1000]
    report["knee_per_s"] = fine[-1]["offered_per_s"] if fine else None
    out_path.write_text(json.dumps(report, indent=1))
    print(f"knee: {report['knee_per_s']} phones/s; figures in {out_path}")


if __name__ == "__main__":
    main()
