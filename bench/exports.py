#!/usr/bin/env python3
"""The exports on the data of ``bench/figures.py``: the monthly report (XLSX and CSV) and a
month of session logs (CSV and XLSX), through their routes (the test client, no HTTP).

    .venv/bin/python bench/exports.py [--pg ADMIN_URL] [--city] [--repeat N]

The data is built by ``bench/figures.py`` (a 60-site ward's year pushed through sync; with
``--city`` ten years of 1,100 sites in the figures' tables). Prints medians in ms.
"""

import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import figures as data  # noqa: E402  (bench/figures.py builds the data)


def timings(app, repeat: int) -> dict[str, float]:
    from server.accounts.auth import issue_device
    from server.accounts.models import User
    from server.extensions import db

    month = data.MONTH[0].strftime("%Y-%m")
    requests = {
        "monthly report, xlsx": ("reports/monthly", {"month": month, "format": "xlsx"}),
        "monthly report, csv": ("reports/monthly", {"month": month, "format": "csv"}),
        "a month of session logs, csv": ("exports/visits", {
            "from": data.MONTH[0].isoformat(), "to": data.MONTH[1].isoformat(),
            "format": "csv"}),
        "a month of session logs, xlsx": ("exports/visits", {
            "from": data.MONTH[0].isoformat(), "to": data.MONTH[1].isoformat(),
            "format": "xlsx"}),
    }
    out = {}
    with app.app_context():
        admin = db.session.execute(db.select(User).where(User.login == "bench-admin")
                                   ).scalar_one()
        _device, token = issue_device(admin, "bench")
        db.session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        for name, (path, query) in requests.items():
            runs, size = [], 0
            for _ in range(repeat):
                t0 = time.perf_counter()
                answer = client.get(f"/api/wards/{data.WARD}/{path}", query_string=query,
                                    headers=headers)
                size = len(answer.get_data())
                runs.append((time.perf_counter() - t0) * 1000)
                assert answer.status_code == 200, answer.get_json()
            out[f"GET {name} ({size // 1024} KiB)"] = statistics.median(runs)
    return out


def main() -> None:
    data.run(timings, repeat=9)


if __name__ == "__main__":
    main()
