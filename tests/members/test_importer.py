"""Roster import (members.importer): every problem by row and column, nothing written unless every row is
valid, idempotent re-import. Files are built in memory with openpyxl; messages are matched on their msgids."""

import datetime
import gc
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import Workbook

from members import importer
from members.idcard import mask_id_number
from members.importer import RosterFileError, RowError, import_roster, preview_roster
from members.models import Membership, MembershipEvent, Person
from union_site.models import AuditEvent

from ..factories import MembershipFactory, OrgUnitFactory, PersonFactory, make_id_number

pytestmark = pytest.mark.usefixtures("english")

HEADERS = ["姓名", "性别", "身份证号", "手机号", "工号", "部门", "会员证号", "入会日期", "会籍状态", "会员代表"]
NAMES = "一二三四五六七八九十"


def xlsx(rows, headers=HEADERS, *, title_rows=(), text_ids=True):
    """An .xlsx in memory: optional title rows, the header row, then ``rows``."""
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
    out.name = "roster.xlsx"
    return out


def good_rows(n=3, *, start=0):
    return [[f"王{NAMES[i % 10]}{i // 10 or ''}", "", make_id_number(i), f"1391234{i:04d}", f"T{i:03d}", "语文组", "",
             "2020-09-01", "在籍", "否"] for i in range(start, start + n)]


def errors_of(result):
    return {(e.row, e.column, e.message) for e in result.errors}


