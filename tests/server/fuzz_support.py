"""Bookkeeping for the schemathesis run in ``test_api_fuzz.py``: tokens that stay valid while
the fuzzer signs devices out, and a tally of cases and distinct failures.

Nothing here decides whether a response is right; schemathesis' checks do.

``python -m tests.server.fuzz_support FILE`` sums up the ``TSUNAGU_FUZZ_TALLY`` file of a run.
"""

import json
import os
import sys
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field

import sqlalchemy as sa

from server.accounts.auth import issue_device
from server.accounts.models import Device, User
from server.extensions import db

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Where each test appends a JSON line (its cases, statuses and failures); optional.
TALLY_FILE_ENV = "TSUNAGU_FUZZ_TALLY"


class Sessions:
    """Bearer tokens of one user.

    ``main()`` is the fuzzer's own token; when a fuzzed call has revoked its device (a
    revoke aimed at it, say), a new device replaces it, so later cases still run signed
    in. ``throwaway()`` is a new device per call, for operations that sign out whoever
    calls them.
    """

    def __init__(self, user_id: int):
        self.user_id = user_id
        self.device_id: int | None = None
        self.token: str | None = None
        self.reissued = 0

    def _issue(self, name: str) -> tuple[int, str]:
        device, token = issue_device(db.session.get(User, self.user_id), name)
        db.session.commit()
        return device.id, token

    def main(self) -> dict:
        revoked = self.device_id is None or db.session.scalar(
            sa.select(Device.revoked_at.is_not(None)).where(Device.id == self.device_id))
        if revoked:
            if self.device_id is not None:
                self.reissued += 1
            self.device_id, self.token = self._issue("fuzzer")
        return {"Authorization": f"Bearer {self.token}"}

    def throwaway(self) -> dict:
        _id, token = self._issue("throw-away")
        return {"Authorization": f"Bearer {token}"}


@dataclass
class Finding:
    operation: str
    actor: str
    check: str  # the schemathesis failure and its check, or the server's exception and where
    status: int | None
    title: str
    request: str  # path parameters, query and body, shortened
    detail: str  # the failure's message, or the last lines of the server's traceback
    curl: str


