"""A large sheet read in parts (members.sheet_parts, members.roster_sheet.Sheet): the same rows, row numbers,
merged cells and problems as the sheet read whole, for inline and shared strings; files that cannot be cut are
read whole; a part that cannot be read fails the import and writes nothing (M3, M5)."""

import datetime
import html
import io
import re
import struct
import threading
import time
import zipfile

import pytest
from openpyxl import Workbook

from members import importer, roster_sheet, sheet_parts
from members.importer import RosterFileError, import_roster
from members.models import Membership, MembershipEvent, Person
from members.roster_sheet import read_sheet

from ..factories import make_id_number
from .test_importer import HEADERS, errors_of, good_rows, xlsx

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def split(monkeypatch):
    """Every sheet is cut into parts, however small (and a first part of a few rows is enough to find the header
    in, rather than the sheet being read whole)."""
    monkeypatch.setattr(sheet_parts, "SPLIT_FROM", 0)
    monkeypatch.setattr(roster_sheet, "HEADER_SEARCH_ROWS", 5)


def part_workbooks(data: bytes) -> list[bytes]:
    parts = sheet_parts.split_sheet(data, "Sheet")
    return [parts.first, *parts.read_rest(threading.Event())]


def first_row_numbers(workbooks: list[bytes]) -> list[int]:
    return [int(re.search(rb'<row r="(\d+)"', zipfile.ZipFile(io.BytesIO(w)).read("xl/worksheets/sheet1.xml"))[1])
            for w in workbooks]


