"""Consistent copies of the database while the server keeps serving."""

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


def backup_database(url: str, target: Path) -> None:
    """Copy the database at ``url`` to ``target``.

    SQLite: the online backup API copies a consistent snapshot page by page while writers
    go on. PostgreSQL: ``pg_dump`` (custom format) reads one consistent snapshot.

    :raise RuntimeError: the engine is not supported, or pg_dump is missing or failed.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise RuntimeError("an in-memory database cannot be backed up")
        source = sqlite3.connect(parsed.database)
        destination = sqlite3.connect(target)
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
        return
    if parsed.get_backend_name() == "postgresql":
        if shutil.which("pg_dump") is None:
            raise RuntimeError("pg_dump is not installed")
        plain = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        result = subprocess.run(["pg_dump", "--format=custom", "--file", str(target), plain],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"pg_dump failed: {result.stderr.strip()}")
        return
    raise RuntimeError(f"no backup method for {parsed.get_backend_name()}")
