"""Roster import with the odd files officers really upload (M3, M5; PI10 for masked ID numbers): headers
under titles, numbers typed as numbers, invisible characters, dates in every form, empty and numbered rows,
duplicates and clashes, other sheets and files that are not Excel. Each ends in a clean import or in
problems naming row and column, and a failed import writes nothing. Messages are matched on their msgids."""

import datetime
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from members.exports import export_roster_xlsx
from members.importer import RosterFileError, import_roster
from members.models import Membership, MembershipEvent, Person
from union_site.models import AuditEvent

from ..factories import MembershipFactory, OrgUnitFactory, PersonFactory, make_id_number
from .test_importer import errors_of, good_rows, xlsx

pytestmark = pytest.mark.usefixtures("english")

ID1, ID2 = make_id_number(1), make_id_number(2)


def save(wb):
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "roster.xlsx"
    return out


def nothing_written():
    return (Person.objects.count() == Membership.objects.count() == MembershipEvent.objects.count() == 0
            and not AuditEvent.objects.filter(action="members.roster.imported").exists())


# --- 1. headers -------------------------------------------------------------------------------------


def test_a_merged_title_extra_columns_other_order_and_marked_headers(school):
    wb = Workbook()
    ws = wb.active
    ws.append(["城关中心小学工会会员花名册"])
    ws.merge_cells("A1:F1")
    ws.append(["填报单位：城关中心小学", None, None, "填报日期：2024年3月"])
    ws.append(["序号", "　手机号　", "身份证号＊", "姓名 *", "备注", "Card number"])
    ws.append([1, "13900000001", ID1, "张三", "新调入", "A-1"])
    result = import_roster(save(wb), school, acting_user=None)
    assert result.ok, result.errors
    person = Person.objects.get()
    assert (person.name, person.phone, person.id_number) == ("张三", "13900000001", ID1)
    assert Membership.objects.get().card_no == "A-1"


# --- 2. ID numbers ----------------------------------------------------------------------------------


def test_id_numbers_with_a_lower_case_x_spaces_full_width_digits_or_15_digits(school):
    x_number = "11010519491231002X"
    rows = [["甲", x_number.lower()], ["乙", " ".join([ID1[:6], ID1[6:14], ID1[14:]])],
            ["丙", ID2.translate(str.maketrans("0123456789", "０１２３４５６７８９"))],
            ["丁", "110105491231003"]]
    result = import_roster(xlsx(rows, ["姓名", "身份证号"]), school, acting_user=None)
    assert result.ok, result.errors
    assert {p.name: p.id_number for p in Person.objects.all()} == {
        "甲": x_number, "乙": ID1, "丙": ID2, "丁": "110105194912310038"}


def test_the_same_person_as_15_and_18_digits_is_a_duplicate(school):
    rows = [["丁", "110105491231003"], ["丁", "110105194912310038"]]
    result = import_roster(xlsx(rows, ["姓名", "身份证号"]), school, acting_user=None)
    assert errors_of(result) == {(2, "身份证号", "The same ID number is also on row 3."),
                                 (3, "身份证号", "The same ID number is also on row 2.")}
    assert nothing_written()


# --- 3. dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", [datetime.datetime(2024, 3, 5, 14, 30), "2024-03-05 14:30", "2024/3/5 0:00:00",
                                  45356.0])
def test_dates_with_a_time_or_as_a_serial_number(school, cell):
    result = import_roster(xlsx([["张三", ID1, cell]], ["姓名", "身份证号", "入会日期"]), school, acting_user=None)
    assert result.ok, result.errors
    assert Membership.objects.get().joined_on == datetime.date(2024, 3, 5)


# --- 4. phones, empty rows, formulas ----------------------------------------------------------------


@pytest.mark.parametrize("cell", [13912345678.0, "+86 139 1234 5678", "+86-139-1234-5678", "139-1234-5678",
                                  "'+8613912345678"])
def test_phone_forms(school, cell):
    result = import_roster(xlsx([["张三", ID1, cell]], ["姓名", "身份证号", "手机号"]), school, acting_user=None)
    assert result.ok, result.errors
    assert Person.objects.get().phone == "13912345678"


