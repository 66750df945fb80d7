"""Reading and checking a roster sheet, row by row, in plain Python (phases 1 and 2 of ``members.importer``).

``read_sheet`` finds the header row and the data rows of the first visible sheet; ``Checker.check`` turns
a row into clean values under the model's field names and lists each problem as (Excel row, column,
message). Nothing here touches the database.
"""

import datetime
import io
import queue
import re
import threading
from dataclasses import dataclass
from operator import mul

from django.utils.translation import gettext as _

from .idcard import CHECK, WEIGHTS, parse_id_number
from .models import Membership, OrgUnit
from .roster_layout import (
    CATEGORY_VALUES,
    COLUMNS,
    CONTRACT_VALUES,
    GENDER_VALUES,
    LABEL_TO_KEY,
    NO,
    RETENTION_VALUES,
    STATUS_VALUES,
    YES,
    normalise_label,
)
from .sheet_parts import split_sheet

S = Membership.Status
HEADER_SEARCH_ROWS = 20
MAX_LENGTH = {"name": 50, "phone": 20, "staff_no": 32, "department": 100, "post": 100, "card_no": 40}
DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
MONTH_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
STATUS_RE = re.compile(r"([^(（]+?)\s*(?:[(（]\s*(.*?)\s*[)）])?")
EXCEL_EPOCH = datetime.date(1899, 12, 30)
# full-width ASCII (！…～) and the ideographic space to half-width (idcard.normalise_text does digits and X);
# a no-break space is a space; zero-width and direction marks (copied from phone contacts, web pages or
# WeChat: "\u202d13912345678\u202c") are invisible in Excel and dropped, and so are the control characters
# a file may carry as _x0000_ (PostgreSQL refuses NUL; union_site.excel drops the same set on export)
INVISIBLE = [0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2060, 0xFEFF]
CONTROL = [c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)]
NOT_SHOWN = dict.fromkeys(INVISIBLE + CONTROL)
HALF_WIDTH = {0x3000: " ", 0xA0: " ", **NOT_SHOWN, **{c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}}
FORMULA_START = ("=", "+", "-", "@")
WEIGHTS_TIMES_ZERO = sum(WEIGHTS) * ord("0")  # digits as bytes are ord("0") + d


class RosterFileError(Exception):
    """The file as a whole cannot be used: not a spreadsheet, no header row, required columns missing."""


@dataclass
class RowError:
    row: int  # the row number Excel shows
    column: str  # the column's header as the file has it
    message: str

    def __str__(self):
        return _("Row %(row)s %(column)s: %(message)s") % {"row": self.row, "column": self.column,
                                                          "message": self.message}


# --- phase 1: read --------------------------------------------------------------------------------


class Sheet:
    """The first sheet's header mapping and its data rows, (Excel row number, cells) each.

    ``rows`` holds the rows read so far: all of them, unless the sheet is large and was cut into parts
    (``members.sheet_parts``); then a thread reads the later parts while ``lots`` hands out the rows before
    them, and ``all_rows`` waits for the rest. ``close`` stops the thread if the rows are no longer wanted."""

    def __init__(self, columns: dict[str, int], labels: dict[str, str], rows: list, more=None, expected_rows=0):
        self.columns = columns  # layout key → column index
        self.labels = labels  # layout key → the header as written in the file
        self.rows = rows
        self.more = more
        self.expected_rows = max(expected_rows, len(rows))  # for a progress bar: the count until all are read
        self.waiting = None  # called now and then while the next part is awaited (an import moves its queries on)

    def lots(self, size: int):
        """The rows, ``size`` at a time, each lot as soon as its rows are read."""
        given = 0
        while True:
            while len(self.rows) - given < size and self._read_more():
                pass
            if given >= len(self.rows):
                return
            yield self.rows[given:given + size]
            given += size

    def all_rows(self) -> list:
        while self._read_more():
            pass
        return self.rows

    def _read_more(self) -> bool:
        if self.more is None:
            return False
        rows = self.more.next_rows(self.waiting)
        if rows is None:
            self.more = None
            return False
        self.rows += rows
        self.expected_rows = max(self.expected_rows, len(self.rows))
        return True

    def close(self) -> None:
        if self.more is not None:
            self.more.close()
            self.more = None


