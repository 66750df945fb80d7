"""Poll pages: the officers' steps, the voter's booth with its receipt, paper entry by two counters, approval."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from elections import counting, services
from elections.models import Ballot, Poll
from members.models import PostHolding
from union_site import roles

from ..conftest import make_user_with_role
from ..factories import MembershipFactory, SessionFactory, TermFactory, UserFactory


@pytest.fixture
def setup(school, officer):
    session = SessionFactory(term=TermFactory(body__unit=school, body__kind="member_assembly"))
    voters = [MembershipFactory(person__unit=school, person__user=UserFactory(username=f"v{i}"), person__name=n).person
              for i, n in enumerate(["王芳", "李明", "张伟", "刘洋", "陈静", "杨勇"])]
    counters = [make_user_with_role(roles.SCRUTINEER, school, username=f"counter{i}") for i in range(2)]
    return session, voters, counters


def test_chair_election_through_the_pages(client, officer, setup, school):
    session, voters, counters = setup
    client.force_login(officer)
    client.post(reverse("elections:poll-create", args=[session.pk]),
                {"kind": "election", "title": "工会主席选举", "post": "chair", "seats": 1})
    poll = Poll.objects.get()
    do = lambda action, **data: client.post(reverse("elections:poll-action", args=[poll.pk, action]), data)  # noqa: E731
    for person in voters[:2]:
        do("candidate", person=person.pk, nominated_by="第一工会小组")
    do("candidate", person=voters[2].pk, declarations=["hr_head"])  # E22: refused
    assert poll.candidates.count() == 2
    do("publish")
    Poll.objects.filter(pk=poll.pk).update(candidates_published_on=datetime.date.today() - datetime.timedelta(days=7))
    do("roll")
    do("open")
    assert Poll.objects.get(pk=poll.pk).status == "draft"  # nobody signed in yet (E17)
    for person in voters[:3]:  # three sign in on their phones …
        client.force_login(person.user)
        client.post(reverse("elections:booth", args=[poll.pk]), {"check_in": "1"})
    client.force_login(officer)
    do("check-in", person=voters[3].pk)  # … and one at the desk: 4 of 6 is two thirds
    do("open")
    assert Poll.objects.get(pk=poll.pk).status == "open"
    key = f"c{poll.candidates.get(person=voters[0]).pk}"
    for person in voters[:3]:
        client.force_login(person.user)
        response = client.post(reverse("elections:booth", args=[poll.pk]), {key: "for"})
        assert "data-receipt" in response.content.decode()
    again = client.post(reverse("elections:booth", args=[poll.pk]), {key: "for"}).content.decode()
    assert "已投票" in again  # the booth says so in Chinese; no second ballot
    client.force_login(officer)
    do("paper", person=voters[3].pk)
    for counter in counters:
        client.force_login(counter)
        client.post(reverse("elections:paper-entry", args=[poll.pk]), {"paper_no": 1, key: "for"})
    client.force_login(officer)
    do("close")
    do("count")
    poll.refresh_from_db()
    assert poll.status == "counted" and poll.result["elected"][0]["name"] == "王芳"  # 4 > 6/2 (E17)
    assert Ballot.objects.filter(poll=poll).count() == 4
    page = client.get(reverse("elections:poll-detail", args=[poll.pk])).content.decode()
    assert "data-elected" in page
    do("approve", approved_by="县教育工会", approval_ref="县教工〔2026〕12号")
    assert PostHolding.objects.get(post="chair", ended_on__isnull=True).person == voters[0]
    committee = client.get(reverse("members:committee-list", args=[school.pk])).content.decode()
    assert "王芳" in committee


def test_published_ballots_and_receipt_lookup(client, officer, other_school, setup):
    session, voters, _counters = setup
    poll = services.create_poll(session, kind="confidence", title="民主评议", acting_user=officer)
    services.add_candidate(poll, voters[0], acting_user=officer)
    services.freeze_roll(poll, acting_user=officer)
    for person in voters:
        services.check_in(poll, person, acting_user=officer)
    services.open_poll(poll, acting_user=officer)
    code = services.cast_ballot(poll, user=voters[1].user, marks={str(poll.candidates.get().pk): "trust"})
    client.force_login(voters[1].user)
    assert client.get(reverse("elections:ballots", args=[poll.pk])).status_code == 404  # not while open
    services.close_poll(poll, acting_user=officer)
    page = client.get(reverse("elections:ballots", args=[poll.pk]), {"receipt": code}).content.decode()
    assert "data-found" in page
    assert voters[1].name not in page  # the list names candidates, never voters
    client.force_login(officer)  # the union's officers see the list too
    assert client.get(reverse("elections:ballots", args=[poll.pk])).status_code == 200
    client.force_login(make_user_with_role(roles.OFFICER, other_school, username="elsewhere"))
    assert client.get(reverse("elections:ballots", args=[poll.pk])).status_code == 404  # another union's officer
    client.force_login(UserFactory(username="no-roll"))
    assert client.get(reverse("elections:ballots", args=[poll.pk])).status_code == 404  # an account not on the roll


def test_poll_pages_permissions(client, officer, member, other_school, setup):
    session, voters, _ = setup
    poll = services.create_poll(session, kind="election", title="选举", post="chair", acting_user=officer)
    url = reverse("elections:poll-detail", args=[poll.pk])
    assert client.get(url).status_code == 302
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(make_user_with_role(roles.OFFICER, other_school, username="other"))
    assert client.get(url).status_code == 404
    client.force_login(officer)
    assert client.get(reverse("elections:poll-action", args=[poll.pk, "open"])).status_code == 405
    client.force_login(UserFactory(username="not-on-roll"))
    assert client.get(reverse("elections:booth", args=[poll.pk])).status_code == 404
    assert Group.objects.filter(name=roles.SCRUTINEER).exists()


def test_ballot_papers_and_result_report_pdfs(client, officer, setup):
    import io

    from pypdf import PdfReader

    session, voters, counters = setup
    poll = services.create_poll(session, kind="election", title="工会主席选举", post="chair", acting_user=officer)
    for person in (voters[1], voters[0]):  # 李明 nominated first; 王芳 (4 strokes) prints first
        services.add_candidate(poll, person, acting_user=officer)
    client.force_login(officer)
    papers = client.get(reverse("elections:ballot-papers", args=[poll.pk]), {"count": 3})
    reader = PdfReader(io.BytesIO(papers.content))
    text = reader.pages[0].extract_text()
    assert len(reader.pages) == 3 and text.index("王芳") < text.index("李明") and "另选他人" in text
    Poll.objects.filter(pk=poll.pk).update(candidates_published_on=datetime.date.today() - datetime.timedelta(days=7))
    services.freeze_roll(poll, acting_user=officer)
    for person in voters:
        services.check_in(poll, person, acting_user=officer)
    services.open_poll(poll, acting_user=officer)
    key = str(poll.candidates.get(person=voters[0]).pk)
    for person in voters[:4]:
        services.cast_ballot(poll, user=person.user, marks={key: "for"})
    services.close_poll(poll, acting_user=officer)
    counting.count_poll(poll, acting_user=officer)
    report = client.get(reverse("elections:result-report", args=[poll.pk]))
    text = PdfReader(io.BytesIO(report.content)).pages[0].extract_text()
    assert "选举结果报告单" in text and "王芳" in text and "应到会人数" in text and "监票" in text


def test_secret_vote_on_a_congress_resolution_from_the_session_page(client, officer, setup):
    from congress import services as congress_services

    session, voters, _ = setup
    resolution = congress_services.create_resolution(session, title="会员福利方案", text="…", acting_user=officer)
    client.force_login(officer)
    assert "elections/resolution-vote" in client.get(reverse("congress:session-detail", args=[session.pk])).content.decode()
    response = client.post(reverse("elections:resolution-vote"), {"resolution": resolution.pk})
    poll = Poll.objects.get(kind="resolution")
    assert response["Location"] == reverse("elections:poll-detail", args=[poll.pk]) and poll.resolution == resolution
