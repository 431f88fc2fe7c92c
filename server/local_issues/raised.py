"""The issues phones raised, read from their sync records.

An issue is a ``local_issue`` sync record; its own site's ``sync_record_site`` row carries
the site's ward, so a ward's issues are one range of that row's ward index, joined with
the record (its JSON, a few hundred bytes) and the site's name. A deleted record (its
author took it back) is not on the board. A ward holds tens of issues, not thousands,
so the board reads them all and the dates are compared in Python, after the JSON is read.
"""

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, and_, cast, false, select

from sync.collections import LOCAL_ISSUE

from ..directory.models import Site
from ..extensions import db
from ..replication.models import SyncRecord, SyncRecordSite
from ..timeutil import parse_day

_SITE_ROW = SyncRecordSite.__table__
_RECORD = SyncRecord.__table__
_SITE = Site.__table__


@dataclass(frozen=True)
class Raised:
    """An issue as the phone raised it."""

    record_id: str
    ward_id: int
    site_id: int
    site_name: str
    title: str
    detail: str
    raised_on: date | None


def raised_issues(ward_id: int | None = None, record_id: str | None = None) -> list[Raised]:
    """The live issues of ``ward_id`` (every ward's when ``None``), or the one with
    ``record_id``; newest raised first. Only issues of directory sites: a site id that names
    no site has no ward, so no board."""
    conditions = [_SITE_ROW.c.collection == LOCAL_ISSUE.name, _RECORD.c.deleted == false()]
    if ward_id is not None:
        conditions.append(_SITE_ROW.c.ward == str(ward_id))
    if record_id is not None:
        conditions.append(_SITE_ROW.c.record_id == record_id)
    rows = db.session.execute(
        select(_SITE_ROW.c.record_id, _RECORD.c.data_json, _SITE.c.id, _SITE.c.name,
               _SITE.c.ward_id)
        .select_from(_SITE_ROW)
        .join(_RECORD, and_(_RECORD.c.collection == _SITE_ROW.c.collection,
                            _RECORD.c.record_id == _SITE_ROW.c.record_id))
        .join(_SITE, cast(_SITE.c.id, String) == _SITE_ROW.c.site_id)
        .where(*conditions)).all()
    found = [_raised(*row) for row in rows]
    return sorted(found, key=lambda issue: (issue.raised_on or date.min, issue.record_id),
                  reverse=True)


def _raised(record_id: str, data_json: str, site_id: int, site_name: str,
            ward_id: int) -> Raised:
    data = json.loads(data_json)
    return Raised(record_id=record_id, ward_id=ward_id, site_id=site_id, site_name=site_name,
                  title=data.get("title") or "", detail=data.get("detail") or "",
                  raised_on=parse_day(data.get("raised_on")))
