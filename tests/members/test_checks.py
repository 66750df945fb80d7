"""Structure checks (E1–E13), committee services and term-expiry reminders (E12), each named by its rule."""

import datetime

import pytest
from django.urls import reverse

from members import committee_services as cs
from members.checks import structure_checks
from members.models import Committee, PostHolding
from members.rules import committee_band
from members.tasks import sweep_term_expiry
from union_site import roles
from union_site.models import Notification, Reminder

from ..conftest import make_user_with_role
from ..factories import MembershipFactory, OrgUnitFactory

pytestmark = pytest.mark.usefixtures("english")


def checks(unit):
    return {c.rule_id: c for c in structure_checks(unit)}


def members(unit, n, **kwargs):
    return [MembershipFactory(person__unit=unit, union=unit, **kwargs) for _ in range(n)]


def test_e1_committee_required_at_25_members(school, officer):
    members(school, 24)
    assert checks(school)["E1"].ok
    members(school, 1)
    assert not checks(school)["E1"].ok
    cs.start_committee_term(school, kind="union", starts_on=datetime.date(2024, 1, 1), term_years=5,
                            acting_user=officer)
    assert checks(school)["E1"].ok


def test_e3_members_assembly_up_to_100_and_configurable(school, settings):
    members(school, 101)
    assert "yes" in checks(school)["E3"].message
    settings.UNION_RULES = {"E3_MEMBER_ASSEMBLY_MAX": 200}
    assert "no" in checks(school)["E3"].message


def test_e6_committee_size_band(school, officer):
    assert committee_band(24) == (3, 5) and committee_band(200) == (3, 7) and committee_band(201) == (7, 15)
    people = [m.person for m in members(school, 30)]
    committee = cs.start_committee_term(school, kind="union", starts_on=datetime.date(2024, 1, 1), term_years=5,
                                        acting_user=officer)
    cs.add_post(committee, person=people[0], post="chair", acting_user=officer)
    assert not checks(school)["E6"].ok  # one member is fewer than 3
    for p in people[1:3]:
        cs.add_post(committee, person=p, post="member", acting_user=officer)
    assert checks(school)["E6"].ok


def test_e7b_chair_may_not_sit_on_the_audit_committee(school, officer):
    person = members(school, 1)[0].person
    union = cs.start_committee_term(school, kind="union", starts_on=datetime.date(2024, 1, 1), term_years=5,
                                    acting_user=officer)
    audit = cs.start_committee_term(school, kind="audit", starts_on=datetime.date(2024, 1, 1), term_years=5,
                                    acting_user=officer)
    cs.add_post(union, person=person, post="chair", acting_user=officer)
    assert checks(school)["E7b"].ok
    cs.add_post(audit, person=person, post="audit_member", acting_user=officer)
    assert not checks(school)["E7b"].ok


def test_e8_women_committee_at_10_nationally_and_25_in_shanghai(county_union, officer):
    school = OrgUnitFactory(code="SH", parent=county_union)
    members(school, 12, person__gender="F")
    assert not checks(school)["E8"].ok
    county_union.region = "shanghai"
    county_union.save()
    school.refresh_from_db()
    assert checks(school)["E8"].ok  # 12 < 25 under the Shanghai profile (inherited from the parent)


def test_e9_full_time_chair_from_200_staff(school, officer):
    school.staff_count = 250
    school.save()
    person = members(school, 1)[0].person
    committee = cs.start_committee_term(school, kind="union", starts_on=datetime.date(2024, 1, 1), term_years=5,
                                        acting_user=officer)
    cs.add_post(committee, person=person, post="chair", acting_user=officer)
    assert not checks(school)["E9"].ok
    PostHolding.objects.filter(post="chair").update(is_full_time=True)
    assert checks(school)["E9"].ok


