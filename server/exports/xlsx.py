"""Exports as XLSX, written by openpyxl.

Apart from ``writers`` so that only a request for a workbook loads openpyxl (and the
imaging library it pulls in): a worker that never writes one stays small
(tests/server/test_worker_imports.py)."""

from collections.abc import Iterable
from tempfile import SpooledTemporaryFile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .writers import LINE_HEIGHT, Sheet, header_lines

_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def _xlsx_value(sheet, value):
    """``value`` as openpyxl appends it: a number or a date as it is (a date shows as
    yyyy-mm-dd), text as text."""
    if not isinstance(value, str):
        return value
    # XML reads a carriage return as a newline anyway: say so when writing.
    text = ILLEGAL_CHARACTERS_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.startswith("="):
        return text
    # openpyxl stores text starting with "=" as a formula; a cell made here stays text.
    # (Only these: a cell object per value makes a file of 10,000 rows ~3 times slower.)
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """An XLSX workbook of ``sheets``, in order: each with a bold header row that stays in
    view when scrolling (with the first column), its column widths set.

    openpyxl's write-only mode keeps a sheet's rows on disk, not in memory, as it goes.
    """
    book = Workbook(write_only=True)
    for spec in sheets:
        sheet = book.create_sheet(spec.title)
        sheet.freeze_panes = "B2"
        for index, width in enumerate(spec.widths, 1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        # Excel does not grow a row for wrapped text it was given: the header row is made
        # as tall as its longest wrapped header.
        sheet.row_dimensions[1].height = LINE_HEIGHT * header_lines(spec.header, spec.widths)
        header = []
        for name in spec.header:
            cell = WriteOnlyCell(sheet, value=name)  # the server's own words
            cell.font, cell.alignment = _BOLD, _WRAP
            header.append(cell)
        sheet.append(header)
        for row in spec.rows:
            sheet.append([_xlsx_value(sheet, value) for value in row])
    with SpooledTemporaryFile(max_size=8 * 1024 * 1024) as out:
        book.save(out)
        out.seek(0)
        return out.read()
