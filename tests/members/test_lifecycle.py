"""Membership workflows: each rule of rules.md §1 that a transition enforces."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from members import services
from members.models import Membership, MembershipEvent, TransferRequest
from members.services import MembershipError
from union_site.models import AuditEvent

from ..factories import MembershipFactory, OrgUnitFactory, PersonFactory

pytestmark = pytest.mark.usefixtures("english")
S = Membership.Status


@pytest.fixture
def person(school):
    return PersonFactory(unit=school, name="李明")


def test_m2_application_then_approval_issues_the_next_card_number(school, person, officer):
    membership = services.apply_to_join(person, school, consent=True, acting_user=officer)
    assert membership.status == S.APPLIED
    person.refresh_from_db()
    assert person.consent_at is not None and person.privacy_notice_version  # PI3/PI4
    approved = services.approve_application(
        membership, acting_user=officer, joined_on=datetime.date(2024, 3, 5)
    )
    assert approved.status == S.ACTIVE and approved.card_no == f"{school.code}-000001"
    assert approved.dues_from == datetime.date(2024, 4, 1)  # M3: dues from the next month
    second = services.apply_to_join(PersonFactory(unit=school), school, consent=True, acting_user=officer)
    assert services.approve_application(second, acting_user=officer).card_no == f"{school.code}-000002"
    kinds = list(membership.events.values_list("kind", flat=True))
    assert kinds == [MembershipEvent.Kind.APPLIED, MembershipEvent.Kind.APPROVED]
    assert AuditEvent.objects.filter(action="members.membership.approved").count() == 2


def test_pi3_application_needs_consent(school, person, officer):
    with pytest.raises(MembershipError, match="privacy notice"):
        services.apply_to_join(person, school, consent=False, acting_user=officer)


def test_m2_applications_go_to_a_grassroots_union_and_only_once(school, person, officer):
    branch = OrgUnitFactory(kind="branch", parent=school)
    with pytest.raises(MembershipError, match="grassroots"):
        services.apply_to_join(person, branch, consent=True, acting_user=officer)
    services.apply_to_join(person, school, consent=True, acting_user=officer)
    with pytest.raises(MembershipError, match="already has a current membership"):
        services.apply_to_join(person, school, consent=True, acting_user=officer)


def test_m2_only_pending_applications_are_approved_or_rejected(school, officer):
    active = MembershipFactory(person__unit=school)
    with pytest.raises(MembershipError, match="Only a pending application"):
        services.approve_application(active, acting_user=officer)
    pending = services.apply_to_join(PersonFactory(unit=school), school, consent=True, acting_user=officer)
    with pytest.raises(MembershipError, match="reason"):
        services.reject_application(pending, reason=" ", acting_user=officer)
    assert (
        services.reject_application(pending, reason="非本单位职工", acting_user=officer).status == S.REJECTED
    )


def test_m7_transfer_is_accepted_by_the_receiving_union_and_keeps_the_join_date(
    school, other_school, officer
):
    membership = MembershipFactory(person__unit=school, joined_on=datetime.date(2010, 9, 1))
    transfer = services.request_transfer(membership, to_union=other_school, acting_user=officer)
    membership.refresh_from_db()
    assert membership.status == S.TRANSFERRING
    # both sides see it
    assert TransferRequest.objects.filter(membership__union=school).get() == transfer
    assert TransferRequest.objects.filter(to_union=other_school).get() == transfer
    new = services.accept_transfer(transfer, acting_user=officer)
    membership.refresh_from_db()
    assert membership.status == S.TRANSFERRED and membership.ended_on
    assert new.union == other_school and new.status == S.ACTIVE
    assert new.joined_on == datetime.date(2010, 9, 1)  # M4: one-time joining, dynamic transfer
    assert new.person.unit == other_school
    with pytest.raises(MembershipError, match="already been decided"):
        services.accept_transfer(transfer, acting_user=officer)


def test_m7_a_cancelled_transfer_restores_the_previous_status(school, other_school, officer):
    membership = MembershipFactory(person__unit=school, status=S.RETAINED, retention_reason="retired")
    transfer = services.request_transfer(membership, to_union=other_school, acting_user=officer)
    services.cancel_transfer(transfer, acting_user=officer)
    membership.refresh_from_db()
    assert membership.status == S.RETAINED


def test_m9_m10_retention_on_retirement_exempts_dues_and_removes_the_vote(school, officer):
    membership = MembershipFactory(person__unit=school)
    assert membership.may_vote
    with pytest.raises(MembershipError, match="why"):
        services.retain_membership(membership, reason="holiday", acting_user=officer)
    retained = services.retain_membership(membership, reason="retired", acting_user=officer)
    assert retained.status == S.RETAINED and retained.dues_exempt and not retained.may_vote
    assert not Membership.objects.in_good_standing().filter(pk=membership.pk).exists()
    restored = services.restore_membership(retained, acting_user=officer)
    assert restored.status == S.ACTIVE and not restored.dues_exempt


def test_m14_withdrawal_ends_the_membership(school, officer):
    membership = services.withdraw_membership(MembershipFactory(person__unit=school), acting_user=officer)
    assert membership.status == S.WITHDRAWN and membership.ended_on
    with pytest.raises(MembershipError, match="cannot be withdrawn"):
        services.withdraw_membership(membership, acting_user=officer)


def test_m15_deemed_withdrawal_needs_a_recorded_education_step(school, officer):
    membership = MembershipFactory(person__unit=school)
    with pytest.raises(MembershipError, match="education step"):
        services.deem_withdrawn(membership, acting_user=officer)
    with pytest.raises(MembershipError, match="describe the education step"):
        services.record_education(membership, note="", acting_user=officer)
    services.record_education(membership, note="2026-05-10 小组长谈话，仍拒不缴费", acting_user=officer)
    assert services.deem_withdrawn(membership, acting_user=officer).status == S.DEEMED_WITHDRAWN


def test_m16_expulsion_needs_a_criminal_sanction_and_filing(school, officer):
    membership = MembershipFactory(person__unit=school)
    with pytest.raises(MembershipError, match="criminal sanction"):
        services.expel_member(
            membership, sanction_ref="", filing_ref="县教工〔2026〕3号", acting_user=officer
        )
    with pytest.raises(MembershipError, match="filed with the higher-level union"):
        services.expel_member(membership, sanction_ref="(2026)刑初12号", filing_ref="", acting_user=officer)
    expelled = services.expel_member(
        membership, sanction_ref="(2026)刑初12号", filing_ref="县教工〔2026〕3号", acting_user=officer
    )
    assert expelled.status == S.EXPELLED
    assert expelled.events.get(kind="expelled").data == {
        "sanction_ref": "(2026)刑初12号",
        "filing_ref": "县教工〔2026〕3号",
    }


def test_m8_held_membership_and_back(school, officer):
    held = services.hold_membership(MembershipFactory(person__unit=school), acting_user=officer)
    assert held.status == S.HELD
    assert services.restore_membership(held, acting_user=officer).status == S.ACTIVE


def test_membership_history_is_append_only(school, officer):
    membership = services.withdraw_membership(MembershipFactory(person__unit=school), acting_user=officer)
    event = membership.events.get()
    event.note = "changed"
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        MembershipEvent.objects.all().update(note="x")
    assert (event.actor, event.from_status, event.to_status) == (officer, S.ACTIVE, S.WITHDRAWN)


def test_m3_card_numbers_are_unique_per_union_in_the_database(school, other_school):
    from django.db import IntegrityError, transaction

    MembershipFactory(person__unit=school, card_no="X-1")
    MembershipFactory(person__unit=other_school, card_no="X-1")  # another union may reuse it
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(person__unit=school, card_no="X-1")


def test_pi10_full_id_number_needs_the_permission_and_is_audited(school, officer, member):
    from django.contrib.auth.models import Permission

    person = PersonFactory(unit=school, id_number="11010519491231002X")
    with pytest.raises(MembershipError, match="may not see"):
        services.reveal_id_number(person, acting_user=member)
    officer.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))
    officer = type(officer).objects.get(pk=officer.pk)
    assert services.reveal_id_number(person, acting_user=officer) == "11010519491231002X"
    assert AuditEvent.objects.filter(action="members.person.id_number_viewed", actor=officer).count() == 1


# --- each refused transition, with its message ------------------------------------------------------

NOT_CURRENT = [S.WITHDRAWN, S.DEEMED_WITHDRAWN, S.EXPELLED, S.TRANSFERRED, S.REJECTED]


def ended(school, status):
    return MembershipFactory(person__unit=school, status=status, ended_on=datetime.date(2025, 1, 1))


def test_m2_rejection_needs_a_pending_application(school, officer):
    with pytest.raises(
        MembershipError, match=r"Only a pending application can be rejected \(status: Member in good"
    ):
        services.reject_application(MembershipFactory(person__unit=school), reason="x", acting_user=officer)


def test_m2_a_withdrawn_person_may_apply_again(school, officer):
    """M17: re-joining after leaving is allowed; the old membership stays in the history."""
    old = ended(school, S.WITHDRAWN)
    again = services.apply_to_join(old.person, school, consent=True, acting_user=officer)
    assert again.status == S.APPLIED and old.person.memberships.count() == 2


def test_m3_card_numbers_are_sequential_per_union_and_a_taken_number_is_refused(
    school, other_school, officer
):
    def approve(union, **kwargs):
        pending = services.apply_to_join(PersonFactory(unit=union), union, consent=True, acting_user=officer)
        return services.approve_application(pending, acting_user=officer, **kwargs)

    assert [approve(school).card_no for _ in range(3)] == [f"{school.code}-00000{i}" for i in (1, 2, 3)]
    assert approve(other_school).card_no == f"{other_school.code}-000001"  # each union counts on its own
    assert approve(school, card_no=f"{school.code}-000010").card_no == f"{school.code}-000010"
    assert approve(school).card_no == f"{school.code}-000011"  # after the highest number
    with pytest.raises(
        MembershipError, match=f"Card number {school.code}-000002 is already used in this union"
    ):
        approve(school, card_no=f"{school.code}-000002")
    assert approve(other_school, card_no=f"{school.code}-000002").status == S.ACTIVE  # unique per union only


def test_m3_approval_with_a_given_dues_month(school, officer):
    pending = services.apply_to_join(PersonFactory(unit=school), school, consent=True, acting_user=officer)
    approved = services.approve_application(
        pending, acting_user=officer, joined_on=datetime.date(2024, 3, 5), dues_from=datetime.date(2024, 3, 1)
    )
    assert approved.dues_from == datetime.date(2024, 3, 1)


@pytest.mark.parametrize("status", [S.APPLIED, S.TRANSFERRING, S.HELD, *NOT_CURRENT])
def test_m7_only_active_or_retained_members_are_transferred(school, other_school, officer, status):
    membership = MembershipFactory(person__unit=school, status=status)
    with pytest.raises(MembershipError, match="cannot be transferred"):
        services.request_transfer(membership, to_union=other_school, acting_user=officer)
    assert not TransferRequest.objects.exists()


def test_m7_transfer_goes_to_another_grassroots_union(school, officer):
    membership = MembershipFactory(person__unit=school)
    branch = OrgUnitFactory(kind="branch", parent=school)
    with pytest.raises(MembershipError, match="only be transferred to a grassroots union"):
        services.request_transfer(membership, to_union=branch, acting_user=officer)
    with pytest.raises(MembershipError, match="the member's own union"):
        services.request_transfer(membership, to_union=school, acting_user=officer)


def test_m7_m9_a_retained_member_stays_retained_after_the_transfer(school, other_school, officer):
    membership = MembershipFactory(
        person__unit=school, status=S.RETAINED, retention_reason="retired", dues_exempt=True
    )
    transfer = services.request_transfer(membership, to_union=other_school, acting_user=officer)
    new = services.accept_transfer(transfer, acting_user=officer)
    assert (new.status, new.retention_reason, new.dues_exempt, new.may_vote) == (
        S.RETAINED,
        "retired",
        True,
        False,
    )
    assert new.card_no == f"{other_school.code}-000001"  # the receiving union issues its own card
    kinds = list(
        MembershipEvent.objects.filter(membership__person=membership.person)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["transfer_requested", "transfer_accepted", "transferred_in"]


def test_m7_a_decided_transfer_cannot_be_cancelled(school, other_school, officer):
    transfer = services.request_transfer(
        MembershipFactory(person__unit=school), to_union=other_school, acting_user=officer
    )
    services.cancel_transfer(transfer, acting_user=officer)
    with pytest.raises(MembershipError, match="already been decided"):
        services.cancel_transfer(transfer, acting_user=officer)
    with pytest.raises(MembershipError, match="already been decided"):
        services.accept_transfer(transfer, acting_user=officer)
    assert TransferRequest.objects.get().state == TransferRequest.State.CANCELLED


@pytest.mark.parametrize("status", [S.APPLIED, S.RETAINED, S.TRANSFERRING, *NOT_CURRENT])
def test_m9_only_members_in_good_standing_or_held_retain_membership(school, officer, status):
    membership = MembershipFactory(
        person__unit=school, status=status, retention_reason="retired" if status == S.RETAINED else ""
    )
    with pytest.raises(MembershipError, match="Only a member in good standing can retain membership"):
        services.retain_membership(membership, reason="retired", acting_user=officer)


@pytest.mark.parametrize("status", [S.APPLIED, S.ACTIVE, S.TRANSFERRING, *NOT_CURRENT])
def test_m9_only_retained_or_held_memberships_are_restored(school, officer, status):
    with pytest.raises(MembershipError, match="Only a retained or held membership can be restored"):
        services.restore_membership(
            MembershipFactory(person__unit=school, status=status), acting_user=officer
        )


@pytest.mark.parametrize("status", [S.APPLIED, S.RETAINED, S.HELD, S.TRANSFERRING, *NOT_CURRENT])
def test_m8_only_members_in_good_standing_are_held(school, officer, status):
    membership = MembershipFactory(
        person__unit=school, status=status, retention_reason="retired" if status == S.RETAINED else ""
    )
    with pytest.raises(MembershipError, match="Only a member in good standing can be held"):
        services.hold_membership(membership, acting_user=officer)


@pytest.mark.parametrize("status", [S.APPLIED, S.TRANSFERRING, *NOT_CURRENT])
def test_m14_withdrawal_is_refused_for_pending_transferring_or_ended_memberships(school, officer, status):
    with pytest.raises(MembershipError, match="cannot be withdrawn"):
        services.withdraw_membership(
            MembershipFactory(person__unit=school, status=status), acting_user=officer
        )


def test_m14_a_retained_member_may_withdraw(school, officer):
    membership = MembershipFactory(person__unit=school, status=S.RETAINED, retention_reason="retired")
    assert services.withdraw_membership(membership, acting_user=officer).status == S.WITHDRAWN


@pytest.mark.parametrize("status", [S.APPLIED, S.RETAINED, S.TRANSFERRING, *NOT_CURRENT])
def test_m15_education_step_only_for_a_current_member(school, officer, status):
    membership = MembershipFactory(
        person__unit=school, status=status, retention_reason="retired" if status == S.RETAINED else ""
    )
    with pytest.raises(MembershipError, match="An education step is recorded only for a current member"):
        services.record_education(membership, note="谈话", acting_user=officer)


@pytest.mark.parametrize("status", [S.APPLIED, S.RETAINED, S.TRANSFERRING, *NOT_CURRENT])
def test_m15_deemed_withdrawal_only_from_good_standing_or_held(school, officer, status):
    membership = MembershipFactory(
        person__unit=school, status=status, retention_reason="retired" if status == S.RETAINED else ""
    )
    with pytest.raises(MembershipError, match="cannot be deemed withdrawn"):
        services.deem_withdrawn(membership, acting_user=officer)


def test_m15_deemed_withdrawal_is_never_automatic_and_is_recorded(school, officer):
    """The education step is its own event; the deemed withdrawal is a second, separate decision."""
    membership = MembershipFactory(person__unit=school)
    event = services.record_education(membership, note="谈话", acting_user=officer)
    membership.refresh_from_db()
    assert membership.status == S.ACTIVE  # educating changes nothing by itself
    assert (event.kind, event.from_status, event.to_status) == ("education", S.ACTIVE, S.ACTIVE)
    deemed = services.deem_withdrawn(membership, acting_user=officer, note="仍拒不改正")
    assert deemed.ended_on is not None
    assert AuditEvent.objects.filter(action="members.membership.deemed_withdrawn").count() == 1


@pytest.mark.parametrize("status", [S.APPLIED, S.TRANSFERRING, *NOT_CURRENT])
def test_m16_expulsion_is_refused_for_pending_transferring_or_ended_memberships(school, officer, status):
    with pytest.raises(MembershipError, match="cannot be expelled"):
        services.expel_member(
            MembershipFactory(person__unit=school, status=status),
            sanction_ref="x",
            filing_ref="y",
            acting_user=officer,
        )


def test_every_transition_appends_an_event_with_who_and_an_audit_entry(school, other_school, officer):
    membership = services.apply_to_join(PersonFactory(unit=school), school, consent=True, acting_user=officer)
    services.approve_application(membership, acting_user=officer)
    services.retain_membership(membership, reason="unemployed", acting_user=officer)
    services.restore_membership(membership, acting_user=officer)
    services.hold_membership(membership, acting_user=officer)
    services.restore_membership(membership, acting_user=officer)
    transfer = services.request_transfer(membership, to_union=other_school, acting_user=officer)
    services.cancel_transfer(transfer, acting_user=officer)
    events = list(membership.events.order_by("id"))
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", S.APPLIED),
        (S.APPLIED, S.ACTIVE),
        (S.ACTIVE, S.RETAINED),
        (S.RETAINED, S.ACTIVE),
        (S.ACTIVE, S.HELD),
        (S.HELD, S.ACTIVE),
        (S.ACTIVE, S.TRANSFERRING),
        (S.TRANSFERRING, S.ACTIVE),
    ]
    assert {e.actor for e in events} == {officer}
    assert AuditEvent.objects.filter(action__startswith="members.membership.").count() == len(events)


def test_membership_history_cannot_be_rewritten_in_bulk(school, officer):
    services.withdraw_membership(MembershipFactory(person__unit=school), acting_user=officer)
    with pytest.raises(PermissionDenied):
        MembershipEvent.objects.all().delete()
    with pytest.raises(PermissionDenied):
        MembershipEvent.objects.filter(kind="withdrawn").update(actor=None)
    assert MembershipEvent.objects.count() == 1


def test_pi10_full_id_number_is_refused_outside_the_scope(school, other_school):
    from django.contrib.auth.models import Permission

    from ..conftest import make_user_with_role

    outsider = make_user_with_role("officer", other_school, username="outsider")
    outsider.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))
    outsider = type(outsider).objects.get(pk=outsider.pk)
    person = PersonFactory(unit=school, id_number="11010519491231002X")
    with pytest.raises(MembershipError, match="outside your units"):
        services.reveal_id_number(person, acting_user=outsider)
    assert not AuditEvent.objects.filter(action="members.person.id_number_viewed").exists()