def test_empty_and_blank_rows_in_the_middle_and_at_the_end(school):
    rows = good_rows(2)
    rows.insert(1, [None] * 10)
    rows.insert(2, ["  ", "　", " ", "", "", "", "", "", "", ""])
    rows += [[None] * 10, ["", "", "", "", "", "", "", "", "", "   "]]
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert result.ok and result.rows == 2 and result.created == 2


def test_a_formula_defused_by_an_apostrophe_is_read_as_its_text(school):
    result = import_roster(xlsx([["'=王五", ID1]], ["姓名", "身份证号"]), school, acting_user=None)
    assert result.ok, result.errors
    assert Person.objects.get().name == "=王五"


def test_a_formula_cell_without_a_value_is_an_empty_cell(school):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号"])
    ws.append(["=A1", ID1])  # openpyxl stores no computed value; Excel would, and that value is read
    result = import_roster(save(wb), school, acting_user=None)
    assert errors_of(result) == {(2, "姓名", "The name is empty.")}
    assert nothing_written()


# --- 5. duplicates and clashes -----------------------------------------------------------------------


def test_clashes_with_other_unions_and_other_peoples_cards_write_nothing(school, other_school):
    MembershipFactory(person__unit=other_school, person__id_number=ID1, union=other_school)
    MembershipFactory(person__unit=school, person__id_number=ID2, union=school, card_no="CG-1")
    rows = [["甲", ID1, ""], ["乙", make_id_number(3), "cg-1"], ["丙", make_id_number(4), ""]]
    result = import_roster(xlsx(rows, ["姓名", "身份证号", "会员证号"]), school, acting_user=None)
    assert errors_of(result) == {
        (2, "身份证号", "This person is on the roster of another unit; that unit must transfer them."),
        (3, "会员证号", "Card number CG-1 is already used by another person in this union.")}
    assert Person.objects.count() == 2 and MembershipEvent.objects.count() == 0


# --- 6. the same file twice -------------------------------------------------------------------------


def test_an_odd_file_imported_twice_changes_nothing_the_second_time(school):
    rows = [["阿卜杜·热合曼", "女", "11010519491231002x", 13912345678.0, "2024/3/5", "+86 139 1234 5678"],
            ["Mary Smith", "男", "110105491231003", "", datetime.datetime(2020, 9, 1, 8, 0), ""]]
    data = xlsx(rows, ["姓名", "性别", "身份证号", "工号", "入会日期", "手机号"]).getvalue()
    first = import_roster(io.BytesIO(data), school, acting_user=None)
    assert first.ok and first.created == 2, first.errors
    events, audits = MembershipEvent.objects.count(), AuditEvent.objects.count()
    updated = {p.pk: p.updated_at for p in Person.objects.all()}
    again = import_roster(io.BytesIO(data), school, acting_user=None)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 2), again.changes
    assert MembershipEvent.objects.count() == events and AuditEvent.objects.count() == audits + 1
    assert {p.pk: p.updated_at for p in Person.objects.all()} == updated


# --- 7. sheets and files ----------------------------------------------------------------------------


def test_files_that_are_not_excel(school, tmp_path):
    for content in (f"姓名,身份证号\n张三,{ID1}\n".encode("gbk"), b"\xef\xbb\xbfname,id\n", b""):
        with pytest.raises(RosterFileError, match="could not be read"):
            import_roster(io.BytesIO(content), school, acting_user=None)
    path = tmp_path / "roster.xlsx"
    path.write_text("姓名\t身份证号\n", encoding="utf-8")
    with pytest.raises(RosterFileError, match="could not be read"):
        import_roster(str(path), school, acting_user=None)
    assert nothing_written()


def test_an_empty_workbook_has_no_header(school):
    with pytest.raises(RosterFileError, match="No header row"):
        import_roster(save(Workbook()), school, acting_user=None)


# --- 8. long values and names ----------------------------------------------------------------------


