"""Congress journey (issue 4): a proposal from the representative's draft to 满意, read back from the compilation PDF."""

import io

import pytest
from django.contrib.auth.models import Group
from pypdf import PdfReader

from union_site import roles

from ..conftest import make_user_with_role
from ..factories import (
    DepartmentFactory,
    OrgUnitFactory,
    RepresentativeFactory,
    SessionFactory,
    TermFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded_roles")]
PASSWORD = "correct horse 9"


def open_as(browser, live_server, username, *, phone=False):
    if phone:
        context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, locale="zh-CN")
    else:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_proposal_from_draft_to_satisfied_and_into_the_compilation(live_server, browser):
    school = OrgUnitFactory(code="CG", name="城关中心小学工会")
    term = TermFactory(body__unit=school, body__name="城关中心小学教职工代表大会")
    names = ["李明", "张伟", "王芳"]
    reps = [RepresentativeFactory(term=term, person__name=n, person__user=UserFactory(username=f"rep{i}"))
            for i, n in enumerate(names)]
    session = SessionFactory(term=term, title="第三届教代会第二次会议")
    make_user_with_role(roles.PROPOSAL_COMMITTEE, school, username="committee")
    dept = DepartmentFactory(unit=school, name="总务处")
    handler = UserFactory(username="handler")
    handler.groups.add(Group.objects.get(name=roles.HANDLING_DEPARTMENT))
    dept.handlers.add(handler)

    # 1. the representative drafts on the standard form and invites two colleagues
    author = open_as(browser, live_server, "rep0")
    author.goto(f"{live_server.url}/congress/proposals/new/{session.pk}/")
    author.fill("input[name=title]", "增设教师休息室")
    author.fill("textarea[name=reasons]", "课间教师无处休息")
    author.fill("textarea[name=measures]", "改造三楼空教室为休息室")
    author.click("main form button[type=submit]")
    author.wait_for_url("**/congress/proposals/*/")
    proposal_url = author.url
    for rep in reps[1:]:
        author.check(f"input[name=representatives][value='{rep.pk}']")
    author.click("form[action$='/invite/'] button")
    author.wait_for_load_state()

    # 2. two colleagues co-sign on their phones
    for username in ("rep1", "rep2"):
        phone = open_as(browser, live_server, username, phone=True)
        phone.goto(proposal_url)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        phone.click("button[data-action=second]")
        phone.wait_for_load_state()
        assert "已附议" in phone.locator("[data-seconders]").inner_text()
        phone.context.close()

    # 3. the proposer submits
    author.goto(proposal_url)
    author.click("button[data-action=submit]")
    author.wait_for_load_state()
    assert author.locator("[data-status]").get_attribute("data-status") == "submitted"

    # 4. the committee accepts (P5) and assigns (P7)
    committee = open_as(browser, live_server, "committee")
    committee.goto(proposal_url)
    committee.select_option("select[name=decision]", "accept")
    for box in ("within_powers", "lawful", "feasible"):
        committee.check(f"input[name={box}]")
    committee.click("form[action$='/review/'] button")
    committee.wait_for_load_state()
    committee.select_option("select[name=lead]", str(dept.pk))
    committee.click("form[action$='/assign/'] button")
    committee.wait_for_load_state()
    assert committee.locator("[data-status]").get_attribute("data-status") == "assigned"

    def department_replies(text):
        page = open_as(browser, live_server, "handler")
        page.goto(proposal_url)
        page.select_option("select[name=outcome]", "planned" if "计划" in text else "solved")
        page.fill("textarea[name=text]", text)
        page.fill("input[name=signed_off_by]", "赵主任")
        page.click("form[action$='/reply/'] button")
        page.wait_for_load_state()
        page.context.close()

    def proposer_rates(value):
        author.goto(proposal_url)
        author.check(f"input[name=rating][value={value}]")
        author.click("form[action$='/rate/'] button")
        author.wait_for_load_state()

    # 5. the department replies, the proposer is not satisfied, the committee sends it back (P9)
    department_replies("已列入明年改造计划")
    proposer_rates("unsatisfied")
    committee.goto(proposal_url)
    committee.fill("textarea[name=note]", "请本学期内落实")
    committee.click("form[action$='/redo/'] button")
    committee.wait_for_load_state()
    # 6. handled again, and this time the proposer is satisfied
    department_replies("三楼休息室已改造完成并投入使用")
    proposer_rates("satisfied")
    assert author.locator("[data-status]").get_attribute("data-status") == "closed"

    # 7. the compilation PDF of the session carries it, read back as text
    pdf = committee.request.get(f"{live_server.url}/congress/proposals/sessions/{session.pk}/compilation.pdf")
    assert pdf.ok
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "增设教师休息室" in text
    assert "三楼休息室已改造完成并投入使用" in text and "满意" in text
