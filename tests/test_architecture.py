"""The sync core and the schemas do not pull in the web stack; every package ships."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

HEAVY = ("flask", "flask_sqlalchemy", "sqlalchemy", "apscheduler", "qrcode", "psycopg")


@pytest.mark.parametrize("package, allowed", [("sync", ()), ("schemas", ("marshmallow",))])
def test_core_packages_import_without_the_web_stack(package, allowed):
    code = (
        f"import pkgutil, importlib, sys, {package}\n"
        f"for m in pkgutil.walk_packages({package}.__path__, '{package}.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(','.join(sorted({n.split('.')[0] for n in sys.modules})))"
    )
    loaded = set(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                text=True).stdout.strip().split(","))
    assert not loaded & set(HEAVY)
    if package == "sync":
        assert "marshmallow" not in loaded


def test_every_package_of_the_server_ships_in_the_distribution():
    # A package missing from [tool.setuptools] packages imports from a checkout but not
    # from an installed copy: server/hub/ once was.
    root = Path(__file__).resolve().parent.parent
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"])
    found = {".".join(path.parent.relative_to(root).parts)
             for top in ("server", "sync", "schemas")
             for path in (root / top).rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
