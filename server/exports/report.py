"""The monthly report of a ward gathered: its figures, each site's, and the programmes held.

A month is its calendar days in Asia/Tokyo (the figures count a session on its
``session_date``, the day the phone logged it on). The figures come from
``server.figures.compute``, once for the ward and once per site of the ward.
Programmes held are the dated occurrences of the sites' programmes in the month, as the
directory's calendar has them (``directory.queries.occurrence_dates``).
"""

import calendar
from collections import Counter
from datetime import date

from sqlalchemy import select

from .. import figures
from ..directory.models import Programme, Site, Ward
from ..directory.queries import occurrence_dates
from ..extensions import db
from .monthly import SiteFigures, report_sheets
from .writers import Sheet


def month_days(first: date) -> tuple[date, date]:
    """The first and the last day of ``first``'s month."""
    return first.replace(day=1), first.replace(
        day=calendar.monthrange(first.year, first.month)[1])


def monthly_sheets(ward: Ward, month: date) -> list[Sheet]:
    """The report of ``ward`` for the month of ``month``: the ward's sheet first."""
    start, end = month_days(month)
    sites = db.session.scalars(select(Site).where(Site.ward_id == ward.id)
                               .order_by(Site.kind, Site.name, Site.id)).all()
    held = programmes_held({site.id for site in sites}, start, end)
    site_figures = [
        SiteFigures(site.name, site.kind,
                    figures.compute(ward.code, start, end, site_id=site.id), held[site.id])
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
