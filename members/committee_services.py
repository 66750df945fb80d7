"""Committee terms and post holdings (E6, E12, E13): audited writes."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from union_site.audit import record_audit

from .models import Committee, Membership, PostHolding
from .rules import rule


class CommitteeError(Exception):
    pass


@transaction.atomic
def start_committee_term(unit, *, kind, starts_on: datetime.date, term_years: int, acting_user, approved_by="",
                         approval_ref="", approved_on=None, renewal_approval_ref="") -> Committee:
    """A new term; the current term of the same committee ends. E13: early or late renewal needs approval."""
    if term_years not in (3, 5):
        raise CommitteeError(_("A committee term is 3 or 5 years (E12)."))
    current = Committee.objects.select_for_update().filter(unit=unit, kind=kind, ended_on__isnull=True).first()
    if current is not None:
        if starts_on <= current.starts_on:
            raise CommitteeError(_("The new term must start after the current one (%(day)s).")
                                 % {"day": current.starts_on.isoformat()})
        gap = abs((starts_on - current.due_on).days)
        if gap > rule("E13_RENEWAL_TOLERANCE_DAYS") and not renewal_approval_ref.strip():
            raise CommitteeError(
                _("The term was due to end on %(due)s; renewing %(days)s days early or late needs the higher union's "
                  "written approval (E13): enter its reference.") % {"due": current.due_on.isoformat(), "days": gap}
            )
        current.ended_on = starts_on - datetime.timedelta(days=1)
        current.save(update_fields=["ended_on"])
        PostHolding.objects.filter(committee=current, ended_on__isnull=True).update(ended_on=current.ended_on)
    committee = Committee.objects.create(
        unit=unit, kind=kind, starts_on=starts_on, term_years=term_years, approved_by=approved_by,
        approval_ref=approval_ref, approved_on=approved_on, renewal_approval_ref=renewal_approval_ref,
        term_number=(current.term_number or 0) + 1 if current and current.term_number else None,
    )
    record_audit(committee, "members.committee.started", acting_user, {"kind": kind})
    return committee


@transaction.atomic
def end_committee_term(committee: Committee, *, ended_on: datetime.date, acting_user) -> Committee:
    committee = Committee.objects.select_for_update().get(pk=committee.pk)
    if committee.ended_on:
        raise CommitteeError(_("This term has already ended."))
    if ended_on < committee.starts_on:
        raise CommitteeError(_("The end date is before the election date."))
    committee.ended_on = ended_on
    committee.save(update_fields=["ended_on"])
    PostHolding.objects.filter(committee=committee, ended_on__isnull=True).update(ended_on=ended_on)
    record_audit(committee, "members.committee.ended", acting_user)
    return committee


@transaction.atomic
def add_post(committee: Committee, *, person, post, acting_user, started_on=None, is_full_time=False,
             source="") -> PostHolding:
    """A post in a committee term: the person must be a member in good standing of that union (M10)."""
    if committee.ended_on:
        raise CommitteeError(_("This term has ended."))
    if not Membership.objects.filter(person=person, union=committee.unit, status=Membership.Status.ACTIVE).exists():
        raise CommitteeError(_("%(name)s is not a member in good standing of this union.") % {"name": person.name})
    try:
        with transaction.atomic():
            holding = PostHolding.objects.create(
                unit=committee.unit, committee=committee, person=person, post=post, is_full_time=is_full_time,
                started_on=started_on or timezone.localdate(), source=source,
            )
    except IntegrityError:
        raise CommitteeError(_("This post is already held: end the current holder's post first.")) from None
    record_audit(holding, "members.post.added", acting_user, {"post": post})
    return holding


@transaction.atomic
def end_post(holding: PostHolding, *, ended_on: datetime.date, acting_user) -> PostHolding:
    holding = PostHolding.objects.select_for_update().get(pk=holding.pk)
    if holding.ended_on:
        raise CommitteeError(_("This post has already ended."))
    holding.ended_on = ended_on
    holding.save(update_fields=["ended_on"])
    record_audit(holding, "members.post.ended", acting_user)
    return holding