def test_a_valid_file_is_imported_with_history_card_numbers_and_audit(school):
    result = import_roster(xlsx(good_rows()), school, acting_user=None)
    assert result.ok and result.written and (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert Person.objects.filter(unit=school).count() == 3
    m = Membership.objects.select_related("person").get(person__name="王一")
    assert (m.union, m.status, m.joined_on) == (school, "active", datetime.date(2020, 9, 1))
    assert sorted(Membership.objects.values_list("card_no", flat=True)) == [
        f"{school.code}-00000{i}" for i in (1, 2, 3)]  # issued in the union's running numbers
    person = m.person
    assert person.id_number == make_id_number(0)  # encrypted at rest, decrypts to the number
    assert make_id_number(0) not in person.id_number_encrypted
    assert person.id_number_masked == make_id_number(0)[:6] + "********" + make_id_number(0)[-4:]
    assert (person.gender, person.birth_date) == ("M", datetime.date(1980, 1, 1))  # from the ID number
    assert set(MembershipEvent.objects.values_list("kind", "to_status")) == {("imported", "active")}
    assert MembershipEvent.objects.count() == 3
    audit = AuditEvent.objects.get(action="members.roster.imported")
    assert audit.data == {"union": school.code, "rows": 3, "created": 3, "updated": 0, "unchanged": 0}


def test_one_bad_row_writes_nothing_and_every_problem_has_row_column_and_message(school):
    rows = good_rows(5)
    rows[1][2] = rows[1][2][:-1] + ("0" if rows[1][2][-1] != "0" else "1")  # wrong check digit
    rows[2][7] = "2020-13-45"  # not a date
    rows[3][1] = "未知"  # no such gender
    rows[4][0] = ""  # no name
    rows[4][9] = "也许"  # neither 是 nor 否
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert not result.ok and not result.written
    assert errors_of(result) == {
        (3, "身份证号", "The check digit is wrong."),
        (4, "入会日期", "Not a date: write it like 2024-03-05, 2024/3/5, 2024.3.5 or 2024年3月5日."),
        (5, "性别", "Write 男 or 女."),
        (6, "姓名", "The name is empty."),
        (6, "会员代表", "Write 是 or 否."),
    }
    assert [e.row for e in result.errors] == sorted(e.row for e in result.errors)
    assert Person.objects.count() == Membership.objects.count() == MembershipEvent.objects.count() == 0
    assert not AuditEvent.objects.filter(action="members.roster.imported").exists()


def test_errors_print_as_row_column_message():
    assert str(RowError(12, "身份证号", "The check digit is wrong.")) == "Row 12 身份证号: The check digit is wrong."
    with translation.override("zh-hans"):
        assert str(RowError(12, "身份证号", "校验位错误")) == "第12行 身份证号：校验位错误"


def test_english_headers_in_any_order_under_a_title_row(school):
    headers = ["Membership status", "ID number", "name", " Mobile  Phone ", "Card number"]
    rows = [["active", make_id_number(1), "张三", "13900000001", "A-1"],
            ["retained", make_id_number(2), "李四", "13900000002", "A-2"]]
    result = import_roster(xlsx(rows, headers, title_rows=[["城关中心小学工会会员花名册"], []]), school,
                           acting_user=None)
    assert result.ok, result.errors
    assert dict(Membership.objects.values_list("card_no", "status")) == {"A-1": "active", "A-2": "retained"}
    assert Person.objects.get(name="李四").phone == "13900000002"


def test_headers_match_without_regard_to_stars_full_width_and_spaces(school):
    headers = ["姓名*", "身份证号（必填）", "手 机 号", "ＳＴＡＦＦ　ＮＵＭＢＥＲ"]
    result = import_roster(xlsx([["张三", make_id_number(1), "13900000001", "G7"]], headers), school,
                           acting_user=None)
    assert result.ok, result.errors
    assert Person.objects.get().staff_no == "G7"


def test_errors_name_the_column_as_the_file_writes_it(school):
    result = import_roster(xlsx([["张三", "123"]], ["Name", "ID number"]), school, acting_user=None)
    assert errors_of(result) == {(2, "ID number", "The ID number must have 18 digits (or 15 for an old card).")}


@pytest.mark.parametrize("cell", [
    datetime.date(2024, 3, 5), datetime.datetime(2024, 3, 5, 0, 0), 45356, "2024-03-05", "2024/3/5", "2024.3.5",
    "2024年3月5日", "2024 年 3 月 5 日", "20240305", "２０２４－０３－０５", " 2024-3-5 ",
])
def test_every_date_form(school, cell):
    result = import_roster(xlsx([["张三", make_id_number(1), cell]], ["姓名", "身份证号", "入会日期"]), school,
                           acting_user=None)
    assert result.ok, result.errors
    assert Membership.objects.get().joined_on == datetime.date(2024, 3, 5)


@pytest.mark.parametrize("cell", ["2024-03", "2024/3", "2024年3月", "202403", "2024-03-17", datetime.date(2024, 3, 17)])
def test_dues_from_is_a_month(school, cell):
    result = import_roster(xlsx([["张三", make_id_number(1), cell]], ["姓名", "身份证号", "会费起缴月"]), school,
                           acting_user=None)
    assert result.ok, result.errors
    assert Membership.objects.get().dues_from == datetime.date(2024, 3, 1)


def test_dates_in_the_future_or_impossible_are_refused(school):
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    rows = [["张三", make_id_number(1), tomorrow.isoformat()], ["李四", make_id_number(2), "2024-02-30"]]
    result = import_roster(xlsx(rows, ["姓名", "身份证号", "入会日期"]), school, acting_user=None)
    assert {(e.row, e.message) for e in result.errors} == {
        (2, "The date is in the future."),
        (3, "Not a date: write it like 2024-03-05, 2024/3/5, 2024.3.5 or 2024年3月5日."),
    }


def test_full_width_digits_and_stray_spaces_are_normalised(school):
    rows = [["　王 芳 ", "女 ", "１１０１０５１９４９１２３１００２Ｘ", "１３９ １２３４ ５６７８", "　Ｇ００１", "", "",
             "", "", ""]]
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert result.ok, result.errors
    person = Person.objects.get()
    assert (person.name, person.gender, person.phone, person.staff_no) == ("王芳", "F", "13912345678", "G001")
    assert person.id_number == "11010519491231002X"


def test_an_old_15_digit_number_is_converted_to_18_digits(school):
    result = import_roster(xlsx([["王芳", "女", "110105491231002", "", "", "", "", "", "", ""]]), school,
                           acting_user=None)
    assert result.ok, result.errors
    assert Person.objects.get().id_number == "11010519491231002X"


def test_an_id_number_stored_as_a_number_is_refused(school):
    rows = [["王芳", "女", 110105194912310020, "", "", "", "", "", "", ""],
            ["李明", "男", 110105491231003, "", "", "", "", "", "", ""]]
    result = import_roster(xlsx(rows), school, acting_user=None)
    message = ("The ID number was stored as a number and has lost digits: format the column as text and type it "
               "again.")
    assert errors_of(result) == {(2, "身份证号", message), (3, "身份证号", message)}


def test_the_gender_must_match_the_id_number(school):
    rows = [["王芳", "男", make_id_number(1, female=True), "", "", "", "", "", "", ""]]
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert errors_of(result) == {(2, "性别", "The gender does not match the ID number.")}


def test_phone_numbers_are_digits(school):
    rows = good_rows(3)
    rows[0][3], rows[1][3], rows[2][3] = "139-1234-5678", "电话13912345678", 13912345678
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert errors_of(result) == {(3, "手机号", "The phone number may contain digits only.")}
    rows[1][3] = ""
    assert import_roster(xlsx(rows), school, acting_user=None).ok
    assert set(Person.objects.values_list("phone", flat=True)) == {"13912345678", ""}


def test_yes_no_columns(school):
    headers = ["姓名", "身份证号", "会员代表", "积极分子"]
    rows = [["甲", make_id_number(1), "是", "否"], ["乙", make_id_number(2), "否", ""], ["丙", make_id_number(3), True, "是"]]
    assert import_roster(xlsx(rows, headers), school, acting_user=None).ok
    flags = {p.name: (p.is_member_representative, p.is_activist) for p in Person.objects.all()}
    assert flags == {"甲": (True, False), "乙": (False, False), "丙": (True, True)}
    rows = [["丁", make_id_number(4), "1", "x"]]
    result = import_roster(xlsx(rows, headers), school, acting_user=None)
    assert errors_of(result) == {(2, "会员代表", "Write 是 or 否."), (2, "积极分子", "Write 是 or 否.")}


def test_status_category_contract_and_retained_reason(school):
    headers = ["姓名", "身份证号", "会籍状态", "人员类别", "用工形式"]
    rows = [["甲", make_id_number(1), "保留会籍（退休）", "教师", "正式"],
            ["乙", make_id_number(2), "", "frontline", "劳务派遣"],
            ["丙", make_id_number(3), "非会员", "后勤", ""],
            ["丁", make_id_number(4), "申请中", "", "contract"]]
    result = import_roster(xlsx(rows, headers), school, acting_user=None)
    assert result.ok, result.errors
    people = {p.name: p for p in Person.objects.all()}
    assert (people["甲"].category, people["乙"].contract_type, people["丙"].category) == (
        "teacher", "dispatched", "support")
    assert people["丁"].category == "other" and people["丁"].contract_type == "contract"
    memberships = {m.person.name: m for m in Membership.objects.select_related("person")}
    assert set(memberships) == {"甲", "乙", "丁"}  # 丙 is on the staff roster but not a member
    assert (memberships["甲"].status, memberships["甲"].retention_reason, memberships["甲"].dues_exempt) == (
        "retained", "retired", True)
    assert memberships["乙"].status == "active"  # the default
    assert memberships["丁"].status == "applied" and memberships["丁"].card_no == ""  # issued on approval
    bad = [["戊", make_id_number(5), "退会", "校长", "临时工"], ["己", make_id_number(6), "保留会籍(内退)", "", ""],
           ["庚", make_id_number(7), "转出中", "", ""]]
    result = import_roster(xlsx(bad, headers), school, acting_user=None)
    assert {(e.row, e.column) for e in result.errors} == {(2, "会籍状态"), (2, "人员类别"), (2, "用工形式"),
                                                          (3, "会籍状态"), (4, "会籍状态")}


def test_unit_column_must_be_the_unit_or_below_it(school, other_school):
    branch = OrgUnitFactory(code="XJY-ZXXX-D", name="低年级分会", kind="branch", parent=school)
    headers = ["姓名", "身份证号", "所在工会/分会"]
    rows = [["甲", make_id_number(1), "xjy-zxxx-d"], ["乙", make_id_number(2), "低年级分会"], ["丙", make_id_number(3), ""]]
    assert import_roster(xlsx(rows, headers), school, acting_user=None).ok
    assert dict(Person.objects.values_list("name", "unit__code")) == {"甲": branch.code, "乙": branch.code,
                                                                      "丙": school.code}
    assert set(Membership.objects.values_list("union", flat=True)) == {school.pk}  # members of the 基层工会
    result = import_roster(xlsx([["丁", make_id_number(4), other_school.code]], headers), school, acting_user=None)
    assert errors_of(result) == {(2, "所在工会/分会", f"Unit {other_school.code} is not the unit imported into or "
                                                      "one of its units.")}
    result = import_roster(xlsx([["丁", make_id_number(4), school.code]], headers), branch, acting_user=None)
    assert [e.column for e in result.errors] == ["所在工会/分会"]  # into a branch: that branch or below only


def test_duplicates_inside_the_file_are_reported_on_both_rows(school):
    rows = good_rows(4)
    rows[2][2] = rows[0][2]
    rows[1][6] = rows[3][6] = "CG-9"
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert errors_of(result) == {
        (2, "身份证号", "The same ID number is also on row 4."), (4, "身份证号", "The same ID number is also on row 2."),
        (3, "会员证号", "The same card number is also on row 5."), (5, "会员证号", "The same card number is also on row 3."),
    }


def test_a_card_number_of_another_person_is_a_clash(school):
    MembershipFactory(person__unit=school, person__id_number=make_id_number(50), union=school, card_no="CG-1")
    rows = good_rows(1)
    rows[0][6] = "cg-1"  # card numbers compare in upper case
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert errors_of(result) == {(2, "会员证号", "Card number CG-1 is already used by another person in this union.")}
    assert Person.objects.count() == 1


def test_a_record_without_an_id_number_is_matched_by_card_number_and_name(school):
    m = MembershipFactory(person__unit=school, person__name="王一", union=school, card_no="CG-7")
    rows = good_rows(1)
    rows[0][6] = "CG-7"
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert result.ok and (result.created, result.updated) == (0, 1)
    m.person.refresh_from_db()
    assert m.person.id_number == make_id_number(0)
    rows[0][0] = "王二"  # a different name with that card: a clash, not an overwrite
    rows[0][2] = make_id_number(1)
    assert [e.column for e in import_roster(xlsx(rows), school, acting_user=None).errors] == ["会员证号"]


def test_people_of_another_union_or_unit_are_not_touched(school, other_school):
    MembershipFactory(person__unit=other_school, person__id_number=make_id_number(0), union=other_school)
    PersonFactory(unit=other_school, id_number=make_id_number(1))  # on their roster, not a member
    result = import_roster(xlsx(good_rows(2)), school, acting_user=None)
    assert {(e.row, e.column) for e in result.errors} == {(2, "身份证号"), (3, "身份证号")}
    assert Person.objects.filter(unit=school).count() == 0


def test_reimporting_the_same_file_changes_nothing(school):
    data = xlsx(good_rows(3)).getvalue()
    import_roster(io.BytesIO(data), school, acting_user=None)
    before = {p.pk: p.updated_at for p in Person.objects.all()}
    memberships = {m.pk: (m.updated_at, m.card_no) for m in Membership.objects.all()}
    events = MembershipEvent.objects.count()
    again = import_roster(io.BytesIO(data), school, acting_user=None)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 3) and not again.changes
    assert {p.pk: p.updated_at for p in Person.objects.all()} == before
    assert {m.pk: (m.updated_at, m.card_no) for m in Membership.objects.all()} == memberships
    assert MembershipEvent.objects.count() == events