class _Rows:
    """(Excel row number, cells) of the rows under the header with something in a column we read — not a row
    where only 序号 is filled in ahead, or where only a formula outside the layout shows a value — with merged
    cells filled down; part after part, a range merged down from one part into the next carrying its value."""

    def __init__(self, index: int, positions, merged, width: int):
        self.index, self.positions, self.width = index, list(positions), width
        # a value merged down over rows (部门 of a group) is on each of them, as Excel shows it
        self.merged = [(top, left, bottom) for (top, left), (bottom, _right) in merged if top > index]
        self.tops: dict[tuple[int, int], object] = {}

    def take(self, cells: list[list], first: int) -> list[tuple[int, list]]:
        """The data rows of ``cells``, whose first is the sheet's row ``first`` (from 0)."""
        last = first + len(cells) - 1
        for top, left, bottom in self.merged:
            if first <= top <= last:
                row = cells[top - first]
                self.tops[top, left] = row[left] if left < len(row) else ""
            for n in range(max(top + 1, first), min(bottom, last) + 1):
                row = cells[n - first]
                if left < len(row) and row[left] in ("", None):
                    row[left] = self.tops.get((top, left), "")
        skip = max(self.index + 1 - first, 0)
        positions = self.positions
        return [(number, row) for number, row in enumerate(cells[skip:], start=first + skip + 1)
                if _has_content([row[p] for p in positions])]


class _PartReader:
    """Inflates the rest of the sheet and reads the parts after the first, in order, in a thread (zlib and
    calamine work without the interpreter lock); meanwhile the first part is read and its rows are used."""

    def __init__(self, parts, sheet_name: str):
        self.parts, self.sheet_name, self.done = parts, sheet_name, False
        self.rows: _Rows | None = None  # set once the header row is known, before next_rows
        self.results: queue.SimpleQueue = queue.SimpleQueue()
        self.stop = threading.Event()
        threading.Thread(target=self._read, name="roster-sheet-parts", daemon=True).start()

    def _read(self) -> None:
        from python_calamine import CalamineWorkbook

        try:
            for workbook in self.parts.read_rest(self.stop):
                sheet = CalamineWorkbook.from_filelike(io.BytesIO(workbook)).get_sheet_by_name(self.sheet_name)
                self.results.put((sheet.start, sheet.to_python(skip_empty_area=True)))
                if self.stop.is_set():
                    return
        except Exception as exc:  # noqa: BLE001 — handed to next_rows, which says the file cannot be read
            self.results.put(exc)
            return
        finally:
            self.parts.inflated.set()  # whatever happened, merged_ranges does not wait for ever
        self.results.put(None)

    def merged_ranges(self) -> list:
        """The sheet's merged ranges (in what follows its rows: known once the rest is inflated)."""
        from python_calamine import CalamineWorkbook

        workbook = self.parts.merged_workbook()
        if workbook is None:
            raise RosterFileError(_unreadable())
        try:
            sheet = CalamineWorkbook.from_filelike(io.BytesIO(workbook)).get_sheet_by_name(self.sheet_name)
            return sheet.merged_cell_ranges or []
        except Exception as exc:  # calamine raises several types for a broken file
            raise RosterFileError(_unreadable()) from exc

    def next_rows(self, waiting=None) -> list | None:
        """The next part's data rows (waiting for them, calling ``waiting`` every millisecond meanwhile), or
        None after the last part."""
        if self.done:
            return None
        while True:
            try:
                result = self.results.get(timeout=None if waiting is None else 0.001)
                break
            except queue.Empty:
                waiting()
        if result is None or isinstance(result, Exception):
            self.done = True
            if result is not None:
                raise RosterFileError(_unreadable()) from result
            return None
        start, cells = result
        if start is None:  # no cells in this part
            return []
        top, left = start
        width = self.rows.width
        if left or (cells and left + len(cells[0]) < width):  # calamine starts at the first used column
            cells = [[*([""] * left), *row, *([""] * (width - left - len(row)))] for row in cells]
        return self.rows.take(cells, top)

    def close(self) -> None:
        self.stop.set()