def rewritten(data: bytes, change) -> bytes:
    """The workbook with its sheet's XML changed by ``change``."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in archive.infolist():
            content = archive.read(info)
            target.writestr(info.filename, change(content) if info.filename == "xl/worksheets/sheet1.xml" else content)
    return out.getvalue()


def rows_of(fileobj):
    sheet = read_sheet(fileobj)
    try:
        in_parts = sheet.more is not None
        return sheet.columns, sheet.all_rows(), in_parts
    finally:
        sheet.close()


def with_shared_strings(fileobj) -> io.BytesIO:
    """The workbook as Excel and WPS save it: text in the shared-strings part, UTF-8, a <dimension>."""
    source = zipfile.ZipFile(fileobj)
    sheet = source.read("xl/worksheets/sheet1.xml").decode()
    strings: dict[str, int] = {}

    def shared(m):
        index = strings.setdefault(html.unescape(m[2]), len(strings))
        return f'<c r="{m[1]}" t="s"><v>{index}</v></c>'

    sheet = re.sub(r'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>(.*?)</t></is></c>', shared, sheet)
    sheet = sheet.replace("<sheetData>", '<dimension ref="A1:Z999"/><sheetData>', 1)
    sst = "".join(f"<si><t>{html.escape(s, quote=False)}</t></si>" for s in strings)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats'
                                    b'.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                    b"</Relationships>")
            target.writestr(info, data)
        target.writestr("xl/sharedStrings.xml", '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                        f"{sst}</sst>")
    out.seek(0)
    return out


def odd_roster() -> io.BytesIO:
    """Data from column B under two title rows; a department merged down over a group of rows; empty rows, a row
    with only 序号; dates as Excel dates and as text; 60 rows, so that every part has some."""
    wb = Workbook()
    ws = wb.active
    ws.append([None, "城关中心小学工会会员花名册"])
    ws.append([])
    ws.append([None, "序号", *HEADERS])
    for i, row in enumerate(good_rows(60)):
        row[7] = datetime.date(2020, 9, 1 + i % 28) if i % 2 else row[7]
        ws.append([None, i + 1, *row])
        if i in (10, 33):
            ws.append([])
            ws.append([None, 99])
    ws.merge_cells("H20:H38")  # 部门 of rows 20–38: only the first keeps its value
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


@pytest.mark.parametrize("shared_strings", [False, True], ids=["inline strings", "shared strings"])
def test_a_sheet_read_in_parts_has_the_rows_of_the_whole_sheet(split, monkeypatch, shared_strings):
    data = odd_roster().getvalue()
    if shared_strings:
        data = with_shared_strings(io.BytesIO(data)).getvalue()
    workbooks = part_workbooks(data)
    assert len(workbooks) == len(sheet_parts.SHARES)
    assert any(20 < first <= 38 for first in first_row_numbers(workbooks[1:]))  # the merged range goes on into the next part
    assert not any(b"mergeCell" in zipfile.ZipFile(io.BytesIO(w)).read("xl/worksheets/sheet1.xml") for w in workbooks)
    columns, in_parts, was_split = rows_of(io.BytesIO(data))
    assert was_split
    monkeypatch.setattr(sheet_parts, "SPLIT_FROM", 1 << 40)
    assert sheet_parts.split_sheet(data, "Sheet") is None
    assert (columns, in_parts, False) == rows_of(io.BytesIO(data))
    numbers = [number for number, _cells in in_parts]
    assert len(numbers) == 60 and numbers[:3] == [4, 5, 6] and 15 not in numbers  # Excel's row numbers, 15 empty
    assert {cells[7] for number, cells in in_parts if 20 <= number <= 38} == {"语文组"}  # merged down across parts


def test_an_import_of_a_sheet_in_parts_lists_the_same_problems_and_writes_the_same_rows(split, school):
    rows = good_rows(40)
    rows[35][2] = rows[35][2][:-1] + ("0" if rows[35][2][-1] != "0" else "1")  # in the last part
    rows[36][6] = rows[37][6] = "A-7"  # a duplicate in the last part
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert not result.written and result.rows == 40 and Person.objects.count() == 0
    assert errors_of(result) == {(37, "身份证号", "The check digit is wrong."),
                                 (38, "会员证号", "The same card number is also on row 39."),
                                 (39, "会员证号", "The same card number is also on row 38.")}
    rows[35][2], rows[37][6] = make_id_number(35), "A-8"
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert result.ok and result.written and (result.rows, result.created) == (40, 40)
    assert Person.objects.count() == Membership.objects.count() == MembershipEvent.objects.count() == 40
    again = import_roster(xlsx(rows), school, acting_user=None)
    assert (again.rows, again.unchanged) == (40, 40)


def test_card_numbers_issued_while_the_rest_is_being_read_skip_those_further_down(split, school, monkeypatch):
    monkeypatch.setattr(importer, "LOT", 3)  # the first lots are written before the last part is needed
    rows = good_rows(30)
    rows[29][6] = f"{school.code}-000002"  # given on the last row, in the last part, not read yet
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert result.ok and result.written
    cards = list(Membership.objects.order_by("person__staff_no").values_list("card_no", flat=True))
    assert cards[29] == f"{school.code}-000002" and len(set(cards)) == 30
    assert cards[:2] == [f"{school.code}-000003", f"{school.code}-000004"]  # past the highest in the file


def test_sheets_that_are_not_cut(split, monkeypatch):
    whole = odd_roster().getvalue()
    assert sheet_parts.split_sheet(b"not a zip", "Sheet") is None
    assert sheet_parts.split_sheet(whole, "No such sheet") is None
    with monkeypatch.context() as m:
        m.setattr(sheet_parts, "SPLIT_UP_TO", 1000)  # too large to hold in memory: calamine streams it
        assert sheet_parts.split_sheet(whole, "Sheet") is None
    # rows that do not say their number: calamine would count a part's rows from 1
    archive = zipfile.ZipFile(io.BytesIO(whole))
    unnumbered = re.sub(rb'<row r="\d+"', b"<row", archive.read("xl/worksheets/sheet1.xml"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in archive.infolist():
            target.writestr(info, unnumbered if info.filename == "xl/worksheets/sheet1.xml" else archive.read(info))
    assert sheet_parts.split_sheet(out.getvalue(), "Sheet") is None
    assert len(rows_of(io.BytesIO(out.getvalue()))[1]) == 60  # read whole, as before


def test_a_part_that_cannot_be_read_fails_the_import_and_writes_nothing(split, school):
    archive = zipfile.ZipFile(xlsx(good_rows(30)))
    xml = archive.read("xl/worksheets/sheet1.xml")
    broken = xml.replace(b'<row r="28">', b'<row r="28"><c r="A28" t="s"><v>12345</v></c>', 1)  # no such string
    assert broken != xml
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in archive.infolist():
            target.writestr(info, broken if info.filename == "xl/worksheets/sheet1.xml" else archive.read(info))
    out.seek(0)
    with pytest.raises(RosterFileError, match="could not be read"):
        import_roster(out, school, acting_user=None)
    assert Person.objects.count() == Membership.objects.count() == 0


def test_the_first_part_is_made_before_the_rest_of_the_sheet_is_inflated(split, monkeypatch):
    monkeypatch.setattr(sheet_parts, "INFLATE_STEP", 4096)
    data = odd_roster().getvalue()
    size = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml").file_size
    parts = sheet_parts.split_sheet(data, "Sheet")
    assert not parts.inflated.is_set() and parts.tail is None
    assert len(parts.xml) < size // 2  # only as far as the first part's rows, and a step beyond
    later = list(parts.read_rest(threading.Event()))
    assert parts.inflated.is_set() and parts.tail.startswith(b"</sheetData>") and b"H20:H38" in parts.tail
    assert len(later) == len(sheet_parts.SHARES) - 1
    stopped = sheet_parts.split_sheet(data, "Sheet")
    stop = threading.Event()
    stop.set()
    assert list(stopped.read_rest(stop)) == [] and stopped.merged_workbook() is None  # closed, nothing waits


def test_a_part_starts_only_at_a_row_that_says_its_number(split, monkeypatch):
    """Rows may leave out r="…" (calamine then counts on from the row before): a part never starts at one."""
    data = odd_roster().getvalue()
    numbered = {4, 30, 50}

    def unnumber(xml: bytes) -> bytes:
        return re.sub(rb'<row r="(\d+)"', lambda m: m[0] if int(m[1]) in numbered else b"<row", xml)

    odd = rewritten(data, unnumber)
    assert first_row_numbers(part_workbooks(odd)[1:]) == [30, 50]  # not where the shares fall, but there
    columns, in_parts, was_split = rows_of(io.BytesIO(odd))
    monkeypatch.setattr(sheet_parts, "SPLIT_FROM", 1 << 40)
    assert was_split and (columns, in_parts, False) == rows_of(io.BytesIO(odd))


def test_a_sheet_broken_after_its_first_part_fails_the_import_and_writes_nothing(split, school, monkeypatch):
    monkeypatch.setattr(sheet_parts, "INFLATE_STEP", 4096)
    data = xlsx(good_rows(30)).getvalue()
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    # one byte of the compressed rows near the end changed: zlib or the CRC check fails there
    at = info.header_offset + 30 + name_length + extra_length + info.compress_size - 40
    broken = data[:at] + bytes([data[at] ^ 0x55]) + data[at + 1:]
    assert sheet_parts.split_sheet(broken, "Sheet") is not None  # the first part is fine
    with pytest.raises(RosterFileError, match="could not be read"):
        import_roster(io.BytesIO(broken), school, acting_user=None)
    assert Person.objects.count() == Membership.objects.count() == 0


def test_while_a_later_part_is_awaited_the_import_moves_its_queries_on(split, monkeypatch):
    """The import's statements go to the server one at a time, the next when Python looks: waiting for a part
    (read by the thread) must not leave the server idle."""
    read_rest = sheet_parts.Parts.read_rest

    def slow(self, stop):
        for workbook in read_rest(self, stop):
            time.sleep(0.05)
            yield workbook

    monkeypatch.setattr(sheet_parts.Parts, "read_rest", slow)
    sheet = read_sheet(odd_roster())
    assert sheet.more is not None  # the rest is read by the thread
    calls = []
    sheet.waiting = lambda: calls.append(1)
    try:
        assert sum(len(lot) for lot in sheet.lots(100)) == 60
    finally:
        sheet.close()
    assert len(calls) > 10


def test_a_reader_that_fails_before_inflating_the_rest_does_not_leave_the_import_waiting(split, monkeypatch):
    def broken(self, stop):
        raise OSError("disk gone")
        yield  # a generator, as read_rest is

    monkeypatch.setattr(sheet_parts.Parts, "read_rest", broken)
    outcome = []
    reading = threading.Thread(target=lambda: outcome.append(pytest.raises(RosterFileError, read_sheet, odd_roster())),
                               daemon=True)
    reading.start()
    reading.join(10)
    assert not reading.is_alive() and isinstance(outcome[0].value, RosterFileError)  # said, not waited for
