"""Committee term-expiry reminders (E12, rules.md §7): T-180, T-90, T-30 and overdue, exactly once
each, to the unit's officers and the higher union's officers, in the inbox and by e-mail."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from members import committee_services as cs
from members import tasks
from members.models import Committee
from members.reminder_services import (
    due_term_expiries,
    reminder_kind,
    send_term_expiry_reminder,
    term_reminder_recipients,
)
from union_site import roles
from union_site.models import Notification, Reminder

from ..conftest import make_user_with_role
from ..factories import CommitteeFactory, OrgUnitFactory

DUE = datetime.date(2027, 6, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(time_machine, day: datetime.date):
    time_machine.move_to(datetime.datetime.combine(day, datetime.time(6, 0), tzinfo=SHANGHAI))


@pytest.fixture
def term(school):
    """The school's union committee: five years from 2022-06-01, so it ends on 2027-06-01."""
    return CommitteeFactory(unit=school, starts_on=datetime.date(2022, 6, 1), term_years=5)


@pytest.fixture
def stranger(other_school):
    """An officer of a sibling school: never reminded of this school's terms."""
    return make_user_with_role(roles.OFFICER, other_school, username="stranger", email="stranger@example.cn")


def sweep(capture):
    with capture(execute=True):
        return tasks.sweep_term_expiry()


@pytest.mark.parametrize("days_before, kind", [(180, "180"), (90, "90"), (30, "30"), (-1, "overdue")])
def test_each_reminder_is_sent_once_even_when_the_sweep_runs_twice(
    term, officer, higher_officer, stranger, time_machine, mailoutbox, django_capture_on_commit_callbacks,
    days_before, kind,
):
    at(time_machine, DUE - datetime.timedelta(days=days_before))
    assert sweep(django_capture_on_commit_callbacks) == 1
    assert sweep(django_capture_on_commit_callbacks) == 0  # the second run finds nothing to do
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.due_on, reminder.recipients) == (f"members.term_expiry.{kind}", DUE, 2)
    notes = Notification.objects.order_by("recipient__username")
    assert [n.recipient for n in notes] == [higher_officer, officer]
    assert {n.kind for n in notes} == {f"members.term_expiry.{kind}"}
    assert {n.url for n in notes} == {reverse("members:committee-list", args=[term.unit_id])}
    assert sorted(m.to[0] for m in mailoutbox) == sorted([officer.email, higher_officer.email])
    assert "城关中心小学工会" in mailoutbox[0].subject


def test_a_whole_term_gets_four_reminders_across_the_year(
    term, officer, higher_officer, stranger, time_machine, mailoutbox, django_capture_on_commit_callbacks,
):
    day = DUE - datetime.timedelta(days=200)
    while day <= DUE + datetime.timedelta(days=10):  # every day, as beat runs it
        at(time_machine, day)
        sweep(django_capture_on_commit_callbacks)
        day += datetime.timedelta(days=1)
    assert sorted(Reminder.objects.values_list("kind", flat=True)) == [
        "members.term_expiry.180", "members.term_expiry.30", "members.term_expiry.90", "members.term_expiry.overdue",
    ]
    assert Notification.objects.filter(recipient=officer).count() == 4
    assert Notification.objects.filter(recipient=higher_officer).count() == 4
    assert not Notification.objects.filter(recipient=stranger).exists()
    assert len(mailoutbox) == 8


def test_two_sweeps_racing_send_each_reminder_once(
    term, officer, higher_officer, time_machine, mailoutbox, django_capture_on_commit_callbacks,
):
    at(time_machine, DUE - datetime.timedelta(days=30))
    first, second = due_term_expiries(datetime.date(2027, 5, 2)), due_term_expiries(datetime.date(2027, 5, 2))
    assert first == second and len(first) == 1  # both sweeps saw the same due reminder
    with django_capture_on_commit_callbacks(execute=True):
        sent = [tasks.remind_term_expiry(d.committee_id, d.kind, d.due_on.isoformat()) for d in first + second]
    assert sent == [True, False]
    assert Reminder.objects.count() == 1 and Notification.objects.count() == 2 and len(mailoutbox) == 2


def test_recipients_are_the_units_officers_and_the_higher_unions(school, county_union, officer, higher_officer,
                                                                   stranger):
    branch = OrgUnitFactory(code="ZX-B", kind="branch", parent=school)
    make_user_with_role(roles.OFFICER, branch, username="branch_officer")  # below the unit: not reminded
    make_user_with_role(roles.CASEWORKER, school, username="caseworker")  # in scope, not an officer
    make_user_with_role(roles.OFFICER, school, username="gone", is_active=False)
    state = OrgUnitFactory(code="SHENG", kind="higher")
    county_union.parent = state
    county_union.save()
    provincial = make_user_with_role(roles.OFFICER, state, username="provincial")
    school.refresh_from_db()
    assert set(term_reminder_recipients(school)) == {officer, higher_officer, provincial}