def _unreadable() -> str:
    return _("The file could not be read as an Excel workbook (.xlsx, .xls or .ods).")


def read_sheet(fileobj) -> Sheet:
    """The first sheet's header mapping and non-empty data rows. ``fileobj``: a path or a binary file.

    Only the first sheet is read (the first one Excel shows: a hidden sheet of drop-down lists does not
    count); when the roster is on another sheet, or other sheets hold rows too, the error says so. A large
    sheet is read in parts as its rows are used (``Sheet``); ``close`` the result when done with it."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    more = None
    try:
        try:
            if isinstance(fileobj, str) or hasattr(fileobj, "__fspath__"):
                with open(fileobj, "rb") as f:
                    data = f.read()
            else:
                if hasattr(fileobj, "seek"):
                    fileobj.seek(0)
                data = fileobj.read()
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            sheets = [m.name for m in workbook.sheets_metadata if m.visible == SheetVisibleEnum.Visible]
            sheets = sheets or workbook.sheet_names
            parts = split_sheet(data, sheets[0])
            # the rest of a large sheet is inflated and read by a thread from now on, while its first part is read
            more = None if parts is None else _PartReader(parts, sheets[0])
            first = workbook if parts is None else CalamineWorkbook.from_filelike(io.BytesIO(parts.first))
            sheet = first.get_sheet_by_name(sheets[0])
            # skip_empty_area=False keeps leading empty rows and columns, so indexes are Excel's rows/columns
            cells = sheet.to_python(skip_empty_area=False)
            if more is not None and len(cells) <= HEADER_SEARCH_ROWS:  # very long rows: the header may be further
                more.close()
                more, sheet = None, workbook.get_sheet_by_name(sheets[0])
                cells = sheet.to_python(skip_empty_area=False)
            merged = (sheet.merged_cell_ranges or ()) if more is None else more.merged_ranges()
        except RosterFileError:
            raise
        except Exception as exc:  # calamine raises several types for a broken or non-spreadsheet file
            raise RosterFileError(_unreadable()) from exc
        return _sheet(workbook, sheets, cells, merged, more, parts)
    except Exception:
        if more is not None:  # the thread stops: its rows are not wanted
            more.close()
        raise


def _sheet(workbook, sheets: list[str], cells: list, merged, more, parts) -> Sheet:
    """``read_sheet``'s rows under the header row of the first part (``cells``), and the rest to come."""
    index, keys = _header_row(cells)
    if index is None:
        if elsewhere := next((name for name in sheets[1:] if _roster_rows(workbook, name) is not None), None):
            raise RosterFileError(_("Only the first sheet is read, and it has no header row; the roster is on the "
                                    "sheet \"%(sheet)s\": move that sheet to the front.") % {"sheet": elsewhere})
        raise RosterFileError(_("No header row was found: the first rows must name the columns, e.g. 姓名, 身份证号."))
    header = cells[index]
    columns, labels = {}, {}
    for position, key in enumerate(keys):
        if key is None:
            continue
        label = str(header[position]).translate(NOT_SHOWN).strip().rstrip("*＊").strip()
        if key in columns:
            raise RosterFileError(_("The column %(column)s appears twice in the header row.") % {"column": label})
        columns[key], labels[key] = position, label
    missing = [c.zh for c in COLUMNS if c.required and c.key not in columns]
    if missing:
        raise RosterFileError(_("Required columns are missing: %(cols)s.") % {"cols": "、".join(missing)})
    reader = _Rows(index, columns.values(), merged, len(header))
    rows = reader.take(cells, 0)
    sheet = Sheet(columns, labels, rows)
    if more is not None:
        more.rows, sheet.more = reader, more
        sheet.expected_rows = int(len(rows) / parts.first_share())
    if not rows and not sheet.all_rows():
        raise RosterFileError(_("There are no rows under the header row (row %(row)s): nothing to import.") % {
            "row": index + 1})
    if others := [name for name in sheets[1:] if _roster_rows(workbook, name)]:
        raise RosterFileError(_("Only the first sheet is read, but the sheet \"%(sheet)s\" has roster rows too: "
                                "put all rows on the first sheet, or import each sheet as a file of its own.") % {
            "sheet": others[0]})
    return sheet


