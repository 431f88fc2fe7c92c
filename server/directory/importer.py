"""Writing a 「子育て施設一覧」 file into the directory, and the directory back out as one."""

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from marshmallow import ValidationError
from sqlalchemy import select

from sync.vocabulary import SITE_KINDS

from ..extensions import db
from ..replication.store import rehome_site
from . import opendata, opening
from .models import KindMapping, Site, Ward
from .opendata_cells import SKIP_KIND, normalise_text, parse_opening_rule
from .places import CODE_COLUMN, UnknownPlace, WardFinder
from .reference import ensure_local_governments


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do), for the summary."""

    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)
    problems: list[opendata.RowProblem] = field(default_factory=list)
    warnings: list[opendata.RowProblem] = field(default_factory=list)
    new_wards: list[str] = field(default_factory=list)
    kinds_loaded: int = 0
    dry_run: bool = False

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


def kind_mapping() -> dict[str, str]:
    """The built-in 種別 table with the admin's additions on top."""
    mapping = dict(opendata.DEFAULT_KIND_MAPPING)
    for row in db.session.scalars(select(KindMapping)):
        mapping[row.source_type] = row.kind
    return mapping


def import_sites(data: bytes, *, dry_run: bool = False, kinds: bytes | None = None
                 ) -> ImportReport:
    """Import every readable row; report every other one with its line number and reason.

    Rows are matched on their open-data identity (code and NO), so importing the same file
    twice updates the sites instead of adding them again. One transaction for the whole
    file; a dry run does all of it and then rolls it back, so it reports what an import
    would do and writes nothing. A ward named for the first time (a Tokyo ward, a Sapporo
    ward, a town) is made from the national list of local-government codes. ``kinds`` is
    a 種別 mapping file (``export_kind_mapping``) to add first.

    :raise opendata.OpenDataError: the file (or ``kinds``) as a whole cannot be read.
    """
    try:
        loaded = load_kind_mapping(kinds) if kinds is not None else 0
        parsed = opendata.parse_sites(data, kind_mapping())
    except opendata.OpenDataError:
        db.session.rollback()
        raise
    report = ImportReport(read=parsed.read, skipped=parsed.skipped,
                          problems=list(parsed.problems), warnings=list(parsed.warnings),
                          kinds_loaded=loaded, dry_run=dry_run)
    ensure_local_governments()
    places = WardFinder(report.new_wards)
    existing = {s.source_key: s for s in db.session.scalars(
        select(Site).where(Site.source_key.in_([r.source_key for r in parsed.rows])))}
    moved: dict[int, int] = {}  # site id -> the ward it moves to
    for line, row in zip(parsed.lines, parsed.rows, strict=True):
        try:
            ward = places.ward_for(row)
        except UnknownPlace as exc:
            report.problems.append(opendata.RowProblem(
                line=line, column=CODE_COLUMN, reason=str(exc), group=exc.group,
                subject=exc.subject))
            continue
        site = existing.get(row.source_key)
        if site is None:
            site = Site(source_key=row.source_key)
            db.session.add(site)
            existing[row.source_key] = site
            _fill(site, row, ward)
            report.created += 1
            continue
        before = _values(site)
        if site.ward_id != ward.id:
            moved[site.id] = ward.id
        _fill(site, row, ward)
        if _values(site) == before:
            report.unchanged += 1
        else:
            report.updated += 1
    for site_id, ward_id in moved.items():
        rehome_site(db.session, site_id, ward_id)
    report.problems.sort(key=lambda p: p.line)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report


def _values(site: Site) -> tuple:
    return tuple(getattr(site, name) for name in (
        *EXPORTED_FIELDS, "ward_id", "kind", "source_type", "schedule_kind", "open_weekdays",
        "open_rrule", "open_since"))


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


KINDS_HEADER = ("種別", "kind")


def kinds_file_for(path):
    """Where ``export-sites -o FILE`` writes the 種別 mapping it used: ``FILE.kinds.csv``
    beside it (``sites.csv`` → ``sites.kinds.csv``), where ``import-sites`` looks for it."""
    return path.with_name(path.stem + ".kinds.csv")


def export_kind_mapping(ward: Ward | None = None) -> bytes:
    """The 種別 → kind mapping the exported sites were imported with, and the admin's skip
    rows, as a two-column CSV (UTF-8 with BOM), so that importing the export into a fresh
    database needs no ``map-kind`` commands."""
    query = select(Site.source_type, Site.kind).distinct()
    if ward is not None:
        query = query.where(Site.ward_id == ward.id)
    pairs = {normalise_text(source_type): kind for source_type, kind in db.session.execute(query)}
    for row in db.session.scalars(select(KindMapping).where(KindMapping.kind == SKIP_KIND)):
        pairs.setdefault(row.source_type, row.kind)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(KINDS_HEADER)
    writer.writerows(sorted(pairs.items()))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def load_kind_mapping(data: bytes) -> int:
    """Add the rows of a mapping file (as ``export_kind_mapping`` writes it) to the admin's
    mapping, in the caller's transaction; return how many differ from what was known.

    :raise opendata.OpenDataError: not such a file, or a kind that does not exist.
    """
    rows = list(csv.reader(io.StringIO(opendata.decode(data), newline="")))
    if not rows or tuple(c.strip() for c in rows[0]) != KINDS_HEADER:
        raise opendata.OpenDataError(
            f"種別の対応表の見出しは「{','.join(KINDS_HEADER)}」です / "
            f"a kind mapping file starts with the header {','.join(KINDS_HEADER)}")
    known = kind_mapping()
    changed = 0
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2 or row[1].strip() not in (*SITE_KINDS, SKIP_KIND):
            raise opendata.OpenDataError(
                f"種別の対応表の{line}行目が読めません / line {line} of the kind mapping "
                f"is not 種別,kind with a known kind")
        source_type, kind = normalise_text(row[0]), row[1].strip()
        if known.get(source_type) != kind:
            db.session.merge(KindMapping(source_type=source_type, kind=kind))
            changed += 1
    db.session.flush()
    return changed
