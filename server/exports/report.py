"""The monthly report of a ward gathered: its figures, each site's, and the programmes held.

A month is its calendar days in Asia/Tokyo (the figures count a session on its
``session_date``, the day the phone logged it on). The figures come from
``server.figures``: ``compute`` for the ward's total, ``compute_by_site`` for every site
at once (the same sums grouped by site: one ``compute`` per site took seconds).
Programmes held are the dated occurrences of the sites' programmes in the month, as the
directory's calendar has them (``directory.queries.occurrence_dates``).
"""

from collections import Counter
from datetime import date

from sqlalchemy import select

from .. import figures
from ..directory.models import Programme, Site, Ward
from ..directory.queries import occurrence_dates
from ..extensions import db
from ..figures.by_site import compute_by_site
from ..figures.compute import month_bounds
from .monthly import SiteFigures, report_sheets
from .writers import Sheet


def monthly_sheets(ward: Ward, month: date) -> list[Sheet]:
    """The report of ``ward`` for the month of ``month``: the ward's sheet first."""
    start, end = month_bounds(month)
    sites = db.session.scalars(select(Site).where(Site.ward_id == ward.id)
                               .order_by(Site.kind, Site.name, Site.id)).all()
    held = programmes_held({site.id for site in sites}, start, end)
    by_site = compute_by_site(ward.code, start, end)
    site_figures = [SiteFigures(site.name, site.kind, by_site[site.id], held[site.id])
                    for site in sites]
    return report_sheets(figures.compute(ward.code, start, end), site_figures,
                         sum(held.values()))


def programmes_held(site_ids: set[int], start: date, end: date) -> Counter:
    """How many programme occurrences each site has from ``start`` to ``end``."""
    held: Counter = Counter()
    if not site_ids:
        return held
    for programme in db.session.scalars(select(Programme).where(
            Programme.site_id.in_(site_ids))):
        held[programme.site_id] += len(occurrence_dates(programme, start, end))
    return held
