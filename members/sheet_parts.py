"""A large .xlsx sheet cut into parts at row boundaries, so that its rows can be used while the rest is read.

python-calamine reads a sheet whole: 50,000 roster rows take 0.6–0.7 s, during which an import has nothing
to check and the database nothing to write. Cut into a few workbooks of consecutive rows, the first part is
read at once and the others by a thread while the rows before them are checked and written (calamine
parses without holding the interpreter lock). Each part is a copy of the workbook — shared strings, styles,
the sheet's own XML before its rows — with only some of the sheet's rows, so calamine reads its cells
exactly as it reads them in the whole file.

The sheet's XML is inflated as it is needed (zlib, too, works without the interpreter lock): only as far as
the first part's rows before that part is read; the rest by ``Parts.read_rest``, in the reader's thread,
while the first part is read. What follows the rows (merged cells, page set-up) is in no part: the merged
ranges come from ``merged_workbook``, the sheet with no rows at all, once the whole sheet is inflated.

A part starts only at a row that carries its number (``r="…"``), without which calamine would count that
part's rows from 1. The sheet is not cut — ``split_sheet`` returns None and it is read whole — when that is
not safe or not worth it: not a zip workbook, a small sheet (or one too large to hold in memory), no
``<sheetData>``, or no numbered row to start a second part at.
"""

import io
import re
import threading
import zipfile
import zlib

from lxml import etree

SPLIT_FROM = 4 << 20  # bytes of sheet XML (about 4,000 rows): a smaller sheet is read whole in well under 0.1 s
SPLIT_UP_TO = 256 << 20  # cut in memory up to this (about 250,000 rows); beyond, calamine reads it as a stream
# the parts' shares of the rows: a small first part (of 50,000 rows, the importer's first three lots), so that
# checking and writing start early; then parts that calamine reads (about 4× faster than rows are checked and
# written) before the rows ahead of them run out. Few parts, as each one reads the shared strings again.
SHARES = (2, 5, 9)
INFLATE_STEP = 1 << 20  # bytes of XML inflated at a time
HEAD_UP_TO = 16 << 20  # the XML before the rows (column widths, views) is never near this
# the workbook's own small parts are parsed without entities or network: the file is the user's
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData(?:\s[^>]*)?>")
ROOT = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?worksheet)[\s>]")
ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*/>")
UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, etree.XMLSyntaxError, OSError, ValueError)


