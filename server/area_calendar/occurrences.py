"""The calendar's events: each date a ward's programmes take place, with the public facts
of their site, from the directory's own expansion (``directory.queries``), so the page,
the month and the feed agree with the directory API's events."""

from dataclasses import dataclass
from datetime import date, time

from ..directory.models import Programme, Site, Ward
from ..directory.queries import occurrence_dates, ward_programmes
from .filters import Filters, fits_age


@dataclass(frozen=True)
class Occurrence:
    day: date
    programme: Programme

    @property
    def site(self) -> Site:
        return self.programme.site

    def order(self) -> tuple:
        return (self.day, self.programme.starts_at or time.min, self.site.name,
                self.programme.id)


def programmes(ward: Ward, filters: Filters) -> list[Programme]:
    """The ward's programmes whose site and target ages match ``filters`` (not the
    weekday: that picks dates)."""
    months = filters.age_months
    return [p for p in ward_programmes(ward, filters.site_filters())
            if fits_age(p.target_age_min_months, p.target_age_max_months, months)]


def occurrences(ward: Ward, filters: Filters, start: date, end: date) -> list[Occurrence]:
    """Every date from ``start`` to ``end`` (inclusive) a matching programme takes place,
    cancelled dates left out, by day, then hour, then site."""
    weekday = filters.weekday
    found = [Occurrence(day, programme) for programme in programmes(ward, filters)
             for day in occurrence_dates(programme, start, end)
             if weekday is None or day.weekday() == weekday]
    return sorted(found, key=Occurrence.order)