def test_long_values_are_refused_by_row_and_column(school):
    rows = [["王" * 51, ID1, "部" * 101, "A" * 41, "1" * 16]]
    result = import_roster(xlsx(rows, ["姓名", "身份证号", "部门", "会员证号", "手机号"]), school, acting_user=None)
    assert errors_of(result) == {
        (2, "姓名", "The name is longer than 50 characters."),
        (2, "部门", "This is longer than 100 characters."),
        (2, "会员证号", "This is longer than 40 characters."),
        (2, "手机号", "The phone number must have 7 to 15 digits."),
    }
    assert nothing_written()


def test_names_with_a_middle_dot_or_latin_letters(school):
    rows = [["阿卜杜 · 热合曼", ID1], ["  Mary   Smith ", ID2], ["王 芳", make_id_number(3)]]
    assert import_roster(xlsx(rows, ["姓名", "身份证号"]), school, acting_user=None).ok
    assert set(Person.objects.values_list("name", flat=True)) == {"阿卜杜·热合曼", "Mary Smith", "王芳"}




def test_the_command_names_a_file_problem_in_chinese_and_writes_nothing(school, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(save(Workbook()).getvalue())
    with pytest.raises(CommandError, match="没有找到表头"):
        call_command("import_roster", str(path), "--unit", school.code)
    assert nothing_written()


# --- bugs found with these files, each pinned --------------------------------------------------------


def test_rows_with_only_a_serial_number_filled_in_ahead_are_not_rows(school, tmp_path, capsys):
    """序号 numbered down to row 6 for two people: rows 4–6 used to fail with 姓名/身份证号 empty (M3)."""
    rows = [[1, "张三", ID1, "=A3"], [2, "李四", ID2, None], [3, None, None, 0], [4, None, "", "#N/A"],
            [5, "  ", None, None]]
    result = import_roster(xlsx(rows, ["序号", "姓名", "身份证号", "年龄"]), school, acting_user=None)
    assert result.ok and result.rows == 2 and result.created == 2, result.errors
    rows[1][2] = "123"  # row problems still name Excel's row and the column, in Chinese at the console
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx(rows, ["序号", "姓名", "身份证号"]).getvalue())
    with pytest.raises(SystemExit):
        call_command("import_roster", str(path), "--unit", school.code)
    assert capsys.readouterr().out.splitlines() == ["第3行 身份证号：身份证号应为18位（旧证为15位）。"]


@pytest.mark.parametrize("cell", ["\u202d13912345678\u202c", "\ufeff13912345678", "139\u200b1234\u20605678",
                                  "139\xa01234\xa05678", "'13912345678", "'１３９１２３４５６７８"])
def test_invisible_marks_no_break_spaces_and_a_text_apostrophe_in_a_phone_number(school, cell):
    """Copied from phone contacts or WeChat (U+202D/U+202C, zero-width spaces) or written by systems that put an
    apostrophe before digits: shown as 13912345678, refused as "digits only" before."""
    result = import_roster(xlsx([["张三", ID1, cell]], ["姓名", "身份证号", "手机号"]), school, acting_user=None)
    assert result.ok, result.errors
    assert Person.objects.get().phone == "13912345678"


@pytest.mark.parametrize("cell", [f"\u202d{ID1}\u202c", f"\ufeff{ID1}", f"{ID1[:6]}\xa0{ID1[6:]}", f"'{ID1}",
                                  f"{ID1[:6]}\u200b{ID1[6:]}"])
def test_invisible_marks_and_a_text_apostrophe_in_an_id_number(school, cell):
    """M5: the number as Excel shows it; refused before as "must have 18 digits"."""
    result = import_roster(xlsx([["张三", cell]], ["姓名", "身份证号"]), school, acting_user=None)
    assert result.ok, result.errors
    assert Person.objects.get().id_number == ID1


def test_an_apostrophe_before_text_that_is_not_a_number_is_kept(school):
    result = import_roster(xlsx([["张三", ID1, "'90后'突击队"]], ["姓名", "身份证号", "部门"]), school,
                           acting_user=None)
    assert result.ok and Person.objects.get().department == "'90后'突击队"


