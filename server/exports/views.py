"""Files of a ward's figures to send on: its synced records and its monthly report, as
CSV or XLSX (hub staff and ward officers of the ward, admins). Each export is written to
the audit log, with who asked, when (the entry's time) and for what period and filters."""

from flask import Blueprint, Response, g

from schemas.exports import ExportQuerySchema, MonthlyReportQuerySchema

from ..accounts import policy
from ..accounts.auth import login_required
from ..api import documented, load_query
from ..directory.lookups import ward_by_code
from ..hub.operations import record_action
from . import logs, report
from .writers import CSV_TYPE, XLSX_TYPE, Sheet, csv_chunks

bp = Blueprint("exports", __name__, url_prefix="/api")

_ERRORS = (401, 403, 404, 422)
_FILES = (CSV_TYPE, XLSX_TYPE)


def _readable_ward(code: str):
    # As the desk's lists: the ward's records are read by its hub staff and ward officers.
    ward = ward_by_code(code)
    policy.require(policy.may_read_ward(g.user, ward.id))
    return ward


def _file(sheet: Sheet, fmt: str, name: str, more_sheets: tuple[Sheet, ...] = ()) -> Response:
    if fmt == "csv":
        # Built whole, not streamed: a stream outlives the request's context (and the
        # database session it reads with) whenever a client stops reading; the row bound
        # keeps the file to some megabytes.
        body, media_type = "".join(csv_chunks(sheet.header, sheet.rows)), CSV_TYPE
    else:
        from .xlsx import xlsx_bytes  # openpyxl only for a workbook: see xlsx.py

        body, media_type = xlsx_bytes((sheet, *more_sheets)), XLSX_TYPE
    # The file holds a ward's records: no shared cache keeps a copy.
    return Response(body, mimetype=media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
        "Cache-Control": "no-store"})


def _period(query) -> dict:
    """The export's filters as the audit log keeps them (codes, ids and dates)."""
    names = {"start": "from", "end": "to", "area": "area", "kind": "kind", "site": "site",
             "author": "author"}
    return {wire: (value.isoformat() if hasattr(value, "isoformat") else value)
            for name, wire in names.items() if (value := query.get(name)) is not None}


def _records(code: str, collection: str, title: str):
    ward = _readable_ward(code)
    query = load_query(ExportQuerySchema())
    where = logs.desk_filter(query)
    count = logs.counted(collection, ward, where, query["format"])
    record_action(g.user, "export", ward_id=ward.id, detail={
        "export": collection, "format": query["format"], "rows": count, **_period(query)})
    if collection == "visit":
        sheet = Sheet(title, logs.VISIT_HEADER, logs.visit_rows(ward, where), logs.VISIT_WIDTHS)
    else:
        sheet = Sheet(title, logs.OUTREACH_HEADER, logs.outreach_rows(ward, where),
                      logs.OUTREACH_WIDTHS)
    return _file(sheet, query["format"], f"tsunagu-{ward.code}-{collection}")


@bp.get("/wards/<code>/exports/visits")
@login_required
@documented("A ward's session logs as a file, filtered as on the desk, newest date first, "
            f"at most {logs.MAX_ROWS['csv']} in a CSV, {logs.MAX_ROWS['xlsx']} in an XLSX "
            "(hub staff and ward officers of the ward, admins)",
            "exports", query=ExportQuerySchema, files=_FILES, errors=_ERRORS)
def visits(code: str):
    return _records(code, "visit", "来所の記録")


@bp.get("/wards/<code>/exports/outreach")
@login_required
@documented("A ward's outreach records (by the visiting site) as a file, filtered as on "
            f"the desk, newest date first, at most {logs.MAX_ROWS['csv']} in a CSV, "
            f"{logs.MAX_ROWS['xlsx']} in an XLSX (hub staff and ward "
            "officers of the ward, admins)", "exports", query=ExportQuerySchema,
            files=_FILES, errors=_ERRORS)
def outreach(code: str):
    return _records(code, "outreach", "アウトリーチの記録")


@bp.get("/wards/<code>/reports/monthly")
@login_required
@documented("A ward's monthly report: XLSX with a sheet for the ward (a row per site kind "
            "and the ward's total) and one per site kind (a row per site); CSV holds the "
            "ward sheet (hub staff and ward officers of the ward, admins)", "exports",
            query=MonthlyReportQuerySchema, files=_FILES, errors=_ERRORS)
def monthly(code: str):
    ward = _readable_ward(code)
    query = load_query(MonthlyReportQuerySchema())
    month = f"{query['month']:%Y-%m}"
    sheets = report.monthly_sheets(ward, query["month"])
    record_action(g.user, "export", ward_id=ward.id, detail={
        "export": "monthly", "format": query["format"], "month": month})
    return _file(sheets[0], query["format"], f"tsunagu-{ward.code}-{month}-monthly",
                 tuple(sheets[1:]))
