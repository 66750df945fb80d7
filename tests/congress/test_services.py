import datetime

import pytest

from congress import proposals, services
from congress.checks import composition_checks, pass_threshold, quorum
from congress.models import JointMeeting, Proposal, Representative, Resolution, Seconding, SignIn
from congress.services import CongressError
from union_site.models import AuditEvent, Notification

from ..factories import (
    PersonFactory,
    SessionFactory,
    UserFactory,
)
from .conftest import _draft, user

pytestmark = pytest.mark.usefixtures("english")

P = Proposal.Status


def test_k3_quorum_counts_formal_representatives_against_two_thirds_of_all(session, reps, officer):
    assert quorum(session).entitled == 10 and quorum(session).needed == 7
    for rep in reps[:6]:
        services.sign_in(session, rep, acting_user=officer, by_officer=True)
    assert not quorum(session).reached
    services.sign_in(session, reps[6], acting_user=officer, by_officer=True)
    assert quorum(session).reached and quorum(session).present == 7


def test_t8_invited_representatives_do_not_count_for_quorum(session, reps, officer):
    guest = Representative.objects.get(kind=Representative.Kind.INVITED)
    services.sign_in(session, guest, acting_user=officer, by_officer=True)
    assert quorum(session).present == 0


def test_sign_in_once_and_only_for_oneself_while_open(session, reps, officer):
    with pytest.raises(CongressError, match="not open"):
        services.sign_in(session, reps[0], acting_user=user(reps[0]))
    services.set_sign_in_open(session, open=True, acting_user=officer)
    with pytest.raises(CongressError, match="for themselves"):
        services.sign_in(session, reps[0], acting_user=user(reps[1]))
    services.sign_in(session, reps[0], acting_user=user(reps[0]))
    with pytest.raises(CongressError, match="already signed in"):
        services.sign_in(session, reps[0], acting_user=user(reps[0]))
    assert SignIn.objects.count() == 1


def test_k4_resolution_needs_more_than_half_of_all_formal_representatives(session, reps, officer):
    resolution = services.create_resolution(session, title="教职工绩效工资分配方案", text="……", acting_user=officer)
    # 7 present, 5 for: a majority of those present, but not of ALL ten → not adopted
    services.set_resolution_result(resolution, votes_for=5, votes_against=1, votes_abstain=1, acting_user=officer)
    resolution.refresh_from_db()
    assert resolution.passed is False and resolution.entitled == 10 and resolution.locked_at is None
    services.set_resolution_result(resolution, votes_for=6, votes_against=1, votes_abstain=0, acting_user=officer)
    resolution.refresh_from_db()
    assert resolution.passed is True
    assert pass_threshold(10) == 6 and pass_threshold(11) == 6


def test_k13_adopted_resolution_is_locked_and_k11_due_for_publication_in_3_days(session, reps, officer):
    resolution = services.create_resolution(session, title="决议", text="……", acting_user=officer)
    services.set_resolution_result(resolution, votes_for=8, votes_against=0, votes_abstain=0, acting_user=officer)
    with pytest.raises(CongressError, match="locked"):
        services.set_resolution_result(resolution, votes_for=1, votes_against=7, votes_abstain=0, acting_user=officer)
    resolution.refresh_from_db()
    assert resolution.publish_due_on == datetime.date.today() + datetime.timedelta(days=3)
    services.publish_resolution(resolution, acting_user=officer)
    assert Resolution.objects.get().published_at is not None


def test_more_votes_than_representatives_is_refused(session, reps, officer):
    resolution = services.create_resolution(session, title="决议", text="……", acting_user=officer)
    with pytest.raises(CongressError, match="only 10 formal representatives"):
        services.set_resolution_result(resolution, votes_for=9, votes_against=2, votes_abstain=0, acting_user=officer)


def test_k12_joint_meeting_results_are_confirmed_by_the_next_session(term, session, officer):
    meeting = services.record_joint_meeting(
        term, held_on=datetime.date.today(), title="联席会议", results="同意调整作息时间", acting_user=officer
    )
    assert JointMeeting.objects.get().needs_confirmation
    services.confirm_joint_meeting(meeting, session, acting_user=officer)
    assert not JointMeeting.objects.get().needs_confirmation


