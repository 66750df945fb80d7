"""Structure checks (rules.md §3.1–3.2): each rule passes in one case and warns in another."""

import datetime

import pytest
from django.template.loader import render_to_string

from members.checks import INFO, OK, WARN, structure_checks
from members.models import Committee, PostHolding
from members.rules import committee_band, rule, women_committee_threshold

from ..factories import CommitteeFactory, MembershipFactory, OrgUnitFactory

pytestmark = pytest.mark.usefixtures("english")

TODAY = datetime.date(2025, 3, 1)


def checks(unit, rule_id):
    found = [c for c in structure_checks(unit, today=TODAY) if c.rule_id == rule_id]
    assert found, f"no {rule_id} check"
    return found


def level(unit, rule_id):
    levels = {c.level for c in checks(unit, rule_id)}
    return WARN if WARN in levels else INFO if INFO in levels else OK


def members(unit, n, **kwargs):
    return [MembershipFactory(person__unit=unit, union=unit, **kwargs) for _ in range(n)]


def committee(unit, kind="union", starts_on=datetime.date(2024, 1, 1), **kwargs):
    return CommitteeFactory(unit=unit, kind=kind, starts_on=starts_on, **kwargs)


def hold(committee, person, post, **kwargs):
    return PostHolding.objects.create(unit=committee.unit, committee=committee, person=person, post=post,
                                      started_on=committee.starts_on, **kwargs)


# E1 ---------------------------------------------------------------------------------------------

def test_e1_committee_required_at_25_members(school):
    members(school, 24)
    assert level(school, "E1") == OK
    members(school, 1)
    assert level(school, "E1") == WARN
    assert "25 members: a union committee is required from 25 members, but none is in office" in \
        checks(school, "E1")[0].message
    committee(school)
    assert level(school, "E1") == OK


def test_e1_applications_and_ended_memberships_do_not_count(school):
    members(school, 24)
    members(school, 1, status="applied")
    members(school, 1, status="withdrawn")
    assert level(school, "E1") == OK


def test_e1_threshold_is_a_setting(school, settings):
    members(school, 20)
    settings.UNION_RULES = {"E1_COMMITTEE_FROM": 20}
    assert level(school, "E1") == WARN


# E3 ---------------------------------------------------------------------------------------------

def test_e3_members_assembly_up_to_100_members(school):
    members(school, 100)
    assert level(school, "E3") == INFO
    assert "up to 100 members the union holds a members' assembly" in checks(school, "E3")[0].message
    members(school, 1)
    assert "above 100 members the union may hold a members' representatives' congress" in \
        checks(school, "E3")[0].message


def test_e3_limit_is_configurable_for_the_older_200_guidance(school, settings):
    members(school, 101)
    settings.UNION_RULES = {"E3_MEMBER_ASSEMBLY_MAX": 200}
    assert "up to 200 members the union holds a members' assembly" in checks(school, "E3")[0].message


# E6 ---------------------------------------------------------------------------------------------

def test_e6_committee_size_bands():
    assert committee_band(10) == (3, 5)
    assert committee_band(24) == (3, 5)
    assert committee_band(25) == (3, 7)
    assert committee_band(200) == (3, 7)
    assert committee_band(201) == (7, 15)
    assert committee_band(1001) == (15, 21)
    assert committee_band(5001) == (21, 29)
    assert committee_band(10001) == (29, 37)
    assert committee_band(50001) == (37, 45)


def test_e6_committee_size_band_warns_outside_it(school):
    people = [m.person for m in members(school, 30)]
    term = committee(school)
    hold(term, people[0], "chair")
    hold(term, people[1], "vice_chair")
    assert level(school, "E6") == WARN  # 2 is fewer than 3
    assert "Union committee size: 2; for 30 members it should be 3–7." in checks(school, "E6")[0].message
    hold(term, people[2], "member")
    assert level(school, "E6") == OK
    hold(term, people[3], "member")
    assert level(school, "E6") == INFO  # 4 is inside 3–7, but an odd number is usual
    for person in people[4:8]:
        hold(term, person, "member")
    assert level(school, "E6") == WARN  # 8 is more than 7