def test_an_edited_phone_updates_only_that_field(school):
    import_roster(xlsx(good_rows(3)), school, acting_user=None)
    Person.objects.filter(name="王一").update(post="教研组长")  # edited on the site meanwhile
    untouched = {p.pk: p.updated_at for p in Person.objects.exclude(name="王一")}
    events = MembershipEvent.objects.count()
    rows = good_rows(3)
    rows[0][3] = "13800000000"
    rows[0][5] = ""  # an empty cell keeps the department on record
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert result.changes == [(2, ["手机号"])]
    person = Person.objects.get(name="王一")
    assert (person.phone, person.department, person.post) == ("13800000000", "语文组", "教研组长")
    assert {p.pk: p.updated_at for p in Person.objects.exclude(name="王一")} == untouched
    assert MembershipEvent.objects.count() == events  # a person's phone is not membership history


def test_a_status_change_by_import_is_recorded_in_the_history(school):
    import_roster(xlsx(good_rows(1)), school, acting_user=None)
    rows = good_rows(1)
    rows[0][8] = "保留会籍(退休)"
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert result.updated == 1 and result.changes == [(2, ["会籍状态"])]
    m = Membership.objects.get()
    assert (m.status, m.retention_reason, m.dues_exempt) == ("retained", "retired", True)
    event = MembershipEvent.objects.latest("pk")
    assert (event.kind, event.from_status, event.to_status) == ("retained", "active", "retained")
    rows[0][8] = "保留会籍"  # no reason given: the one on record stays
    assert import_roster(xlsx(rows), school, acting_user=None).unchanged == 1


