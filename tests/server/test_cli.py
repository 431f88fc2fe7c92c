"""The ``tsunagu`` commands: demo, import-sites, export-sites, create-user, backup."""

import csv
import io
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from server import create_app
from server.directory import opendata
from server.directory.models import Programme, Site
from server.extensions import db
from sync.vocabulary import SITE_KINDS


def test_demo_builds_a_ward_with_all_six_kinds_once(fresh_app):
    runner = fresh_app.test_cli_runner()
    first = runner.invoke(args=["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "demo data created" in first.output
    assert "volunteer" in first.output and "demo-volunteer-pass" in first.output
    client = fresh_app.test_client()
    sites = client.get("/api/wards/14199/sites").json
    assert len(sites) >= 60
    assert {s["kind"] for s in sites} == set(SITE_KINDS)
    events = client.get("/api/wards/14199/events").json
    assert len(events) > 100
    # The printed calendar address opens the demo ward's public calendar.
    assert "calendar:  http://127.0.0.1:8000/calendar/14199" in first.output
    calendar = client.get("/calendar/14199")
    assert calendar.status_code == 200 and events[0]["title"] in calendar.get_data(as_text=True)
    with fresh_app.app_context():
        programmes = db.session.scalar(sa.select(sa.func.count(Programme.id)))
    second = runner.invoke(args=["demo", "--no-serve"])
    assert second.exit_code == 0 and "already there" in second.output
    with fresh_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Programme.id))) == programmes
    login = client.post("/api/auth/login", json={"login": "hub", "password": "demo-hub-pass"})
    assert login.status_code == 201 and login.json["user"]["role"] == "hub_staff"


def make_csv(rows: list[dict], encoding: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=opendata.COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in opendata.COLUMNS})
    return buffer.getvalue().encode(encoding)


def site_row(number: str, **overrides) -> dict:
    return {"都道府県コード又は市区町村コード": "141011", "NO": number, "都道府県名": "神奈川県",
            "市区町村名": "横浜市鶴見区", "名称": f"テストサロン{number}", "種別": "子育てサロン",
            "住所": "横浜市鶴見区テスト町1-1", "緯度": "35.51", "経度": "139.68",
            "利用可能曜日": "月～金", "開始時間": "９：３０", "終了時間": "12:00", **overrides}


def counts(output: str) -> dict[str, int]:
    """The numbers of an import summary, by their English words."""
    import re

    return {m[1]: int(m[2]) for m in re.finditer(r" ([a-z種別 ]+?) \.+ (\d+)$", output, re.M)}


def test_import_reports_bad_rows_by_line_and_imports_the_rest_once(runner, app, tmp_path):
    rows = [site_row("1"), site_row("2", 緯度="北のほう"), site_row("3", 種別="子育て何か")]
    path = tmp_path / "sites.csv"
    path.write_bytes(make_csv(rows, "cp932"))
    result = runner.invoke(args=["import-sites", str(path)])
    assert result.exit_code == 1
    assert counts(result.output) == {"rows read": 3, "new": 1, "updated": 0, "unchanged": 0,
                                     "skipped by 種別": 0, "refused": 2}
    assert "line 3 [緯度]" in result.output
    assert "line 4 [種別]" in result.output and "子育て何か" in result.output
    site = db.session.scalars(sa.select(Site)).one()
    assert (site.kind, site.open_weekdays, site.opens_at.isoformat()) == ("salon", "01234",
                                                                        "09:30:00")
    assert site.ward.code == "14101" and site.schedule_kind == "permanent"

    again = runner.invoke(args=["import-sites", str(path)])
    assert counts(again.output)["unchanged"] == 1 and counts(again.output)["new"] == 0
    assert db.session.scalar(sa.select(sa.func.count(Site.id))) == 1


