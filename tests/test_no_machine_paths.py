"""No committed file names the machine it was written on (results files included)."""

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# A session's checkout, the shared folder beside it, or a home directory; the same reached
# by climbing out of a checkout (a bench's ``--peers-dir`` once was); or a scratch folder
# (``/tmp/peers`` is the documented default of the bench's peers).
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|root|home)/[\w.-]+"
                          r"|(?:\.\./)+(?:work|root|home)/[\w.-]+"
                          r"|(?<![\w.])/tmp/(?!peers\b)[\w.-]+")


def test_no_tracked_file_holds_a_machine_path():
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True,
                             capture_output=True).stdout.decode().split("\0")
    found = []
    for name in filter(None, tracked):
        path = REPO / name
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        found += [f"{name}: {match.group()}" for match in MACHINE_PATH.finditer(text)]
    assert found == []