def test_e6_counts_only_current_union_committee_posts(school):
    people = [m.person for m in members(school, 30)]
    term, audit = committee(school), committee(school, "audit")
    for person in people[:3]:
        hold(term, person, "member")
    hold(term, people[3], "member", ended_on=datetime.date(2024, 6, 1))  # left the committee
    hold(audit, people[4], "audit_member")
    assert "Union committee size: 3;" in checks(school, "E6")[0].message


def test_e6_is_for_information_without_a_committee(school):
    members(school, 10)
    assert level(school, "E6") == INFO


# E7, E7b ----------------------------------------------------------------------------------------

def test_e7_a_union_committee_needs_a_funds_audit_committee(school):
    people = [m.person for m in members(school, 5)]
    committee(school)
    assert level(school, "E7") == WARN
    audit = committee(school, "audit")
    for person in people[:3]:
        hold(audit, person, "audit_member")
    assert level(school, "E7") == OK


def test_e7b_chair_may_not_sit_on_the_audit_committee(school):
    people = [m.person for m in members(school, 4)]
    union, audit = committee(school), committee(school, "audit")
    hold(union, people[0], "chair")
    hold(audit, people[1], "audit_chair")
    assert level(school, "E7b") == OK
    hold(audit, people[0], "audit_member")
    assert level(school, "E7b") == WARN
    assert people[0].name in checks(school, "E7b")[0].message


def test_e7b_vice_chair_may_not_sit_on_the_audit_committee(school):
    person = members(school, 1)[0].person
    union, audit = committee(school), committee(school, "audit")
    hold(union, person, "vice_chair")
    hold(audit, person, "audit_chair")
    assert level(school, "E7b") == WARN


def test_e7b_a_plain_committee_member_on_both_is_flagged_for_information(school):
    person = members(school, 1)[0].person
    union, audit = committee(school), committee(school, "audit")
    hold(union, person, "member")
    hold(audit, person, "audit_member")
    assert level(school, "E7b") == INFO
    assert "no part in the union's finances" in checks(school, "E7b")[0].message


# E8 ---------------------------------------------------------------------------------------------

def test_e8_women_committee_threshold_10_nationally(school):
    members(school, 9, person__gender="F")
    members(school, 5, person__gender="M")
    assert level(school, "E8") == OK
    members(school, 1, person__gender="F")
    assert level(school, "E8") == WARN
    committee(school, "women")
    assert level(school, "E8") == OK


def test_e8_women_committee_threshold_25_in_shanghai(county_union):
    county_union.region = "shanghai"
    county_union.save()
    school = OrgUnitFactory(code="SH-1", parent=county_union)  # inherits the Shanghai profile
    members(school, 24, person__gender="F")
    assert level(school, "E8") == OK
    assert "fewer than 25 (Shanghai profile)" in checks(school, "E8")[0].message
    members(school, 1, person__gender="F")
    assert level(school, "E8") == WARN


def test_e8_women_committee_threshold_25_in_beijing(school):
    school.region = "beijing"
    school.save()
    members(school, 12, person__gender="F")
    assert level(school, "E8") == OK
    assert women_committee_threshold("beijing") == 25


def test_e8_region_table_can_be_extended_in_settings(settings):
    settings.UNION_RULES = {"E8_WOMEN_COMMITTEE_FROM": {"zhejiang": 15}}
    assert women_committee_threshold("zhejiang") == 15
    assert women_committee_threshold("national") == 10  # merged with the defaults


# E9 ---------------------------------------------------------------------------------------------

def test_e9_full_time_chair_from_200_staff(school):
    person = members(school, 1)[0].person
    chair = hold(committee(school), person, "chair")
    school.staff_count = 199
    assert level(school, "E9") == OK
    school.staff_count = 200
    assert level(school, "E9") == WARN
    assert "is recorded as part-time" in checks(school, "E9")[0].message
    chair.is_full_time = True
    chair.save()
    assert level(school, "E9") == OK


def test_e9_warns_when_a_large_unit_has_no_chair(school):
    school.staff_count = 250
    assert level(school, "E9") == WARN
    assert "no chair is recorded" in checks(school, "E9")[0].message


# E12 term status ------------------------------------------------------------------------------

def test_e12_term_runs(school):
    committee(school, starts_on=datetime.date(2022, 6, 1), term_years=5)  # ends 2027-06-01
    assert level(school, "E12") == OK