def test_a_member_cannot_be_made_a_non_member_by_import(school):
    import_roster(xlsx(good_rows(1)), school, acting_user=None)
    rows = good_rows(1)
    rows[0][8] = "非会员"
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert [e.column for e in result.errors] == ["会籍状态"]


def test_preview_writes_nothing_and_says_what_would_happen(school):
    import_roster(xlsx(good_rows(2)), school, acting_user=None)
    rows = good_rows(3)
    rows[1][5] = "数学组"
    result = preview_roster(xlsx(rows), school)
    assert result.ok and not result.written
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert Person.objects.count() == 2 and Person.objects.get(name="王二").department == "语文组"


def test_the_number_of_queries_does_not_grow_with_the_rows(school):
    def count(rows):
        with CaptureQueriesContext(connection) as queries:
            assert import_roster(xlsx(rows), school, acting_user=None).ok
        return len(queries)

    import_roster(xlsx(good_rows(1, start=77)), school, acting_user=None)  # card numbers on record to match
    few = count(good_rows(2))
    import_roster(xlsx(good_rows(2)), school, acting_user=None)  # the same rows again: updates path
    assert count(good_rows(40, start=100)) == few  # 40 new rows: the same queries as 2
    changed = good_rows(2) + good_rows(40, start=100)
    for row in changed:
        row[3] = "13700000000"
    assert count(changed) <= few + 4  # updates: one bulk UPDATE each for people, no per-row query