def _header_row(cells) -> tuple[int | None, list]:
    """The index of the first row naming at least two known columns, and each cell's layout key (or None)."""
    for index, header in enumerate(cells[:HEADER_SEARCH_ROWS]):
        keys = [LABEL_TO_KEY.get(normalise_label(cell)) if isinstance(cell, str) else None for cell in header]
        if sum(1 for k in keys if k) >= 2:
            return index, keys
    return None, []


def _roster_rows(workbook, name: str) -> list | None:
    """Another sheet's data rows if it has a header row (None if not, or if it cannot be read)."""
    try:
        cells = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception:  # a sheet that cannot be read holds no roster we could import
        return None
    index, keys = _header_row(cells)
    if index is None:
        return None
    return _Rows(index, [p for p, key in enumerate(keys) if key], (), 0).take(cells, 0)


def _has_content(row) -> bool:
    """Whether a cell shows something: printable text that is not all spaces needs no cleaning to tell."""
    for cell in row:
        if cell is None or cell == "":
            continue
        if cell.__class__ is not str or (cell.isprintable() and not cell.isspace()) or text(cell):
            return True
    return False


# --- phase 2: check each row ----------------------------------------------------------------------


def text(value) -> str:
    """A cell as clean text: full-width to half-width, ends stripped, 13912345678.0 → "13912345678"."""
    if value is None:
        return ""
    if type(value) is str:
        if not value.isascii() or not value.isprintable():
            value = value.translate(HALF_WIDTH)
        value = value.strip()
        # our export defuses a leading = + - @ with an apostrophe (union_site.excel), and other systems write
        # '110105… or '139… to keep Excel from making a number of it: read the value itself
        if value[:1] == "'" and (value[1:2] in FORMULA_START or (value[1:2].isdigit() and value.isascii())):
            value = value[1:]
        return value
    if type(value) is float and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    return str(value).strip()