class Parts:
    """The sheet's rows as workbooks of consecutive rows, in order: ``first`` now, the others from ``read_rest``
    (in a thread), which inflates the rest of the sheet as it goes."""

    def __init__(self, path: str, others: list, head: bytes, prefix: bytes, root: bytes, stream, size: int,
                 xml: bytes, rows_from: int, first_end: int):
        self.path, self.others, self.head = path, others, head
        self.row_tag = b"<" + prefix + b"row"
        self.end_tag = b"</" + prefix + b"sheetData>"
        self.close = b"</" + prefix + b"sheetData></" + root + b">"  # how each part's XML ends, after its rows
        self.stream, self.size, self.xml, self.rows_from, self.first_end = stream, size, xml, rows_from, first_end
        self.first = self._workbook(xml[rows_from:first_end])
        self.tail = None  # what follows the rows, once the whole sheet is inflated
        self.inflated = threading.Event()

    def first_share(self) -> float:
        """The first part's share of the sheet's rows, as its share of their XML (an estimate: the sheet's size
        is known before it is inflated, not where its rows end)."""
        return (self.first_end - self.rows_from) / max(1, self.size - self.rows_from)

    def read_rest(self, stop: threading.Event):
        """The later parts' workbooks, in order, after inflating the rest of the sheet; stops early once ``stop``
        is set. Raises what a broken file raises (``UNREADABLE``)."""
        pieces, self.xml = [self.xml], None
        try:
            while chunk := self.stream.read(INFLATE_STEP):
                if stop.is_set():
                    return
                pieces.append(chunk)
            xml = b"".join(pieces)
            del pieces
            end = xml.rfind(self.end_tag)
            if end < self.first_end:
                raise ValueError("the sheet's rows do not end")
            self.tail = xml[end:]
        finally:
            self.stream.close()
            self.inflated.set()
        total, share, start = sum(SHARES), SHARES[0], self.first_end
        for piece in SHARES[1:-1]:
            share += piece
            cut = _next_numbered_row(xml, self.row_tag, self.rows_from + (end - self.rows_from) * share // total, end)
            if cut is None or cut <= start:
                continue
            yield self._workbook(xml[start:cut])
            start = cut
        if start < end:
            yield self._workbook(xml[start:end])

    def merged_workbook(self) -> bytes | None:
        """The sheet without rows, with what follows them (its merged ranges), once ``read_rest`` has inflated
        it all; None if it could not."""
        self.inflated.wait()
        return None if self.tail is None else self._workbook(b"", self.tail)

    def _workbook(self, rows: bytes, close: bytes | None = None) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as part:
            for info, content in self.others:
                part.writestr(info, content)
            part.writestr(self.path, b"".join((self.head, rows, close or self.close)))
        return out.getvalue()


def split_sheet(data: bytes, sheet_name: str) -> Parts | None:
    """``data`` (an .xlsx file) as workbooks that each hold some of the rows of the sheet ``sheet_name``; the
    first is made now, inflating only as much of the sheet as it needs."""
    if not data.startswith(b"PK"):
        return None
    stream = None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        path = _sheet_path(archive, sheet_name)
        if path is None or not SPLIT_FROM <= (size := archive.getinfo(path).file_size) <= SPLIT_UP_TO:
            return None
        stream = archive.open(path)
        pieces, have, opening = [], 0, None
        while opening is None and have < HEAD_UP_TO and (chunk := stream.read(INFLATE_STEP)):
            pieces.append(chunk)
            have += len(chunk)
            opening = SHEET_DATA.search(b"".join(pieces))
        xml = b"".join(pieces)
        root = ROOT.search(xml, 0, opening.start()) if opening is not None else None
        if root is None:
            return None
        rows_from = opening.end()
        target = rows_from + (size - rows_from) * SHARES[0] // sum(SHARES)
        while have < target + INFLATE_STEP and (chunk := stream.read(INFLATE_STEP)):
            pieces.append(chunk)
            have += len(chunk)
        xml = b"".join(pieces)
        first_end = _next_numbered_row(xml, b"<" + opening.group(1) + b"row", target, len(xml))
        if first_end is None or first_end <= rows_from:
            return None  # no numbered row where the second part would start (or the rows end before it)
        others = [(info.filename, archive.read(info)) for info in archive.infolist()
                  if info.filename != path and not _is_other_part(info.filename)]
        # without its <dimension> (the whole sheet's extent): a part holds only some rows
        head = DIMENSION.sub(b"", xml[:rows_from], count=1)
        parts = Parts(path, others, head, opening.group(1), root.group(1), stream, size, xml, rows_from, first_end)
        stream = None  # the parts' now: ``read_rest`` inflates the rest and closes it
        return parts
    except UNREADABLE:
        return None  # calamine reads it (or says it cannot) as it always does
    finally:
        if stream is not None:
            stream.close()


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


def _next_numbered_row(xml: bytes, row_tag: bytes, offset: int, end: int) -> int | None:
    """Where the first row element at or after ``offset`` (and before ``end``) that says its number starts."""
    while (found := xml.find(row_tag, offset, end)) >= 0:
        follows = xml[found + len(row_tag):found + len(row_tag) + 1]
        tag_end = xml.find(b">", found, end)
        if tag_end < 0:
            return None
        if follows in (b" ", b"\t", b"\n", b"\r") and ROW_NUMBER.search(xml, found, tag_end):
            return found
        offset = found + 1
    return None