def test_a_byte_order_mark_or_zero_width_space_in_a_header_still_names_the_column(school):
    """A CSV converted to .xlsx keeps its byte-order mark in A1: 姓名 was "missing" before."""
    result = import_roster(xlsx([["张三", ID1]], ["\ufeff姓名", "身份证号\u200b"]), school, acting_user=None)
    assert result.ok, result.errors
    result = import_roster(xlsx([["李四", "123"]], ["\ufeff姓名", "身份证号\u200b"]), school, acting_user=None)
    assert [e.column for e in result.errors] == ["身份证号"]  # the label without the invisible mark


@pytest.mark.parametrize("header", ["证件号码", "身份证件号码"])
def test_common_headers_for_the_id_number(school, header):
    result = import_roster(xlsx([["张三", ID1, "13912345678", "语文组"]], ["姓名", header, "移动电话", "所在部门"]),
                           school, acting_user=None)
    assert result.ok, result.errors
    assert (Person.objects.get().phone, Person.objects.get().department) == ("13912345678", "语文组")


def _with_raw_text(wb, placeholder: bytes, raw: bytes):
    """The workbook with ``raw`` (XML-escaped text as other programs write it) in place of a cell's text."""
    out = io.BytesIO()
    with zipfile.ZipFile(save(wb)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename).replace(placeholder, raw))
    out.seek(0)
    return out


def test_control_characters_in_a_cell_are_dropped(school):
    """A file carrying _x0000_ (NUL) made the write fail on PostgreSQL ("text fields cannot contain NUL")."""
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "部门", "会员证号"])
    ws.append(["张三", ID1, "PLACEHOLDER1", "PLACEHOLDER2"])
    data = _with_raw_text(wb, b"PLACEHOLDER1", b"\xe8\xaf\xad_x0000_\xe6\x96\x87_x0001_\xe7\xbb\x84").getvalue()
    data = _with_raw_text(load_workbook(io.BytesIO(data)), b"PLACEHOLDER2", b"CG_x0000_-1")
    result = import_roster(data, school, acting_user=None)
    assert result.ok, result.errors
    assert Person.objects.get().department == "语文组" and Membership.objects.get().card_no == "CG-1"


def test_the_roster_on_the_second_sheet_is_named_in_the_error(school):
    """Only the first sheet is read (deliberate): the error says so and names the sheet with the roster."""
    wb = Workbook()
    wb.active.title = "封面"
    roster = wb.create_sheet("花名册")
    roster.append(["姓名", "身份证号"])
    roster.append(["张三", ID1])
    with pytest.raises(RosterFileError, match='Only the first sheet is read, and it has no header row; the roster '
                                              'is on the sheet "花名册": move that sheet to the front.'):
        import_roster(save(wb), school, acting_user=None)
    assert nothing_written()


def test_a_hidden_first_sheet_of_drop_down_lists_is_not_the_first_sheet(school):
    wb = Workbook()
    lists = wb.active
    lists.title = "字典"
    lists.append(["男", "女"])
    lists.sheet_state = "hidden"
    roster = wb.create_sheet("花名册")
    roster.append(["姓名", "身份证号"])
    roster.append(["张三", ID1])
    result = import_roster(save(wb), school, acting_user=None)
    assert result.ok and result.created == 1


def test_rosters_on_several_sheets_are_refused_not_imported_in_part(school):
    """Sheets 一年级组, 二年级组: only the first was imported, and the import said it succeeded."""
    wb = Workbook()
    for n, title in enumerate(["一年级组", "二年级组"]):
        ws = wb.active if n == 0 else wb.create_sheet(title)
        ws.title = title
        ws.append(["姓名", "身份证号"])
        ws.append([f"张{n}", make_id_number(n)])
    notes = wb.create_sheet("填写说明")  # the template's notes sheet is not a roster
    notes.append(["1. 第一行是列名：姓名、身份证号必填。"])
    with pytest.raises(RosterFileError, match='Only the first sheet is read, but the sheet "二年级组" has roster '
                                              'rows too'):
        import_roster(save(wb), school, acting_user=None)
    assert nothing_written()
    del wb["二年级组"]
    assert import_roster(save(wb), school, acting_user=None).created == 1


