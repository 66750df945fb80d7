"""Roster import: every problem by row and column, nothing written unless all rows are valid, idempotent re-import."""

import datetime
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import Workbook, load_workbook

from members.exports import export_roster_xlsx
from members.importer import RosterFileError, import_roster, preview_roster
from members.models import Membership, MembershipEvent, Person
from union_site.models import AuditEvent

from ..factories import MembershipFactory, PersonFactory, make_id_number

pytestmark = pytest.mark.usefixtures("english")

HEADERS = ["姓名", "性别", "身份证号", "手机号", "工号", "部门", "会员证号", "入会日期", "会籍状态", "会员代表"]


def xlsx(rows, headers=HEADERS, *, title_rows=()):
    wb = Workbook()
    ws = wb.active
    for row in title_rows:
        ws.append(row)
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def good_rows(n=3):
    return [[f"王{'一二三四五六七八九十'[i]}", "", make_id_number(i), f"1391234{i:04d}", f"T{i:03d}", "语文组", "",
             "2020-09-01", "在籍", "否"] for i in range(n)]


def test_a_valid_file_is_imported_with_history_and_audit(school):
    result = import_roster(xlsx(good_rows()), school, acting_user=None)
    assert result.ok and result.written and (result.created, result.updated) == (3, 0)
    assert Person.objects.filter(unit=school).count() == 3
    m = Membership.objects.get(person__name="王一")
    assert m.status == "active" and m.card_no == f"{school.code}-000001" and m.joined_on == datetime.date(2020, 9, 1)
    assert MembershipEvent.objects.filter(kind="imported").count() == 3
    assert AuditEvent.objects.filter(action="members.roster.imported").exists()
    person = Person.objects.get(name="王一")
    assert person.id_number == make_id_number(0) and person.id_number_masked.endswith(make_id_number(0)[-4:])


def test_one_bad_row_writes_nothing_and_every_problem_is_named_by_row_and_column(school):
    rows = good_rows(4)
    rows[1][2] = rows[1][2][:-1] + ("0" if rows[1][2][-1] != "0" else "1")  # wrong check digit
    rows[2][7] = "2020-13-45"  # not a date
    rows[3][0] = ""  # no name
    rows[3][9] = "也许"  # neither 是 nor 否
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert not result.ok and not result.written
    found = {(e.row, e.column, e.message) for e in result.errors}
    assert (3, "身份证号", "The check digit is wrong.") in found
    assert any(e.row == 4 and e.column == "入会日期" for e in result.errors)
    assert {(e.row, e.column) for e in result.errors if e.row == 5} == {(5, "姓名"), (5, "会员代表")}
    assert Person.objects.count() == 0 and Membership.objects.count() == 0


def test_errors_read_in_chinese():
    from members.importer import RowError

    with translation.override("zh-hans"):
        assert str(RowError(12, "身份证号", "校验位错误")) == "第12行 身份证号：校验位错误"


def test_english_headers_any_order_title_rows_and_text_forms_of_dates(school):
    headers = ["Membership status", "ID number", "Name", "Joined on", "Mobile phone"]
    rows = [["在籍", make_id_number(1), "张三", "2024/3/5", "13900000001"],
            ["保留会籍(退休)", make_id_number(2), "李四", "2024.3.5", "13900000002"],
            ["在籍", make_id_number(3), "王五", "2024年3月5日", "13900000003"],
            ["在籍", make_id_number(4), "赵六", datetime.datetime(2024, 3, 5), "13900000004"]]
    result = import_roster(xlsx(rows, headers, title_rows=[["城关中心小学工会会员花名册"]]), school, acting_user=None)
    assert result.ok, result.errors
    assert set(Membership.objects.values_list("joined_on", flat=True)) == {datetime.date(2024, 3, 5)}
    retired = Membership.objects.get(person__name="李四")
    assert retired.status == "retained" and retired.retention_reason == "retired" and retired.dues_exempt


def test_full_width_digits_spaces_and_old_15_digit_numbers(school):
    rows = [["　王芳 ", "女", "１１０１０５４９１２３１００２", "１３９１２３４５６７８", "", "", "", "", "", ""]]
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert result.ok, result.errors
    person = Person.objects.get()
    assert person.name == "王芳" and person.phone == "13912345678"
    assert person.id_number == "11010519491231002X"  # converted to 18 digits


def test_an_id_number_stored_as_a_number_is_refused(school):
    rows = [["王芳", "女", 110105194912310020, "", "", "", "", "", "", ""]]
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert [e.column for e in result.errors] == ["身份证号"] and "format the column as text" in result.errors[0].message