def test_e12_term_status_and_e13_late_renewal_needs_approval(school, officer):
    cs.start_committee_term(school, kind="union", starts_on=datetime.date(2019, 1, 1), term_years=5,
                            acting_user=officer)
    assert not checks(school)["E12"].ok  # due 2024-01-01, overdue
    with pytest.raises(cs.CommitteeError, match="E13"):
        cs.start_committee_term(school, kind="union", starts_on=datetime.date(2025, 6, 1), term_years=5,
                                acting_user=officer)
    cs.start_committee_term(school, kind="union", starts_on=datetime.date(2025, 6, 1), term_years=5,
                            renewal_approval_ref="县教工〔2025〕8号", acting_user=officer)
    found = checks(school)
    assert found["E12"].ok and found["E13"].ok
    assert Committee.objects.filter(unit=school, kind="union", ended_on=datetime.date(2025, 5, 31)).exists()


def test_committee_terms_are_3_or_5_years_and_one_chair(school, officer):
    with pytest.raises(cs.CommitteeError, match="3 or 5 years"):
        cs.start_committee_term(school, kind="union", starts_on=datetime.date(2024, 1, 1), term_years=4,
                                acting_user=officer)
    a, b = (m.person for m in members(school, 2))
    committee = cs.start_committee_term(school, kind="union", starts_on=datetime.date(2024, 1, 1), term_years=5,
                                        acting_user=officer)
    cs.add_post(committee, person=a, post="chair", acting_user=officer)
    with pytest.raises(cs.CommitteeError, match="already held"):
        cs.add_post(committee, person=b, post="chair", acting_user=officer)


def test_m10_a_retained_member_cannot_hold_a_post(school, officer):
    person = members(school, 1, status="retained", retention_reason="retired")[0].person
    committee = cs.start_committee_term(school, kind="union", starts_on=datetime.date(2024, 1, 1), term_years=5,
                                        acting_user=officer)
    with pytest.raises(cs.CommitteeError, match="good standing"):
        cs.add_post(committee, person=person, post="member", acting_user=officer)


def test_committee_pages(client, officer, member, other_school, school):
    url = reverse("members:committee-list", args=[school.pk])
    assert client.get(url).status_code == 302
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(make_user_with_role(roles.OFFICER, other_school, username="other"))
    assert client.get(url).status_code == 404
    client.force_login(officer)
    response = client.post(reverse("members:committee-create", args=[school.pk]),
                           {"kind": "union", "starts_on": "2024-01-01", "term_years": 5})
    assert response.status_code == 302 and Committee.objects.filter(unit=school).count() == 1
    assert "工会委员会" in client.get(url).content.decode()


@pytest.fixture
def term_due(school):
    """A committee whose five-year term ends on 2027-06-01."""
    return Committee.objects.create(unit=school, kind="union", starts_on=datetime.date(2022, 6, 1), term_years=5)


def test_e12_reminders_at_180_90_30_days_and_overdue_exactly_once(term_due, officer, higher_officer, other_school,
                                                                  time_machine, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    stranger = make_user_with_role(roles.OFFICER, other_school, username="stranger", email="s@example.cn")
    due = datetime.date(2027, 6, 1)
    for days, kind in [(180, "180"), (90, "90"), (30, "30"), (-1, "overdue")]:
        time_machine.move_to(datetime.datetime.combine(due - datetime.timedelta(days=days), datetime.time(9),
                                                       tzinfo=datetime.UTC))
        with django_capture_on_commit_callbacks(execute=True):
            sweep_term_expiry()
            sweep_term_expiry()  # run twice: nothing new
        assert Reminder.objects.filter(kind=f"members.term_expiry.{kind}", due_on=due).count() == 1
    assert Notification.objects.filter(recipient=officer).count() == 4  # the unit's officer
    assert Notification.objects.filter(recipient=higher_officer).count() == 4  # and the higher union
    assert not Notification.objects.filter(recipient=stranger).exists()
    assert len(mailoutbox) == 8


def test_no_reminder_long_before_the_term_ends(term_due, time_machine):
    time_machine.move_to(datetime.datetime(2026, 1, 1, 9, tzinfo=datetime.UTC))
    assert sweep_term_expiry() == 0
