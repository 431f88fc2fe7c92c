"""The directory as an Open Referral HSDS 3.0 tabular data package, so that it can move to
systems outside Japan's 「子育て施設一覧」 format.

Each site is a service at one location, run by an organization (its 団体名, else the
ward); its opening days are one schedule as iCalendar parts (freq, byday, interval, with
opens_at/closes_at in Japan time). Identifiers are UUIDs derived from the site's open-data
identity, so exporting twice gives the same ids.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
import uuid
from pathlib import Path

from sqlalchemy import select

from sync.vocabulary import SITE_KIND_NAMES

from ..extensions import db
from .models import Site, Ward

# The UUID namespace of Tsunagu's HSDS ids (uuid5 of the project's name).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "tsunagu:hsds")
_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
JAPAN_OFFSET = "+09:00"
_POSTAL = re.compile(r"〒?\s*(\d{3}-\d{4})")

# Table name → (file, columns), as HSDS 3.0's datapackage.json names them.
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "organization": ("organizations.csv", ("id", "name", "description")),
    "location": ("locations.csv", ("id", "location_type", "organization_id", "name",
                                   "alternate_name", "description", "transportation", "latitude",
                                   "longitude", "external_identifier",
                                   "external_identifier_type")),
    "address": ("addresses.csv", ("id", "location_id", "address_1", "address_2", "city",
                                  "state_province", "postal_code", "country",
                                  "address_type")),
    "phone": ("phones.csv", ("id", "location_id", "service_id", "number", "extension",
                             "type")),
    "service": ("services.csv", ("id", "organization_id", "name", "alternate_name",
                                 "description", "url", "status", "eligibility_description",
                                 "minimum_age", "maximum_age", "last_modified")),
    "service_at_location": ("service_at_location.csv", ("id", "service_id", "location_id")),
    "schedule": ("schedules.csv", ("id", "service_id", "service_at_location_id", "dtstart",
                                   "timezone", "freq", "interval", "byday", "opens_at",
                                   "closes_at", "description", "notes")),
}


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


def package_rows(ward: Ward | None = None) -> dict[str, list[dict]]:
    """The rows of each HSDS table for the directory (or one ward of it)."""
    query = select(Site).order_by(Site.municipality_code, Site.id)
    if ward is not None:
        query = query.where(Site.ward_id == ward.id)
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    organizations: dict[str, dict] = {}
    for site in db.session.scalars(query):
        owner = site.organisation.strip() or site.ward.name_ja
        org_id = _id("organization", owner)
        organizations.setdefault(org_id, {
            "id": org_id, "name": owner,
            "description": f"{owner}: 子育て支援の場を運営 / runs child-rearing support sites"})
        _site_rows(site, org_id, tables)
    tables["organization"] = list(organizations.values())
    return tables


def _site_rows(site: Site, org_id: str, tables: dict[str, list[dict]]) -> None:
    key = site.source_key
    service_id, location_id = _id("service", key), _id("location", key)
    link_id = _id("service_at_location", key)
    kind_ja, kind_en = SITE_KIND_NAMES[site.kind]
    tables["location"].append({
        "id": location_id, "location_type": "physical", "organization_id": org_id,
        "name": site.name, "alternate_name": site.name_kana,
        "description": " ".join(p for p in (site.address, site.address_extra) if p),
        "transportation": site.access,
        "latitude": site.latitude, "longitude": site.longitude,
        "external_identifier": key, "external_identifier_type": "子育て施設一覧 code:NO"})
    postal = _POSTAL.search(unicodedata.normalize("NFKC", site.address))
    if postal:
        # HSDS requires a postal code, which 「子育て施設一覧」 has no column for: an address
        # is a row of its own only when it writes one (〒231-0023 …); the address is always
        # the location's description.
        tables["address"].append({
            "id": _id("address", key), "location_id": location_id,
            "address_1": site.address, "address_2": site.address_extra,
            "city": site.municipality, "state_province": site.prefecture,
            "postal_code": postal[1], "country": "JP", "address_type": "physical"})
    if site.phone:
        tables["phone"].append({
            "id": _id("phone", key), "location_id": location_id, "service_id": service_id,
            "number": site.phone,
            "extension": int(site.extension) if site.extension.isdigit() else None,
            "type": "voice"})
    tables["service"].append({
        "id": service_id, "organization_id": org_id, "name": site.name,
        "alternate_name": site.name_kana,
        "description": f"{kind_ja} / {kind_en}. {site.note}".strip(),
        "url": site.url if site.url.startswith(("http://", "https://")) else None,
        "status": "active", "eligibility_description": site.ages_text,
        # HSDS counts ages in years; "from pregnancy" (a negative month) has no such age.
        "minimum_age": _years(site.age_min_months), "maximum_age": _years(site.age_max_months),
        "last_modified": site.updated_at.isoformat(timespec="seconds") + "Z"})
    tables["service_at_location"].append({
        "id": link_id, "service_id": service_id, "location_id": location_id})
    schedule = _schedule(site)
    if schedule is not None:
        tables["schedule"].append({"id": _id("schedule", key), "service_id": service_id,
                                   "service_at_location_id": link_id, **schedule})


def _years(months: int | None) -> float | None:
    if months is None or months < 0:
        return None
    return round(months / 12, 2)


def _schedule(site: Site) -> dict | None:
    """The site's opening days as HSDS's iCalendar parts, or None when it states none."""
    parts: dict[str, str] = {}
    if site.open_rrule:
        parts = dict(p.split("=", 1) for p in site.open_rrule.split(";"))
    elif site.open_weekdays:
        parts = {"FREQ": "WEEKLY",
                 "BYDAY": ",".join(_ICAL_DAYS[d] for d in site.weekdays)}
    if not parts:
        return None
    notes = site.schedule_note
    if "BYMONTH" in parts:
        # HSDS has no BYMONTH; the months it opens stay readable in the notes.
        notes = f"{notes} (RRULE BYMONTH={parts['BYMONTH']})".strip()
    return {
        "dtstart": site.open_since.isoformat() if site.open_since else None,
        "timezone": 9, "freq": parts["FREQ"],
        "interval": int(parts["INTERVAL"]) if "INTERVAL" in parts else None,
        "byday": parts.get("BYDAY"),
        "opens_at": site.opens_at.strftime("%H:%M") + JAPAN_OFFSET if site.opens_at else None,
        "closes_at": site.closes_at.strftime("%H:%M") + JAPAN_OFFSET if site.closes_at else None,
        "description": "RRULE:" + ";".join(f"{k}={v}" for k, v in parts.items()),
        "notes": notes}


def write_package(folder: Path, ward: Ward | None = None) -> int:
    """Write the package (datapackage.json and one CSV per table) into ``folder``; return
    how many services it holds."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = package_rows(ward)
    resources = []
    for name, (path, columns) in TABLES.items():
        with (folder / path).open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\r\n")
            writer.writerow(columns)
            for row in tables[name]:
                writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
        resources.append({"name": name, "path": path, "profile": "tabular-data-resource",
                          "format": "csv", "mediatype": "text/csv", "encoding": "utf-8"})
    descriptor = {"name": "tsunagu_directory", "title": "Tsunagu child-rearing support sites",
                  "profile": "tabular-data-package", "version": "3.0.0",
                  "homepage": "http://docs.openreferral.org", "resources": resources}
    (folder / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(tables["service"])