def test_e12_renewal_due_within_180_days(school):
    committee(school, starts_on=datetime.date(2020, 7, 1), term_years=5)  # ends 2025-07-01, 122 days on
    assert level(school, "E12") == WARN
    assert "in 122 days: prepare the renewal" in checks(school, "E12")[0].message


def test_e12_term_overdue(school):
    committee(school, starts_on=datetime.date(2021, 1, 1), term_years=3)  # ended 2024-01-01
    assert level(school, "E12") == WARN
    assert "has not been renewed" in checks(school, "E12")[0].message


def test_e12_each_current_committee_gets_its_own_status(school):
    committee(school, starts_on=datetime.date(2022, 6, 1))
    committee(school, "audit", starts_on=datetime.date(2020, 1, 1))
    committee(school, "women", starts_on=datetime.date(2022, 6, 1), ended_on=datetime.date(2023, 1, 1))
    assert [c.level for c in checks(school, "E12")] == [OK, WARN]


# E13 renewal approval -------------------------------------------------------------------------

def renewed(school, starts_on, ref=""):
    committee(school, starts_on=datetime.date(2019, 1, 1), term_years=5, ended_on=starts_on)  # due 2024-01-01
    committee(school, starts_on=starts_on, renewal_approval_ref=ref)


def test_e13_renewal_on_time_needs_no_approval(school):
    renewed(school, datetime.date(2024, 1, 20))
    assert level(school, "E13") == OK


def test_e13_late_renewal_needs_a_recorded_approval(school):
    renewed(school, datetime.date(2024, 6, 1))
    assert level(school, "E13") == WARN
    assert "renewed 152 days late" in checks(school, "E13")[0].message


def test_e13_early_renewal_needs_a_recorded_approval(school):
    renewed(school, datetime.date(2023, 9, 1))
    assert level(school, "E13") == WARN
    assert "days early" in checks(school, "E13")[0].message


def test_e13_late_renewal_with_approval_passes(school):
    renewed(school, datetime.date(2024, 6, 1), ref="县教工〔2024〕8号")
    assert level(school, "E13") == OK
    assert "县教工〔2024〕8号" in checks(school, "E13")[0].message


def test_e13_tolerance_is_a_setting(school, settings):
    settings.UNION_RULES = {"E13_RENEWAL_TOLERANCE_DAYS": 10}
    renewed(school, datetime.date(2024, 1, 20))
    assert level(school, "E13") == WARN
    assert rule("E13_RENEWAL_TOLERANCE_DAYS") == 10


def test_e13_only_applies_to_a_renewed_committee(school):
    committee(school)
    assert not [c for c in structure_checks(school, today=TODAY) if c.rule_id == "E13"]


# Cost and presentation ------------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 40])
def test_checks_take_a_constant_number_of_queries(school, django_assert_num_queries, size):
    people = [m.person for m in members(school, size, person__gender="F")]
    committee(school, starts_on=datetime.date(2019, 1, 1), ended_on=datetime.date(2024, 1, 1))
    union = committee(school, starts_on=datetime.date(2024, 3, 1))
    audit = committee(school, "audit")
    for person in people[:3]:
        hold(union, person, "member")
        hold(audit, person, "audit_member")
    unit = type(school).objects.get(pk=school.pk)
    # 1 member and women counts, 2 committee terms, 3 current posts with people, 4 the inherited region
    with django_assert_num_queries(4):
        structure_checks(unit, today=TODAY)


def test_partial_shows_a_badge_and_the_rule_id_for_each_check(school):
    members(school, 30)
    html = render_to_string("members/_structure_checks.html", {"checks": structure_checks(school, today=TODAY)})
    assert 'data-rule="E1" data-ok="0" data-level="warn"' in html and "⚠" in html
    assert 'data-rule="E8" data-ok="1" data-level="ok"' in html and "✓" in html
    assert 'data-rule="E3"' in html and "ℹ" in html


def test_committee_kinds_are_translated_in_messages(school):
    from django.utils import translation

    committee(school, starts_on=datetime.date(2021, 1, 1), term_years=3)
    with translation.override("zh-hans"):
        message = checks(school, "E12")[0].message
    assert Committee.Kind.UNION.label != "" and "工会委员会" in message
