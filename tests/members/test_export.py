"""Roster export (members.exports and the roster-export view): the importer's layout, streamed, masked ID
numbers unless the user may see them (audited), formula injection defused, and a round trip back in."""

import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook

from members.exports import HEADERS, export_roster_xlsx, roster_rows
from members.importer import import_roster
from members.models import MembershipEvent, Person
from members.roster_layout import COLUMNS
from union_site import roles
from union_site.models import AuditEvent

from ..conftest import make_user_with_role
from ..factories import MembershipFactory, OrgUnitFactory, PersonFactory, make_id_number

EXPORT = reverse("members:roster-export")


@pytest.fixture
def people(school):
    branch = OrgUnitFactory(code="XJY-ZXXX-D", name="低年级分会", kind="branch", parent=school)
    wang = MembershipFactory(person__unit=branch, person__name="王芳", person__gender="F",
                             person__id_number=make_id_number(1, female=True), person__phone="13912345678",
                             person__department="语文组", person__category="teacher", person__is_activist=True,
                             union=school, card_no="CG-000001", joined_on=datetime.date(2020, 9, 1),
                             dues_from=datetime.date(2020, 10, 1))
    li = MembershipFactory(person__unit=school, person__name="李明", person__id_number=make_id_number(2),
                           union=school, card_no="CG-000002", status="retained", retention_reason="retired")
    zhao = PersonFactory(unit=school, name="赵六", id_number=make_id_number(3), is_member_representative=True)
    return {"branch": branch, "wang": wang.person, "li": li.person, "zhao": zhao}


def sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def rows_by_name(ws):
    header = [c.value for c in ws[1]]
    return {row[0]: dict(zip(header, row, strict=False)) for row in ws.iter_rows(min_row=2, values_only=True)}


def export(queryset, **kwargs) -> bytes:
    out = io.BytesIO()
    export_roster_xlsx(queryset, out, **kwargs)
    return out.getvalue()


def test_rows_follow_the_import_layout_with_masked_ids(school, people):
    ws = sheet(export(Person.objects.in_subtree(school).order_by("name")))
    assert [c.value for c in ws[1]] == HEADERS == [c.zh for c in COLUMNS]
    rows = rows_by_name(ws)
    wang = rows["王芳"]
    assert wang["身份证号"] == people["wang"].id_number_masked and "*" in wang["身份证号"]
    assert (wang["性别"], wang["手机号"], wang["所在工会/分会"], wang["部门"], wang["人员类别"]) == (
        "女", "13912345678", "XJY-ZXXX-D", "语文组", "教师")
    assert (wang["会员证号"], wang["入会日期"].date(), wang["会费起缴月"], wang["会籍状态"]) == (
        "CG-000001", datetime.date(2020, 9, 1), "2020-10", "在籍")
    assert (wang["会员代表"], wang["积极分子"]) == ("否", "是")
    assert rows["李明"]["会籍状态"] == "保留会籍(退休)"
    assert (rows["赵六"]["会籍状态"], rows["赵六"]["会员证号"], rows["赵六"]["会员代表"]) == ("非会员", None, "是")
    assert not AuditEvent.objects.filter(action="members.roster.exported_full_ids").exists()


def test_number_columns_are_text_cells(school, people):
    ws = sheet(export(Person.objects.in_subtree(school)))
    for row in ws.iter_rows(min_row=2):
        for column in COLUMNS:
            cell = row[[c.key for c in COLUMNS].index(column.key)]
            if column.text and cell.value is not None:
                assert cell.data_type == "s" and cell.number_format == "@", (column.key, cell.value)


def test_full_ids_are_decrypted_and_audited(school, people, officer):
    data = export(Person.objects.in_subtree(school), full_id=True, acting_user=officer, audit_context={"unit": "x"})
    assert rows_by_name(sheet(data))["王芳"]["身份证号"] == make_id_number(1, female=True)
    audit = AuditEvent.objects.get(action="members.roster.exported_full_ids")
    assert audit.actor == officer and audit.data == {"rows": 3, "unit": "x"}


def test_roster_rows_stream_in_layout_order(school, people):
    rows = list(roster_rows(Person.objects.filter(pk=people["li"].pk), full_id=False))
    assert len(rows) == 1 and len(rows[0]) == len(COLUMNS) and rows[0][0] == "李明"


def test_a_formula_in_a_name_is_exported_as_text(school):
    PersonFactory(unit=school, name='=HYPERLINK("http://evil.example","点我")', id_number=make_id_number(4))
    PersonFactory(unit=school, name="+1", department="@SUM(A1)", id_number=make_id_number(5))
    ws = sheet(export(Person.objects.in_subtree(school).order_by("pk")))
    assert ws["A2"].value == '\'=HYPERLINK("http://evil.example","点我")' and ws["A2"].data_type == "s"
    assert ws["A3"].value == "'+1" and ws["G3"].value == "'@SUM(A1)"
    # …and the importer reads the defused value back as it was
    assert import_roster(io.BytesIO(export(Person.objects.in_subtree(school), full_id=True)), school,
                         acting_user=None).unchanged == 2