def parse_date(value) -> datetime.date:
    """An Excel date cell, an Excel serial number, or 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:  # an Excel serial day number (1954–2119)
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        value = str(int(value)) if float(value).is_integer() else str(value)
    value = text(value)
    if m := DATE_RE.fullmatch(value):
        return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    if len(value) == 8 and value.isdigit():
        return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    raise ValueError(value)


def parse_month(value) -> datetime.date:
    """A month (2024-03, 2024/3, 2024年3月, 202403) or any date: its first day."""
    if isinstance(value, str | float | int) and not isinstance(value, bool):
        value_text = text(value)
        if m := MONTH_RE.fullmatch(value_text):
            return datetime.date(int(m[1]), int(m[2]), 1)
        if len(value_text) == 6 and value_text.isdigit():
            return datetime.date(int(value_text[:4]), int(value_text[4:]), 1)
    return parse_date(value).replace(day=1)


def _fast_id_number(value: str, today: datetime.date):
    """(number, birth date, gender) for a well-formed 18-digit number, else None (``parse_id_number`` then
    gives the precise message). The same checks as ``idcard.parse_id_number``, without its per-call work;
    50,000 rows spend 0.5 s there."""
    if len(value) != 18 or not value.isascii() or not value[:17].isdigit():
        return None
    last = value[17]
    if last == "x":
        value, last = value[:17] + "X", "X"
    digits = value[:17].encode()
    if CHECK[(sum(map(mul, WEIGHTS, digits)) - WEIGHTS_TIMES_ZERO) % 11] != last:
        return None
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    if birth.year < 1900 or birth > today:
        return None
    return value, birth, "M" if digits[16] % 2 else "F"


def is_masked(value: str) -> bool:
    """A number as our export writes it for users without the full-view permission: 110105********1234."""
    return "*" in value and len(value) in (15, 18) and value.replace("*", "").isalnum()


def _clean_name(value, out, checker):
    name = text(value)
    # Chinese names have no spaces ("王 芳" is a typing slip); Latin names keep one space between words
    name = " ".join(name.split()) if any("a" <= ch <= "z" for ch in name.lower()) else "".join(name.split())
    if len(name) > MAX_LENGTH["name"]:
        return _("The name is longer than 50 characters.")
    if name:
        out["name"] = name


def _clean_id_number(value, out, checker):
    if value.__class__ is not str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _("The ID number was stored as a number and has lost digits: format the column as text and "
                     "type it again.")
        value = text(value)
    value = value.strip()
    if not value.isascii() or value[:1] == "'":
        value = text(value)
    if " " in value:
        value = value.replace(" ", "")
    if parsed := _fast_id_number(value, checker.today):
        out["id_number"], out["birth_date"], out["gender_from_id"] = parsed
    elif is_masked(value):
        out["id_masked"] = value.upper()
    elif value:
        try:
            parsed_id = parse_id_number(value)
        except ValueError as exc:
            return str(exc)
        out["id_number"], out["birth_date"], out["gender_from_id"] = (
            parsed_id.value, parsed_id.birth_date, parsed_id.gender)


def _clean_gender(value, out, checker):
    if value := text(value):
        if (gender := GENDER_VALUES.get(value.lower())) is None:
            return _("Write 男 or 女.")
        out["gender"] = gender


def _clean_phone(value, out, checker):
    phone = text(value).replace(" ", "").replace("-", "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not phone:
        return None
    if not phone.isdigit():
        return _("The phone number may contain digits only.")
    if not 7 <= len(phone) <= 15:
        return _("The phone number must have 7 to 15 digits.")
    out["phone"] = phone


def _text_cleaner(key, *, no_spaces=False, upper=False):
    limit = MAX_LENGTH[key]

    def clean(value, out, checker):
        value = text(value)
        if no_spaces:
            value = value.replace(" ", "")
        if upper:
            value = value.upper()
        if len(value) > limit:
            return _("This is longer than %(n)s characters.") % {"n": limit}
        if value:
            out[key] = value

    return clean


def _clean_unit(value, out, checker):
    if code := text(value):
        unit = checker.units.get(code) or checker.units.get(code.upper())
        if unit is None:
            shown = code if len(code) <= 40 else code[:40] + "…"  # not a whole pasted paragraph in every message
            return _("Unit %(code)s is not the unit imported into or one of its units.") % {"code": shown}
        out["unit_id"] = unit.pk


def _choice_cleaner(key, choices, message):
    def clean(value, out, checker):
        if value := text(value):
            if (choice := choices.get(value.lower())) is None:
                return message()
            out[key] = choice

    return clean


def _date_cleaner(key, parser, latest):
    def clean(value, out, checker):
        if value.__class__ is str and not value.strip():
            return None
        try:
            day = parser(value)
        except (ValueError, TypeError, OverflowError):
            return _("Not a date: write it like 2024-03-05, 2024/3/5, 2024.3.5 or 2024年3月5日.")
        if day > latest(checker.today):
            return _("The date is in the future.")
        if day.year < 1900:
            return _("The date is before 1900.")
        out[key] = day

    return clean


def _clean_status(value, out, checker):
    if not (value := text(value)):
        return None
    m = STATUS_RE.fullmatch(value)
    status = STATUS_VALUES.get(m[1].strip().lower()) if m else None
    reason = m[2] if m else None
    if status is None:
        return _("Unknown membership status: use 在籍, 保留会籍(退休), 暂存, 申请中 or 非会员.")
    if reason and status != S.RETAINED:
        return _("Only 保留会籍 takes a reason in brackets.")
    if reason and reason.lower() not in RETENTION_VALUES:
        return _("Unknown reason for retained membership: use 离休, 退休, 失业, 单位撤销 or 其他.")
    out["status"] = status
    if reason:
        out["retention_reason"] = RETENTION_VALUES[reason.lower()]


def _flag_cleaner(key):
    def clean(value, out, checker):
        if value.__class__ is bool:
            out[key] = value
            return None
        value = text(value).lower()
        if value in YES:
            out[key] = True
        elif value not in NO:  # an empty cell is 否 (set before the cleaners run)
            return _("Write 是 or 否.")

    return clean


def _next_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


# One cleaner per column: (cell value, the row's clean values, checker) → an error message or None.
# Empty cells never reach a cleaner: an empty cell gives no value (and keeps what is on record).
CLEANERS = {
    "name": _clean_name,
    "gender": _clean_gender,
    "id_number": _clean_id_number,
    "phone": _clean_phone,
    "staff_no": _text_cleaner("staff_no", no_spaces=True),
    "unit": _clean_unit,
    "department": _text_cleaner("department"),
    "post": _text_cleaner("post"),
    "category": _choice_cleaner("category", CATEGORY_VALUES,
                                lambda: _("Unknown staff category: use 教师, 一线, 管理, 后勤 or 其他.")),
    "contract_type": _choice_cleaner("contract_type", CONTRACT_VALUES,
                                     lambda: _("Unknown contract type: use 正式, 劳务派遣 or 合同制.")),
    "card_no": _text_cleaner("card_no", no_spaces=True, upper=True),
    "joined_on": _date_cleaner("joined_on", parse_date, lambda today: today),
    "dues_from": _date_cleaner("dues_from", parse_month, _next_month),  # dues may start next month
    "status": _clean_status,
    "is_member_representative": _flag_cleaner("is_member_representative"),
    "is_activist": _flag_cleaner("is_activist"),
}
FLAGS = ("is_member_representative", "is_activist")
# Columns whose cells repeat down a roster (a few departments, two genders, a few thousand dates): each distinct
# cell is cleaned once per import and its outcome reused. Names, ID, phone, staff and card numbers are not:
# nearly every cell differs, so a cache would only grow.
REPEATING = frozenset(CLEANERS) - {"name", "id_number", "phone", "staff_no", "card_no"}


@dataclass
class Checker:
    """Checks one row at a time; holds what every row needs (unit lookup, today, the column labels)."""

    columns: dict[str, int]
    labels: dict[str, str]
    units: dict[str, OrgUnit]  # code or name → unit, for the import unit and everything below it
    today: datetime.date

    def __post_init__(self):
        self.cleaners = [(key, position, self._remembered(CLEANERS[key]) if key in REPEATING else CLEANERS[key])
                         for key, position in self.columns.items()]
        self.blank = {key: False for key in FLAGS if key in self.columns}  # an empty flag cell is 否

    def _remembered(self, clean):
        """``clean`` with each distinct cell's outcome (message, values given) kept for this checker's rows.

        Cells are keyed with their type: 1, 1.0 and True are equal in Python but not the same cell."""
        outcomes = {}

        def remembered(value, out, checker):
            key = value if value.__class__ is str else (value.__class__, value)
            if (outcome := outcomes.get(key)) is None:
                given = {}
                outcome = outcomes[key] = (clean(value, given, checker), tuple(given.items()))
            message, given = outcome
            out.update(given)
            return message

        return remembered

    def card_numbers(self, rows: list[tuple[int, list]]):
        """Every card number the rows give, cleaned as ``check`` cleans it (a bad one left out)."""
        position, clean, out = self.columns.get("card_no"), CLEANERS["card_no"], {}
        if position is None:
            return []
        for _number, row in rows:
            if (value := row[position]) not in ("", None):
                clean(value, out, self)
                if "card_no" in out:
                    yield out.pop("card_no")

    def check(self, number: int, row: list, errors: list) -> dict:
        """The row's clean values, under the model's field names: only what the file gives, plus "_row"."""
        out = {**self.blank, "_row": number}
        failed = ()
        for key, position, clean in self.cleaners:
            value = row[position]
            if value == "" or value is None:
                continue
            if message := clean(value, out, self):
                errors.append(RowError(number, self.labels[key], message))
                failed = (*failed, key)
        if "name" not in out and "name" not in failed:
            errors.append(RowError(number, self.labels["name"], _("The name is empty.")))
        if "id_number" not in out and "id_masked" not in out and "id_number" not in failed:
            errors.append(RowError(number, self.labels["id_number"], _("The ID number is empty.")))
        gender_from_id = out.pop("gender_from_id", None)
        if gender_from_id:
            if "gender" not in out:
                out["gender_from_id"] = gender_from_id
            elif out["gender"] != gender_from_id:
                errors.append(RowError(number, self.labels["gender"], _("The gender does not match the ID number.")))
        return out
