#!/usr/bin/env python3
"""The volunteer PWA (pwa/, served at /) against its four targets, in one command.

    .venv/bin/python bench/pwa.py            # from the repository root; about 3-4 minutes

1. App shell size: every file of ``server.pwa.shell_paths()`` plus the rendered service
   worker, raw and gzip -9 (Python's gzip module). Target: <= 100 KB compressed.
2. Lighthouse 12.2.3 (bench/lighthouse, ``npm ci`` on first use), mobile preset, categories
   performance and accessibility, Debian's Chromium, against ``/``. Targets: >= 95 each.
3. 1,000 unsent entries: headless Chromium at 360x740 signs in as the demo volunteer, goes
   offline, makes 1,000 session-log entries (one per date from 2024-01-01), goes online; the
   time from going online until the phone's outbox is empty and the server holds all 1,000
   records. Target: <= 10 s (median of the runs).
4. Reopen offline: after a first visit (signed in) installed the service worker, offline, a
   new page: the time from navigation start until the first screen (#signin-view or
   #log-view) is visible, as performance.now() in the page (the wall time around goto and
   the selector wait is reported beside it). Target: <= 500 ms (median of the runs).

Every measurement uses its own server: ``tsunagu demo`` (gunicorn) on a fresh SQLite file in
a temporary directory, with the demo ward and its logins. Results: a table on stdout and
``bench/results/<timestamp>-pwa.json`` (+ ``.txt``, the same table).
"""

import argparse
import gzip
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
LIGHTHOUSE_DIR = BENCH_DIR / "lighthouse"
LIGHTHOUSE_BIN = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
# Not resolved: a venv's python is a symlink, and its bin/ is where `tsunagu` lives.
VENV_BIN = Path(os.path.abspath(sys.executable)).parent
sys.path.insert(0, str(REPO))

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# ../shared/BROWSER.md: without the resolver rule Chromium still looks up Google hosts.
RESOLVER_RULE = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", RESOLVER_RULE]
# Lighthouse splits --chrome-flags itself, shell-like: the rule's value is single-quoted.
LH_CHROME_FLAGS = ("--headless=new --no-sandbox --host-resolver-rules='MAP * ~NOTFOUND , "
                   "EXCLUDE 127.0.0.1 , EXCLUDE localhost'")
PHONE = {"width": 360, "height": 740}
LOGIN, PASSWORD = "volunteer", "demo-volunteer-pass"  # server/demo/build.py DEMO_LOGINS
FIRST_DATE = "2024-01-01"

KB = 1000
TARGETS = {  # name: (at least / at most, bound, unit)
    "shell_gzip_kb": ("<=", 100, "KB gzip -9"),
    "lighthouse_performance": (">=", 95, ""),
    "lighthouse_accessibility": (">=", 95, ""),
    "outbox_1000_s": ("<=", 10, "s median"),
    "reopen_offline_ms": ("<=", 500, "ms median"),
}

# Waits until the worker is 'activated': navigator.serviceWorker.ready can resolve while
# it is still 'activating' (../shared/BROWSER.md, pitfall 7).
SW_ACTIVATED_JS = """async () => {
  const reg = await navigator.serviceWorker.ready;
  const w = reg.active;
  if (w.state !== 'activated') {
    await new Promise((ok) => w.addEventListener('statechange',
      () => { if (w.state === 'activated') ok(); }));
  }
  return w.state;
}"""

MAKE_ENTRIES_JS = """async ({ n, first }) => {
  const visits = await import('/js/visits.js');
  const session = await (await import('/js/db.js')).getSession();
  const siteId = session.user.site_ids[0];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const date = new Date(Date.parse(first) + i * 86400000).toISOString().slice(0, 10);
    const entry = await visits.openEntry(session.user.id, siteId, date, 'day');
    await visits.tap(entry, 'parents', 1);
  }
  return { ms: performance.now() - t0, token: session.token, userId: session.user.id,
           siteId };
}"""

OUTBOX_JS = """async (userId) =>
  (await (await import('/js/db.js')).outboxOf(userId)).length"""

