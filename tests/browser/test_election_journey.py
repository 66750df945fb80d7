"""Election journey (issue 5): a chair election at a session, phone sign-in up to the 2/3 gate, online and paper
ballots, the count by more than half of 应到会, the higher union's approval, the chair on the committee page."""

import datetime

import pytest

from elections.models import Poll
from union_site import roles

from ..conftest import make_user_with_role
from ..factories import MembershipFactory, OrgUnitFactory, SessionFactory, TermFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded_roles")]
PASSWORD = "correct horse 9"


def open_as(browser, live_server, username, *, phone=False):
    context = browser.new_context(viewport={"width": 375, "height": 740} if phone else {"width": 1280, "height": 900},
                                  is_mobile=phone, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_chair_election_from_sign_in_to_the_committee_page(live_server, browser):
    school = OrgUnitFactory(code="CGZX", name="城关中心小学工会")
    make_user_with_role(roles.OFFICER, school, username="officer")
    counters = [make_user_with_role(roles.SCRUTINEER, school, username=f"counter{i}") for i in range(2)]
    session = SessionFactory(term=TermFactory(body__unit=school, body__kind="member_assembly"),
                             title="第四次会员大会")
    names = ["王芳", "李明", "张伟", "刘洋", "陈静", "杨勇"]
    voters = [MembershipFactory(person__unit=school, union=school, person__name=n,
                                person__user=UserFactory(username=f"v{i}")).person for i, n in enumerate(names)]
    assert len(counters) == 2

    officer = open_as(browser, live_server, "officer")
    officer.goto(f"{live_server.url}/elections/new/{session.pk}/")
    officer.select_option("select[name=kind]", "election")
    officer.fill("input[name=title]", "工会主席选举")
    officer.select_option("select[name=post]", "chair")
    officer.fill("input[name=seats]", "1")
    officer.click("main form button[type=submit]")
    officer.wait_for_url("**/elections/*/")
    poll = Poll.objects.get()
    for person in voters[:2]:
        officer.click("details:has(form[action$='/candidate/']) summary")
        officer.select_option("select[name=person]", str(person.pk))
        officer.click("form[action$='/candidate/'] button")
        officer.wait_for_load_state()
    officer.click("form[action$='/publish/'] button")
    officer.wait_for_load_state()
    # the list was published a week ago (E21 asks for 7 days' notice)
    Poll.objects.filter(pk=poll.pk).update(candidates_published_on=datetime.date.today() - datetime.timedelta(days=7))
    officer.click("form[action$='/roll/'] button")
    officer.wait_for_load_state()
    candidates = officer.locator("[data-candidates]").inner_text()
    assert candidates.index("王芳") < candidates.index("李明")  # stroke order

    # voters sign in on their phones; the gate opens at 4 of 6 (two thirds, E17)
    phones = {}
    for i in range(4):
        phone = open_as(browser, live_server, f"v{i}", phone=True)
        phone.goto(f"{live_server.url}/elections/{poll.pk}/vote/")
        phone.click("button[data-action=check-in]")
        phone.wait_for_load_state()
        phones[i] = phone
        if i == 2:
            officer.reload()
            officer.click("button[data-action=open]")
            officer.wait_for_load_state()
            assert officer.locator("[data-poll-status]").get_attribute("data-poll-status") == "draft"
    officer.reload()
    officer.click("button[data-action=open]")
    officer.wait_for_load_state()
    assert officer.locator("[data-poll-status]").get_attribute("data-poll-status") == "open"

    # three vote online for 王芳
    key = f"c{poll.candidates.get(person__name='王芳').pk}"
    for i in range(3):
        phone = phones[i]
        phone.reload()
        phone.check(f"input[name={key}][value=for]")
        phone.click("form[data-ballot] button[type=submit]")
        assert phone.locator("[data-receipt]").is_visible()
        phone.context.close()
    # two paper ballots (the 4th voter, and one more given a ballot at the desk), each entered by two counters
    phones[3].context.close()
    for person in (voters[3], voters[4]):
        officer.click(f"form[action$='/paper/']:has(input[value='{person.pk}']) button")
        officer.wait_for_load_state()
    for counter in ("counter0", "counter1"):
        page = open_as(browser, live_server, counter)
        for paper_no, mark in ((1, "for"), (2, "against")):
            page.goto(f"{live_server.url}/elections/{poll.pk}/paper/")
            page.fill("input[name=paper_no]", str(paper_no))
            page.check(f"input[name={key}][value={mark}]")
            page.click("main form button[type=submit]")
            page.wait_for_load_state()
        page.context.close()
    officer.reload()
    officer.click("button[data-action=close]")
    officer.wait_for_load_state()
    officer.click("button[data-action=count]")
    officer.wait_for_load_state()
    elected = officer.locator("[data-elected]").inner_text()
    assert "王芳" in elected and "4" in elected  # 4 of 6 entitled is more than half (E17)
    officer.fill("input[name=approved_by]", "县教育工会")
    officer.fill("input[name=approval_ref]", "县教工〔2026〕12号")
    officer.click("form[action$='/approve/'] button")
    officer.wait_for_load_state()
    officer.goto(f"{live_server.url}/members/units/{school.pk}/committees/")
    assert "主席：王芳" in officer.locator("main").inner_text()