def test_no_reminder_long_before_the_term_ends(term, time_machine, django_capture_on_commit_callbacks):
    at(time_machine, DUE - datetime.timedelta(days=181))
    assert sweep(django_capture_on_commit_callbacks) == 0
    assert not Reminder.objects.exists()


def test_a_term_recorded_late_skips_the_reminders_it_has_missed(school, officer, time_machine,
                                                                 django_capture_on_commit_callbacks):
    CommitteeFactory(unit=school, starts_on=datetime.date(2022, 6, 1), term_years=5)
    at(time_machine, DUE - datetime.timedelta(days=20))
    sweep(django_capture_on_commit_callbacks)
    assert list(Reminder.objects.values_list("kind", flat=True)) == ["members.term_expiry.30"]


def test_ended_and_renewed_terms_are_not_reminded(term, officer, time_machine, django_capture_on_commit_callbacks):
    at(time_machine, DUE - datetime.timedelta(days=10))
    due = due_term_expiries(DUE - datetime.timedelta(days=10))
    cs.start_committee_term(term.unit, kind="union", starts_on=DUE - datetime.timedelta(days=10), term_years=5,
                            acting_user=officer)
    # the task queued before the renewal finds the term ended and sends nothing
    assert send_term_expiry_reminder(due[0].committee_id, due[0].kind, due[0].due_on) is False
    assert sweep(django_capture_on_commit_callbacks) == 0
    assert not Reminder.objects.exists()


def test_three_and_five_year_terms_and_29_february(school, officer, time_machine):
    three = CommitteeFactory(unit=school, kind="audit", starts_on=datetime.date(2024, 2, 29), term_years=3)
    five = CommitteeFactory(unit=school, kind="women", starts_on=datetime.date(2022, 2, 28), term_years=5)
    assert three.due_on == datetime.date(2027, 2, 28)
    due = {d.committee_id: d for d in due_term_expiries(datetime.date(2027, 2, 28) - datetime.timedelta(days=90))}
    assert due[three.pk].kind == "members.term_expiry.90" and due[three.pk].due_on == datetime.date(2027, 2, 28)
    assert due[five.pk].kind == "members.term_expiry.90"


def test_reminder_kind_windows():
    assert reminder_kind(DUE, DUE - datetime.timedelta(days=181)) is None
    assert reminder_kind(DUE, DUE - datetime.timedelta(days=180)) == "members.term_expiry.180"
    assert reminder_kind(DUE, DUE - datetime.timedelta(days=91)) == "members.term_expiry.180"
    assert reminder_kind(DUE, DUE - datetime.timedelta(days=90)) == "members.term_expiry.90"
    assert reminder_kind(DUE, DUE - datetime.timedelta(days=30)) == "members.term_expiry.30"
    assert reminder_kind(DUE, DUE) == "members.term_expiry.30"
    assert reminder_kind(DUE, DUE + datetime.timedelta(days=1)) == "members.term_expiry.overdue"


def test_the_sweep_is_two_queries_and_one_task_per_due_term(county_union, django_assert_num_queries, monkeypatch,
                                                            time_machine):
    today = datetime.date(2027, 5, 1)
    for i in range(30):
        unit = OrgUnitFactory(code=f"S{i}", parent=county_union)
        CommitteeFactory(unit=unit, starts_on=datetime.date(2022, 6, 1) - datetime.timedelta(days=i * 20))
    CommitteeFactory(unit=OrgUnitFactory(code="FAR", parent=county_union), starts_on=datetime.date(2025, 1, 1))
    queued = []
    monkeypatch.setattr(tasks.remind_term_expiry, "delay", lambda *args: queued.append(args))
    at(time_machine, today)
    # 1 current terms ending within 180 days or past, 2 the reminders already sent for them
    with django_assert_num_queries(2):
        assert tasks.sweep_term_expiry() == len(queued) == 30
    assert all(isinstance(a, int) and isinstance(k, str) and isinstance(d, str) for a, k, d in queued)


def test_reminder_text_names_the_unit_committee_and_date(term, officer, time_machine,
                                                         django_capture_on_commit_callbacks):
    at(time_machine, DUE + datetime.timedelta(days=3))
    sweep(django_capture_on_commit_callbacks)
    note = Notification.objects.get(recipient=officer)
    assert "城关中心小学工会" in note.subject and "2027" in note.subject
    assert note.kind == "members.term_expiry.overdue"
    assert Committee.objects.get().ended_on is None  # a reminder changes nothing
