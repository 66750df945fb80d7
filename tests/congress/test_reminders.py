import datetime

import pytest
from django.contrib.auth.models import Group

from congress import proposals, reminders
from congress.models import Proposal
from congress.tasks import sweep_congress_reminders
from union_site import roles
from union_site.models import Notification, Reminder

from ..conftest import make_user_with_role
from ..factories import (
    BodyFactory,
    DepartmentFactory,
    RepresentativeFactory,
    SessionFactory,
    TermFactory,
    UserFactory,
)


def test_t1_school_congress_is_due_once_per_school_year():
    body = BodyFactory.build(kind="teacher_congress")
    assert reminders.school_year_end(datetime.date(2025, 10, 1)) == datetime.date(2026, 8, 31)
    assert reminders.school_year_end(datetime.date(2026, 3, 1)) == datetime.date(2026, 8, 31)
    # held in March 2026 (school year 2025/26) → the next is due by the end of school year 2026/27
    assert reminders.yearly_due_on(body, datetime.date(2026, 3, 1), datetime.date(2020, 1, 1)) == datetime.date(2027, 8, 31)


def test_k2_e26_enterprise_and_union_bodies_are_due_twelve_months_after_the_last_session():
    body = BodyFactory.build(kind="staff_congress")
    assert reminders.yearly_due_on(body, datetime.date(2025, 4, 10), datetime.date(2020, 1, 1)) == datetime.date(2026, 4, 10)


@pytest.fixture
def enterprise(county_union):
    from ..factories import OrgUnitFactory

    return OrgUnitFactory(code="HX", name="红星机械工会", sector="enterprise", parent=county_union)


def test_yearly_session_reminders_at_60_30_and_overdue_exactly_once(enterprise, higher_officer, mailoutbox,
                                                                     django_capture_on_commit_callbacks, time_machine):
    officer = make_user_with_role(roles.OFFICER, enterprise, username="hxofficer", email="hx@example.cn")
    stranger = make_user_with_role(roles.OFFICER, username="elsewhere")
    term = TermFactory(body__unit=enterprise, body__kind="staff_congress", starts_on=datetime.date(2024, 1, 1))
    SessionFactory(term=term, starts_on=datetime.date(2025, 4, 10), ends_on=datetime.date(2025, 4, 10))
    due = datetime.date(2026, 4, 10)
    for day, kind in [(due - datetime.timedelta(days=60), "congress.yearly.60"),
                      (due - datetime.timedelta(days=30), "congress.yearly.30"),
                      (due + datetime.timedelta(days=1), "congress.yearly.overdue")]:
        time_machine.move_to(datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC))
        with django_capture_on_commit_callbacks(execute=True):
            assert sweep_congress_reminders() == 1
            assert sweep_congress_reminders() == 0  # a second run queues nothing: the log is read in the sweep
        assert Reminder.objects.filter(kind=kind, due_on=due).count() == 1
    assert Notification.objects.filter(recipient=officer).count() == 3
    assert Notification.objects.filter(recipient=higher_officer).count() == 3
    assert not Notification.objects.filter(recipient=stranger).exists()


def test_p7_overdue_handling_is_escalated_to_the_committee_once(school, officer, time_machine):
    term = TermFactory(body__unit=school)
    session = SessionFactory(term=term)
    reps = [RepresentativeFactory(term=term, person__user=UserFactory()) for _ in range(3)]
    committee = make_user_with_role(roles.PROPOSAL_COMMITTEE, school, username="committee")
    dept = DepartmentFactory(unit=school)
    handler = UserFactory(username="handler")
    handler.groups.add(Group.objects.get(name=roles.HANDLING_DEPARTMENT))
    dept.handlers.add(handler)
    proposal = proposals.draft_proposal(session, author=reps[0].person.user, title="题", reasons="由", measures="法")
    proposals.invite_seconders(proposal, reps[1:], acting_user=reps[0].person.user)
    for rep in reps[1:]:
        proposals.second_proposal(proposal, acting_user=rep.person.user)
    proposals.submit_proposal(proposal, acting_user=reps[0].person.user)
    proposals.review_proposal(proposal, decision="accept", within_powers=True, lawful=True, feasible=True,
                             acting_user=committee)
    proposals.assign_proposal(proposal, lead=dept, acting_user=committee, days=30)
    deadline = Proposal.objects.get().deadline
    Notification.objects.all().delete()
    time_machine.move_to(datetime.datetime.combine(deadline + datetime.timedelta(days=2), datetime.time(10), tzinfo=datetime.UTC))
    sweep_congress_reminders()
    sweep_congress_reminders()
    assert Reminder.objects.filter(kind="congress.handling.overdue", due_on=deadline).count() == 1
    assert Notification.objects.filter(recipient=committee).count() == 1
    assert Notification.objects.filter(recipient=handler).count() == 1