def test_files_that_cannot_be_used(school):
    with pytest.raises(RosterFileError, match="could not be read"):
        import_roster(io.BytesIO(b"not a spreadsheet"), school, acting_user=None)
    with pytest.raises(RosterFileError, match="No header row"):
        import_roster(xlsx([["a", "b"]], headers=["foo", "bar"]), school, acting_user=None)
    with pytest.raises(RosterFileError, match="Required columns are missing: 身份证号"):
        import_roster(xlsx([["甲", "男"]], headers=["姓名", "性别"]), school, acting_user=None)
    with pytest.raises(RosterFileError, match="appears twice"):
        import_roster(xlsx([], headers=["姓名", "身份证号", "手机", "联系电话"]), school, acting_user=None)
    with pytest.raises(RosterFileError, match="not a higher-level union"):
        import_roster(xlsx(good_rows(1)), school.parent, acting_user=None)


def test_empty_rows_are_skipped_and_row_numbers_are_excels(school):
    rows = good_rows(3)
    rows.insert(1, ["", None, "  ", "", "", "", "", "", "", ""])
    rows[3][2] = "123"
    result = import_roster(xlsx(rows, title_rows=[["标题"]]), school, acting_user=None)
    assert [(e.row, e.column) for e in result.errors] == [(6, "身份证号")]  # title 1, header 2, rows 3 …
    assert result.rows == 3


