"""A server process killed (SIGKILL) in the middle of applying a batch leaves no part of
it, and the phone's retry applies it exactly once."""

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from server import bind_migrations, create_app
from server.accounts.auth import hash_password
from server.accounts.models import Membership, User
from server.directory.models import Site, Ward
from server.extensions import db
from sync.hlc import HLC

# The server, with one change: after writing the records, the op log of a batch it
# pauses (the transaction still open) and tells the test, which then kills it.
SERVER = textwrap.dedent("""
    import pathlib, sys, time
    from werkzeug.serving import make_server
    from server import create_app
    from server.replication.store import SqlStore

    url, port, flag = sys.argv[1], int(sys.argv[2]), pathlib.Path(sys.argv[3])
    original = SqlStore._write_log

    def write_log_then_hang(self, conn, rows, positions):
        original(self, conn, rows, positions)
        flag.write_text("in the middle of the batch")
        time.sleep(600)

    SqlStore._write_log = write_log_then_hang
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "crash",
                      "INSTANCE_PATH": str(flag.parent), "RATELIMIT_ENABLED": False})
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()
""")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sync_counts(url: str) -> dict:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        counts = {table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                  for table in ("sync_record", "sync_record_site", "sync_change", "sync_op")}
    engine.dispose()
    return counts


@pytest.fixture
def database_url(engine_name, empty_database_url, tmp_path):
    """A migrated database with one salon and its volunteer."""
    from flask_migrate import upgrade

    app = bind_migrations(create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url,
                                      "SECRET_KEY": "t", "INSTANCE_PATH": str(tmp_path)}))
    with app.app_context():
        upgrade()
        ward = db.session.query(Ward).filter_by(code="14101").one()
        site = Site(source_key="c:1", ward_id=ward.id, kind="salon", source_type="子育てサロン",
                    schedule_kind="periodic", municipality_code="14101", number="1",
                    prefecture="神奈川県", municipality="横浜市鶴見区", name="サロン")
        db.session.add(site)
        db.session.flush()
        db.session.add(User(login="vol", display_name="vol", role="volunteer",
                            ward_id=ward.id, password_hash=hash_password("a long password"),
                            memberships=[Membership(site_id=site.id)]))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return empty_database_url


def start_server(url, port, flag, script=SERVER):
    process = subprocess.Popen([sys.executable, "-c", script, url, str(port), str(flag)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/api/wards", timeout=1)
            return process
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not start")


def test_sigkill_mid_batch_leaves_nothing_and_the_retry_applies_once(database_url, tmp_path):
    port, flag = free_port(), tmp_path / "paused"
    process = start_server(database_url, port, flag)
    base = f"http://127.0.0.1:{port}"
    try:
        token = requests.post(f"{base}/api/auth/login", json={
            "login": "vol", "password": "a long password"}, timeout=10).json()["token"]
        site_id = requests.get(f"{base}/api/wards/14101/sites", timeout=10).json()[0]["id"]
        ops = [{"op_id": str(uuid.uuid4()), "device_id": "phone", "user_id": "x",
                "collection": "visit", "record_id": f"{site_id}:2026-11-30:s{i}",
                "hlc": HLC(1_700_000_000_000 + i, 0, "phone").format(), "base_version": None,
                "changes": {"parents": 1 + i}} for i in range(20)]
        body = {"protocol": 1, "ops": ops}
        headers = {"Authorization": f"Bearer {token}"}
        attempt = threading.Thread(target=lambda: _ignore_errors(
            lambda: requests.post(f"{base}/api/sync/push", json=body, headers=headers,
                                  timeout=60)), daemon=True)
        attempt.start()
        deadline = time.monotonic() + 30
        while not flag.exists():
            assert time.monotonic() < deadline, "the batch never reached the pause"
            time.sleep(0.05)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    attempt.join(timeout=10)

    assert sync_counts(database_url) == {"sync_record": 0, "sync_record_site": 0,
                                         "sync_change": 0, "sync_op": 0}

    # The phone never got an answer, so it sends the same batch again, twice.
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "crash",
                      "INSTANCE_PATH": str(tmp_path), "RATELIMIT_ENABLED": False})
    client = app.test_client()
    with app.app_context():
        first = client.post("/api/sync/push", json=body, headers=headers).json
        second = client.post("/api/sync/push", json=body, headers=headers).json
        db.session.remove()
        db.engine.dispose()
    assert [r["status"] for r in first["results"]] == ["applied"] * 20
    assert [r["status"] for r in second["results"]] == ["duplicate"] * 20
    assert sync_counts(database_url) == {"sync_record": 20, "sync_record_site": 20,
                                         "sync_change": 20, "sync_op": 20}


def _ignore_errors(call):
    try:
        call()
    except requests.RequestException:
        pass  # the server was killed under this request: the phone sees no answer
