"""Tables written as CSV for Excel and as XLSX, with nothing in a cell that runs.

Formula injection. A spreadsheet runs a cell that starts with ``=`` (and, when it reads
a CSV, also ``+``, ``-``, ``@``, a tab or a carriage return) as a formula: a note typed as
``=HYPERLINK("http://…", "…")`` would become a live link in the ward office's copy. Numbers
are written as numbers and never escaped; text is written so that it stays text:

- in XLSX, every text cell is an explicit string cell (``data_type "s"``), which Excel
  never evaluates: the text stays exactly as it was typed. (openpyxl would otherwise store
  text starting with ``=`` as a formula.) Characters XML cannot hold (C0 controls other
  than tab and newlines) are dropped: a file that holds them does not open.
- in CSV there is no cell type, so text starting with one of those characters, or with
  their full-width forms, which Japanese Excel also reads as the start of a formula, gets
  a leading ``'`` (OWASP's advice): Excel shows it, and shows the rest as plain text.

CSV is UTF-8 with a byte order mark: without it, Excel in Japan reads the file as
Shift_JIS and the Japanese headers and names come out garbled.
"""

import csv
import io
import math
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
MAX_WIDTH = 50
"""A column is never wider than this many characters: a long note wraps instead."""

Row = Sequence[str | int | date | None]


@dataclass(frozen=True)
class Sheet:
    title: str
    header: Sequence[str]
    rows: Iterable[Row]
    widths: Sequence[float]
    """Each column's width in characters (Excel's unit), one per header."""


def csv_text(value: str) -> str:
    """``value`` as a CSV cell that no spreadsheet runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_cell(value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return csv_text(value) if isinstance(value, str) else value


def csv_chunks(header: Sequence[str], rows: Iterable[Row]) -> Iterator[str]:
    """The CSV file, a BOM and the header first, then a hundred rows a chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([_csv_cell(name) for name in header])
    for count, row in enumerate(rows, 1):
        writer.writerow([_csv_cell(value) for value in row])
        if count % 100 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def display_width(value) -> int:
    """How many columns ``value`` takes in a spreadsheet: a full-width character two."""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def widths(header: Sequence[str], rows: Iterable[Row] = (),
           least: Sequence[int] | None = None) -> list[float]:
    """Column widths that fit the header and ``rows`` (and at least ``least``), each at
    most ``MAX_WIDTH``, with a little room."""
    found = [display_width(name) for name in header]
    if least:
        found = [max(a, b) for a, b in zip(found, least, strict=True)]
    for row in rows:
        found = [max(a, display_width(v)) if v is not None else a
                 for a, v in zip(found, row, strict=True)]
    return [min(width, MAX_WIDTH) + 2 for width in found]


LINE_HEIGHT = 15
"""Points a line of 11-point text takes."""


def header_lines(header: Sequence[str], column_widths: Sequence[float]) -> int:
    """How many lines the longest header wraps to in its column (two units of a column's
    width are its margins)."""
    return max((math.ceil(display_width(name) / max(width - 2, 1))
                for name, width in zip(header, column_widths, strict=True)), default=1)
