import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from congress import proposals, services
from congress.models import Proposal, Resolution, SignIn
from union_site import roles

from ..conftest import make_user_with_role
from ..factories import RepresentativeFactory, SessionFactory, TermFactory, UserFactory


@pytest.fixture
def term(school):
    return TermFactory(body__unit=school, body__name="城关中心小学教职工代表大会")


@pytest.fixture
def reps(term):
    return [RepresentativeFactory(term=term, person__user=UserFactory(username=f"rep{i}"), person__name=f"代表{i}")
            for i in range(6)]


@pytest.fixture
def session(term):
    return SessionFactory(term=term, title="第三届教代会第二次会议")


@pytest.fixture
def committee(school):
    return make_user_with_role(roles.PROPOSAL_COMMITTEE, school, username="committee")


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "name, args",
    [("congress:body-detail", "body"), ("congress:session-detail", "session"), ("congress:sign-in-sheet", "session")],
)
def test_officer_pages_permission_matrix(client, officer, member, other_school, term, session, name, args):
    obj = {"body": term.body, "session": session}[args]
    url = reverse(name, args=[obj.pk])
    assert client.get(url).status_code == 302  # anonymous → login
    assert login(client, member).get(url).status_code == 403  # wrong role
    outsider = make_user_with_role(roles.OFFICER, other_school, username="outsider")
    assert login(client, outsider).get(url).status_code == 404  # out of scope
    assert login(client, officer).get(url).status_code == 200


def test_body_page_shows_composition_checks_with_rule_ids(client, officer, term, reps):
    page = login(client, officer).get(reverse("congress:body-detail", args=[term.body.pk])).content.decode()
    assert 'data-rule="K7"' in page and 'data-rule="T4"' in page and 'data-rule="K8"' in page


def test_phone_sign_in_and_quorum_json(client, officer, session, reps):
    services.set_sign_in_open(session, open=True, acting_user=officer)
    url = reverse("congress:sign-in", args=[session.sign_in_token])
    me = reps[0].person.user
    assert login(client, me).get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert SignIn.objects.filter(session=session, representative=reps[0]).count() == 1
    client.post(url)  # a second tap changes nothing
    assert SignIn.objects.count() == 1
    data = login(client, officer).get(reverse("congress:session-quorum", args=[session.pk])).json()
    assert data == {"entitled": 6, "present": 1, "needed": 4, "reached": False}


def test_sign_in_sheet_pdf_lists_the_representatives(client, officer, session, reps):
    response = login(client, officer).get(reverse("congress:sign-in-sheet", args=[session.pk]))
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "代表0" in text and "签到表" in text


def test_resolution_votes_are_recorded_with_k4(client, officer, session, reps):
    resolution = services.create_resolution(session, title="绩效方案", text="……", acting_user=officer)
    url = reverse("congress:resolution-result", args=[resolution.pk])
    assert login(client, officer).get(url).status_code == 405
    client.post(url, {"votes_for": 3, "votes_against": 1, "votes_abstain": 0})
    assert Resolution.objects.get().passed is False  # 3 of 6 is not more than half of ALL (K4)
    client.post(url, {"votes_for": 4, "votes_against": 1, "votes_abstain": 0})
    assert Resolution.objects.get().passed is True


def test_proposal_flow_through_the_pages(client, session, reps, committee, department):
    author = reps[0].person.user
    login(client, author)
    response = client.post(reverse("congress:proposal-create", args=[session.pk]),
                           {"title": "增设教师休息室", "reasons": "课间无处休息", "measures": "改造三楼空教室"})
    proposal = Proposal.objects.get()
    assert response["Location"] == reverse("congress:proposal-detail", args=[proposal.pk])
    client.post(reverse("congress:proposal-invite", args=[proposal.pk]),
                {"representatives": [reps[1].pk, reps[2].pk]})
    for rep in reps[1:3]:
        login(client, rep.person.user).post(reverse("congress:proposal-second", args=[proposal.pk]))
    login(client, author).post(reverse("congress:proposal-submit", args=[proposal.pk]))
    assert Proposal.objects.get().status == Proposal.Status.SUBMITTED
    # an ordinary member cannot review: 403
    assert login(client, reps[3].person.user).post(reverse("congress:proposal-review", args=[proposal.pk]),
                                                   {"decision": "accept"}).status_code == 403
    login(client, committee).post(reverse("congress:proposal-review", args=[proposal.pk]),
                                  {"decision": "accept", "within_powers": "on", "lawful": "on", "feasible": "on"})
    client.post(reverse("congress:proposal-assign", args=[proposal.pk]), {"lead": department.pk})
    assert Proposal.objects.get().status == Proposal.Status.ASSIGNED
    handler = department.handlers.get()
    login(client, handler).post(reverse("congress:proposal-reply", args=[proposal.pk]),
                                {"outcome": "solved", "text": "已改造完成", "signed_off_by": "赵主任"})
    login(client, author).post(reverse("congress:proposal-rate", args=[proposal.pk]), {"rating": "satisfied"})
    assert Proposal.objects.get().status == Proposal.Status.CLOSED
    pdf = login(client, committee).get(reverse("congress:proposal-compilation", args=[session.pk]))
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "增设教师休息室" in text and "已改造完成" in text
    report = client.get(reverse("congress:proposal-report", args=[session.pk])).content.decode()
    assert "100%" in report
    export = client.get(reverse("congress:proposal-export", args=[session.pk]))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_handlers_see_only_what_is_assigned_to_them(client, session, reps, committee, department):
    author = reps[0].person.user
    proposal = proposals.draft_proposal(session, author=author, title="题", reasons="由", measures="法")
    handler = department.handlers.get()
    assert login(client, handler).get(reverse("congress:proposal-detail", args=[proposal.pk])).status_code == 404
    # members see their own drafts but not others' drafts
    assert login(client, reps[4].person.user).get(
        reverse("congress:proposal-detail", args=[proposal.pk])).status_code == 404
    assert login(client, author).get(reverse("congress:proposal-detail", args=[proposal.pk])).status_code == 200


def test_post_only_actions_refuse_get(client, session, reps):
    proposal = proposals.draft_proposal(session, author=reps[0].person.user, title="题", reasons="由", measures="法")
    login(client, reps[0].person.user)
    for name in ("proposal-submit", "proposal-second", "proposal-rate", "proposal-reply"):
        assert client.get(reverse(f"congress:{name}", args=[proposal.pk])).status_code == 405


def test_errors_reach_the_user_in_chinese(client, session, reps):
    author = reps[0].person.user
    proposal = proposals.draft_proposal(session, author=author, title="题", reasons="由", measures="法")
    response = login(client, author).post(reverse("congress:proposal-submit", args=[proposal.pk]), follow=True)
    assert "提案至少需要 2 名附议人" in response.content.decode()


def test_proposal_list_query_count_is_constant(client, session, reps, django_assert_max_num_queries):
    author = reps[0].person.user
    for i in range(12):
        proposals.draft_proposal(session, author=author, title=f"题{i}", reasons="由", measures="法")
    login(client, author)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("congress:proposal-list")).status_code == 200


def test_delegations_with_leaders(client, officer, term, reps):
    from congress.models import Delegation

    url = reverse("congress:delegation-create", args=[term.pk])
    client.force_login(officer)
    assert client.get(url).status_code == 405
    client.post(url, {"name": "第一代表团", "leader": reps[0].pk})
    delegation = Delegation.objects.get()
    assert delegation.leader == reps[0] and delegation.term == term
    response = client.post(url, {"name": "第一代表团"}, follow=True)
    assert Delegation.objects.count() == 1 and "第一代表团" in response.content.decode()