def test_export_then_import_changes_nothing(school, people):
    # a masked file matches rows by card number, or by the masked number and the name (赵六 has no card)
    for full_id in (True, False):
        data = export(Person.objects.in_subtree(school), full_id=full_id)
        events = MembershipEvent.objects.count()
        before = list(Person.objects.order_by("pk").values())
        result = import_roster(io.BytesIO(data), school, acting_user=None)
        assert result.ok, result.errors
        assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
        assert list(Person.objects.order_by("pk").values()) == before
        assert MembershipEvent.objects.count() == events


def test_a_masked_number_that_matches_no_one_is_refused(school, people):
    data = export(Person.objects.in_subtree(school))
    Person.objects.filter(name="赵六").update(name="赵七")
    result = import_roster(io.BytesIO(data), school, acting_user=None)
    assert [(e.column, e.row) for e in result.errors] == [("身份证号", 4)]


def test_a_masked_export_edited_and_imported_updates_the_record(school, people):
    rows = people
    ws_data = export(Person.objects.in_subtree(school).exclude(pk=rows["zhao"].pk))
    wb = load_workbook(io.BytesIO(ws_data))
    ws = wb.active
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "李明":
            row[3].value = "13600000000"
    out = io.BytesIO()
    wb.save(out)
    result = import_roster(io.BytesIO(out.getvalue()), school, acting_user=None)
    assert result.ok and (result.updated, result.unchanged) == (1, 1), result.errors
    assert Person.objects.get(name="李明").phone == "13600000000"
    assert Person.objects.get(name="李明").id_number == make_id_number(2)  # the masked number changed nothing


# --- the view --------------------------------------------------------------------------------------


def download(response) -> bytes:
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return b"".join(response.streaming_content)


def test_officer_gets_masked_ids(client, officer, school, people):
    client.force_login(officer)
    response = client.get(EXPORT, {"unit": school.pk})
    assert "no-store" in response["Cache-Control"]
    rows = rows_by_name(sheet(download(response)))
    assert set(rows) == {"王芳", "李明", "赵六"} and "*" in rows["王芳"]["身份证号"]
    assert not AuditEvent.objects.filter(action="members.roster.exported_full_ids").exists()


def test_a_user_with_the_full_view_permission_gets_full_ids_and_an_audit_entry(client, officer, school, people):
    officer.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))
    client.force_login(officer)
    rows = rows_by_name(sheet(download(client.get(EXPORT, {"unit": school.pk, "status": "retained"}))))
    assert set(rows) == {"李明"} and rows["李明"]["身份证号"] == make_id_number(2)
    audit = AuditEvent.objects.get(action="members.roster.exported_full_ids")
    assert audit.actor == officer and audit.data == {"rows": 1, "unit": school.code, "roster": "staff"}


def test_export_filters_follow_the_roster_list(client, officer, school, people):
    client.force_login(officer)
    rows = rows_by_name(sheet(download(client.get(EXPORT, {"unit": people["branch"].pk}))))
    assert set(rows) == {"王芳"}
    rows = rows_by_name(sheet(download(client.get(EXPORT, {"roster": "members"}))))
    assert set(rows) == {"王芳", "李明"}


def test_export_permissions(client, school, other_school, people, member):
    assert client.get(EXPORT)["Location"].startswith(reverse("login"))  # anonymous: to the login page
    client.force_login(member)
    assert client.get(EXPORT).status_code == 403  # no role
    other = make_user_with_role(roles.OFFICER, other_school, username="other-officer")
    client.force_login(other)
    assert client.get(EXPORT, {"unit": school.pk}).status_code == 404  # outside the officer's scope
    assert set(rows_by_name(sheet(download(client.get(EXPORT))))) == set()  # nothing of the other school
    assert client.get(EXPORT, {"unit": "abc"}).status_code == 404


def test_export_is_post_free_and_get_only(client, officer, school):
    client.force_login(officer)
    assert client.post(EXPORT).status_code == 405


@pytest.mark.parametrize("count", [1, 30])
def test_export_queries_do_not_grow_with_the_rows(client, officer, school, count, django_assert_num_queries):
    for _i in range(count):
        MembershipFactory(person__unit=school, union=school)
    client.force_login(officer)
    # session, user, user permissions, group permissions, the scope's units, the people with their membership
    with django_assert_num_queries(6):
        assert len(rows_by_name(sheet(download(client.get(EXPORT))))) == count
