"""Membership workflows (rules.md §1): every change of status is one audited service call.

Each transition locks the membership row, checks the rule, writes the new status,
appends a ``MembershipEvent`` (who, when, from → to) and an ``AuditEvent``.
Invalid transitions raise ``MembershipError`` with a message for the officer.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from union_site.audit import record_audit

from .models import Membership, MembershipEvent, OrgUnit, Person, TransferRequest
from .scope import in_scope

S = Membership.Status
E = MembershipEvent.Kind


class MembershipError(Exception):
    pass


def _lock(membership: Membership) -> Membership:
    return Membership.objects.select_for_update().select_related("person", "union").get(pk=membership.pk)


def _record(membership, kind, *, from_status, acting_user, note="", data=None) -> MembershipEvent:
    event = MembershipEvent.objects.create(
        membership=membership,
        kind=kind,
        from_status=from_status,
        to_status=membership.status,
        actor=acting_user if acting_user is not None and acting_user.is_authenticated else None,
        note=note,
        data=data or {},
    )
    record_audit(membership, f"members.membership.{kind}", acting_user, {"from": from_status, "to": membership.status})
    return event


def _require(membership: Membership, allowed: set, message: str) -> None:
    if membership.status not in allowed:
        raise MembershipError(message % {"status": membership.get_status_display()})


def next_card_no(union: OrgUnit) -> str:
    """The next card number of a union: its code and a running number. Call inside a transaction."""
    OrgUnit.objects.select_for_update().filter(pk=union.pk).first()  # serialise card issue per union
    prefix = f"{union.code}-"
    numbers = (
        Membership.objects.filter(union=union, card_no__startswith=prefix)
        .values_list("card_no", flat=True)
        .order_by("-card_no")[:50]
    )
    highest = max((int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{highest + 1:06d}"


def _first_of_next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


@transaction.atomic
def apply_to_join(person: Person, union: OrgUnit, *, consent: bool, privacy_notice_version="2024-1", acting_user=None):
    """M2: an application to join. PI3/PI4: consent to the privacy notice is recorded with it."""
    if union.kind != OrgUnit.Kind.GRASSROOTS:
        raise MembershipError(_("Applications go to a grassroots union, not to a branch or group."))
    if not consent:
        raise MembershipError(_("Please read and agree to the privacy notice before applying."))
    if person.memberships.current().exists():
        raise MembershipError(_("%(name)s already has a current membership.") % {"name": person.name})
    person.consent_at = timezone.now()
    person.privacy_notice_version = privacy_notice_version
    person.save(update_fields=["consent_at", "privacy_notice_version", "updated_at"])
    membership = Membership.objects.create(person=person, union=union, status=S.APPLIED)
    _record(membership, E.APPLIED, from_status="", acting_user=acting_user)
    return membership


@transaction.atomic
def approve_application(membership, *, acting_user, joined_on=None, card_no="", dues_from=None) -> Membership:
    """M2/M3: the committee approves; the card number is issued and dues start from a month."""
    membership = _lock(membership)
    _require(membership, {S.APPLIED}, _("Only a pending application can be approved (status: %(status)s)."))
    joined_on = joined_on or timezone.localdate()
    membership.card_no = card_no or next_card_no(membership.union)
    if Membership.objects.filter(union=membership.union, card_no=membership.card_no).exists():
        raise MembershipError(_("Card number %(no)s is already used in this union.") % {"no": membership.card_no})
    membership.status, membership.joined_on = S.ACTIVE, joined_on
    membership.dues_from = dues_from or _first_of_next_month(joined_on)
    membership.save(update_fields=["card_no", "status", "joined_on", "dues_from", "updated_at"])
    _record(membership, E.APPROVED, from_status=S.APPLIED, acting_user=acting_user, data={"card_no": membership.card_no})
    return membership


@transaction.atomic
def reject_application(membership, *, reason: str, acting_user) -> Membership:
    membership = _lock(membership)
    _require(membership, {S.APPLIED}, _("Only a pending application can be rejected (status: %(status)s)."))
    if not reason.strip():
        raise MembershipError(_("Please give the reason for rejecting the application."))
    membership.status, membership.ended_on = S.REJECTED, timezone.localdate()
    membership.save(update_fields=["status", "ended_on", "updated_at"])
    _record(membership, E.REJECTED, from_status=S.APPLIED, acting_user=acting_user, note=reason)
    return membership


@transaction.atomic
def request_transfer(membership, *, to_union: OrgUnit, acting_user, note="") -> TransferRequest:
    """M7: the sending union fills in the transfer; the receiving union must accept it."""
    membership = _lock(membership)
    _require(membership, {S.ACTIVE, S.RETAINED}, _("A membership with status %(status)s cannot be transferred."))
    if to_union.kind != OrgUnit.Kind.GRASSROOTS:
        raise MembershipError(_("A membership can only be transferred to a grassroots union."))
    if to_union.pk == membership.union_id:
        raise MembershipError(_("The receiving union is the member's own union."))
    before = membership.status
    membership.status = S.TRANSFERRING
    membership.save(update_fields=["status", "updated_at"])
    transfer = TransferRequest.objects.create(
        membership=membership, to_union=to_union, requested_by=acting_user, note=note
    )
    _record(
        membership,
        E.TRANSFER_REQUESTED,
        from_status=before,
        acting_user=acting_user,
        note=note,
        data={"to_union": to_union.code, "previous_status": before},
    )
    return transfer


@transaction.atomic
def accept_transfer(transfer: TransferRequest, *, acting_user, card_no="") -> Membership:
    """M7: the receiving union registers the member; the old membership ends as transferred."""
    transfer = TransferRequest.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state != TransferRequest.State.PENDING:
        raise MembershipError(_("This transfer has already been decided."))
    old = _lock(transfer.membership)
    old.status, old.ended_on = S.TRANSFERRED, timezone.localdate()
    old.save(update_fields=["status", "ended_on", "updated_at"])
    _record(old, E.TRANSFER_ACCEPTED, from_status=S.TRANSFERRING, acting_user=acting_user,
            data={"to_union": transfer.to_union.code})
    previous = old.events.filter(kind=E.TRANSFER_REQUESTED).order_by("-created_at").first()
    was_retained = bool(previous and previous.data.get("previous_status") == S.RETAINED)
    new = Membership.objects.create(
        person=old.person,
        union=transfer.to_union,
        status=S.RETAINED if was_retained else S.ACTIVE,
        retention_reason=old.retention_reason if was_retained else "",
        dues_exempt=was_retained,
        joined_on=old.joined_on,  # M4: one-time joining, dynamic transfer
        dues_from=old.dues_from,
        card_no=card_no or next_card_no(transfer.to_union),
    )
    _record(new, E.TRANSFERRED_IN, from_status="", acting_user=acting_user, data={"from_union": old.union.code})
    person = old.person
    person.unit = transfer.to_union
    person.save(update_fields=["unit", "updated_at"])
    transfer.state, transfer.decided_by, transfer.decided_at = TransferRequest.State.ACCEPTED, acting_user, timezone.now()
    transfer.save(update_fields=["state", "decided_by", "decided_at"])
    return new


@transaction.atomic
def cancel_transfer(transfer: TransferRequest, *, acting_user, note="") -> Membership:
    transfer = TransferRequest.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state != TransferRequest.State.PENDING:
        raise MembershipError(_("This transfer has already been decided."))
    membership = _lock(transfer.membership)
    requested = membership.events.filter(kind=E.TRANSFER_REQUESTED).order_by("-created_at").first()
    membership.status = (requested.data.get("previous_status") if requested else None) or S.ACTIVE
    membership.save(update_fields=["status", "updated_at"])
    _record(membership, E.TRANSFER_CANCELLED, from_status=S.TRANSFERRING, acting_user=acting_user, note=note)
    transfer.state, transfer.decided_by, transfer.decided_at = TransferRequest.State.CANCELLED, acting_user, timezone.now()
    transfer.save(update_fields=["state", "decided_by", "decided_at"])
    return membership


@transaction.atomic
def retain_membership(membership, *, reason: str, acting_user, note="") -> Membership:
    """M9/M12: retirement or unemployment keeps membership; no dues; no vote (M10)."""
    membership = _lock(membership)
    _require(membership, {S.ACTIVE, S.HELD}, _("Only a member in good standing can retain membership (status: %(status)s)."))
    if reason not in Membership.RetentionReason.values:
        raise MembershipError(_("Please choose why the membership is retained."))
    before = membership.status
    membership.status, membership.retention_reason, membership.dues_exempt = S.RETAINED, reason, True
    membership.save(update_fields=["status", "retention_reason", "dues_exempt", "updated_at"])
    _record(membership, E.RETAINED, from_status=before, acting_user=acting_user, note=note, data={"reason": reason})
    return membership


@transaction.atomic
def restore_membership(membership, *, acting_user, note="") -> Membership:
    """Back to good standing, e.g. re-employed after unemployment (M8)."""
    membership = _lock(membership)
    _require(membership, {S.RETAINED, S.HELD}, _("Only a retained or held membership can be restored (status: %(status)s)."))
    before = membership.status
    membership.status, membership.retention_reason, membership.dues_exempt = S.ACTIVE, "", False
    membership.save(update_fields=["status", "retention_reason", "dues_exempt", "updated_at"])
    _record(membership, E.RESTORED, from_status=before, acting_user=acting_user, note=note)
    return membership


@transaction.atomic
def hold_membership(membership, *, acting_user, note="") -> Membership:
    """M8: re-employed where there is no union: held by the union where the member lives."""
    membership = _lock(membership)
    _require(membership, {S.ACTIVE}, _("Only a member in good standing can be held (status: %(status)s)."))
    membership.status = S.HELD
    membership.save(update_fields=["status", "updated_at"])
    _record(membership, E.HELD, from_status=S.ACTIVE, acting_user=acting_user, note=note)
    return membership


@transaction.atomic
def withdraw_membership(membership, *, acting_user, note="") -> Membership:
    """M14: leaving is free; the committee announces it and takes back the card."""
    membership = _lock(membership)
    _require(membership, {S.ACTIVE, S.RETAINED, S.HELD}, _("A membership with status %(status)s cannot be withdrawn."))
    before = membership.status
    membership.status, membership.ended_on = S.WITHDRAWN, timezone.localdate()
    membership.save(update_fields=["status", "ended_on", "updated_at"])
    _record(membership, E.WITHDRAWN, from_status=before, acting_user=acting_user, note=note)
    return membership


@transaction.atomic
def record_education(membership, *, note: str, acting_user) -> MembershipEvent:
    """M15: the education step that must come before a deemed withdrawal."""
    membership = _lock(membership)
    _require(membership, {S.ACTIVE, S.HELD}, _("An education step is recorded only for a current member (status: %(status)s)."))
    if not note.strip():
        raise MembershipError(_("Please describe the education step (when, by whom, what was said)."))
    return _record(membership, E.EDUCATION, from_status=membership.status, acting_user=acting_user, note=note)


@transaction.atomic
def deem_withdrawn(membership, *, acting_user, note="") -> Membership:
    """M15: only after a recorded education step, never automatically."""
    membership = _lock(membership)
    _require(membership, {S.ACTIVE, S.HELD}, _("A membership with status %(status)s cannot be deemed withdrawn."))
    if not membership.events.filter(kind=E.EDUCATION).exists():
        raise MembershipError(
            _("A member can be deemed withdrawn only after an education step has been recorded (M15).")
        )
    before = membership.status
    membership.status, membership.ended_on = S.DEEMED_WITHDRAWN, timezone.localdate()
    membership.save(update_fields=["status", "ended_on", "updated_at"])
    _record(membership, E.DEEMED_WITHDRAWN, from_status=before, acting_user=acting_user, note=note)
    return membership


@transaction.atomic
def expel_member(membership, *, sanction_ref: str, filing_ref: str, acting_user, note="") -> Membership:
    """M16: only with a recorded criminal sanction, and filed with the higher union."""
    membership = _lock(membership)
    _require(membership, {S.ACTIVE, S.RETAINED, S.HELD}, _("A membership with status %(status)s cannot be expelled."))
    if not sanction_ref.strip():
        raise MembershipError(_("Expulsion needs the criminal sanction on record (judgment or decision number, M16)."))
    if not filing_ref.strip():
        raise MembershipError(_("Expulsion must be filed with the higher-level union: enter the filing reference (M16)."))
    before = membership.status
    membership.status, membership.ended_on = S.EXPELLED, timezone.localdate()
    membership.save(update_fields=["status", "ended_on", "updated_at"])
    _record(
        membership,
        E.EXPELLED,
        from_status=before,
        acting_user=acting_user,
        note=note,
        data={"sanction_ref": sanction_ref, "filing_ref": filing_ref},
    )
    return membership


def reveal_id_number(person: Person, *, acting_user) -> str:
    """The full 身份证号, for users with the permission; every full view is audited (PI10)."""
    if not acting_user.has_perm("members.view_full_id_number"):
        raise MembershipError(_("You may not see full ID numbers."))
    if not in_scope(acting_user, person.unit):
        raise MembershipError(_("This person is outside your units."))
    record_audit(person, "members.person.id_number_viewed", acting_user)
    return person.id_number


def membership_history(membership):
    return membership.events.select_related("actor").order_by("created_at", "id")
