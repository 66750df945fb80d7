"""Roster journey (issue 3): import with one bad row, see the error, fix, import, find a member, print the card."""

import io

import pytest
from openpyxl import Workbook
from pypdf import PdfReader

from members.models import Person
from union_site import roles

from ..conftest import make_user_with_role
from ..factories import OrgUnitFactory, make_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded_roles")]


def roster_file(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "性别", "身份证号", "手机号", "部门"])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return str(path)


def test_officer_imports_fixes_a_bad_row_finds_a_member_and_prints_a_card(live_server, desktop, tmp_path):
    school = OrgUnitFactory(code="CGZX", name="城关中心小学工会")
    make_user_with_role(roles.OFFICER, school, username="officer")
    rows = [["周晓东", "男", make_id_number(11), "13911110001", "数学组"],
            ["吴秀英", "女", make_id_number(12, female=True), "13911110002", "语文组"],
            ["郑海燕", "女", make_id_number(13, female=True), "13911110003", "英语组"]]
    bad = [list(r) for r in rows]
    bad[1][2] = bad[1][2][:-1] + ("1" if bad[1][2][-1] != "1" else "2")  # a wrong check digit on Excel row 3

    page = desktop
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "correct horse 9")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/members/import/?unit={school.pk}")
    page.set_input_files("input[name=file]", roster_file(tmp_path / "bad.xlsx", bad))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/members/import/*/")
    errors = page.locator("[data-import-errors]").inner_text()
    assert "第3行" in errors and "身份证号" in errors and "校验位错误" in errors
    assert Person.objects.count() == 0  # nothing written

    page.goto(f"{live_server.url}/members/import/?unit={school.pk}")
    page.set_input_files("input[name=file]", roster_file(tmp_path / "fixed.xlsx", rows))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/members/import/*/")
    assert page.locator("[data-import-ok]").is_visible()
    page.click("form[action$='/confirm/'] button")
    page.wait_for_url("**/progress/")
    assert page.locator("#import-progress").get_attribute("data-state") == "done"
    assert page.locator("[data-import-done]").is_visible()
    assert Person.objects.count() == 3

    page.goto(f"{live_server.url}/members/")
    page.fill("input[name=q]", "吴秀")
    page.click("form[role=search] button[type=submit]")
    page.click("text=吴秀英")
    page.wait_for_url("**/members/people/*/")
    assert "****" in page.locator("[data-id-number]").inner_text()  # masked
    href = page.get_attribute("a[href*='/cards/sheet/']", "href")
    pdf = page.request.get(f"{live_server.url}{href}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    assert "吴秀英" in text and "CGZX-000002" in text and "城关中心小学工会" in text
