"""Starts gunicorn, the production WSGI server, from the ``tsunagu`` command."""

import os
import sys


def run(host: str, port: int, workers: int, threads: int, access_log: bool = False) -> None:
    """Replace this process with a gunicorn master serving ``server.wsgi:app``.

    The master only supervises: the app is built in each worker after the fork, so no
    database connection or loaded app is shared between processes. Settings reach the
    workers through the environment, as they reach every other process.
    """
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}",
            "--workers", str(workers), "--threads", str(threads),
            "--worker-class", "gthread", "--timeout", "60"]
    if access_log:
        argv += ["--access-logfile", "-"]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [*argv, "server.wsgi:app"])
