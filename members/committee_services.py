"""Committee terms and post holdings (E6, E12, E13; M10): the audited writes.

The committee pages call these functions, and so should any other writer (admin actions,
imports, election results); none of them touches a request.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from union_site.audit import record_audit

from .checks import renewal_gap
from .models import Committee, Membership, OrgUnit, PostHolding
from .rules import rule

P = PostHolding.Post

# Which posts belong to which committee.
POSTS_BY_KIND = {
    Committee.Kind.UNION: [P.CHAIR, P.VICE_CHAIR, P.MEMBER],
    Committee.Kind.AUDIT: [P.AUDIT_CHAIR, P.AUDIT_MEMBER],
    Committee.Kind.WOMEN: [P.WOMEN_CHAIR, P.WOMEN_MEMBER],
}


class CommitteeError(Exception):
    """A translated message for the user; ``field`` names the form field it belongs to, if any."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def previous_term(unit: OrgUnit, kind: str) -> Committee | None:
    """The latest term of this committee of the unit, current or ended."""
    return Committee.objects.filter(unit=unit, kind=kind).order_by("-starts_on", "-pk").first()


def check_renewal(unit: OrgUnit, kind: str, starts_on: datetime.date, renewal_approval_ref: str) -> None:
    """Raise CommitteeError when a new term starting on ``starts_on`` cannot be recorded as it is.

    E13: a renewal more than E13_RENEWAL_TOLERANCE_DAYS before or after the previous term's end needs
    the higher union's written approval (its reference in ``renewal_approval_ref``).
    """
    latest = previous_term(unit, kind)
    if latest is None:
        return
    if starts_on <= latest.starts_on:
        raise CommitteeError(
            _("The new term must start after the previous one, which started on %(day)s.")
            % {"day": latest.starts_on.isoformat()},
            field="starts_on",
        )
    gap = renewal_gap(latest, starts_on)
    if abs(gap) <= rule("E13_RENEWAL_TOLERANCE_DAYS") or renewal_approval_ref.strip():
        return
    values = {"due": latest.due_on.isoformat(), "days": abs(gap)}
    if gap < 0:
        message = _("The previous term ends on %(due)s: renewing %(days)s days early needs the higher union's "
                    "written approval (E13). Enter the reference of that approval.") % values
    else:
        message = _("The previous term ended on %(due)s: renewing %(days)s days late needs the higher union's "
                    "written approval (E13). Enter the reference of that approval.") % values
    raise CommitteeError(message, field="renewal_approval_ref")


@transaction.atomic
def start_committee_term(
    unit: OrgUnit,
    *,
    kind: str,
    starts_on: datetime.date,
    term_years: int,
    acting_user,
    term_number: int | None = None,
    approved_by: str = "",
    approval_ref: str = "",
    approved_on: datetime.date | None = None,
    renewal_approval_ref: str = "",
) -> Committee:
    """Record a new term (E12: 3 or 5 years). The current term of the same committee, and its posts,
    end the day before. E13: early or late renewal needs the higher union's approval reference."""
    if unit.kind != OrgUnit.Kind.GRASSROOTS:
        raise CommitteeError(_("Committee terms are recorded for grassroots unions only."))
    if kind not in Committee.Kind.values:
        raise CommitteeError(_("Unknown committee."))
    if term_years not in (3, 5):
        raise CommitteeError(_("A committee term is 3 or 5 years (E12)."))
    current = Committee.objects.select_for_update().filter(unit=unit, kind=kind, ended_on__isnull=True).first()
    check_renewal(unit, kind, starts_on, renewal_approval_ref)
    latest = previous_term(unit, kind)
    if current is not None:
        current.ended_on = starts_on - datetime.timedelta(days=1)
        current.save(update_fields=["ended_on"])
        _end_posts(current, current.ended_on)
        record_audit(current, "members.committee.ended", acting_user, {"ended_on": current.ended_on.isoformat(),
                                                                       "reason": "renewed"})
    if term_number is None and latest is not None and latest.term_number:
        term_number = latest.term_number + 1
    try:
        with transaction.atomic():
            committee = Committee.objects.create(
                unit=unit, kind=kind, term_number=term_number, starts_on=starts_on, term_years=term_years,
                approved_by=approved_by, approval_ref=approval_ref, approved_on=approved_on,
                renewal_approval_ref=renewal_approval_ref.strip(),
            )
    except IntegrityError:  # a parallel request recorded a term first
        raise CommitteeError(_("Another term of this committee was recorded at the same time: reload the page.")) \
            from None
    record_audit(
        committee, "members.committee.started", acting_user,
        {"kind": kind, "starts_on": starts_on.isoformat(), "term_years": term_years,
         "renewal_approval_ref": committee.renewal_approval_ref},
    )
    return committee