def test_duplicates_inside_the_file_are_reported_on_both_rows(school):
    rows = good_rows(3)
    rows[2][2] = rows[0][2]
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert {(e.row, e.column) for e in result.errors} == {(2, "身份证号"), (4, "身份证号")}


def test_a_card_number_of_another_person_is_a_clash(school):
    MembershipFactory(person__unit=school, union=school, card_no="CG-1")
    rows = good_rows(1)
    rows[0][6] = "CG-1"
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert not result.ok and result.errors[0].column == "会员证号"


def test_reimporting_the_same_file_changes_nothing_and_an_edit_changes_only_that(school):
    data = xlsx(good_rows()).getvalue()
    import_roster(io.BytesIO(data), school, acting_user=None)
    events = MembershipEvent.objects.count()
    again = import_roster(io.BytesIO(data), school, acting_user=None)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert MembershipEvent.objects.count() == events and Person.objects.count() == 3
    rows = good_rows()
    rows[0][3] = "13800000000"
    edited = import_roster(xlsx(rows), school, acting_user=None)
    assert (edited.created, edited.updated, edited.unchanged) == (0, 1, 2)
    assert Person.objects.get(name="王一").phone == "13800000000"


def test_preview_writes_nothing(school):
    result = preview_roster(xlsx(good_rows()), school)
    assert result.ok and result.created == 3 and not result.written
    assert Person.objects.count() == 0


def test_a_file_that_is_not_excel_or_has_no_header(school):
    with pytest.raises(RosterFileError, match="could not be read"):
        import_roster(io.BytesIO(b"not a spreadsheet"), school, acting_user=None)
    with pytest.raises(RosterFileError, match="No header row"):
        import_roster(xlsx([["a", "b"]], headers=["foo", "bar"]), school, acting_user=None)


def test_export_then_import_round_trip_and_masking(school, tmp_path):
    person = PersonFactory(unit=school, name="=HYPERLINK(\"x\")", id_number=make_id_number(7))
    MembershipFactory(person=person, union=school, card_no="CG-000009")
    from django.db.models import FilteredRelation, Q

    qs = Person.objects.filter(unit=school).annotate(
        cm=FilteredRelation("memberships", condition=Q(memberships__status__in=["active", "retained"]))
    )
    masked, full = io.BytesIO(), io.BytesIO()
    export_roster_xlsx(qs, masked)
    export_roster_xlsx(qs, full, full_id=True)
    ws = load_workbook(io.BytesIO(masked.getvalue())).active
    assert ws["C2"].value == person.id_number_masked and "*" in ws["C2"].value
    assert ws["A2"].value.startswith("'=")  # formula injection defused
    assert load_workbook(io.BytesIO(full.getvalue())).active["C2"].value == make_id_number(7)
    assert AuditEvent.objects.filter(action="members.roster.exported_full_ids").exists()
    # the full export is the importer's own layout: importing it back changes nothing
    again = import_roster(io.BytesIO(full.getvalue()), school, acting_user=None)
    assert again.ok and (again.created, again.unchanged) == (0, 1), again.errors


def test_command_line_import_export_and_list_units(school, tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(good_rows()).getvalue())
    call_command("import_roster", str(good), "--unit", school.code, "--dry-run")
    assert Person.objects.count() == 0
    call_command("import_roster", str(good), "--unit", school.code)
    assert Person.objects.count() == 3
    out = tmp_path / "out.xlsx"
    call_command("export_roster", "--unit", school.code, "-o", str(out))
    assert load_workbook(out).active.max_row == 4
    call_command("list_units")
    assert f"{school.code}\t{school.name}" in capsys.readouterr().out


def test_command_line_import_exits_1_with_one_line_per_problem(school, tmp_path):
    rows = good_rows(2)
    rows[1][2] = "123"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(rows).getvalue())
    root = Path(__file__).resolve().parents[2]
    env = {"DJANGO_SETTINGS_MODULE": "union_site.settings_test", "PATH": "/usr/bin:/bin",
           "DATABASE_URL": "sqlite:///" + str(tmp_path / "cli.sqlite3")}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=root, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "load_demo"], cwd=root, env=env, check=True, capture_output=True)
    result = subprocess.run([sys.executable, "manage.py", "import_roster", str(bad), "--unit", "XJY-YEY"],
                            cwd=root, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "第3行 身份证号：身份证号应为18位（旧证为15位）。" in result.stdout.splitlines()