# Set before any of the page's scripts: the moment (performance.now(), i.e. ms since the
# navigation started) the first screen stops being hidden.
FIRST_SCREEN_INIT = """(() => {
  const seen = () => ['signin-view', 'log-view'].some((id) => {
    const el = document.getElementById(id);
    return el && !el.hidden;
  });
  const mark = () => {
    if (window.__firstScreen === undefined && seen()) window.__firstScreen = performance.now();
  };
  new MutationObserver(mark).observe(document, { subtree: true, childList: true,
                                                  attributes: true, attributeFilter: ['hidden'] });
  // Where the time goes: every fetch the page makes, with its start and end.
  window.__fetches = [];
  const fetch0 = window.fetch;
  window.fetch = function (input, init) {
    const row = { url: String(input && input.url || input), start: performance.now() };
    window.__fetches.push(row);
    const done = () => { row.end = performance.now(); };
    return fetch0.call(this, input, init).then((r) => { done(); row.ok = r.ok; return r; },
                                             (e) => { done(); row.ok = false; throw e; });
  };
})();"""
FIRST_SCREEN = "#signin-view:not([hidden]), #log-view:not([hidden])"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- server

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DemoServer:
    """``tsunagu demo`` on a fresh SQLite file in its own temporary directory.

    Stopped by the PID this object started (gunicorn's master stops its workers)."""

    def __init__(self, name: str):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix=f"tsunagu-pwa-{name}-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def __enter__(self):
        env = dict(os.environ, TSUNAGU_INSTANCE_PATH=self.dir,
                   DATABASE_URL=f"sqlite:///{Path(self.dir, 't.db')}")
        self.log = open(Path(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "tsunagu"), "demo", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.dir, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 90:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tsunagu demo exited with {self.proc.returncode}:\n"
                                   + self.log_text()[-2000:])
            try:
                if requests.get(self.url + "/api/wards", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("tsunagu demo not ready after 90 s")

    def log_text(self) -> str:
        return Path(self.dir, "server.log").read_text(errors="replace")

    def error_lines(self) -> list[str]:
        """The server's own error lines, and every request answered 5xx."""
        out = []
        for line in self.log_text().splitlines():
            if "[ERROR]" in line or "Traceback" in line or '" 5' in line:
                out.append(line.strip())
        return out

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# ----------------------------------------------------------------------------- 1. shell

def shell_size() -> dict:
    from server import pwa

    files = []
    for path in pwa.shell_paths():
        files.append((path, (pwa.PWA_DIR / path).read_bytes()))
    files.append(("sw.js (rendered)", pwa.service_worker_source().encode("utf-8")))
    rows = [{"path": p, "raw": len(b), "gzip": len(gzip.compress(b, compresslevel=9))}
            for p, b in files]
    version = json.loads(pwa.service_worker_source().split("const VERSION = ", 1)[1]
                         .split(";", 1)[0].replace("'", '"'))
    return {"version": version, "files": rows, "raw": sum(r["raw"] for r in rows),
            "gzip": sum(r["gzip"] for r in rows)}


# ----------------------------------------------------------------------------- 2. lighthouse

def ensure_lighthouse() -> None:
    if LIGHTHOUSE_BIN.exists():
        return
    log("bench/lighthouse/node_modules missing: npm ci")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=LIGHTHOUSE_DIR, check=True)


