"""`tsunagu export-sites --format hsds DIR`: an Open Referral HSDS 3.0 tabular data package
whose structure is what HSDS 3.0 describes and which says what the directory says.

Not tested here: validation against HSDS's published schema files. They are not
obtainable from a package registry in this workplace, so the fields, required fields and
values below are written from HSDS 3.0's documentation, for the tables this export
writes.
"""

import csv
import json
import re
import uuid
from datetime import date, datetime, time
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.directory.models import Site
from server.extensions import db

# The fields of HSDS 3.0's tables that this export may write (their tabular names).
HSDS_FIELDS = {name: set(fields.split()) for name, fields in {
    "organization": "id name alternate_name description email website tax_status tax_id "
                    "year_incorporated legal_status logo uri parent_organization_id",
    "location": "id location_type url organization_id name alternate_name description "
                "transportation latitude longitude external_identifier "
                "external_identifier_type",
    "address": "id location_id attention address_1 address_2 city region state_province "
               "postal_code country address_type",
    "phone": "id location_id service_id organization_id contact_id service_at_location_id "
             "number extension type description",
    "service": "id organization_id program_id name alternate_name description url email "
               "status interpretation_services application_process fees_description "
               "wait_time fees accreditations eligibility_description minimum_age "
               "maximum_age assured_date assurer_email alert last_modified",
    "service_at_location": "id service_id location_id description",
    "schedule": "id service_id location_id service_at_location_id valid_from valid_to "
                "dtstart timezone until count wkst freq interval byday byweekno bymonthday "
                "byyearday description opens_at closes_at schedule_link attending_type notes",
}.items()}
# The fields HSDS 3.0 requires in each of these tables.
REQUIRED = {
    "organization": {"id", "name", "description"},
    "location": {"id", "location_type"},
    "address": {"id", "address_1", "city", "state_province", "postal_code", "country",
                "address_type"},
    "phone": {"id", "number"},
    "service": {"id", "name", "status"},
    "service_at_location": {"id"},
    "schedule": {"id"},
}
# HSDS 3.0's enumerations, and the form of its typed fields, for the columns written.
ENUMS = {
    "location_type": {"physical", "postal", "virtual"},
    "address_type": {"physical", "postal", "virtual"},
    "status": {"active", "inactive", "defunct", "temporarily closed"},
    "freq": {"WEEKLY", "MONTHLY"},
}
_DAY = r"(?:-?\d)?(?:MO|TU|WE|TH|FR|SA|SU)"
FORMS = {
    "latitude": float, "longitude": float, "minimum_age": float, "maximum_age": float,
    "extension": int, "timezone": int, "interval": int,
    "dtstart": date.fromisoformat,
    "last_modified": lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")),
    "opens_at": re.compile(r"\d\d:\d\d(?::\d\d)?(?:Z|[+-]\d\d:\d\d)").fullmatch,
    "closes_at": re.compile(r"\d\d:\d\d(?::\d\d)?(?:Z|[+-]\d\d:\d\d)").fullmatch,
    "byday": re.compile(rf"{_DAY}(?:,{_DAY})*").fullmatch,
    "url": re.compile(r"https?://\S+").fullmatch,
    "country": re.compile(r"[A-Z]{2}").fullmatch,  # ISO 3166-1 alpha-2
}
REFERENCES = {"organization_id": "organization", "service_id": "service",
              "location_id": "location", "service_at_location_id": "service_at_location"}


def read_table(folder: Path, path: str) -> list[dict]:
    """A CSV of the package as dicts, empty cells left out (HSDS: absent)."""
    with (folder / path).open(encoding="utf-8", newline="") as f:
        return [{k: v for k, v in row.items() if v != ""} for row in csv.DictReader(f)]


def typed(row: dict) -> dict:
    return {k: FORMS[k](v) if FORMS.get(k) in (float, int) else v for k, v in row.items()}


