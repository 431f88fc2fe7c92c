"""A gunicorn worker does not load what only the ``tsunagu`` command or a rare request needs:
each module left out is memory saved in every worker (see server/wsgi.py)."""

import os
import subprocess
import sys

NOT_IN_A_WORKER = ("alembic", "flask_migrate", "qrcode", "PIL", "icalendar", "apispec",
                   "openpyxl")


def test_building_the_worker_app_leaves_migrations_qr_codes_and_calendars_unloaded(tmp_path):
    env = {**os.environ, "TSUNAGU_INSTANCE_PATH": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}"}
    env.pop("TSUNAGU_SCHEDULER", None)
    code = ("import sys, server.wsgi\n"
            "print(','.join(sorted({name.split('.')[0] for name in sys.modules})))")
    loaded = set(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                capture_output=True, text=True).stdout.strip().split(","))
    assert "server" in loaded
    assert sorted(loaded & set(NOT_IN_A_WORKER)) == []
