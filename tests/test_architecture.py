"""The sync core and the schemas do not pull in the web stack."""

import subprocess
import sys

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