def test_problems_with_the_records_are_listed_with_the_row_problems(school, other_school):
    MembershipFactory(person__unit=other_school, person__id_number=make_id_number(0), union=other_school)
    rows = good_rows(3)
    rows[2][7] = "昨天"
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert {(e.row, e.column) for e in result.errors} == {(2, "身份证号"), (4, "入会日期")}  # all in one go


def test_an_application_approved_by_import_gets_the_next_card_number(school):
    headers = ["姓名", "身份证号", "会籍状态"]
    import_roster(xlsx([["甲", make_id_number(1), "申请中"]], headers), school, acting_user=None)
    assert Membership.objects.get().card_no == ""
    result = import_roster(xlsx([["甲", make_id_number(1), "在籍"]], headers), school, acting_user=None)
    assert result.updated == 1
    m = Membership.objects.get()
    assert (m.status, m.card_no) == ("active", f"{school.code}-000001")
    assert MembershipEvent.objects.latest("pk").kind == "approved"


def test_progress_is_reported(school, monkeypatch):
    monkeypatch.setattr("members.importer.PROGRESS_EVERY", 2)
    calls = []
    import_roster(xlsx(good_rows(5)), school, acting_user=None, progress=lambda done, total: calls.append(
        (done, total)))
    assert calls[:2] == [(2, 7), (4, 7)] and calls[-1] == (7, 7)


def test_the_cycle_collector_rests_during_an_import_and_runs_again_after(school):
    """It would only walk the rows' dicts again and again; an import that fails turns it back on too, and one
    started with it off (by whoever called) leaves it off."""
    seen = []
    import_roster(xlsx(good_rows(3)), school, acting_user=None, progress=lambda *_: seen.append(gc.isenabled()))
    assert seen == [False] and gc.isenabled()
    with pytest.raises(RosterFileError):
        import_roster(io.BytesIO(b"not a workbook"), school, acting_user=None)
    assert gc.isenabled()
    gc.disable()
    try:
        import_roster(xlsx(good_rows(3)), school, acting_user=None)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_repeated_cell_gets_the_same_outcome_on_every_row(school):
    """Cells that repeat down a roster are cleaned once per import (roster_sheet.REPEATING): a bad value is still
    reported on each row that has it, a good one gives each row the same value, and 1 and True stay apart
    (equal in Python, but a number is not a yes)."""
    headers = ["姓名", "性别", "身份证号", "入会日期", "会员代表", "积极分子"]
    rows = [["甲", "X", make_id_number(1), datetime.date(2021, 3, 5), 1, True],
            ["乙", "X", make_id_number(3), datetime.date(2021, 3, 5), True, "2"],
            ["丙", "男", make_id_number(5), "2021年3月5日", True, 1]]
    result = preview_roster(xlsx(rows, headers), school)
    assert errors_of(result) == {(2, "性别", "Write 男 or 女."), (3, "性别", "Write 男 or 女."),
                                 (2, "会员代表", "Write 是 or 否."), (3, "积极分子", "Write 是 or 否."),
                                 (4, "积极分子", "Write 是 or 否.")}
    for row in rows:
        row[1], row[4], row[5] = "男", True, "是"
    rows[0][5] = True
    result = import_roster(xlsx(rows, headers), school, acting_user=None)
    assert result.written, result.errors
    people = Person.objects.all()
    assert {p.name: (p.gender, p.is_member_representative, p.is_activist) for p in people} == {
        "甲": ("M", True, True), "乙": ("M", True, True), "丙": ("M", True, True)}
    assert list(Membership.objects.values_list("joined_on", flat=True)) == [datetime.date(2021, 3, 5)] * 3


