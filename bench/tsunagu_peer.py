"""Tsunagu as one more peer of the peers' benchmark (shared/bench-peers/run.py).

``TsunaguPeer`` has the same interface as the peers' ``KintoPeer`` and ``PouchPeer``, so
their ``run_peer`` drives it through the identical phases, records and timers. It talks
to a real server: ``tsunagu serve`` (gunicorn) on SQLite or PostgreSQL, built from empty
for every repetition, signed in as a hub staff user over HTTP like a phone.
"""

import collections
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import time
import uuid
from importlib import metadata
from pathlib import Path

import requests

from server.wsgi_server import default_threads, default_workers
from sync.hlc import HLC

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
SOURCE_DIRS = ("server", "sync", "schemas")
SETUP_DATA = BENCH_DIR / "setup_data.py"
# Not resolved: a venv's python is a symlink, and its bin/ is where `tsunagu` lives.
VENV_BIN = Path(os.path.abspath(sys.executable)).parent

SITES = 200
MAX_OPS = 500  # sync.protocol.MAX_BATCH_OPS, the server's default SYNC_MAX_BATCH
MAX_PULL_LIMIT = 10_000
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DATABASE = "tsunagu_bench"
DEVICE = "bench-phone-1"
COLLECTION = "visit"


class SharedPostgres:
    """CPU and RSS of the backends that serve the bench database on the machine's
    PostgreSQL server, read from /proc; the server itself is never stopped.

    The peers' kinto-pg runs a private cluster under its run dir and counts all of it.
    Tsunagu uses the machine's shared server, where other sessions may be at work, so only
    processes whose title names the bench database are counted. Each backend seen keeps
    its last CPU reading after it exits; a backend that lives and dies between two
    readings is missed, so the figure is a lower bound (the pool keeps backends open).
    """

    def __init__(self, peers, postmaster_pid: int, database: str):
        self.p = peers
        self.root = postmaster_pid
        self.root_start = peers._proc_stat(postmaster_pid)[1]
        self.marker = f" {database} ".encode()
        self.ticks: dict[tuple[int, int], int] = {}  # (pid, start time) -> last CPU reading
        self.hwm: dict[tuple[int, int], int] = {}  # (pid, start time) -> VmHWM KiB

    def _backends(self):
        cur = self.p._proc_stat(self.root)
        if not cur or cur[1] != self.root_start:  # restarted or gone: nothing to read
            return []
        out = []
        for pid, start in self.p.process_tree(self.root):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if self.marker in f.read().replace(b"\0", b" "):
                        out.append((pid, start))
            except OSError:
                pass
        return out

    def _sample(self) -> None:
        for pid, start in self._backends():
            st = self.p._proc_stat(pid)
            if st and st[1] == start:
                self.ticks[(pid, start)] = st[2]
                self.hwm[(pid, start)] = _vm_hwm_kib(pid) or self.hwm.get((pid, start), 0)

    def cpu_seconds(self) -> float:
        self._sample()
        return sum(self.ticks.values()) / self.p.CLK_TCK

    def peak_rss_kib(self) -> int:
        """Sum of VmHWM over the backends alive now (shared buffers counted in each)."""
        self._sample()
        alive = set(self._backends())
        return sum(v for k, v in self.hwm.items() if k in alive)

    def backends_seen(self) -> int:
        return len(self.ticks)

    def stop(self) -> None:
        """The server is the machine's, not ours: leave it running."""


def _vm_hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("VmHWM:")), 0)
    except OSError:
        return 0


class _Database:
    """What the peers' ``run_peer`` expects in ``peer.db``: an object with a ``server``."""

    def __init__(self, server):
        self.server = server