@pytest.fixture
def package(app, runner, create_site, tmp_path):
    create_site(kind="hub", weekdays="01234", name="ひろば　あおぞら",
                address="〒230-0051 横浜市鶴見区1-1",
                phone="045-000-0000", extension="12", latitude=35.5, longitude=139.6,
                age_min_months=0, age_max_months=35, url="https://example.jp/a")
    create_site(kind="salon", weekdays="1", name="サロン（第1火曜）",
                organisation="ＮＰＯ法人　ひだまり",
                open_rrule="FREQ=MONTHLY;BYDAY=1TU;BYMONTH=1,2,3,4,5,6,7,9,10,11,12",
                open_since=date(2000, 1, 1), age_min_months=-9)
    create_site(kind="tsudoi_hiroba", weekdays="", name="予約制のひろば")
    folder = tmp_path / "hsds"
    result = runner.invoke(args=["export-sites", "--format", "hsds", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    assert "3 services" in result.output
    return folder


def test_the_package_has_hsds_tables_columns_and_values(package):
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    assert (descriptor["profile"], descriptor["version"]) == ("tabular-data-package", "3.0.0")
    assert {r["name"]: r["path"] for r in descriptor["resources"]} == {
        "organization": "organizations.csv", "location": "locations.csv",
        "address": "addresses.csv", "phone": "phones.csv", "service": "services.csv",
        "service_at_location": "service_at_location.csv", "schedule": "schedules.csv"}
    assert {r["profile"] for r in descriptor["resources"]} == {"tabular-data-resource"}
    tables = {}
    for resource in descriptor["resources"]:
        name, path = resource["name"], resource["path"]
        with (package / path).open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        assert len(set(header)) == len(header) and set(header) <= HSDS_FIELDS[name], name
        assert REQUIRED[name] <= set(header), name
        rows = read_table(package, path)
        for row in rows:
            assert REQUIRED[name] <= set(row), (name, row)
            for column, value in row.items():
                if column in ENUMS:
                    assert value in ENUMS[column], (name, column, value)
                if column in FORMS:
                    assert FORMS[column](value) is not None, (name, column, value)
        ids = [row["id"] for row in rows]
        assert len(set(ids)) == len(ids), name
        assert all(str(uuid.UUID(i)) == i for i in ids), name
        tables[name] = rows
    # Two organizations: the NPO, and the ward for the two sites that name none.
    assert {name: len(rows) for name, rows in tables.items()} == {
        "organization": 2, "location": 3, "address": 1, "phone": 1, "service": 3,
        "service_at_location": 3, "schedule": 2}
    # Every reference points at a row of the package.
    ids_of = {name: {row["id"] for row in rows} for name, rows in tables.items()}
    for name, rows in tables.items():
        for row in rows:
            for column, target in REFERENCES.items():
                if column in row:
                    assert row[column] in ids_of[target], (name, column)
    [located] = [row for row in tables["location"] if "latitude" in row]
    assert (float(located["latitude"]), float(located["longitude"])) == (35.5, 139.6)


def test_exporting_twice_gives_the_same_package(package, runner, tmp_path):
    again = tmp_path / "again"
    assert runner.invoke(args=["export-sites", "--format", "hsds", "-o", str(again)]
                         ).exit_code == 0
    assert sorted(p.name for p in again.iterdir()) == sorted(p.name for p in package.iterdir())
    for path in package.iterdir():
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def test_the_services_and_schedules_say_what_the_directory_says(package):
    services = {s["name"]: typed(s) for s in read_table(package, "services.csv")}
    schedules = {s["service_id"]: typed(s) for s in read_table(package, "schedules.csv")}
    organizations = {o["id"]: o["name"] for o in read_table(package, "organizations.csv")}
    sites = {s.name: s for s in db.session.scalars(sa.select(Site))}
    [address] = read_table(package, "addresses.csv")
    assert (address["postal_code"], address["address_1"]) == ("230-0051",
                                                               "〒230-0051 横浜市鶴見区1-1")

    assert set(services) == set(sites)
    hub = services["ひろば　あおぞら"]
    assert (hub["minimum_age"], hub["maximum_age"], hub["url"]) == (0, 2.92, "https://example.jp/a")
    assert schedules[hub["id"]]["freq"] == "WEEKLY"
    assert schedules[hub["id"]]["byday"] == "MO,TU,WE,TH,FR"
    assert (schedules[hub["id"]]["opens_at"], schedules[hub["id"]]["closes_at"]) == (
        "10:00+09:00", "12:00+09:00")
    salon = services["サロン（第1火曜）"]
    assert organizations[salon["organization_id"]] == "ＮＰＯ法人　ひだまり"
    assert "minimum_age" not in salon  # from pregnancy: no age in years
    monthly = schedules[salon["id"]]
    assert (monthly["freq"], monthly["byday"], monthly["dtstart"]) == (
        "MONTHLY", "1TU", "2000-01-01")
    assert "BYMONTH=1,2,3,4,5,6,7,9,10,11,12" in monthly["description"]
    # A site that states no weekdays has no schedule rather than an empty one.
    assert services["予約制のひろば"]["id"] not in schedules
    assert sites["ひろば　あおぞら"].opens_at == time(10)