def test_card_numbers_with_quotes_backslashes_and_commas_are_matched_on_reimport(school):
    """The keys go to the database as one JSON array on PostgreSQL: characters JSON escapes must come back."""
    headers = ["姓名", "会员证号", "身份证号"]
    cards = ['A"1', "B\\2", "C,3", "D'4", "会员-5"]
    rows = [[f"王{NAMES[i]}", card, make_id_number(i)] for i, card in enumerate(cards)]
    assert import_roster(xlsx(rows, headers), school, acting_user=None).created == 5
    for row in rows:
        row[2] = mask_id_number(row[2])  # a masked export: matched by card number
    result = import_roster(xlsx(rows, headers), school, acting_user=None)
    assert (result.ok, result.created, result.unchanged) == (True, 0, 5), result.errors
    assert sorted(Membership.objects.values_list("card_no", flat=True)) == sorted(cards)


def test_what_the_bulk_write_stores_in_every_column(school, officer):
    """The write (a binary COPY on PostgreSQL) fills the columns the file does not give with their defaults."""
    import_roster(xlsx(good_rows(2)), school, acting_user=officer)
    for m in Membership.objects.all():
        assert len(m.verify_token) >= 20 and m.dues_exempt is False and m.dues_from is None
        assert m.applied_at is not None and m.updated_at is not None
    assert Membership.objects.values("verify_token").distinct().count() == 2
    assert [(e.data, e.actor_id, e.from_status) for e in MembershipEvent.objects.all()] == [({}, officer.pk, "")] * 2
    person = Person.objects.get(name="王一")
    assert (person.post, person.is_hardship, person.user_id, person.category) == ("", False, None, "other")


@pytest.fixture
def small_lots(monkeypatch):
    """Lots of three rows: a short file goes through the pipeline (one lot checked while the one before is
    matched and the one before that written)."""
    monkeypatch.setattr("members.importer.LOT", 3)
    writes = []
    original = importer._write_new
    monkeypatch.setattr("members.importer._write_new", lambda statements, plan, *args: writes.append(
        len(plan.new_people)) or original(statements, plan, *args))
    return writes


def test_lots_are_written_in_turn_and_issued_card_numbers_skip_those_further_down_the_file(school, small_lots):
    rows = good_rows(8)
    rows[7][6] = f"{school.code}-000005"  # the last row gives its card number; the rows above take new ones
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert result.written and result.created == 8 and small_lots == [3, 3, 2]
    assert sorted(Membership.objects.values_list("card_no", flat=True)) == [
        f"{school.code}-{n:06d}" for n in range(5, 13)]
    assert Membership.objects.get(card_no=f"{school.code}-000005").person.name == rows[7][0]
    assert MembershipEvent.objects.filter(kind="imported").count() == 8


def test_a_problem_in_a_later_lot_rolls_back_the_lots_already_written_and_every_problem_is_listed(school, small_lots):
    rows = good_rows(11)
    bad = make_id_number(9)
    rows[9][2] = bad[:-1] + ("1" if bad[-1] != "1" else "2")  # row 11: wrong check digit
    rows[10][2] = rows[0][2]  # row 12: the ID number of row 2
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert small_lots == [3]  # the first lot was written before the last was checked
    assert not result.written
    assert {(e.row, e.column) for e in result.errors} == {(11, "身份证号"), (2, "身份证号"), (12, "身份证号")}
    assert not Person.objects.exists() and not Membership.objects.exists() and not MembershipEvent.objects.exists()
    # the same file, checked only, lists the same problems
    assert errors_of(preview_roster(xlsx(rows), school)) == errors_of(result)


def test_a_lot_that_matches_existing_records_updates_them_after_the_last_lot(school, small_lots):
    import_roster(xlsx(good_rows(4)), school, acting_user=None)
    rows = good_rows(7)
    rows[1][5] = "数学组"  # row 3 changes department
    result = import_roster(xlsx(rows), school, acting_user=None)
    assert (result.created, result.updated, result.unchanged) == (3, 1, 3)
    assert Person.objects.get(name=rows[1][0]).department == "数学组"
    assert Person.objects.count() == 7