def test_import_of_utf8_with_bom_and_an_admin_mapping(runner, app, tmp_path):
    path = tmp_path / "sites.csv"
    path.write_bytes(b"\xef\xbb\xbf" + make_csv([site_row("9", 種別="子育て支援室")],
                                                "utf-8"))
    assert runner.invoke(args=["import-sites", str(path)]).exit_code == 1
    assert runner.invoke(args=["map-kind", "子育て支援室", "hub"]).exit_code == 0
    result = runner.invoke(args=["import-sites", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalars(sa.select(Site)).one().kind == "hub"


def test_export_writes_what_import_reads(runner, app, tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(make_csv([site_row("1"), site_row("2", 利用可能曜日="火水木金土")],
                                "utf-8"))
    runner.invoke(args=["import-sites", str(source)])
    exported = tmp_path / "out.csv"
    assert runner.invoke(args=["export-sites", "-o", str(exported)]).exit_code == 0
    assert exported.read_bytes().startswith(b"\xef\xbb\xbf")
    original = opendata.parse_sites(source.read_bytes(), opendata.DEFAULT_KIND_MAPPING)
    again = opendata.parse_sites(exported.read_bytes(), opendata.DEFAULT_KIND_MAPPING)
    assert again.problems == [] and again.rows == original.rows


def test_create_user_from_the_command_line(runner, app):
    result = runner.invoke(args=["create-user", "--login", "chief", "--name", "管理者",
                                 "--role", "admin", "--password", "a long admin pass"])
    assert result.exit_code == 0, result.output
    refused = runner.invoke(args=["create-user", "--login", "vol", "--name", "x",
                                  "--role", "volunteer", "--password", "a long admin pass"])
    assert refused.exit_code != 0 and "ward" in refused.output


def test_backup_of_a_running_sqlite_database_is_a_consistent_copy(tmp_path):
    live = tmp_path / "live.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{live}", "SECRET_KEY": "t",
                      "INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        db.create_all()
        from server.directory.reference import ensure_wards

        ensure_wards()
        # A reader holds a connection open, as a running server would.
        with db.engine.connect() as held:
            held.execute(sa.text("SELECT 1"))
            result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.db")])
        db.session.remove()
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("SELECT count(*) FROM ward").fetchone() == (18,)
    copy.close()


@pytest.mark.postgres
def test_backup_of_postgresql_is_a_restorable_dump(_postgres_schema, tmp_path, require):
    import shutil
    import subprocess

    if shutil.which("pg_restore") is None:
        require("pg_restore is not installed")
    app = create_app({"SQLALCHEMY_DATABASE_URI": _postgres_schema, "SECRET_KEY": "t",
                      "INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "pg.dump")])
        db.session.remove()
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    listing = subprocess.run(["pg_restore", "--list", str(tmp_path / "pg.dump")],
                             capture_output=True, text=True, check=True).stdout
    assert "TABLE public ward" in listing or "TABLE DATA public ward" in listing


def test_serve_runs_gunicorn_with_the_app_built_in_its_worker(tmp_path):
    import os
    import shutil
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    tsunagu = shutil.which("tsunagu", path=os.path.dirname(sys.executable))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
           "TSUNAGU_INSTANCE_PATH": str(tmp_path)}
    env.pop("MALLOC_ARENA_MAX", None)
    subprocess.run([tsunagu, "db", "upgrade"], env=env, check=True, capture_output=True)
    server = subprocess.Popen([tsunagu, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, wards = time.monotonic() + 30, None
        while wards is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/wards") as answer:
                    wards = answer.read().decode()
            except OSError:
                time.sleep(0.2)
        assert wards is not None and "鶴見区" in wards  # UTF-8, not \\u escapes
        environ = Path(f"/proc/{server.pid}/environ").read_bytes().split(b"\0")
        assert b"MALLOC_ARENA_MAX=2" in environ  # the workers' memory, see wsgi_server
        assert b"TSUNAGU_DB_POOL_SIZE=3" in environ  # one thread: its two and the writer
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


@pytest.mark.parametrize(("cores", "workers"), [(1, 1), (2, 1), (6, 3), (64, 8)])
def test_serve_runs_one_postgresql_worker_for_two_usable_cores_at_most_eight(
        monkeypatch, cores, workers):
    import os

    from server import wsgi_server

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert wsgi_server.default_workers(sqlite=False) == workers
    assert wsgi_server.default_workers(sqlite=True) == 1
    assert (wsgi_server.default_threads(sqlite=True), wsgi_server.default_threads(sqlite=False)) \
        == (1, 4)


@pytest.mark.postgres
def test_a_postgresql_process_keeps_open_as_many_connections_as_its_threads_use(
        postgres_url, tmp_path):
    from server import wsgi_server

    sizes = {}
    for asked in (None, wsgi_server.connections_per_worker(4)):
        app = create_app({"SQLALCHEMY_DATABASE_URI": postgres_url, "SECRET_KEY": "t",
                          "INSTANCE_PATH": str(tmp_path), "DB_POOL_SIZE": asked})
        with app.app_context():
            sizes[asked] = db.engine.pool.size()
            db.engine.dispose()
    assert sizes == {None: 5, 9: 9}


@pytest.mark.postgres
@pytest.mark.parametrize("size", [0, -1, "9"])
def test_a_pool_size_under_one_or_not_a_number_stops_the_start(postgres_url, tmp_path, size):
    with pytest.raises(ValueError, match="TSUNAGU_DB_POOL_SIZE"):
        create_app({"SQLALCHEMY_DATABASE_URI": postgres_url, "SECRET_KEY": "t",
                    "INSTANCE_PATH": str(tmp_path), "DB_POOL_SIZE": size})


def test_a_pool_size_leaves_sqlite_as_it_is(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.sqlite3'}",
                      "SECRET_KEY": "t", "INSTANCE_PATH": str(tmp_path), "DB_POOL_SIZE": 9})
    assert "pool_size" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
