"""Edge-case ballots, tampered requests and parallel requests; each test names the rule it checks.

Rules: elections.md §3 (rule 14 ballot marks and 另选他人, rule 15 ballot validity, rule 16 发出/收回,
rule 10 ranking and tie round) and §4 (items 5 secrecy, 6 one channel, 8 paper double entry);
rules.md E16–E19, E24, K4.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from congress import services as congress_services
from elections import counting, services
from elections.models import Ballot, PaperEntry, Poll, PollEvent, RollEntry
from elections.services import ElectionError
from union_site import roles

from ..concurrency import at_once
from ..conftest import make_user_with_role
from ..factories import MembershipFactory, SessionFactory, TermFactory, UserFactory
from .test_engine import cand, chair_poll, open_three_voter_poll, sign_in

pytestmark = pytest.mark.usefixtures("english")




@pytest.fixture
def counters():
    return UserFactory(username="counter-a"), UserFactory(username="counter-b")


def open_poll_with(session, voters, officer, *, kind="election", seats=1, candidates=("王芳", "李明"),
                   post="chair", resolution=None):
    """An open poll with every voter signed in."""
    poll = services.create_poll(session, kind=kind, title="选举", post=post if kind == "election" else "",
                                seats=seats, resolution=resolution, acting_user=officer)
    if kind != "resolution":
        for person in voters:
            if person.name in candidates:
                services.add_candidate(poll, person, acting_user=officer)
    poll.candidates_published_on = datetime.date.today() - datetime.timedelta(days=10)
    poll.save()
    services.freeze_roll(poll, acting_user=officer)
    sign_in(poll, voters, officer)
    return services.open_poll(poll, acting_user=officer)


def count(poll, officer):
    services.close_poll(poll, acting_user=officer)
    return counting.count_poll(poll, acting_user=officer)


def enter_twice(poll, counters, paper_no, marks, write_ins=()):
    for counter in counters:
        state = services.enter_paper_ballot(poll, paper_no=paper_no, counter=counter, marks=marks, write_ins=write_ins)
    return state


# --- ballots (rules 14, 15) ---------------------------------------------------------------------------


def test_rule15_an_all_abstain_ballot_is_valid_and_gives_no_yes(session, voters, officer):
    poll = open_poll_with(session, voters, officer)
    services.cast_ballot(poll, user=voters[2].user, marks={cand(poll, "王芳"): "abstain", cand(poll, "李明"): "abstain"})
    result = count(poll, officer)
    assert (result["returned"], result["valid"], result["invalid"]) == (1, 1, 0)
    assert {r["name"]: (r["for"], r["abstain"]) for r in result["rows"]} == {"王芳": (0, 1), "李明": (0, 1)}


def test_rule15_a_blank_online_ballot_is_accepted_as_valid_with_no_yes(client, session, voters, officer):
    """Design: marking nobody is fewer yes-votes than seats, so the ballot is valid (rule 15), like 弃权."""
    poll = open_poll_with(session, voters, officer)
    client.force_login(voters[2].user)
    response = client.post(reverse("elections:booth", args=[poll.pk]), {"write_in_0": ""})  # what a browser sends
    assert "data-receipt" in response.content.decode()
    ballot = Ballot.objects.get(poll=poll)
    assert (ballot.marks, ballot.write_ins, ballot.valid) == ({}, [], True)
    result = count(poll, officer)
    assert (result["returned"], result["valid"]) == (1, 1) and all(r["for"] == 0 for r in result["rows"])


def test_rule14_a_write_in_alone_is_a_yes_for_that_person_and_can_be_elected(session, voters, officer):
    poll = open_poll_with(session, voters, officer)
    for person in voters[:5]:  # 5 > 9/2 (E17)
        services.cast_ballot(poll, user=person.user, marks={}, write_ins=["钱七"])
    result = count(poll, officer)
    assert result["write_ins"] == {"钱七": 5} and result["valid"] == 5
    assert result["elected"] == [{"name": "钱七", "votes": 5, "candidate": None}]


def test_rule14_a_write_in_naming_a_candidate_is_refused_online_and_invalid_on_paper(session, voters, officer,
                                                                                     counters):
    """Writing a candidate in again would count them twice (with their yes) or contradict the mark: 废票."""
    poll = open_poll_with(session, voters, officer)
    for marks in ({cand(poll, "王芳"): "for"}, {cand(poll, "王芳"): "against"}, {}):
        with pytest.raises(ElectionError, match="names a candidate"):
            services.cast_ballot(poll, user=voters[2].user, marks=marks, write_ins=[" 王　芳 "])
    assert Ballot.objects.count() == 0 and not RollEntry.objects.get(poll=poll, person=voters[2]).has_voted
    services.issue_paper_ballot(poll, voters[3], acting_user=officer)
    enter_twice(poll, counters, 1, {cand(poll, "王芳"): "for"}, write_ins=["王芳"])
    result = count(poll, officer)
    assert (result["valid"], result["invalid"]) == (0, 1) and result["elected"] == []
    assert Ballot.objects.get(poll=poll).invalid_reason == "a write-in names a candidate on the ballot"


def test_rule14_write_ins_are_counted_alike_whatever_the_spaces_or_full_width_characters(session, voters, officer):
    poll = open_poll_with(session, voters, officer, seats=2, post="audit_member",
                          candidates=("王芳", "李明", "张伟"))
    spellings = ["钱七", " 钱 七 ", "钱　七", "钱七\t", "ＡＢ", "AB"]
    for person, name in zip(voters, spellings, strict=False):
        services.cast_ballot(poll, user=person.user, marks={}, write_ins=[name])
    assert count(poll, officer)["write_ins"] == {"钱七": 4, "AB": 2}
    assert sorted(w for b in Ballot.objects.filter(poll=poll) for w in b.write_ins) == ["AB"] * 2 + ["钱七"] * 4


def test_rule14_the_same_name_written_in_twice_is_refused(session, voters, officer):
    poll = open_poll_with(session, voters, officer, seats=2, post="audit_member",
                          candidates=("王芳", "李明", "张伟"))
    with pytest.raises(ElectionError, match="more than once"):
        services.cast_ballot(poll, user=voters[3].user, marks={}, write_ins=["钱七", "钱 七"])
    assert Ballot.objects.count() == 0


def test_rule15_over_voting_is_refused_online_but_a_paper_ballot_is_counted_invalid(session, voters, officer,
                                                                                    counters):
    poll = open_poll_with(session, voters, officer)
    both = {cand(poll, "王芳"): "for", cand(poll, "李明"): "for"}
    with pytest.raises(ElectionError, match="more yes-votes than seats"):
        services.cast_ballot(poll, user=voters[2].user, marks=both)
    with pytest.raises(ElectionError, match="more yes-votes than seats"):  # a write-in is a yes too
        services.cast_ballot(poll, user=voters[2].user, marks={cand(poll, "王芳"): "for"}, write_ins=["钱七"])
    assert Ballot.objects.count() == 0
    services.issue_paper_ballot(poll, voters[3], acting_user=officer)
    assert enter_twice(poll, counters, 1, both) == "matched"
    result = count(poll, officer)
    assert (result["returned"], result["valid"], result["invalid"]) == (1, 0, 1)
    assert Ballot.objects.get(poll=poll).invalid_reason == "more yes-votes than seats"


def test_rule10_more_qualifiers_than_seats_are_ranked_by_yes_votes(session, voters, officer):
    names = ("王芳", "李明", "张伟", "刘洋", "陈静")
    poll = open_poll_with(session, voters, officer, seats=3, post="audit_member", candidates=names)
    a, b, c, d, e = (cand(poll, n) for n in names)
    ballots = ([{a: "for", b: "for", c: "for"}] * 4 + [{a: "for", b: "for", d: "for"}] * 2
               + [{a: "for", c: "for", d: "for"}] * 2 + [{e: "for"}])
    for person, marks in zip(voters, ballots, strict=True):
        services.cast_ballot(poll, user=person.user, marks=marks)
    result = count(poll, officer)
    # 王芳 8, 李明 6, 张伟 6, 刘洋 4, 陈静 1: needed 5; 李明 and 张伟 share 6 but both fit in the 3 seats
    # (equal votes keep the stroke order, E21)
    assert [(r["name"], r["votes"]) for r in result["elected"]] == [("王芳", 8), ("张伟", 6), ("李明", 6)]
    assert result["tie_round"] == [] and result["unfilled"] == 0


def test_rule10_three_tied_for_the_last_two_seats_go_to_a_tie_round(session, voters, officer):
    names = ("王芳", "李明", "张伟", "刘洋")
    poll = open_poll_with(session, voters, officer, seats=3, post="audit_member", candidates=names)
    a, b, c, d = (cand(poll, n) for n in names)
    ballots = ([{a: "for", b: "for", c: "for"}] * 3 + [{a: "for", b: "for", d: "for"}] * 3
               + [{a: "for", c: "for", d: "for"}] * 3)
    for person, marks in zip(voters, ballots, strict=True):
        services.cast_ballot(poll, user=person.user, marks=marks)
    result = count(poll, officer)
    assert [e["name"] for e in result["elected"]] == ["王芳"]  # 9
    assert sorted(t["name"] for t in result["tie_round"]) == ["刘洋", "张伟", "李明"]  # 6, 6, 6 for 2 seats
    further = counting.start_further_round(Poll.objects.get(pk=poll.pk), acting_user=officer)
    assert further.seats == 2 and further.candidates.count() == 3


def test_k4_a_resolution_with_as_many_for_as_against_fails(session, voters, officer):
    resolution = congress_services.create_resolution(session, title="会员福利方案", text="…", acting_user=officer)
    poll = open_poll_with(session, voters, officer, kind="resolution", resolution=resolution)
    for i, person in enumerate(voters):
        services.cast_ballot(poll, user=person.user, marks={"motion": ["for", "against", "abstain"][min(i // 4, 2)]})
    result = count(poll, officer)
    assert result["options"] == {"for": 4, "against": 4, "abstain": 1} and not result["passed"]
    resolution.refresh_from_db()
    assert resolution.passed is False and resolution.votes_for == resolution.votes_against == 4


def test_e24_a_confidence_vote_takes_only_confidence_marks_and_no_write_ins(session, voters, officer):
    poll = open_poll_with(session, voters, officer, kind="confidence", candidates=("王芳",))
    key = cand(poll, "王芳")
    with pytest.raises(ElectionError, match="unknown option or mark"):
        services.cast_ballot(poll, user=voters[1].user, marks={key: "for"})
    with pytest.raises(ElectionError, match="unknown option or mark"):  # no 另选他人 on a confidence ballot
        services.cast_ballot(poll, user=voters[1].user, marks={key: "trust"}, write_ins=["钱七"])
    assert Ballot.objects.count() == 0
    for person, mark in zip(voters, ["trust"] * 4 + ["basic"] * 2 + ["distrust"] * 3, strict=True):
        services.cast_ballot(poll, user=person.user, marks={key: mark})
    row = count(poll, officer)["rows"][0]
    assert (row["trust"], row["basic"], row["distrust"]) == (4, 2, 3)
    assert row["below_half"] and not row["removal_majority"]  # 4 of 9 trust; 3 distrust is not > half of ALL


# --- reconciliation and paper double entry (rule 16, §4 item 8) ----------------------------------------


def test_rule16_more_paper_ballots_returned_than_issued_voids_the_election(session, voters, officer, counters):
    poll = open_poll_with(session, voters, officer)
    services.issue_paper_ballot(poll, voters[2], acting_user=officer)
    enter_twice(poll, counters, 1, {cand(poll, "王芳"): "for"})
    enter_twice(poll, counters, 2, {cand(poll, "王芳"): "for"})  # a second paper nobody was issued
    result = count(poll, officer)
    assert (result["issued"], result["returned"], result["void"]) == (1, 2, True)
    assert Poll.objects.get(pk=poll.pk).status == "void"


def test_a_paper_ballot_entered_by_one_counter_only_blocks_counting(session, voters, officer, counters):
    poll = open_poll_with(session, voters, officer)
    services.issue_paper_ballot(poll, voters[2], acting_user=officer)
    services.issue_paper_ballot(poll, voters[3], acting_user=officer)
    enter_twice(poll, counters, 1, {cand(poll, "王芳"): "for"})
    services.enter_paper_ballot(poll, paper_no=2, counter=counters[0], marks={cand(poll, "李明"): "for"})
    services.close_poll(poll, acting_user=officer)
    with pytest.raises(ElectionError, match=r"Paper ballots 2 are not yet entered"):
        counting.count_poll(poll, acting_user=officer)
    assert Ballot.objects.filter(poll=poll).count() == 0 and Poll.objects.get(pk=poll.pk).status == "closed"


def test_two_counters_disagree_then_one_corrects_and_the_count_proceeds(session, voters, officer, counters):
    poll = open_poll_with(session, voters, officer)
    services.issue_paper_ballot(poll, voters[2], acting_user=officer)
    a, b = counters
    yes = {cand(poll, "王芳"): "for"}
    services.enter_paper_ballot(poll, paper_no=1, counter=a, marks=yes)
    assert services.enter_paper_ballot(poll, paper_no=1, counter=b, marks={cand(poll, "李明"): "for"}) == "mismatch"
    services.close_poll(poll, acting_user=officer)
    with pytest.raises(ElectionError, match="not yet entered identically"):
        counting.count_poll(poll, acting_user=officer)
    assert services.enter_paper_ballot(poll, paper_no=1, counter=b, marks=yes) == "matched"  # corrected while counting
    result = counting.count_poll(poll, acting_user=officer)
    assert (result["returned"], result["valid"]) == (1, 1) and result["rows"][0]["for"] == 1
    assert PaperEntry.objects.filter(poll=poll).count() == 2


def test_a_third_counter_who_reads_the_paper_differently_is_a_mismatch(session, voters, officer, counters):
    """Every entry of a paper ballot must agree, not only the first two."""
    poll = open_poll_with(session, voters, officer)
    services.issue_paper_ballot(poll, voters[2], acting_user=officer)
    assert enter_twice(poll, counters, 1, {cand(poll, "王芳"): "for"}) == "matched"
    third = UserFactory(username="counter-c")
    assert services.enter_paper_ballot(poll, paper_no=1, counter=third, marks={cand(poll, "李明"): "for"}) == "mismatch"
    assert services.paper_mismatches(poll) == [1]
    services.close_poll(poll, acting_user=officer)
    with pytest.raises(ElectionError, match="not yet entered identically"):
        counting.count_poll(poll, acting_user=officer)


def test_rule16_no_paper_ballot_is_issued_once_the_poll_has_closed(session, voters, officer):
    """An issue after the close would raise 发出 and hide a stuffed paper ballot from the reconciliation."""
    poll = open_poll_with(session, voters, officer)
    services.close_poll(poll, acting_user=officer)
    with pytest.raises(ElectionError, match="not open"):
        services.issue_paper_ballot(poll, voters[2], acting_user=officer)
    entry = RollEntry.objects.get(poll=poll, person=voters[2])
    assert (entry.channel, entry.has_voted) == ("", False)
    assert counting.tally(Poll.objects.get(pk=poll.pk))["issued"] == 0


def test_e17_the_roll_does_not_change_after_the_close(session, voters, officer):
    """An exclusion after the close would lower 应到会 under a count already made."""
    poll = open_poll_with(session, voters, officer)
    count(poll, officer)
    with pytest.raises(ElectionError, match="not open"):
        services.exclude_from_roll(poll, voters[8], reason="已调离本单位", acting_user=officer)
    assert Poll.objects.get(pk=poll.pk).entitled == 9


# --- the booth over HTTP (E19, §4 items 5 and 6) ---------------------------------------------------------


def nothing_written(poll, person, ballots=0):
    return (Ballot.objects.filter(poll=poll).count() == ballots
            and not RollEntry.objects.filter(poll=poll, person=person, channel="online").exists())


@pytest.fixture
def booth(session, voters, officer, client):
    poll = open_poll_with(session, voters, officer)
    client.force_login(voters[2].user)
    return poll, reverse("elections:booth", args=[poll.pk])


def test_a_field_for_an_option_not_on_the_ballot_is_refused(client, booth, voters, session, officer):
    poll, url = booth
    other = open_poll_with(SessionFactory(term=session.term), voters, officer, candidates=("张伟", "刘洋"))
    foreign = f"c{other.candidates.first().pk}"  # a candidate of another poll
    for data in ({foreign: "for"}, {"c999999": "for"}, {f"c{cand(poll, '王芳')}": "for", "write_in_7": "钱七"}):
        page = client.post(url, data).content.decode()
        assert "data-receipt" not in page and "选项或标记无法识别" in page  # the booth speaks Chinese
        assert nothing_written(poll, voters[2]) and not Ballot.objects.filter(poll=other).exists()


def test_a_mark_that_is_not_allowed_is_refused(client, booth, voters):
    poll, url = booth
    for mark in ("trust", "FOR", "for ", "yes", "for,against"):
        page = client.post(url, {f"c{cand(poll, '王芳')}": mark}).content.decode()
        assert "data-receipt" not in page
        assert nothing_written(poll, voters[2])


def test_casting_on_a_closed_poll_writes_nothing(client, booth, voters, officer):
    poll, url = booth
    services.close_poll(poll, acting_user=officer)
    response = client.post(url, {f"c{cand(poll, '王芳')}": "for"})
    assert response.status_code == 200 and "data-receipt" not in response.content.decode()
    assert nothing_written(poll, voters[2])


def test_e19_someone_not_on_the_roll_or_excluded_gets_404_and_writes_nothing(client, session, voters, officer):
    poll = services.create_poll(session, kind="election", title="主席", post="chair", acting_user=officer)
    for person in voters[:2]:
        services.add_candidate(poll, person, acting_user=officer)
    Poll.objects.filter(pk=poll.pk).update(candidates_published_on=datetime.date.today() - datetime.timedelta(days=8))
    services.freeze_roll(poll, acting_user=officer)
    services.exclude_from_roll(poll, voters[8], reason="已调离本单位", acting_user=officer)
    sign_in(poll, voters[:8], officer)
    services.open_poll(poll, acting_user=officer)
    url = reverse("elections:booth", args=[poll.pk])
    for user in (UserFactory(username="outsider"), voters[8].user):
        client.force_login(user)
        assert client.post(url, {f"c{cand(poll, '王芳')}": "for"}).status_code == 404
        assert client.post(url, {"check_in": "1"}).status_code == 404
    assert Ballot.objects.count() == 0 and not RollEntry.objects.filter(poll=poll, has_voted=True).exists()
    assert not RollEntry.objects.get(poll=poll, person=voters[8]).checked_in


def test_a_voter_issued_a_paper_ballot_cannot_vote_online(client, booth, voters, officer):
    poll, url = booth
    services.issue_paper_ballot(poll, voters[2], acting_user=officer)
    page = client.post(url, {f"c{cand(poll, '王芳')}": "for"}).content.decode()
    assert "data-receipt" not in page and "您已领取纸质选票" in page
    assert Ballot.objects.count() == 0 and RollEntry.objects.get(poll=poll, person=voters[2]).channel == "paper"


def test_a_post_without_the_csrf_token_is_refused(booth, voters):
    poll, url = booth
    client = Client(enforce_csrf_checks=True)
    client.force_login(voters[2].user)
    assert client.post(url, {f"c{cand(poll, '王芳')}": "for"}).status_code == 403
    assert nothing_written(poll, voters[2])
    page = client.get(url)  # with the token from the page, the same ballot goes in
    token = page.cookies["csrftoken"].value
    response = client.post(url, {f"c{cand(poll, '王芳')}": "for", "csrfmiddlewaretoken": token})
    assert "data-receipt" in response.content.decode() and Ballot.objects.count() == 1


# --- secrecy (E16, E19, §4 item 5) ------------------------------------------------------------------------


def test_e16_published_ballots_do_not_follow_the_order_of_casting(client, school, session, officer):
    people = [MembershipFactory(person__unit=school, person__user=UserFactory(username=f"s{i}"),
                                person__name=f"会员{i:02d}").person for i in range(30)]
    poll = open_poll_with(session, people, officer, candidates=("会员00", "会员01"))
    order = [f"写入{i:02d}" for i in range(30)]
    for person, name in zip(people, order, strict=True):
        services.cast_ballot(poll, user=person.user, marks={}, write_ins=[name])
    services.close_poll(poll, acting_user=officer)
    client.force_login(people[0].user)
    rows = client.get(reverse("elections:ballots", args=[poll.pk])).context["rows"]
    listed = [ballot.write_ins[0] for ballot, _marks in rows]
    assert sorted(listed) == order and listed != order
    # the list follows the random ids: in casting order there would be 29 ascents, at random about 14.5
    ascents = sum(1 for x, y in zip(listed, listed[1:], strict=False) if x < y)
    assert ascents < 24  # P(≥ 24 ascents in a random order of 30) < 1e-6
    assert [str(ballot.id) for ballot, _marks in rows] == sorted(str(ballot.id) for ballot, _marks in rows)


def test_e19_no_ballot_and_no_log_entry_names_a_voter(session, voters, officer, counters):
    poll = open_poll_with(session, voters, officer)
    for person in voters[2:6]:
        services.cast_ballot(poll, user=person.user, marks={cand(poll, "王芳"): "for"}, write_ins=[])
    services.issue_paper_ballot(poll, voters[6], acting_user=officer)
    enter_twice(poll, counters, 1, {cand(poll, "李明"): "for"})
    count(poll, officer)
    voters_only = voters[2:]  # not the candidates, whose names are on the ballot
    secrets = {p.user.username for p in voters_only} | {p.name for p in voters_only}
    candidate_keys = {str(pk) for pk in poll.candidates.values_list("pk", flat=True)}
    for ballot in Ballot.objects.filter(poll=poll):
        text = repr([getattr(ballot, f.attname) for f in Ballot._meta.concrete_fields])
        assert not any(s in text for s in secrets)
        assert set(ballot.marks) <= candidate_keys  # keys are candidate ids, never a person or user id
    for event in PollEvent.objects.filter(poll=poll):
        text = repr((event.data, event.actor))
        assert not any(s in text for s in secrets), event.kind
        assert not {"person", "voter", "user"} & set(event.data), event.kind
    assert not PollEvent.objects.filter(poll=poll, kind__in=["cast", "checked_in"]).exists()


# --- parallel requests (PostgreSQL) --------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_roles")
def test_two_counters_entering_the_same_paper_at_once_give_one_match(school, officer):
    poll, voters, key = open_three_voter_poll(school, officer)
    services.issue_paper_ballot(poll, voters[2], acting_user=officer)
    a, b = UserFactory(username="counter-a"), UserFactory(username="counter-b")
    for _round in range(5):
        PaperEntry.objects.filter(poll=poll).delete()
        outcomes = at_once(
            lambda: services.enter_paper_ballot(poll, paper_no=1, counter=a, marks={key: "for"}),
            lambda: services.enter_paper_ballot(poll, paper_no=1, counter=b, marks={key: "for"}),
            lambda: services.enter_paper_ballot(poll, paper_no=1, counter=a, marks={key: "for"}),
        )
        assert sorted(outcomes) in (["matched", "matched", "waiting"], ["matched", "waiting", "waiting"])
        assert PaperEntry.objects.filter(poll=poll).count() == 2 and services.paper_mismatches(poll) == []
    services.close_poll(poll, acting_user=officer)
    result = counting.count_poll(poll, acting_user=officer)
    assert (result["issued"], result["returned"], result["void"]) == (1, 1, False)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_roles")
def test_casting_online_while_an_officer_issues_a_paper_ballot_one_wins(school, officer):
    """§4 item 6: one channel each, whichever comes first, never both."""
    session = SessionFactory(term=TermFactory(body__unit=school, body__kind="member_assembly"))
    people = [MembershipFactory(person__unit=school, person__user=UserFactory(username=f"r{i}")).person
              for i in range(12)]
    poll = chair_poll(session, people, officer, candidates=[people[0].name, people[1].name])
    sign_in(poll, people, officer)
    services.open_poll(poll, acting_user=officer)
    key = str(poll.candidates.first().pk)
    online = 0
    for person in people:
        cast, issued = at_once(
            lambda p=person: services.cast_ballot(poll, user=p.user, marks={key: "for"}),
            lambda p=person: services.issue_paper_ballot(poll, p, acting_user=officer),
        )
        assert isinstance(cast, ElectionError) != isinstance(issued, ElectionError), (cast, issued)
        entry = RollEntry.objects.get(poll=poll, person=person)
        assert entry.has_voted and entry.channel == ("paper" if isinstance(cast, ElectionError) else "online")
        online += not isinstance(cast, ElectionError)
    assert Ballot.objects.filter(poll=poll).count() == online
    assert RollEntry.objects.filter(poll=poll, channel="online").count() == online


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_roles")
def test_close_racing_many_casts_and_paper_issues_keeps_ballots_and_roll_in_step(school, officer):
    session = SessionFactory(term=TermFactory(body__unit=school, body__kind="member_assembly"))
    people = [MembershipFactory(person__unit=school, person__user=UserFactory(username=f"q{i}")).person
              for i in range(40)]
    poll = chair_poll(session, people, officer, candidates=[people[0].name, people[1].name])
    sign_in(poll, people, officer)
    services.open_poll(poll, acting_user=officer)
    key = str(poll.candidates.first().pk)
    casts = [lambda p=p: services.cast_ballot(poll, user=p.user, marks={key: "for"}) for p in people[:30]]
    issues = [lambda p=p: services.issue_paper_ballot(poll, p, acting_user=officer) for p in people[30:]]
    outcomes = at_once(*casts[:15], *issues[:5],
                            lambda: services.close_poll(poll, acting_user=officer), *casts[15:], *issues[5:])
    close = outcomes[20]
    assert isinstance(close, Poll) and close.status == "closed"
    cast_ok = sum(1 for o in outcomes[:15] + outcomes[21:36] if isinstance(o, str))
    issued_ok = sum(1 for o in outcomes[15:20] + outcomes[36:] if isinstance(o, RollEntry))
    refused = [o for o in outcomes if isinstance(o, ElectionError)]
    assert cast_ok + issued_ok + len(refused) == 40 and all("not open" in str(e) for e in refused)
    assert Ballot.objects.filter(poll=poll).count() == cast_ok
    assert RollEntry.objects.filter(poll=poll, channel="online", has_voted=True).count() == cast_ok
    assert RollEntry.objects.filter(poll=poll, channel="paper").count() == issued_ok
    result = counting.count_poll(poll, acting_user=officer)
    assert (result["issued"], result["returned"], result["void"]) == (cast_ok + issued_ok, cast_ok, False)



@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_roles")
def test_two_closes_and_two_counts_at_once_turn_each_paper_into_one_ballot(school, officer):
    poll, voters, key = open_three_voter_poll(school, officer)
    services.cast_ballot(poll, user=voters[0].user, marks={key: "for"})
    services.issue_paper_ballot(poll, voters[2], acting_user=officer)
    a, b = UserFactory(username="counter-a"), UserFactory(username="counter-b")
    for counter in (a, b):
        services.enter_paper_ballot(poll, paper_no=1, counter=counter, marks={key: "for"})
    closes = at_once(*[lambda: services.close_poll(poll, acting_user=officer)] * 2)
    assert sum(isinstance(o, Poll) for o in closes) == 1 and sum(isinstance(o, ElectionError) for o in closes) == 1
    counts = at_once(*[lambda: counting.count_poll(poll, acting_user=officer)] * 2)
    assert sum(isinstance(o, dict) for o in counts) == 1 and sum(isinstance(o, ElectionError) for o in counts) == 1
    assert Ballot.objects.filter(poll=poll).count() == 2 and Ballot.objects.filter(poll=poll, channel="paper").count() == 1
    assert Poll.objects.get(pk=poll.pk).result["returned"] == 2


# --- found on the way ------------------------------------------------------------------------------------

def test_k13_counting_a_vote_on_a_resolution_adopted_meanwhile_is_refused_not_a_crash(client, session, voters,
                                                                                       officer):
    """The congress adopted the resolution by a show of hands while its secret vote ran: the count says so."""
    resolution = congress_services.create_resolution(session, title="会员福利方案", text="…", acting_user=officer)
    poll = open_poll_with(session, voters, officer, kind="resolution", resolution=resolution)
    services.cast_ballot(poll, user=voters[0].user, marks={"motion": "for"})
    congress_services.set_resolution_result(resolution, votes_for=9, votes_against=0, votes_abstain=0, entitled=9,
                                            acting_user=officer)
    services.close_poll(poll, acting_user=officer)
    with pytest.raises(ElectionError, match="locked"):
        counting.count_poll(poll, acting_user=officer)
    with pytest.raises(ElectionError, match="locked"):  # and no new vote on it can be set up
        services.create_poll(session, kind="resolution", title="再表决", resolution=resolution, acting_user=officer)
    client.force_login(officer)
    response = client.post(reverse("elections:poll-action", args=[poll.pk, "count"]))  # a message, not a 500
    assert response.status_code == 302 and Poll.objects.get(pk=poll.pk).status == "closed"
    resolution.refresh_from_db()
    assert Ballot.objects.filter(poll=poll).count() == 1 and resolution.votes_for == 9


def test_rule15_a_blank_or_spoilt_paper_resolution_ballot_can_be_entered(client, session, voters, officer, school):
    """A paper ballot is entered as it is: with no mark (a valid blank ballot), or invalid with the reason."""
    resolution = congress_services.create_resolution(session, title="会员福利方案", text="…", acting_user=officer)
    poll = open_poll_with(session, voters, officer, kind="resolution", resolution=resolution)
    for person in voters[:2]:
        services.issue_paper_ballot(poll, person, acting_user=officer)
    url = reverse("elections:paper-entry", args=[poll.pk])
    for i in range(2):
        client.force_login(make_user_with_role(roles.SCRUTINEER, school, username=f"counter{i}"))
        assert client.post(url, {"paper_no": 1}).status_code == 302  # nothing marked
        assert client.post(url, {"paper_no": 2, "invalid_reason": "赞成、反对都打了勾"}).status_code == 302
    assert services.paper_mismatches(poll) == [] and PaperEntry.objects.filter(poll=poll).count() == 4
    result = count(poll, officer)
    assert (result["returned"], result["valid"], result["invalid"]) == (2, 1, 1)
    assert result["options"] == {"for": 0, "against": 0, "abstain": 0}
