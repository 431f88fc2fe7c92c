"""The sync core imports nothing that does I/O or needs an app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("flask", "flask_sqlalchemy", "sqlalchemy", "marshmallow", "apscheduler", "qrcode",
             "psycopg", "requests", "socket", "sqlite3")


def test_importing_the_sync_core_loads_no_framework_database_or_network_module():
    code = (
        "import sys, sync, sync.engine, sync.store, sync.merge, sync.hlc, sync.collections, "
        "sync.protocol, sync.errors\n"
        f"loaded = sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r}))\n"
        "print(','.join(loaded))"
    )
    root = Path(__file__).resolve().parents[2]
    found = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                           text=True, check=True).stdout.strip()
    assert found == ""


def test_the_sync_core_source_never_reads_the_clock_or_draws_random_ids():
    package = Path(__file__).resolve().parents[2] / "sync"
    source = "\n".join(path.read_text() for path in package.glob("*.py"))
    for call in ("time.time(", "datetime.now(", "date.today(", "uuid.uuid4(", "random.",
                 "open("):
        assert call not in source, call
