"""Proposals (提案) from the draft to the proposer's rating and the report to the next session (P1–P10).

Every write is one audited function here, like ``congress.services``; errors are ``CongressError``.
"""


import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.scope import users_with_role_for_unit
from union_site import roles
from union_site.audit import record_audit
from union_site.inbox import notify

from .models import (
    Assignment,
    Department,
    Proposal,
    ProposalRating,
    Reply,
    Representative,
    Seconding,
    Session,
    Term,
)
from .rules import rule
from .services import CongressError, _today, _user_of

P = Proposal.Status


# --- proposals ----------------------------------------------------------------------------------


def _proposal_url(proposal: Proposal) -> str:
    return reverse("congress:proposal-detail", args=[proposal.pk])


def _committee(proposal: Proposal):
    return users_with_role_for_unit(roles.PROPOSAL_COMMITTEE, proposal.unit)


def _notify(users, proposal: Proposal, subject: str, body: str = "") -> None:
    notify(users, subject=subject, body=body, url=_proposal_url(proposal), kind="congress.proposal")


def _proposer_users(proposal: Proposal):
    return [u for u in {proposal.author, _user_of(proposal.proposer)} if u is not None]


def _lock_proposal(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().select_related("session__term__body__unit").get(pk=proposal.pk)


def _check_form(title: str, reasons: str, measures: str) -> None:
    """P2: the standard form, one matter per proposal."""
    missing = [label for label, value in [(_("subject"), title), (_("reasons"), reasons), (_("measures"), measures)]
               if not value.strip()]
    if missing:
        raise CongressError(_("Please fill in: %(fields)s.") % {"fields": "、".join(missing)})


def formal_representative_of(user, term: Term) -> Representative | None:
    return (
        Representative.objects.active().formal().filter(term=term, person__user=user).select_related("person").first()
    )


@transaction.atomic
def draft_proposal(session: Session, *, author, title: str, reasons: str, measures: str) -> Proposal:
    """P1/P2: a formal representative drafts a proposal on the standard form."""
    _check_form(title, reasons, measures)
    proposer = formal_representative_of(author, session.term)
    if proposer is None:
        raise CongressError(
            _("Only formal representatives may submit proposals (P1); you can submit an opinion or suggestion.")
        )
    if session.proposals_open_on and _today() < session.proposals_open_on:
        raise CongressError(
            _("Proposal collection opens on %(day)s (P3).") % {"day": session.proposals_open_on.isoformat()}
        )
    proposal = Proposal.objects.create(
        session=session, proposer=proposer, author=author, title=title, reasons=reasons, measures=measures
    )
    record_audit(proposal, "congress.proposal.drafted", author)
    return proposal


@transaction.atomic
def submit_suggestion(session: Session, *, author, title: str, reasons: str, measures: str) -> Proposal:
    """Any member of staff may submit an opinion or suggestion (意见建议)."""
    _check_form(title, reasons, measures)
    suggestion = Proposal.objects.create(
        session=session,
        kind=Proposal.Kind.SUGGESTION,
        status=P.SUBMITTED,
        author=author,
        title=title,
        reasons=reasons,
        measures=measures,
        submitted_at=timezone.now(),
        number=_next_number(session, Proposal.Kind.SUGGESTION),
    )
    record_audit(suggestion, "congress.suggestion.submitted", author)
    _notify(_committee(suggestion), suggestion, _("New opinion or suggestion: %(title)s") % {"title": title})
    return suggestion


@transaction.atomic
def edit_proposal(proposal: Proposal, *, acting_user, title: str, reasons: str, measures: str) -> Proposal:
    proposal = _lock_proposal(proposal)
    if proposal.author_id != acting_user.pk or proposal.status not in {P.DRAFT, P.SECONDING}:
        raise CongressError(_("Only the proposer can change a proposal, and only before it is submitted."))
    _check_form(title, reasons, measures)
    if (proposal.title, proposal.reasons, proposal.measures) != (title, reasons, measures):
        proposal.title, proposal.reasons, proposal.measures = title, reasons, measures
        proposal.save(update_fields=["title", "reasons", "measures"])
        # seconders signed the old text: they sign again
        proposal.seconders.filter(state=Seconding.State.SIGNED).update(state=Seconding.State.INVITED, signed_at=None)
        record_audit(proposal, "congress.proposal.edited", acting_user)
    return proposal


@transaction.atomic
def invite_seconders(proposal: Proposal, representatives, *, acting_user) -> list[Seconding]:
    proposal = _lock_proposal(proposal)
    if proposal.author_id != acting_user.pk or proposal.status not in {P.DRAFT, P.SECONDING}:
        raise CongressError(_("Only the proposer can invite seconders, before the proposal is submitted."))
    created = []
    for rep in representatives:
        if rep.term_id != proposal.session.term_id or not rep.is_formal:
            raise CongressError(_("%(name)s is not a formal representative of this term (P1).") % {"name": rep.person})
        if rep.pk == proposal.proposer_id:
            raise CongressError(_("The proposer cannot second their own proposal."))
        seconding, made = Seconding.objects.get_or_create(proposal=proposal, representative=rep)
        if made:
            created.append(seconding)
    if proposal.status == P.DRAFT:
        proposal.status = P.SECONDING
        proposal.save(update_fields=["status"])
    record_audit(proposal, "congress.proposal.seconders_invited", acting_user, {"count": len(created)})
    notify(
        [_user_of(s.representative) for s in created],
        subject=_("Please consider seconding: %(title)s") % {"title": proposal.title},
        url=_proposal_url(proposal),
        kind="congress.proposal",
    )
    return created


@transaction.atomic
def second_proposal(proposal: Proposal, *, acting_user, decline=False) -> Seconding:
    """P1: a formal representative co-signs (or declines) online, in person."""
    proposal = _lock_proposal(proposal)
    if proposal.status not in {P.DRAFT, P.SECONDING}:
        raise CongressError(_("This proposal is no longer open for seconding."))
    rep = formal_representative_of(acting_user, proposal.session.term)
    if rep is None:
        raise CongressError(_("Only formal representatives may second a proposal (P1)."))
    if rep.pk == proposal.proposer_id:
        raise CongressError(_("The proposer cannot second their own proposal."))
    seconding, _made = Seconding.objects.select_for_update().get_or_create(proposal=proposal, representative=rep)
    seconding.state = Seconding.State.DECLINED if decline else Seconding.State.SIGNED
    seconding.signed_at = None if decline else timezone.now()
    seconding.save(update_fields=["state", "signed_at"])
    record_audit(proposal, "congress.proposal.declined" if decline else "congress.proposal.seconded", acting_user)
    if not decline:
        _notify(_proposer_users(proposal), proposal,
                _("%(name)s seconded your proposal") % {"name": rep.person.name})
    return seconding


def _next_number(session: Session, kind: str) -> str:
    Session.objects.select_for_update().filter(pk=session.pk).first()
    prefix = f"{session.starts_on:%Y}-{'T' if kind == Proposal.Kind.PROPOSAL else 'Y'}"
    count = Proposal.objects.filter(session=session, number__startswith=prefix).count()
    return f"{prefix}{count + 1:03d}"


@transaction.atomic
def submit_proposal(proposal: Proposal, *, acting_user) -> Proposal:
    """P1: with enough seconders the proposal goes to the committee; after the window it is a suggestion (P3)."""
    proposal = _lock_proposal(proposal)
    if proposal.author_id != acting_user.pk:
        raise CongressError(_("Only the proposer can submit the proposal."))
    if proposal.status not in {P.DRAFT, P.SECONDING}:
        raise CongressError(_("This proposal has already been submitted."))
    needed = rule("P1_SECONDERS")
    signed = proposal.seconders.filter(state=Seconding.State.SIGNED).count()
    if signed < needed:
        raise CongressError(
            _("A proposal needs at least %(needed)s seconders (P1); it has %(signed)s.") % {"needed": needed,
                                                                                            "signed": signed}
        )
    session = proposal.session
    if session.proposals_close_on and _today() > session.proposals_close_on:
        proposal.kind, proposal.is_late = Proposal.Kind.SUGGESTION, True
    proposal.status, proposal.submitted_at = P.SUBMITTED, timezone.now()
    proposal.number = _next_number(session, proposal.kind)
    proposal.save(update_fields=["kind", "is_late", "status", "submitted_at", "number"])
    record_audit(proposal, "congress.proposal.submitted", acting_user, {"late": proposal.is_late})
    _notify(_committee(proposal), proposal, _("Proposal %(number)s submitted for review") % {"number": proposal.number})
    return proposal


REVIEW_DECISIONS = {"accept", "not_accept", "convert", "merge", "dispute"}


@transaction.atomic
def review_proposal(proposal: Proposal, *, decision: str, acting_user, within_powers=None, lawful=None,
                    feasible=None, reason: str = "", merge_into: Proposal | None = None) -> Proposal:
    """P5/P6: the proposal committee decides 立案 / 不立案 / 转为意见建议 / 并案, or refers to the presidium."""
    proposal = _lock_proposal(proposal)
    if proposal.status not in {P.SUBMITTED, P.DISPUTED}:
        raise CongressError(_("Only a submitted proposal can be reviewed (status: %(status)s).")
                            % {"status": proposal.get_status_display()})
    if decision not in REVIEW_DECISIONS:
        raise CongressError(_("Unknown decision."))
    proposal.within_powers, proposal.lawful, proposal.feasible = within_powers, lawful, feasible
    if decision == "accept":
        if not (within_powers and lawful and feasible):
            raise CongressError(
                _("A proposal is accepted only when it passes all three tests: within powers, lawful, feasible (P5).")
            )
        proposal.status = P.ACCEPTED
    elif decision == "dispute":
        if proposal.status == P.DISPUTED:
            raise CongressError(_("The presidium must now decide this proposal."))
        proposal.status = P.DISPUTED
    else:
        if not reason.strip():
            raise CongressError(_("Please give the reasons for the decision (P6)."))
        if decision == "not_accept":
            proposal.status = P.NOT_ACCEPTED
            proposal.closed_at = timezone.now()
        elif decision == "convert":
            proposal.status, proposal.kind = P.CONVERTED, Proposal.Kind.SUGGESTION
        else:
            if merge_into is None or merge_into.pk == proposal.pk or merge_into.session_id != proposal.session_id:
                raise CongressError(_("Choose another proposal of the same session to merge into."))
            target = _lock_proposal(merge_into)
            if target.status in {P.NOT_ACCEPTED, P.MERGED, P.CONVERTED, P.CLOSED}:
                raise CongressError(_("That proposal cannot take a merger (status: %(status)s).")
                                    % {"status": target.get_status_display()})
            proposal.status, proposal.merged_into = P.MERGED, target
            if proposal.proposer_id and proposal.proposer_id != target.proposer_id:
                # the merged proposal's proposer becomes a co-proposer of the target
                Seconding.objects.update_or_create(
                    proposal=target, representative_id=proposal.proposer_id,
                    defaults={"state": Seconding.State.SIGNED, "signed_at": timezone.now()},
                )
    proposal.review_reason, proposal.reviewed_by, proposal.reviewed_at = reason, acting_user, timezone.now()
    proposal.save()
    record_audit(proposal, f"congress.proposal.review_{decision}", acting_user, {"reason": reason})
    _notify(_proposer_users(proposal), proposal,
            _("Your proposal %(number)s: %(status)s") % {"number": proposal.number,
                                                         "status": proposal.get_status_display()}, reason)
    return proposal


@transaction.atomic
def assign_proposal(proposal: Proposal, *, lead: Department, joint=(), acting_user, days: int | None = None):
    """P7: assign to a lead department (and joint ones) with a deadline (default 90 days)."""
    proposal = _lock_proposal(proposal)
    if proposal.status != P.ACCEPTED:
        raise CongressError(_("Only an accepted proposal can be assigned."))
    unit = proposal.unit
    for dept in [lead, *joint]:
        if dept.unit_id != unit.pk or not dept.is_active:
            raise CongressError(_("%(dept)s is not a department of this unit.") % {"dept": dept})
    days = days or rule("P7_HANDLING_DAYS")
    Assignment.objects.create(proposal=proposal, department=lead, is_lead=True, assigned_by=acting_user)
    for dept in joint:
        if dept.pk != lead.pk:
            Assignment.objects.create(proposal=proposal, department=dept, is_lead=False, assigned_by=acting_user)
    proposal.status, proposal.handling_round = P.ASSIGNED, 1
    proposal.assigned_at, proposal.deadline = timezone.now(), _today() + datetime.timedelta(days=days)
    proposal.save(update_fields=["status", "handling_round", "assigned_at", "deadline"])
    record_audit(proposal, "congress.proposal.assigned", acting_user,
                 {"lead": lead.pk, "joint": [d.pk for d in joint], "deadline": proposal.deadline.isoformat()})
    handlers = [u for dept in [lead, *joint] for u in dept.handlers.all()]
    _notify(handlers, proposal, _("Proposal %(number)s assigned to you, reply by %(day)s")
            % {"number": proposal.number, "day": proposal.deadline.isoformat()})
    _notify(_proposer_users(proposal), proposal, _("Your proposal %(number)s has been assigned to %(dept)s")
            % {"number": proposal.number, "dept": lead.name})
    return proposal


def can_reply(user, proposal: Proposal) -> bool:
    lead = proposal.lead_assignment()
    return lead is not None and lead.department.handlers.filter(pk=user.pk).exists()


@transaction.atomic
def reply_to_proposal(proposal: Proposal, *, acting_user, outcome: str, text: str, signed_off_by: str) -> Reply:
    """P8: the lead department's written reply, signed off by its head; one reply per handling round."""
    proposal = _lock_proposal(proposal)
    if proposal.status not in {P.ASSIGNED}:
        raise CongressError(_("This proposal is not waiting for a reply (status: %(status)s).")
                            % {"status": proposal.get_status_display()})
    lead = proposal.lead_assignment()
    if lead is None or not lead.department.handlers.filter(pk=acting_user.pk).exists():
        raise CongressError(_("Only the lead department's handlers can reply."))
    if outcome not in Proposal.Outcome.values:
        raise CongressError(_("Choose the outcome of the handling (P8)."))
    if not text.strip() or not signed_off_by.strip():
        raise CongressError(_("The reply needs its text and the name of the head of department who signed it off (P8)."))
    try:
        with transaction.atomic():
            reply = Reply.objects.create(
                proposal=proposal,
                round=proposal.handling_round,
                department=lead.department,
                outcome=outcome,
                text=text,
                signed_off_by=signed_off_by,
                submitted_by=acting_user,
                on_time=_today() <= proposal.deadline,
            )
    except IntegrityError:
        raise CongressError(_("A reply for this round has already been submitted.")) from None
    proposal.status = P.REPLIED
    proposal.save(update_fields=["status"])
    record_audit(proposal, "congress.proposal.replied", acting_user, {"round": reply.round, "outcome": outcome})
    _notify(_proposer_users(proposal), proposal,
            _("Reply to your proposal %(number)s: please rate it within %(days)s days")
            % {"number": proposal.number, "days": rule("P9_RATING_DAYS")}, text)
    return reply


@transaction.atomic
def rate_reply(proposal: Proposal, *, acting_user, rating: str, comment: str = "") -> ProposalRating:
    """P9: the proposer rates the reply; 不满意 sends the proposal back to the committee to be handled again."""
    proposal = _lock_proposal(proposal)
    if acting_user not in _proposer_users(proposal):
        raise CongressError(_("Only the proposer can rate the reply."))
    if proposal.status != P.REPLIED:
        raise CongressError(_("There is no reply waiting for your rating."))
    if rating not in Proposal.Rating.values:
        raise CongressError(_("Choose satisfied, basically satisfied or not satisfied."))
    reply = proposal.replies.get(round=proposal.handling_round)
    try:
        with transaction.atomic():
            result = ProposalRating.objects.create(reply=reply, rating=rating, comment=comment)
    except IntegrityError:
        raise CongressError(_("This reply has already been rated.")) from None
    if rating == Proposal.Rating.UNSATISFIED:
        proposal.status = P.REDO
        _notify(_committee(proposal), proposal,
                _("Proposer not satisfied with the reply to %(number)s: decide on handling it again")
                % {"number": proposal.number}, comment)
    else:
        proposal.status, proposal.closed_at = P.CLOSED, timezone.now()
    proposal.save(update_fields=["status", "closed_at"])
    record_audit(proposal, "congress.proposal.rated", acting_user, {"rating": rating, "round": reply.round})
    return result


@transaction.atomic
def send_back_for_redo(proposal: Proposal, *, note: str, acting_user, days: int | None = None) -> Proposal:
    """P9: the committee sends an unsatisfied proposal back to the department with its note (重新办理)."""
    proposal = _lock_proposal(proposal)
    if proposal.status != P.REDO:
        raise CongressError(_("Only a proposal whose reply was rated not satisfied is handled again."))
    if not note.strip():
        raise CongressError(_("Please write the committee's note for the department."))
    days = days or rule("P7_HANDLING_DAYS")
    proposal.status, proposal.redo_note = P.ASSIGNED, note
    proposal.handling_round += 1
    proposal.deadline = _today() + datetime.timedelta(days=days)
    proposal.save(update_fields=["status", "redo_note", "handling_round", "deadline"])
    record_audit(proposal, "congress.proposal.redo", acting_user, {"round": proposal.handling_round})
    lead = proposal.lead_assignment()
    _notify(list(lead.department.handlers.all()) if lead else [], proposal,
            _("Proposal %(number)s must be handled again, reply by %(day)s")
            % {"number": proposal.number, "day": proposal.deadline.isoformat()}, note)
    return proposal


def proposals_visible_to(user, queryset=None):
    """Officers and the committee see the unit's proposals; handlers what is assigned to them;
    members accepted proposals and their replies; representatives also their own drafts."""
    qs = queryset if queryset is not None else Proposal.objects.all()
    if user.is_superuser:
        return qs
    scoped = Q()
    if roles.has_role(user, roles.OFFICER) or roles.has_role(user, roles.PROPOSAL_COMMITTEE):
        from members.scope import scope_filter

        scoped = scope_filter(user, "session__term__body__unit__path")
    public = Q(kind=Proposal.Kind.PROPOSAL, status__in=[P.ACCEPTED, P.ASSIGNED, P.REPLIED, P.REDO, P.CLOSED])
    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is None:
        own_unit = Q(pk__in=[])
    else:
        own_unit = Q(session__term__body__unit_id__in=[person.unit_id, *person.unit.ancestor_ids()])
    mine = Q(author=user) | Q(proposer__person__user=user) | Q(seconders__representative__person__user=user)
    assigned = Q(assignments__department__handlers=user)
    conditions = mine | assigned | (public & own_unit)
    if scoped:
        conditions |= scoped
    return qs.filter(conditions).distinct()


def proposal_report(session: Session) -> dict:
    """P10: the figures of the 提案办理情况报告 for the next session."""
    proposals = Proposal.objects.filter(session=session, kind=Proposal.Kind.PROPOSAL).exclude(status=P.DRAFT)
    by_status = dict.fromkeys(P.values, 0)
    for status in proposals.values_list("status", flat=True):
        by_status[status] += 1
    replies = Reply.objects.filter(proposal__session=session, proposal__kind=Proposal.Kind.PROPOSAL)
    first_replies = replies.filter(round=1)
    ratings = ProposalRating.objects.filter(reply__in=replies)
    latest = {}
    for r in ratings.select_related("reply").order_by("reply__round"):
        latest[r.reply.proposal_id] = r.rating
    rated = len(latest)
    satisfied = sum(1 for v in latest.values() if v in {Proposal.Rating.SATISFIED, Proposal.Rating.BASICALLY})
    submitted = proposals.exclude(status=P.SECONDING).count()
    accepted = sum(by_status[s] for s in [P.ACCEPTED, P.ASSIGNED, P.REPLIED, P.REDO, P.CLOSED])
    return {
        "submitted": submitted,
        "by_status": by_status,
        "accepted": accepted,
        "replied": first_replies.count(),
        "on_time": first_replies.filter(on_time=True).count(),
        "on_time_rate": (first_replies.filter(on_time=True).count() / first_replies.count()) if first_replies.exists() else None,
        "rated": rated,
        "satisfied": satisfied,
        "satisfaction_rate": (satisfied / rated) if rated else None,
        "suggestions": Proposal.objects.filter(session=session, kind=Proposal.Kind.SUGGESTION).count(),
    }