def test_p1_only_formal_representatives_propose_and_two_seconders_are_needed(session, reps, member):
    with pytest.raises(CongressError, match="Only formal representatives"):
        proposals.draft_proposal(session, author=member, title="a", reasons="b", measures="c")
    proposal = _draft(session, reps[0])
    proposals.invite_seconders(proposal, [reps[1], reps[2]], acting_user=user(reps[0]))
    proposals.second_proposal(proposal, acting_user=user(reps[1]))
    with pytest.raises(CongressError, match="at least 2 seconders"):
        proposals.submit_proposal(proposal, acting_user=user(reps[0]))
    with pytest.raises(CongressError, match="cannot second their own"):
        proposals.second_proposal(proposal, acting_user=user(reps[0]))
    guest = UserFactory.build(username="guest")
    guest = type(guest).objects.get(username="guest")
    with pytest.raises(CongressError, match="Only formal representatives"):
        proposals.second_proposal(proposal, acting_user=guest)
    proposals.second_proposal(proposal, acting_user=user(reps[2]))
    proposal = proposals.submit_proposal(proposal, acting_user=user(reps[0]))
    assert proposal.status == P.SUBMITTED and proposal.number.endswith("T001")


def test_p2_the_standard_form_must_be_complete(session, reps):
    with pytest.raises(CongressError, match="Please fill in"):
        proposals.draft_proposal(session, author=user(reps[0]), title="题目", reasons="", measures="")


def test_p3_late_proposals_become_suggestions(term, reps):
    today = datetime.date.today()
    session = SessionFactory(term=term, starts_on=today + datetime.timedelta(days=5),
                             proposals_open_on=today - datetime.timedelta(days=25),
                             proposals_close_on=today - datetime.timedelta(days=10))
    proposal = _draft(session, reps[0])
    proposals.invite_seconders(proposal, reps[1:3], acting_user=user(reps[0]))
    for rep in reps[1:3]:
        proposals.second_proposal(proposal, acting_user=user(rep))
    proposal = proposals.submit_proposal(proposal, acting_user=user(reps[0]))
    assert proposal.kind == Proposal.Kind.SUGGESTION and proposal.is_late


def test_p3_collection_not_open_yet(term, reps):
    session = SessionFactory(term=term, starts_on=datetime.date.today() + datetime.timedelta(days=60))
    session.proposals_open_on = datetime.date.today() + datetime.timedelta(days=30)
    session.save()
    with pytest.raises(CongressError, match="opens on"):
        _draft(session, reps[0])


def test_p5_acceptance_needs_all_three_tests(submitted, committee_member):
    with pytest.raises(CongressError, match="all three tests"):
        proposals.review_proposal(submitted, decision="accept", within_powers=True, lawful=True, feasible=False,
                                 acting_user=committee_member)
    accepted = proposals.review_proposal(submitted, decision="accept", within_powers=True, lawful=True,
                                        feasible=True, acting_user=committee_member)
    assert accepted.status == P.ACCEPTED


def test_p6_not_accepted_needs_reasons_and_disputes_go_to_the_presidium(submitted, committee_member):
    with pytest.raises(CongressError, match="reasons"):
        proposals.review_proposal(submitted, decision="not_accept", acting_user=committee_member)
    disputed = proposals.review_proposal(submitted, decision="dispute", acting_user=committee_member)
    assert disputed.status == P.DISPUTED
    converted = proposals.review_proposal(disputed, decision="convert", reason="属于个人事项",
                                          acting_user=committee_member)
    assert converted.status == P.CONVERTED and converted.kind == Proposal.Kind.SUGGESTION


def test_p6_merged_proposals_make_the_proposer_a_co_proposer(session, reps, submitted, committee_member):
    other = _draft(session, reps[3])
    proposals.invite_seconders(other, reps[4:6], acting_user=user(reps[3]))
    for rep in reps[4:6]:
        proposals.second_proposal(other, acting_user=user(rep))
    other = proposals.submit_proposal(other, acting_user=user(reps[3]))
    proposals.review_proposal(other, decision="merge", merge_into=submitted, reason="同一事项",
                             acting_user=committee_member)
    assert Proposal.objects.get(pk=other.pk).merged_into == submitted
    assert Seconding.objects.filter(proposal=submitted, representative=reps[3], state="signed").exists()