def lost_points(category: dict, audits: dict) -> list[dict]:
    """The audits that cost the category points: weight * (1 - score) / total weight."""
    total = sum(ref["weight"] for ref in category["auditRefs"]) or 1
    out = []
    for ref in category["auditRefs"]:
        audit = audits[ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            out.append({"id": ref["id"], "score": audit["score"],
                        "points": round(100 * ref["weight"] * (1 - audit["score"]) / total, 1),
                        "value": audit.get("displayValue", "")})
    return sorted(out, key=lambda a: -a["points"])


def lighthouse(url: str, workdir: str) -> dict:
    out = Path(workdir, "lh.json")
    t0 = time.perf_counter()
    done = subprocess.run(
        [str(LIGHTHOUSE_BIN), url + "/", f"--chrome-flags={LH_CHROME_FLAGS}",
         "--only-categories=performance,accessibility", "--output=json",
         f"--output-path={out}", "--quiet"],
        env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True,
        timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"lighthouse failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(out.read_text())
    audits = report["audits"]
    metrics = {k: audits[k]["numericValue"] for k in (
        "first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
        "cumulative-layout-shift", "speed-index") if k in audits}
    return {"version": report["lighthouseVersion"],
            "form_factor": report["configSettings"]["formFactor"],
            "seconds": time.perf_counter() - t0,
            "scores": {k: round(c["score"] * 100) for k, c in report["categories"].items()},
            "lost": {k: lost_points(c, audits) for k, c in report["categories"].items()},
            "metrics": metrics,
            "run_warnings": report.get("runWarnings", [])}


# ----------------------------------------------------------------------------- browser

class Watch:
    """Console errors/warnings, page errors and failed requests of a context's pages."""

    def __init__(self, context):
        self.events = []
        self.phase = "online"
        context.on("page", self.attach)
        context.on("requestfailed", lambda r: self.add(
            f"requestfailed {r.method} {r.url}: {r.failure}"))
        for page in context.pages:
            self.attach(page)

    def add(self, text: str) -> None:
        self.events.append(f"[{self.phase}] {text}")

    def attach(self, page):
        page.on("console", lambda m: m.type in ("error", "warning") and self.add(
            f"console.{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.add(f"pageerror: {e}"))


def sign_in(page, url: str) -> None:
    page.goto(url + "/")
    page.evaluate("window.app.ready")
    page.get_by_label("ログイン名").fill(LOGIN)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインインする").click()
    page.wait_for_selector("#log-view:not([hidden])", timeout=30_000)


def server_count(url: str, token: str, first: str, n: int) -> int:
    """Visit records on the server dated within the n days from ``first``."""
    from datetime import date, timedelta

    last = (date.fromisoformat(first) + timedelta(days=n - 1)).isoformat()
    dates, cursor = set(), 0
    while True:
        r = requests.get(url + "/api/sync/pull", params={"cursor": cursor, "limit": 10000},
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)
        r.raise_for_status()
        body = r.json()
        for change in body["changes"]:
            if change.get("collection") != "visit":
                continue
            rec = change.get("record") or change.get("data") or {}
            when = (rec.get("session_date") if isinstance(rec, dict) else None) or \
                _date_of(change.get("record_id", ""))
            if when and first <= when <= last:
                dates.add(when)
        if not body.get("more"):
            return len(dates)
        cursor = body["cursor"]


def _date_of(record_id: str):
    # visit record ids are <site id>:<date>:<session>
    parts = record_id.split(":")
    return parts[1] if len(parts) >= 3 else None


def outbox_run(browser, n: int, timeout_s: float) -> dict:
    with DemoServer("outbox") as server:
        context = browser.new_context(viewport=PHONE, locale="ja-JP")
        watch = Watch(context)
        try:
            page = context.new_page()
            sign_in(page, server.url)
            page.wait_for_timeout(500)  # let the sign-in's own sync settle
            context.set_offline(True)
            watch.phase = "offline"
            made = page.evaluate(MAKE_ENTRIES_JS, {"n": n, "first": FIRST_DATE})
            queued = page.evaluate(OUTBOX_JS, made["userId"])
            before = server_count(server.url, made["token"], FIRST_DATE, n)
            watch.phase = "back online"
            t0 = time.perf_counter()
            context.set_offline(False)
            emptied = synced = None
            while time.perf_counter() - t0 < timeout_s:
                if emptied is None and page.evaluate(OUTBOX_JS, made["userId"]) == 0:
                    emptied = time.perf_counter() - t0
                if emptied is not None:
                    if server_count(server.url, made["token"], FIRST_DATE, n) == n:
                        synced = time.perf_counter() - t0
                        break
                page.wait_for_timeout(50)
            left = page.evaluate(OUTBOX_JS, made["userId"])
            stored = server_count(server.url, made["token"], FIRST_DATE, n)
        finally:
            context.close()
        return {"make_s": made["ms"] / 1000, "outbox_queued": queued,
                "on_server_before": before, "outbox_empty_s": emptied, "seconds": synced,
                "outbox_left": left, "on_server_after": stored,
                "events": watch.events[:50], "server_errors": server.error_lines()[:20]}


def reopen_offline(browser, runs: int) -> dict:
    with DemoServer("reopen") as server:
        context = browser.new_context(viewport=PHONE, locale="ja-JP")
        watch = Watch(context)
        context.add_init_script(FIRST_SCREEN_INIT)
        try:
            page = context.new_page()
            sign_in(page, server.url)  # a volunteer's phone: reopened, it shows #log-view
            state = page.evaluate(SW_ACTIVATED_JS)
            page.close()
            context.set_offline(True)
            watch.phase = "offline"
            rows = []
            for _ in range(runs):
                page = context.new_page()
                t0 = time.perf_counter()
                # "commit": do not wait for the load event, only for the first screen
                response = page.goto(server.url + "/", wait_until="commit")
                page.wait_for_selector(FIRST_SCREEN, timeout=30_000)
                wall = (time.perf_counter() - t0) * 1000
                shown = page.evaluate("""() => ({
                  first: window.__firstScreen,
                  view: document.querySelector('#log-view:not([hidden])') ? 'log-view'
                        : 'signin-view',
                  nav: performance.getEntriesByType('navigation')[0]?.toJSON(),
                  scripts: performance.getEntriesByType('resource')
                    .filter((r) => r.initiatorType === 'script' || r.name.endsWith('.js'))
                    .map((r) => r.responseEnd),
                  fetches: window.__fetches,
                  online: navigator.onLine })""")
                nav = shown["nav"] or {}
                rows.append({"wall_ms": wall, "in_page_ms": shown["first"],
                             "view": shown["view"], "online": shown["online"],
                             "from_service_worker": bool(response and
                                                         response.from_service_worker),
                             "response_end_ms": nav.get("responseEnd"),
                             "dom_content_loaded_ms": nav.get("domContentLoadedEventEnd"),
                             "modules": len(shown["scripts"]),
                             "last_module_ms": max(shown["scripts"], default=None),
                             "fetches": shown["fetches"]})
                page.close()
        finally:
            context.close()
        return {"sw_state": state, "runs": rows, "events": watch.events[:50],
                "server_errors": server.error_lines()[:20]}


# ----------------------------------------------------------------------------- report

def verdict(key: str, value) -> str:
    op, bound, unit = TARGETS[key]
    target = " ".join(str(x) for x in (op, bound, unit) if x != "")
    if value is None:
        return f"MISSED: no value (target {target})"
    ok = value <= bound if op == "<=" else value >= bound
    if ok:
        return f"met (target {target})"
    by = value - bound if op == "<=" else bound - value
    return f"MISSED by {by:.3g} (target {target})"


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def report(res: dict) -> str:
    la0, la1 = res["load_avg_start"], res.get("load_avg_end", ("?",) * 3)
    lines = [f"started {res['started']}; Chromium {res.get('browser', '-')}; load average "
             f"(1/5/15 min) {' / '.join(f'{x:.2f}' for x in la0)} at the start, "
             f"{' / '.join(f'{x:.2f}' for x in la1)} at the end", ""]
    sh = res["shell"]
    lines.append(f"1. App shell (server.pwa.shell_paths() + rendered sw.js), shell version "
                 f"{sh['version']}")
    lines.append(f"   {'file':<34} {'raw B':>9} {'gzip-9 B':>9}")
    for r in sh["files"]:
        lines.append(f"   {r['path']:<34} {r['raw']:>9,} {r['gzip']:>9,}")
    lines.append(f"   {'total (' + str(len(sh['files'])) + ' files)':<34} {sh['raw']:>9,} "
                 f"{sh['gzip']:>9,}")
    gz_kb = sh["gzip"] / KB
    lines.append(f"   => {gz_kb:.1f} KB gzip -9: {verdict('shell_gzip_kb', gz_kb)}")

    lines.append("\n2. Lighthouse (mobile preset, simulated throttling)")
    if "lighthouse" in res:
        lh = res["lighthouse"]
        for i, run in enumerate(lh["runs"], 1):
            m = run["metrics"]
            lines.append(f"   run {i}: performance {run['scores']['performance']}, "
                         f"accessibility {run['scores']['accessibility']}  (FCP "
                         f"{m.get('first-contentful-paint', 0):.0f} ms, LCP "
                         f"{m.get('largest-contentful-paint', 0):.0f} ms, TBT "
                         f"{m.get('total-blocking-time', 0):.0f} ms, CLS "
                         f"{m.get('cumulative-layout-shift', 0):.3f}, SI "
                         f"{m.get('speed-index', 0):.0f} ms; {run['seconds']:.0f} s)")
        for cat in ("performance", "accessibility"):
            med = lh["median"][cat]
            lines.append(f"   => {cat} {med} (median): {verdict('lighthouse_' + cat, med)}")
            lost = {}
            for run in lh["runs"]:
                for a in run["lost"][cat]:
                    lost.setdefault(a["id"], []).append(f"{a['points']} ({a['value']})".
                                                        replace(" ()", ""))
            for audit, pts in lost.items():
                lines.append(f"      points lost to {audit}: {' / '.join(pts)}")
    else:
        lines.append("   skipped")

    lines.append("\n3. 1,000 unsent entries: online -> outbox empty and 1,000 on the server")
    if "outbox" in res:
        ob = res["outbox"]
        for i, r in enumerate(ob["runs"], 1):
            sec = f"{r['seconds']:.2f} s" if r["seconds"] is not None else "NOT DONE"
            empty = f"{r['outbox_empty_s']:.2f} s" if r["outbox_empty_s"] is not None else "-"
            lines.append(f"   run {i}: {sec} (outbox empty at {empty}); made offline in "
                         f"{r['make_s']:.1f} s, {r['outbox_queued']} ops queued; after: "
                         f"{r['outbox_left']} left, {r['on_server_after']} on server")
        lines.append(f"   => {_fmt(ob['median_s'], 's')} median: "
                     f"{verdict('outbox_1000_s', ob['median_s'])}")
    else:
        lines.append("   skipped")

    lines.append("\n4. Reopen offline: navigation start -> first screen visible")
    if "reopen" in res:
        ro = res["reopen"]
        for i, r in enumerate(ro["runs"], 1):
            lines.append(f"   run {i}: wall {r['wall_ms']:.0f} ms, in page "
                         f"{_fmt(r['in_page_ms'], 'ms')} (HTML responseEnd "
                         f"{_fmt(r['response_end_ms'], 'ms')}, {r['modules']} modules in by "
                         f"{_fmt(r['last_module_ms'], 'ms')}, DOMContentLoaded "
                         f"{_fmt(r['dom_content_loaded_ms'], 'ms')}; {r['view']}, from SW: "
                         f"{r['from_service_worker']}, onLine: {r['online']})")
        # The target is "from navigation start": performance.now() in the page counts from
        # there; the wall time adds Playwright's round trips (goto, then the selector wait).
        lines.append(f"   => {_fmt(ro['median_in_page_ms'], 'ms')} median in page (wall "
                     f"{ro['median_ms']:.0f} ms): "
                     f"{verdict('reopen_offline_ms', ro['median_in_page_ms'])}")
    else:
        lines.append("   skipped")

    problems = []
    for key in ("outbox", "reopen"):
        part = res.get(key, {})
        for run in part.get("runs", [part]) if key == "outbox" else [part]:
            problems += run.get("events", []) + run.get("server_errors", [])
    if problems:
        lines.append("\nConsole errors, failed requests and server errors seen (a request that "
                     "fails while offline is the app trying the network):")
        lines += [f"   {p}" for p in dict.fromkeys(problems)]
    return "\n".join(lines)


def _fmt(v, unit):
    if v is None:
        return "-"
    return f"{v:.2f} {unit}" if unit == "s" else f"{v:.0f} {unit}"


# ----------------------------------------------------------------------------- main

def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=1000, help="unsent entries (target 3)")
    ap.add_argument("--outbox-runs", type=int, default=3)
    ap.add_argument("--outbox-timeout", type=float, default=120,
                    help="give up on a sync after this many seconds")
    ap.add_argument("--reopen-runs", type=int, default=5)
    ap.add_argument("--lighthouse-runs", type=int, default=3)
    ap.add_argument("--only", default="shell,lighthouse,outbox,reopen",
                    help="comma list of the parts to run")
    ap.add_argument("--out", default=None,
                    help="JSON results file (default bench/results/<timestamp>-pwa.json)")
    return ap.parse_args()


def main() -> None:
    args = parse_args()
    only = set(args.only.split(","))
    res = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "args": vars(args),
           "load_avg_start": os.getloadavg()}
    res["shell"] = shell_size()

    if "lighthouse" in only:
        ensure_lighthouse()
        runs = []
        with DemoServer("lighthouse") as server:
            for i in range(args.lighthouse_runs):
                log(f"lighthouse run {i + 1}/{args.lighthouse_runs}")
                runs.append(lighthouse(server.url, server.dir))
        res["lighthouse"] = {"runs": runs, "median": {
            cat: _median([r["scores"][cat] for r in runs])
            for cat in ("performance", "accessibility")}}

    if only & {"outbox", "reopen"}:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            res["browser"] = browser.version
            try:
                if "outbox" in only:
                    runs = []
                    for i in range(args.outbox_runs):
                        log(f"outbox run {i + 1}/{args.outbox_runs}")
                        runs.append(outbox_run(browser, args.entries, args.outbox_timeout))
                        log(f"  -> {runs[-1]['seconds']}")
                    res["outbox"] = {"runs": runs,
                                     "median_s": _median([r["seconds"] for r in runs])
                                     if all(r["seconds"] is not None for r in runs) else None}
                if "reopen" in only:
                    log(f"reopen offline, {args.reopen_runs} runs")
                    ro = reopen_offline(browser, args.reopen_runs)
                    ro["median_ms"] = _median([r["wall_ms"] for r in ro["runs"]])
                    ro["median_in_page_ms"] = _median([r["in_page_ms"] for r in ro["runs"]])
                    res["reopen"] = ro
            finally:
                browser.close()

    res["load_avg_end"] = os.getloadavg()
    text = report(res)
    print(text)
    out = Path(args.out or RESULTS_DIR / (time.strftime("%Y%m%d-%H%M%S") + "-pwa.json"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2, ensure_ascii=False, default=str))
    out.with_suffix(".txt").write_text(text + "\n")
    log(f"results: {out} (+ .txt)")


if __name__ == "__main__":
    main()
