"""Starts gunicorn, the production WSGI server, from the ``tsunagu`` command."""

import os
import sys


def default_workers(sqlite: bool) -> int:
    """Workers when none are asked for: one on SQLite, which has one writer anyway; on
    PostgreSQL one for every two usable cores, since the database shares the machine's
    cores in a small city's set-up.

    Chosen from the city's evening peak on two cores (bench/RESULTS.md, "The city evening
    peak on the final code"): on PostgreSQL two workers took the knee from 80 to 120
    phones a second, but the app held 204 MiB against 113 there, and 228 against 142 in
    bench/run.py (the target is 150). A city's worst evening, 3,000 phones in 5 minutes,
    is 10 a second, which one worker serves with a p99 of 39 ms: ``--workers 2`` is for
    evenings past 60 a second."""
    if sqlite:
        return 1
    return min(MAX_DEFAULT_WORKERS, max(1, _usable_cores() // 2))


MAX_DEFAULT_WORKERS = 8
"""Each worker holds up to ``connections_per_worker(threads)`` database connections: 8
workers of 4 threads stay inside PostgreSQL's default of 100."""


def connections_per_worker(threads: int) -> int:
    """The database connections a worker of ``threads`` may hold at once: a request's
    session and the device's last-seen time written beside it (two a thread), and the
    group commit's writer. Its pool keeps that many open: with SQLAlchemy's 5, a worker of
    4 threads opened 49 PostgreSQL backends in the first 8 s of a burst, each closed again
    when given back to the full pool."""
    return 2 * threads + 1


def _usable_cores() -> int:
    # The cores this process may run on (a container's CPU set), not the host's.
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 2


def default_threads(sqlite: bool) -> int:
    """Threads of a worker when none are asked for: one on SQLite, four on PostgreSQL.

    SQLite's driver lets go of the GIL at every row it steps, so threads of one worker
    hand the GIL to each other hundreds of times a push; with four threads a worker spent
    about a third more CPU a push, and one thread took 20 concurrent phones' pushes about
    20 % faster (bench/RESULTS.md). On PostgreSQL a thread waits on the network, and four
    overlap those waits. One thread reads each request whole before the next, so put a
    proxy that buffers request bodies in front (nginx does by default), as for any
    gunicorn worker that serves one request at a time."""
    return 1 if sqlite else 4


def gunicorn_argv(host: str, port: int, workers: int, threads: int,
                  access_log: bool = False) -> list[str]:
    """The command line of a gunicorn master serving ``server.wsgi:app``."""
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}",
            "--workers", str(workers), "--threads", str(threads),
            "--worker-class", "gthread", "--timeout", "60",
            # SO_REUSEPORT: when a master dies and its worker lives on holding the port, a
            # restarted server binds at once instead of failing for about half a minute.
            "--reuse-port",
            # Gunicorn's control socket is one path for every server a user runs on the
            # machine ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl): a second server takes
            # it over and removes it when it stops. Tsunagu is managed by signals.
            "--no-control-socket"]
    if access_log:
        argv += ["--access-logfile", "-"]
    return [*argv, "server.wsgi:app"]


def run(host: str, port: int, workers: int, threads: int, access_log: bool = False) -> None:
    """Replace this process with a gunicorn master serving ``server.wsgi:app``.

    The master only supervises: the app is built in each worker after the fork, so no
    database connection or loaded app is shared between processes. Settings reach the
    workers through the environment, as they reach every other process.
    """
    argv = gunicorn_argv(host, port, workers, threads, access_log)
    # glibc gives each thread that allocates its own malloc arena, and a worker's threads
    # each held a page of 10 MB in theirs: two arenas cut a worker's peak by 15–35 MiB.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    os.environ.setdefault("TSUNAGU_DB_POOL_SIZE", str(connections_per_worker(threads)))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)
