"""Safe Excel output: no formula injection, no XML-illegal characters, numbers-as-text kept as text.

``xlsx_response`` streams a write-only workbook through a spooled temporary file, so
memory stays bounded for any number of rows (PX safe_openpyxl.py does the same cleaning).
"""

import datetime
import tempfile
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell_value(value):
    """What may go into a cell: strings cleaned and defused, dates and numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | datetime.date | datetime.datetime):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text.startswith(FORMULA_START):
        text = "'" + text  # shown as text; Excel never evaluates it
    return text


def write_rows(ws, headers: Sequence[str], rows: Iterable[Sequence], *, text_columns=()) -> int:
    """Write a header row and data rows to a write-only sheet; ``text_columns`` are kept as text (@)."""
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=safe_cell_value(h))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    text_columns = set(text_columns)
    safe = safe_cell_value
    count = 0
    for row in rows:
        # a text column is written as a string cell: Excel keeps every digit of an ID or phone number
        ws.append([str(safe(v)) if i in text_columns else safe(v) for i, v in enumerate(row)])
        count += 1
    return count


def new_workbook(sheet_title: str, widths: Sequence[int] = ()):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i) if i < 26 else "A" + chr(ord("A") + i - 26)].width = width
    return wb, ws


def write_xlsx(fileobj, headers, rows, *, sheet_title="Sheet1", text_columns=(), widths=()) -> int:
    wb, ws = new_workbook(sheet_title, widths or [max(10, len(str(h)) * 2 + 2) for h in headers])
    count = write_rows(ws, headers, rows, text_columns=text_columns)
    wb.save(fileobj)
    return count


def xlsx_response(filename: str, headers, rows, *, sheet_title="Sheet1", text_columns=(), widths=()):
    """A download of the rows as .xlsx, built in a spooled temporary file (memory stays bounded)."""
    buffer = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    write_xlsx(buffer, headers, rows, sheet_title=sheet_title, text_columns=text_columns, widths=widths)
    buffer.seek(0)
    response = FileResponse(buffer, content_type=XLSX, as_attachment=True, filename=filename)
    # RFC 5987: Chinese file names survive in every browser
    response["Content-Disposition"] = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return response
