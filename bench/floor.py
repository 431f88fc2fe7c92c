#!/usr/bin/env python3
"""What one request costs before Tsunagu does anything: the floor under the pull latencies.

    .venv/bin/python bench/floor.py

Serves a WSGI app that answers ``{"changes":[],"cursor":0,"more":false}`` at once, on
gunicorn with the settings ``tsunagu serve`` uses (gthread, 1 worker, 4 threads), and
times 300 GETs from the bench's client library (``requests``, one keep-alive session, as
the peers' run.py uses) and from the standard library's ``http.client``. Prints medians.
"""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

BODY = b'{"changes":[],"cursor":0,"more":false}'
APP = f'''
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", "{len(BODY)}")])
    return [{BODY!r}]
'''
REQUESTS = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def median_ms(call) -> float:
    for _ in range(20):
        call()
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "floor_app.py").write_text(APP)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--threads", "4", "--worker-class", "gthread", "floor_app:app"],
            cwd=folder, env={**os.environ, "PYTHONPATH": folder},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}/"
            for _ in range(100):
                try:
                    requests.get(url, timeout=1)
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
            session = requests.Session()
            print(f"requests.Session GET, empty app on gunicorn: "
                  f"{median_ms(lambda: session.get(url).json()):.2f} ms median")
            connection = http.client.HTTPConnection("127.0.0.1", port)

            def plain():
                connection.request("GET", "/")
                connection.getresponse().read()

            print(f"http.client GET, empty app on gunicorn: {median_ms(plain):.2f} ms median")
        finally:
            server.terminate()
            server.wait()
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