class TsunaguPeer:
    kind = "tsunagu"

    def __init__(self, name: str, backend: str, peers, workers: int | None, threads: int):
        self.name, self.backend, self.p = name, backend, peers
        self.workers, self.threads = workers, threads
        self.batch_limit = MAX_OPS
        self.version = None
        self.server = None
        self.db = None
        self._clock = HLC(0, 0, DEVICE)
        self._record_ids: dict[str, str] = {}  # workload id -> visit record id
        self._workload_ids: dict[str, str] = {}  # visit record id -> workload id
        self._op_owner: dict[str, str] = {}  # op id -> workload id of its record

    # -- lifecycle -------------------------------------------------------------------

    def start(self, workdir: str) -> float:
        self.workdir = workdir
        self.source_root = Path(os.environ.get("TSUNAGU_BENCH_SOURCE", REPO))
        self.source_at_start = source_fingerprint(self.source_root)
        env = dict(os.environ, TSUNAGU_INSTANCE_PATH=workdir,
                   DATABASE_URL=self._fresh_database(workdir))
        _run([str(VENV_BIN / "tsunagu"), "db", "upgrade"], workdir, env, "upgrade.log")
        password = secrets.token_urlsafe(18)
        made = json.loads(_run([sys.executable, str(SETUP_DATA), "populate", str(SITES)],
                               workdir, dict(env, BENCH_PASSWORD=password), "populate.log"))
        self.site_ids = [str(i) for i in made["site_ids"]]
        port = self.p.free_port()
        self.base = f"http://127.0.0.1:{port}"
        argv = [str(VENV_BIN / "tsunagu"), "serve", "--host", "127.0.0.1", "--port", str(port)]
        if self.threads is not None:
            argv += ["--threads", str(self.threads)]
        if self.workers is not None:
            argv += ["--workers", str(self.workers)]
        self.server = _measured(self.p.Server)(self.name, argv, workdir, env, self.base,
                                               "/api/wards")
        startup = self.server.start()
        self.token = self._sign_in(made["login"], password)
        self.version = (f"tsunagu {metadata.version('tsunagu')}, gunicorn "
                        f"{metadata.version('gunicorn')} "
                        f"{self._worker_count()}x{self._thread_count()} gthread, {self.backend}")
        return startup

    def _worker_count(self) -> int:
        """Workers asked for, or `tsunagu serve`'s default for the engine."""
        if self.workers is not None:
            return self.workers
        return default_workers(self.backend == "sqlite")

    def _thread_count(self) -> int:
        """Threads asked for, or `tsunagu serve`'s default for the engine."""
        if self.threads is not None:
            return self.threads
        return default_threads(self.backend == "sqlite")

    def _fresh_database(self, workdir: str) -> str:
        if self.backend == "sqlite":
            data = Path(workdir, "data")
            data.mkdir(exist_ok=True)  # the peers' run_peer deletes data/ after the run
            return f"sqlite:///{data / 'tsunagu.sqlite3'}"
        admin = os.environ.get("TSUNAGU_BENCH_PG_URL", PG_ADMIN_URL)
        made = json.loads(_run([sys.executable, str(SETUP_DATA), "fresh-pg", admin, PG_DATABASE],
                               workdir, dict(os.environ), "fresh-pg.log"))
        if made["postmaster_pid"]:
            self.db = _Database(SharedPostgres(self.p, made["postmaster_pid"], PG_DATABASE))
        return made["url"]

    def _sign_in(self, login: str, password: str) -> str:
        # One sign-in for the whole run: the server allows 10 a minute (LOGIN_RATE_LIMIT),
        # and each costs an Argon2 hash that would land in a phase's CPU seconds.
        body = self.p.dumps({"login": login, "password": password, "device_name": DEVICE})
        r = requests.post(self.base + "/api/auth/login", data=body, headers=self.p.JSON_HEADERS)
        r.raise_for_status()
        return r.json()["token"]

    def session(self) -> requests.Session:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {self.token}"
        return s

    def diagnostics(self) -> dict:
        """What the peers' result lacks: statuses and errors from the server log, memory
        per process when the server was stopped, PostgreSQL backends seen."""
        out = {"source": {"at_start": self.source_at_start,
                          "at_end": source_fingerprint(self.source_root),
                          "working_tree_at_end": source_fingerprint(REPO),
                          "snapshot": self.source_root != REPO},
               "server_log": self._log_summary(),
               "memory_at_stop": getattr(self.server, "memory_at_stop", None)}
        if self.db:
            out["pg_backends_seen"] = self.db.server.backends_seen()
        return out

    def _log_summary(self) -> dict:
        """HTTP statuses from gunicorn's access log, and error lines of the server log."""
        statuses: collections.Counter = collections.Counter()
        errors = []
        with open(os.path.join(self.workdir, "server.log"), encoding="utf-8",
                  errors="replace") as f:
            for line in f:
                m = _ACCESS_LINE.search(line)
                if m:
                    statuses[f"{m[1]} {m[2]} {m[3]}"] += 1
                elif _ERROR_LINE.search(line):
                    errors.append(line.strip()[:200])
        return {"statuses": dict(statuses), "errors": len(errors), "error_examples": errors[:5]}

    # -- ops -------------------------------------------------------------------------

    def _record_id(self, rec: dict) -> str:
        """``<site id>:<date>:<slot>``; the slot comes from the workload uuid, so each
        workload record is its own visit record (a slot is at most 16 characters)."""
        rid = self._record_ids.get(rec["id"])
        if rid is None:
            site = self.site_ids[int(rec["site_id"].removeprefix("site-")) - 1]
            rid = f"{site}:{rec['date']}:{uuid.UUID(rec['id']).hex[:16]}"
            self._record_ids[rec["id"]] = rid
            self._workload_ids[rid] = rec["id"]
        return rid

    def _tick(self) -> str:
        self._clock = self._clock.tick(time.time_ns() // 1_000_000)
        return self._clock.format()

    def _op(self, rec: dict, base_version) -> dict:
        op_id = str(uuid.uuid4())
        self._op_owner[op_id] = rec["id"]
        return {"op_id": op_id, "device_id": DEVICE, "collection": COLLECTION,
                "record_id": self._record_id(rec), "hlc": self._tick(),
                "base_version": base_version, "changes": _changes(rec)}

    def prepare_create(self, recs) -> bytes:
        return self.p.dumps({"protocol": 1, "ops": [self._op(r, None) for r in recs]})

    def prepare_update(self, recs, versions) -> bytes:
        return self.p.dumps({"protocol": 1,
                             "ops": [self._op(r, versions[r["id"]]) for r in recs]})

    def send_batch(self, s, body):
        """-> (acked workload ids, {workload id: version}, failures)"""
        r = s.post(self.base + "/api/sync/push", data=body, headers=self.p.JSON_HEADERS)
        if r.status_code != 200:
            return [], {}, [f"HTTP {r.status_code}: {r.text[:200]}"]
        acked, versions, fails = [], {}, []
        for res in r.json()["results"]:
            wid = self._op_owner.get(res["op_id"], res["op_id"])
            if res["status"] in ("applied", "duplicate"):
                acked.append(wid)
                versions[wid] = res["version"]
            else:
                fails.append(f"{res['status']} {res.get('reason')}: {res.get('message')}")
        return acked, versions, fails

    # -- pull ------------------------------------------------------------------------

    def pull(self, s, since=None, page=None):
        """Follow the cursor while ``more``. -> (changes, cursor, n_requests)"""
        cursor, limit = since or 0, page or MAX_PULL_LIMIT
        out, n = [], 0
        while True:
            r = s.get(self.base + "/api/sync/pull", params={"cursor": cursor, "limit": limit})
            r.raise_for_status()
            n += 1
            page_ = r.json()
            out.extend(page_["changes"])
            cursor = page_["cursor"]
            if not page_["more"]:
                return out, cursor, n

    def versions_from_pull(self, changes) -> dict:
        return {self._workload_ids.get(c["record_id"], c["record_id"]): c["version"]
                for c in changes}

    def all_ids(self, s) -> list:
        changes, _, _ = self.pull(s)
        return [self._workload_ids.get(c["record_id"], c["record_id"]) for c in changes
                if not c["deleted"]]

    # -- semantics -------------------------------------------------------------------

    def conflict_experiment(self) -> dict:
        from conflicts import run_conflict_experiment

        return run_conflict_experiment(self)


def source_fingerprint(root: Path = REPO) -> str:
    """A digest of the server's source under ``root``, to tell which code a run measured
    (the bench does not use git, and the working tree may change while it runs)."""
    digest = hashlib.sha256()
    for folder in SOURCE_DIRS:
        for path in sorted((root / folder).rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def snapshot_source(dest: Path) -> Path:
    """Copy the server's packages to ``dest``; with ``dest`` first on PYTHONPATH every
    server process of the bench imports this copy instead of the (editable) working tree,
    so all repetitions measure the same code even if the tree is edited meanwhile."""
    import shutil

    if dest.exists():
        shutil.rmtree(dest)
    for folder in SOURCE_DIRS:
        shutil.copytree(REPO / folder, dest / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def _measured(server_class):
    """The peers' Server, noting each process's memory just before it is stopped.

    VmHWM summed over the tree (the peers' figure) counts the pages that gunicorn's
    workers share with the master once per process; PSS splits them fairly."""

    class MeasuredServer(server_class):
        def stop(self):
            if self.proc is not None and self.proc.poll() is None:
                self._remember()
                self.memory_at_stop = [_memory(pid) for pid in self._alive_known()]
            super().stop()

    return MeasuredServer


def _memory(pid: int) -> dict:
    out = {"pid": pid}
    for name, field in (("status", "VmHWM:"), ("status", "VmRSS:"), ("smaps_rollup", "Pss:")):
        try:
            with open(f"/proc/{pid}/{name}") as f:
                kib = next((int(line.split()[1]) for line in f if line.startswith(field)), 0)
        except OSError:
            kib = 0
        out[field.rstrip(":").lower() + "_mib"] = round(kib / 1024, 1)
    return out


_ACCESS_LINE = re.compile(r'"(GET|POST|PUT|DELETE) (/[^? ]*)[^"]*" (\d{3}) ')
_ERROR_LINE = re.compile(r"\[ERROR\]|\[CRITICAL\]|Traceback|WORKER TIMEOUT")


def _changes(rec: dict) -> dict:
    """The workload record as visit fields; counters are this device's absolute share."""
    children = rec["children"]
    return {"parents": rec["parents"], "children_0": children["0"],
            "children_1": children["1"], "children_2": children["2"],
            "first_time": rec["first_time"], "fathers": rec["fathers"], "notes": rec["notes"]}


def _run(argv, cwd, env, log_name) -> str:
    """Run a setup step; its stderr goes to a log in the run dir, its stdout is returned."""
    with open(os.path.join(cwd, log_name), "wb") as log:
        done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=log,
                              stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} failed ({done.returncode}); "
                           f"see {cwd}/{log_name}")
    return done.stdout.decode()
