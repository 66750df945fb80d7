"""Safe Excel output: no formula injection, no XML-illegal characters, numbers-as-text kept as text.

``write_xlsx`` streams the sheet straight into the zip and ``xlsx_response`` serves it from a
spooled temporary file, so memory stays bounded for any number of rows (PX safe_openpyxl.py does
the same cleaning). openpyxl stays for reading tests and for the formatted import template.
"""

import datetime
import tempfile
from urllib.parse import quote

from django.http import FileResponse
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

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


def _column_letter(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
EPOCH = datetime.date(1899, 12, 30)
_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        '</styleSheet>'
    ),
}


def write_xlsx(fileobj, headers, rows, *, sheet_title="Sheet1", text_columns=(), widths=()) -> int:
    """Stream rows into a one-sheet .xlsx: the sheet XML is written straight into the zip, row by row.

    openpyxl builds a cell object per value (most of an export's time, DESIGN.md); this writes inline
    strings directly, with the same cleaning (``safe_cell_value``). Text columns are string cells in
    the text format (@), so ID and phone numbers keep every digit.
    """
    import zipfile
    from xml.sax.saxutils import quoteattr

    text_columns = set(text_columns)
    widths = list(widths) or [max(10, len(str(h)) * 2 + 2) for h in headers]
    letters = [_column_letter(i) for i in range(max(len(headers), 1))]
    title = ILLEGAL_CHARACTERS_RE.sub("", str(sheet_title))[:31].translate(str.maketrans("[]:*?/\\", "_______"))
    count = 0
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, body in _STATIC.items():
            zf.writestr(name, body)
        zf.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name={quoteattr(title)} sheetId="1" r:id="rId1"/></sheets></workbook>'
        ))
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>'
                           for i, w in enumerate(widths))
            out.write(('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                       '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                       f'<cols>{cols}</cols><sheetData>').encode())
            head = "".join(f'<c r="{letters[i]}1" t="inlineStr" s="1"><is><t>{str(safe_cell_value(h)).translate(_ESCAPE)}'
                           "</t></is></c>" for i, h in enumerate(headers))
            out.write(f'<row r="1">{head}</row>'.encode())
            buffer = []
            for n, row in enumerate(rows, start=2):
                cells = []
                for i, value in enumerate(row):
                    value = safe_cell_value(value)
                    ref = f"{letters[i] if i < len(letters) else _column_letter(i)}{n}"
                    if value == "":
                        continue
                    if i in text_columns or isinstance(value, str):
                        style = ' s="3"' if i in text_columns else ""
                        cells.append(f'<c r="{ref}" t="inlineStr"{style}><is><t xml:space="preserve">'
                                     f"{str(value).translate(_ESCAPE)}</t></is></c>")
                    elif isinstance(value, datetime.datetime):
                        delta = value.replace(tzinfo=None) - datetime.datetime(1899, 12, 30)
                        cells.append(f'<c r="{ref}" s="2"><v>{delta.total_seconds() / 86400}</v></c>')
                    elif isinstance(value, datetime.date):
                        cells.append(f'<c r="{ref}" s="2"><v>{(value - EPOCH).days}</v></c>')
                    else:
                        cells.append(f'<c r="{ref}"><v>{value}</v></c>')
                buffer.append(f'<row r="{n}">{"".join(cells)}</row>')
                count += 1
                if len(buffer) >= 500:
                    out.write("".join(buffer).encode())
                    buffer.clear()
            out.write("".join(buffer).encode())
            out.write(b"</sheetData></worksheet>")
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