def test_a_file_with_only_the_header_row_is_refused(school):
    """It used to "import" 0 rows successfully (and audit it): e.g. the empty template uploaded by mistake."""
    with pytest.raises(RosterFileError, match=r"There are no rows under the header row \(row 3\): nothing to "
                                              "import."):
        import_roster(xlsx([[None, "  "]], ["姓名", "身份证号"], title_rows=[["花名册"], []]), school,
                      acting_user=None)
    assert nothing_written()


def _shared_masked_pair():
    """Two ID numbers of one area with the same last four (check digit included): the same masked number."""
    first = make_id_number(1)
    births = (f"1990{m:02d}{d:02d}" for m in range(1, 13) for d in range(1, 29))
    second = next(n for b in births if (n := make_id_number(1, birth=b))[-1] == first[-1])
    return first, second


def test_a_masked_export_with_two_people_sharing_a_masked_number_imports_unchanged(school):
    """PI10: 110105********0032 for two people of the same area was "the same ID number is also on row 3"."""
    first, second = _shared_masked_pair()
    MembershipFactory(person__unit=school, person__name="甲", person__id_number=first, union=school, card_no="C1")
    MembershipFactory(person__unit=school, person__name="乙", person__id_number=second, union=school)
    PersonFactory(unit=school, name="丙", id_number=make_id_number(7))
    assert len(set(Person.objects.filter(name__in="甲乙").values_list("id_number_masked", flat=True))) == 1
    out = io.BytesIO()
    export_roster_xlsx(Person.objects.in_subtree(school).order_by("pk"), out)  # masked, as officers get it
    events = MembershipEvent.objects.count()
    result = import_roster(io.BytesIO(out.getvalue()), school, acting_user=None)
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 3), result.errors
    assert MembershipEvent.objects.count() == events
    rows = [["甲", Person.objects.get(name="甲").id_number_masked]] * 2  # the same masked row twice still is
    result = import_roster(xlsx(rows, ["姓名", "身份证号"]), school, acting_user=None)
    assert errors_of(result) == {(2, "身份证号", "The same ID number is also on row 3."),
                                 (3, "身份证号", "The same ID number is also on row 2.")}


def test_a_department_or_unit_merged_down_over_a_group_is_on_every_row(school):
    """部门 merged over rows 4–6: only 张一 got it, and 所在工会/分会 merged the same way put 张二 and 张三 into
    the union instead of the branch."""
    branch = OrgUnitFactory(code="XJY-ZXXX-D", name="低年级分会", kind="branch", parent=school)
    wb = Workbook()
    ws = wb.active
    ws.append(["城关中心小学工会会员花名册"])
    ws.merge_cells("A1:E1")
    ws.append([None])
    ws.append(["部门", "所在工会/分会", "姓名", "身份证号", "职务"])
    for n in range(1, 4):
        ws.append(["语文组" if n == 1 else None, branch.code if n == 1 else None, f"张{n}", make_id_number(n),
                   "组长" if n == 1 else None])
    ws.append(["数学组", None, "李四", make_id_number(9), None])
    ws.merge_cells("A4:A6")
    ws.merge_cells("B4:B6")
    result = import_roster(save(wb), school, acting_user=None)
    assert result.ok, result.errors
    people = {p.name: (p.department, p.unit_id, p.post) for p in Person.objects.all()}
    assert people == {"张1": ("语文组", branch.pk, "组长"), "张2": ("语文组", branch.pk, ""),
                      "张3": ("语文组", branch.pk, ""), "李四": ("数学组", school.pk, "")}


def test_a_very_long_unit_code_is_shortened_in_the_message(school):
    result = import_roster(xlsx([["张三", ID1, "不" * 5000]], ["姓名", "身份证号", "所在工会/分会"]), school,
                           acting_user=None)
    assert errors_of(result) == {(2, "所在工会/分会", f"Unit {'不' * 40}… is not the unit imported into or one of "
                                                      "its units.")}
    assert nothing_written()