def test_full_cycle_p7_p8_p9_with_redo_and_p10_report(submitted, committee_member, department, reps):
    proposal = proposals.review_proposal(submitted, decision="accept", within_powers=True, lawful=True,
                                        feasible=True, acting_user=committee_member)
    proposal = proposals.assign_proposal(proposal, lead=department, acting_user=committee_member)
    assert proposal.deadline == datetime.date.today() + datetime.timedelta(days=90)
    handler = department.handlers.get()
    assert Notification.objects.filter(recipient=handler).exists()
    with pytest.raises(CongressError, match="lead department"):
        proposals.reply_to_proposal(proposal, acting_user=user(reps[0]), outcome="solved", text="x", signed_off_by="y")
    with pytest.raises(CongressError, match="signed it off"):
        proposals.reply_to_proposal(proposal, acting_user=handler, outcome="planned", text="列入明年计划",
                                   signed_off_by="")
    proposals.reply_to_proposal(proposal, acting_user=handler, outcome="planned", text="列入明年计划",
                               signed_off_by="赵主任")
    with pytest.raises(CongressError, match="not waiting for a reply"):
        proposals.reply_to_proposal(proposal, acting_user=handler, outcome="planned", text="再答", signed_off_by="赵")
    with pytest.raises(CongressError, match="Only the proposer"):
        proposals.rate_reply(proposal, acting_user=user(reps[1]), rating="satisfied")
    proposals.rate_reply(proposal, acting_user=user(reps[0]), rating="unsatisfied", comment="太慢")
    assert Proposal.objects.get(pk=proposal.pk).status == P.REDO
    proposals.send_back_for_redo(proposal, note="请本学期内解决", acting_user=committee_member)
    proposal.refresh_from_db()
    assert proposal.status == P.ASSIGNED and proposal.handling_round == 2
    proposals.reply_to_proposal(proposal, acting_user=handler, outcome="solved", text="已增设就餐区", signed_off_by="赵主任")
    proposals.rate_reply(proposal, acting_user=user(reps[0]), rating="satisfied")
    assert Proposal.objects.get(pk=proposal.pk).status == P.CLOSED
    report = proposals.proposal_report(proposal.session)
    assert report["submitted"] == 1 and report["accepted"] == 1 and report["replied"] == 1
    assert report["on_time_rate"] == 1.0 and report["satisfaction_rate"] == 1.0
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"congress.proposal.assigned", "congress.proposal.replied", "congress.proposal.rated"} <= actions


def test_suggestions_from_any_member_of_staff(session, member, committee_member):
    suggestion = proposals.submit_suggestion(session, author=member, title="操场照明", reasons="太暗", measures="加灯")
    assert suggestion.kind == Proposal.Kind.SUGGESTION and suggestion.number.endswith("Y001")
    assert Notification.objects.filter(recipient=committee_member).exists()


def test_composition_checks_name_their_rules(term, reps):
    checks = {c.rule_id: c for c in composition_checks(term)}
    assert {"K7", "T4", "K8"} <= set(checks)
    assert not checks["K8"].ok  # ten representatives is fewer than 30 (K8)


def test_term_lengths_follow_k5(school, officer):
    body = services.create_body(school, kind="teacher_congress", acting_user=officer)
    with pytest.raises(CongressError, match="3 to 5 years"):
        services.start_term(body, starts_on=datetime.date(2024, 9, 1), years=6, acting_user=officer)
    first = services.start_term(body, starts_on=datetime.date(2019, 9, 1), years=5, acting_user=officer)
    second = services.start_term(body, starts_on=datetime.date(2024, 9, 1), years=5, acting_user=officer)
    first.refresh_from_db()
    assert first.ended_on == datetime.date(2024, 8, 31) and second.number == 2


def test_recall_needs_a_reason_and_by_election_records_the_seat(term, reps, officer):
    with pytest.raises(CongressError, match="reason"):
        services.end_representative(reps[0], status="recalled", reason="", acting_user=officer)
    services.end_representative(reps[0], status="recalled", reason="选区过半数同意罢免", acting_user=officer)
    newcomer = PersonFactory(unit=term.body.unit)
    rep = services.add_representative(term, newcomer, acting_user=officer, replaces=reps[0])
    assert rep.replaces == reps[0] and term.formal_representatives().count() == 10