def _end_posts(committee: Committee, ended_on: datetime.date) -> int:
    return PostHolding.objects.filter(committee=committee).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=ended_on)
    ).update(ended_on=ended_on)


@transaction.atomic
def end_committee_term(committee: Committee, *, ended_on: datetime.date, acting_user) -> Committee:
    """End a term without a successor (e.g. the union is dissolved); its posts end the same day."""
    committee = Committee.objects.select_for_update().get(pk=committee.pk)
    if committee.ended_on:
        raise CommitteeError(_("This term has already ended."))
    if ended_on < committee.starts_on:
        raise CommitteeError(_("The end date is before the election date."))
    committee.ended_on = ended_on
    committee.save(update_fields=["ended_on"])
    posts = _end_posts(committee, ended_on)
    record_audit(committee, "members.committee.ended", acting_user, {"ended_on": ended_on.isoformat(),
                                                                     "posts_ended": posts})
    return committee


@transaction.atomic
def add_post(
    committee: Committee,
    *,
    person,
    post: str,
    acting_user,
    started_on: datetime.date | None = None,
    is_full_time: bool = False,
    source: str = "",
) -> PostHolding:
    """Give a person a post in a committee term. The person must be a member in good standing of
    that union (M10: retained members may not stand); a union has one chair at a time."""
    committee = Committee.objects.select_for_update().select_related("unit").get(pk=committee.pk)
    started_on = started_on or timezone.localdate()
    if committee.ended_on:
        raise CommitteeError(_("This term has ended."))
    if post not in POSTS_BY_KIND[committee.kind]:
        raise CommitteeError(_("This post does not belong to the %(committee)s.")
                             % {"committee": committee.get_kind_display()})
    if started_on < committee.starts_on:
        raise CommitteeError(_("The post cannot start before the term (%(day)s).")
                             % {"day": committee.starts_on.isoformat()})
    if not Membership.objects.filter(person=person, union=committee.unit, status=Membership.Status.ACTIVE).exists():
        raise CommitteeError(_("%(name)s is not a member in good standing of this union.") % {"name": person.name})
    if post == P.CHAIR:
        chair = PostHolding.objects.filter(unit=committee.unit, post=P.CHAIR, ended_on__isnull=True).first()
        if chair is not None:
            raise CommitteeError(_("%(name)s is the chair of this union: end that post before recording a new "
                                   "chair.") % {"name": chair.person.name})
    try:
        with transaction.atomic():
            holding = PostHolding.objects.create(
                unit=committee.unit, committee=committee, person=person, post=post, is_full_time=is_full_time,
                started_on=started_on, source=source,
            )
    except IntegrityError:  # the named constraints: one chair per union, a post once per person and term
        if post == P.CHAIR:
            raise CommitteeError(_("This union already has a chair: end that post before recording a new chair.")) \
                from None
        raise CommitteeError(_("%(name)s already holds this post in this term.") % {"name": person.name}) from None
    record_audit(holding, "members.post.added", acting_user,
                 {"post": post, "committee": committee.pk, "is_full_time": is_full_time})
    return holding


@transaction.atomic
def end_post(holding: PostHolding, *, ended_on: datetime.date | None = None, acting_user) -> PostHolding:
    holding = PostHolding.objects.select_for_update().get(pk=holding.pk)
    ended_on = ended_on or timezone.localdate()
    if holding.ended_on:
        raise CommitteeError(_("This post has already ended."))
    if ended_on < holding.started_on:
        raise CommitteeError(_("The end date is before the post started."))
    holding.ended_on = ended_on
    holding.save(update_fields=["ended_on"])
    record_audit(holding, "members.post.ended", acting_user, {"ended_on": ended_on.isoformat()})
    return holding
