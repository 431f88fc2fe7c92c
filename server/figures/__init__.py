"""Ward figures: what hub staff and the ward office count, from the synced records.

``compute`` is the one entry point (the API, the desk's charts and the monthly report all
read its dict); ``projection`` keeps the tables it sums in step with the records."""

from .compute import compute

__all__ = ["compute"]