@dataclass
class Tally:
    """One test's cases by actor and status, and its distinct failures (the first case of
    each is kept)."""

    label: str
    statuses: dict = field(default_factory=dict)  # actor -> Counter of statuses
    findings: dict = field(default_factory=dict)
    reissued: dict = field(default_factory=dict)  # actor -> times its device was re-issued

    def count(self, actor: str, status: int | str) -> None:
        self.statuses.setdefault(actor, Counter())[status] += 1

    def record_failures(self, case, actor: str, response, group) -> list[str]:
        """Keep the failures of ``group`` not seen before; returns their descriptions."""
        new = []
        for failure in group.exceptions:
            checks = "/".join(type(failure).checks) or "custom"
            check = f"{type(failure).__name__} ({checks})"
            if checks == "custom":  # custom failures differ by title, the others by class
                check += f": {failure.title}"
            if self._add(case, actor, check, response.status_code, failure.title,
                         failure.message):
                new.append(f"{check} -> {response.status_code}")
        return new

    def record_exception(self, case, actor: str, error: BaseException,
                         in_probe: bool = False) -> str | None:
        """Count the case as a 500 (what a real server answers), unless the exception was
        in a check's probe after the case's own answer; and keep it if not seen before (same
        type, raised at the same line of this project's code). Returns its description."""
        frames = traceback.extract_tb(error.__traceback__)
        ours = [frame for frame in frames if frame.filename.startswith(ROOT)
                and not frame.filename.startswith((os.path.join(ROOT, ".venv"),
                                                   os.path.join(ROOT, "tests")))]
        where = (f"{os.path.relpath(ours[-1].filename, ROOT)}:{ours[-1].lineno} "
                 f"({ours[-1].name})" if ours else "outside the project's code")
        # Raised inside the app, or before the request left the test client (a case the
        # client cannot send): the second is the harness's failure, not the server's.
        served = any(f"{os.sep}flask{os.sep}" in frame.filename for frame in frames)
        origin = "server exception" if served else "exception before sending"
        if not in_probe:
            self.count(actor, 500 if served else "not sent")
        check = f"{origin} {type(error).__name__} at {where}"
        detail = "".join(traceback.format_exception(error)[-6:])
        if self._add(case, actor, check, 500 if served else None,
                     f"{type(error).__name__}: {error}"[:300], detail):
            return check
        return None

    def _add(self, case, actor: str, check: str, status, title: str, detail: str) -> bool:
        key = (case.operation.label, actor, check, status)
        if key in self.findings:
            return False
        request = {"path": case.path_parameters, "query": case.query,
                   "body": None if type(case.body).__name__ == "NotSet" else case.body}
        try:
            curl = case.as_curl_command()
        except Exception as error:  # noqa: BLE001 - the finding matters more than its curl
            curl = f"(no curl: {error!r})"
        self.findings[key] = Finding(case.operation.label, actor, check, status, title,
                                     _short({k: v for k, v in request.items() if v}),
                                     _short(detail, 1500), _short(curl, 600))
        return True

    def summary(self) -> str:
        lines = [f"== {self.label}: {self.cases()} cases, {len(self.findings)} distinct failures"]
        for actor, statuses in sorted(self.statuses.items()):
            lines.append(f"  as {actor}: {_statuses(statuses)}"
                         + (f" (device re-issued {self.reissued[actor]}×)"
                            if self.reissued.get(actor) else ""))
        for finding in self.findings.values():
            lines.append(f"  FAIL as {finding.actor}: {finding.check} -> {finding.status}: "
                         f"{finding.request}")
        return "\n".join(lines)

    def cases(self) -> int:
        return sum(sum(statuses.values()) for statuses in self.statuses.values())

    def write(self) -> None:
        path = os.environ.get(TALLY_FILE_ENV)
        if not path:
            return
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({
                "label": self.label,
                "statuses": {actor: {str(s): n for s, n in statuses.items()}
                             for actor, statuses in self.statuses.items()},
                "findings": [asdict(f) for f in self.findings.values()],
            }, ensure_ascii=False) + "\n")


def _short(value, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                          default=repr)
    return text if len(text) <= limit else text[:limit] + "…"


def _statuses(counter: Counter) -> str:
    return ", ".join(f"{status}×{n}" for status, n in sorted(counter.items(), key=str))


def main(argv: list[str]) -> None:
    """Print a run's cases, then its distinct failures by operation and check."""
    (path,) = argv
    with open(path, encoding="utf-8") as tally_file:
        runs = [json.loads(line) for line in tally_file]
    cases: dict = {}
    findings: dict = {}
    for run in runs:
        operation = run["label"].split("[", 1)[1].split("]", 1)[0]
        for statuses in run["statuses"].values():
            cases.setdefault(operation, Counter()).update(statuses)
        for finding in run["findings"]:
            key = (finding["operation"], finding["check"], finding["status"])
            engine = run["label"].rsplit("[", 1)[1].rstrip("]")
            findings.setdefault(key, (finding, set()))[1].add(f"{engine}/{finding['actor']}")
    total = sum(sum(c.values()) for c in cases.values())
    print(f"{total} cases in {len(runs)} tests over {len(cases)} operations; "
          f"{len(findings)} distinct failures (operation, check, status)")
    for operation in sorted(cases):
        print(f"  {operation}: {sum(cases[operation].values())} ({_statuses(cases[operation])})")
    for (operation, check, status), (finding, seen) in sorted(
            findings.items(), key=lambda item: tuple(map(str, item[0]))):
        print(f"\n## {operation} | {check} | {status} | seen {', '.join(sorted(seen))}")
        print(f"   {finding['title']}")
        print(f"   request: {finding['request']}")
        print(f"   curl: {finding['curl']}")
        print("   " + finding["detail"].strip().replace("\n", "\n   "))


if __name__ == "__main__":
    main(sys.argv[1:])
