"""The demo's salons meet on their own days (issue 13, defect 2): monthly ones on their
week of the month, one every other week; their programme, their logged sessions and the
directory the phone keeps all agree."""

from datetime import date

import pytest
import sqlalchemy as sa

from server.directory import opening, queries
from server.directory.models import Programme, Site
from server.extensions import db
from server.replication.models import SyncRecord
from server.timeutil import today_local

from .test_demo import build, dispose


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    app = build(tmp_path_factory.mktemp("demo-opening"))
    yield app
    dispose(app)


def salon(name: str) -> Site:
    return db.session.scalars(sa.select(Site).where(Site.name == name)).one()


def test_a_demo_salon_meets_on_first_tuesdays_and_one_every_other_wednesday(demo):
    with demo.app_context():
        monthly, fortnightly = salon("にこにこサロン"), salon("そらいろサロン")
        assert monthly.open_rrule.startswith("FREQ=MONTHLY;BYDAY=1TU")
        assert fortnightly.open_rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"
        assert fortnightly.open_since == date(2026, 4, 8)
        today = today_local()
        for site in (monthly, fortnightly):
            days = opening.upcoming(site, today)
            programme = db.session.scalars(sa.select(Programme).where(
                Programme.site_id == site.id)).one()
            # The salon's programme runs on the salon's days, not every week.
            assert set(queries.occurrence_dates(programme, today, days[-1])) <= set(days)
        assert all(day.day <= 7 and day.weekday() == 1
                   for day in opening.upcoming(monthly, today))
        assert all((day - date(2026, 4, 8)).days % 14 == 0
                   for day in opening.upcoming(fortnightly, today))
        logged = db.session.scalars(sa.select(SyncRecord.record_id).where(
            SyncRecord.collection == "visit",
            SyncRecord.record_id.like(f"{fortnightly.id}:%"))).all()
    logged_days = {date.fromisoformat(record_id.split(":")[1]) for record_id in logged}
    assert logged_days, "the demo logs the fortnightly salon's sessions"
    assert all((day - date(2026, 4, 8)).days % 14 == 0 for day in logged_days)


def test_the_directory_the_phone_keeps_lists_the_demo_salons_days(demo):
    sites = demo.test_client().get("/api/wards/14199/sites").json
    monthly = next(s for s in sites if s["name"] == "にこにこサロン")
    assert monthly["next_open_dates"]
    assert all(date.fromisoformat(d).day <= 7 for d in monthly["next_open_dates"])
