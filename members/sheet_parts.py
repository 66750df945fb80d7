"""A large .xlsx sheet cut into parts at row boundaries, so that its rows can be used while the rest is read.

python-calamine reads a sheet whole: 50,000 roster rows take 0.6–0.7 s, during which an import has nothing
to check and the database nothing to write. Cut into a few workbooks of consecutive rows, the first part is
read at once and the others by a thread while the rows before them are checked and written (calamine
parses without holding the interpreter lock). Each part is a copy of the workbook — shared strings, styles,
the sheet's own header and footer (merged cells) — with only some of the sheet's rows, so calamine reads
its cells exactly as it reads them in the whole file.

The cut is made only where it is safe to make; otherwise ``split_sheet`` returns None and the sheet is read
whole: not a zip workbook, a small sheet (or one too large to hold in memory), no ``<sheetData>``, or a part whose first row does not carry its
row number (``r="…"``), without which calamine would count that part's rows from 1.
"""

import io
import re
import zipfile
import zlib

from lxml import etree

SPLIT_FROM = 4 << 20  # bytes of sheet XML (about 4,000 rows): a smaller sheet is read whole in well under 0.1 s
SPLIT_UP_TO = 256 << 20  # cut in memory up to this (about 250,000 rows); beyond, calamine reads it as a stream
# the parts' shares of the rows: a small first part (of 50,000 rows, the importer's first three lots), so that
# checking and writing start early; then parts that calamine reads (about 4× faster than rows are checked and
# written) before the rows ahead of them run out. Few parts, as each one reads the shared strings again.
SHARES = (2, 5, 9)
# the workbook's own small parts are parsed without entities or network: the file is the user's
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData(?:\s[^>]*)?>")
ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*/>")


class Parts:
    """The sheet's rows as ``len(self)`` workbooks, in order. A part's workbook is made when it is asked for (``workbook(k)``), so that the parts are not all held at once."""

    def __init__(self, path: str, others: list, head: bytes, rows: bytes, tail: bytes, starts: list[int]):
        self.path, self.others, self.head, self.rows, self.tail, self.starts = path, others, head, rows, tail, starts
        self.ends = [*starts[1:], len(rows)]

    def __len__(self) -> int:
        return len(self.starts)

    def share(self, k: int) -> float:
        """Part k's share of the sheet's rows, as its share of their XML."""
        return (self.ends[k] - self.starts[k]) / len(self.rows)

    def workbook(self, k: int) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as part:
            for info, content in self.others:
                part.writestr(info, content)
            part.writestr(self.path, b"".join((self.head, self.rows[self.starts[k]:self.ends[k]], self.tail)))
        return out.getvalue()


def split_sheet(data: bytes, sheet_name: str) -> Parts | None:
    """``data`` (an .xlsx file) as workbooks that each hold some of the rows of the sheet ``sheet_name``."""
    if not data.startswith(b"PK"):
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        path = _sheet_path(archive, sheet_name)
        if path is None or not SPLIT_FROM <= archive.getinfo(path).file_size <= SPLIT_UP_TO:
            return None
        xml = archive.read(path)
        cuts = _cuts(xml)
        if cuts is None:
            return None
        others = [(info.filename, archive.read(info)) for info in archive.infolist()
                  if info.filename != path and not _is_other_part(info.filename)]
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, etree.XMLSyntaxError, OSError, ValueError):
        return None  # calamine reads it (or says it cannot) as it always does
    return Parts(path, others, *cuts)


def _sheet_path(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip path of the sheet named ``sheet_name``, from the workbook and its relationships."""
    workbook = etree.fromstring(archive.read("xl/workbook.xml"), PARSER)
    rel_id = next((sheet.get(f"{NS_REL}id") for sheet in workbook.iter(f"{NS_MAIN}sheet")
                   if sheet.get("name") == sheet_name), None)
    if rel_id is None:
        return None
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), PARSER)
    target = next((rel.get("Target") for rel in rels.iter(f"{NS_PKG_REL}Relationship") if rel.get("Id") == rel_id),
                  None)
    if not target:
        return None
    path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return path if path in archive.namelist() else None


def _is_other_part(name: str) -> bool:
    """Other sheets and pictures: not needed to read this sheet's cells."""
    return name.startswith("xl/media/") or (name.startswith("xl/worksheets/") and "/_rels/" not in name)


def _cuts(xml: bytes):
    """(the sheet's XML before its rows, the rows, the XML after them, where each part's rows start) or None."""
    opening = SHEET_DATA.search(xml)
    if opening is None:
        return None
    prefix = opening.group(1)
    end = xml.rfind(b"</" + prefix + b"sheetData>")
    if end < opening.end():
        return None
    # without its <dimension> (the whole sheet's extent): a part holds only some rows
    head, rows, tail = DIMENSION.sub(b"", xml[:opening.end()], count=1), xml[opening.end():end], xml[end:]
    row_tag = b"<" + prefix + b"row"
    starts, total, share = [0], sum(SHARES), 0
    for piece in SHARES[:-1]:
        share += piece
        start = _next_row(rows, row_tag, len(rows) * share // total)
        if start is None or start <= starts[-1]:
            break
        starts.append(start)
    if len(starts) == 1:
        return None
    for start in starts[1:]:  # each later part's first row must say which row it is
        tag_end = rows.find(b">", start)
        if tag_end < 0 or ROW_NUMBER.search(rows, start, tag_end) is None:
            return None
    return head, rows, tail, starts


def _next_row(rows: bytes, row_tag: bytes, offset: int) -> int | None:
    """Where the first row element at or after ``offset`` starts."""
    while (found := rows.find(row_tag, offset)) >= 0:
        follows = rows[found + len(row_tag):found + len(row_tag) + 1]
        if follows in (b" ", b">", b"\t", b"\n", b"\r", b"/"):
            return found
        offset = found + 1
    return None
