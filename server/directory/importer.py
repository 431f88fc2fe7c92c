"""Writing a 「子育て施設一覧」 file into the directory, and the directory back out as one."""

from dataclasses import dataclass, field

from marshmallow import ValidationError
from sqlalchemy import select

from ..extensions import db
from ..replication.store import rehome_site
from . import opendata, opening
from .models import KindMapping, Site, Ward
from .opendata_cells import parse_opening_rule


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    problems: list[opendata.RowProblem] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated


def kind_mapping() -> dict[str, str]:
    """The built-in 種別 table with the admin's additions on top."""
    mapping = dict(opendata.DEFAULT_KIND_MAPPING)
    for row in db.session.scalars(select(KindMapping)):
        mapping[row.source_type] = row.kind
    return mapping


def _ward_for(row: opendata.SiteRow, wards: list[Ward]) -> Ward | None:
    """The ward a row belongs to: by its 5-digit code (a 6-digit code carries a check digit),
    else by the ward's name at the end of 市区町村名."""
    code = row.municipality_code[:5]
    for ward in wards:
        if ward.code == code:
            return ward
    for ward in wards:
        if row.municipality.endswith(ward.name_ja):
            return ward
    return None


def import_sites(data: bytes) -> ImportReport:
    """Import every readable row; report every other one with its line number and reason.

    Rows are matched on their open-data identity (code and NO), so importing the same file
    twice updates the sites instead of adding them again. One transaction for the whole file.

    :raise opendata.OpenDataError: the file as a whole cannot be read (encoding, header).
    """
    parsed = opendata.parse_sites(data, kind_mapping())
    report = ImportReport(problems=list(parsed.problems))
    wards = list(db.session.scalars(select(Ward)))
    existing = {s.source_key: s for s in db.session.scalars(
        select(Site).where(Site.source_key.in_([r.source_key for r in parsed.rows])))}
    moved: dict[int, int] = {}  # site id -> the ward it moves to
    for line, row in zip(parsed.lines, parsed.rows, strict=True):
        ward = _ward_for(row, wards)
        if ward is None:
            report.problems.append(opendata.RowProblem(
                line=line, column="都道府県コード又は市区町村コード",
                reason=f"区「{row.municipality}」({row.municipality_code}) が登録されていません / "
                       "unknown ward"))
            continue
        site = existing.get(row.source_key)
        if site is None:
            site = Site(source_key=row.source_key)
            db.session.add(site)
            report.created += 1
        else:
            report.updated += 1
            if site.ward_id != ward.id:
                moved[site.id] = ward.id
        _fill(site, row, ward)
    for site_id, ward_id in moved.items():
        rehome_site(db.session, site_id, ward_id)
    report.problems.sort(key=lambda p: p.line)
    db.session.commit()
    return report


def _fill(site: Site, row: opendata.SiteRow, ward: Ward) -> None:
    site.ward_id = ward.id
    site.kind = row.kind
    site.source_type = row.source_type
    site.schedule_kind = row.schedule_kind
    site.open_weekdays = "".join(str(d) for d in row.open_weekdays)
    for name in EXPORTED_FIELDS:
        setattr(site, name, getattr(row, name))
    _fill_opening_rule(site, row.schedule_note)


def _fill_opening_rule(site: Site, note: str) -> None:
    """The opening rule the note states (毎月第1火曜日, 隔週…), else none: like every other
    field, the file decides, and a note it cannot read leaves the site weekly on its
    weekdays, with the note shown beside them."""
    parsed = parse_opening_rule(note)
    site.open_rrule = site.open_since = None
    if parsed is None:
        return
    try:
        values = opening.schedule_values(*parsed, today=parsed[1])
    except ValidationError:
        return
    for name, value in values.items():
        setattr(site, name, value)


# Fields copied one to one between a SiteRow and a Site.
EXPORTED_FIELDS = (
    "municipality_code", "number", "prefecture", "municipality", "name", "name_kana",
    "address", "address_extra", "latitude", "longitude", "access", "parking", "phone",
    "extension", "fax", "corporate_number", "organisation", "approved_on", "capacity",
    "ages_text", "age_min_months", "age_max_months", "opens_at", "closes_at", "schedule_note",
    "temp_childcare", "url", "note",
)


def export_sites(ward: Ward | None = None) -> bytes:
    """The directory (or one ward of it) in the same 28-column format, UTF-8 with BOM."""
    query = select(Site).order_by(Site.municipality_code, Site.id)
    if ward is not None:
        query = query.where(Site.ward_id == ward.id)
    rows = [
        opendata.SiteRow(
            source_type=site.source_type,
            kind=site.kind,
            open_weekdays=tuple(site.weekdays),
            **{name: getattr(site, name) for name in EXPORTED_FIELDS},
        )
        for site in db.session.scalars(query)
    ]
    return opendata.write_sites(rows)
