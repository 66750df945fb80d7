"""Congress workflows: terms and representatives, sessions and sign-in, resolutions (proposals are in
``congress.proposals``).

Every write is one audited function here; views, tasks and the elections app call these.
Errors are ``CongressError`` with a message for the user.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import OrgUnit, Person
from union_site.audit import record_audit

from .checks import pass_threshold
from .models import (
    Body,
    JointMeeting,
    Proposal,
    Representative,
    Resolution,
    Session,
    SignIn,
    Term,
)
from .rules import rule

P = Proposal.Status


class CongressError(Exception):
    pass


def _today():
    return timezone.localdate()


def _user_of(representative: Representative | None):
    return representative.person.user if representative is not None else None


# --- bodies, terms, representatives ------------------------------------------------------------


@transaction.atomic
def create_body(unit: OrgUnit, *, kind: str, name: str = "", acting_user) -> Body:
    if Body.objects.filter(unit=unit, kind=kind, is_active=True).exists():
        raise CongressError(_("This unit already has an active body of that kind."))
    body = Body.objects.create(unit=unit, kind=kind, name=name or f"{unit.name}{Body.Kind(kind).label}")
    record_audit(body, "congress.body.created", acting_user, {"kind": kind})
    return body


@transaction.atomic
def start_term(body: Body, *, starts_on: datetime.date, years: int, acting_user) -> Term:
    """K5/T3: a new term (届) of 3–5 years; the current one ends the day before."""
    if not 3 <= years <= 5:
        raise CongressError(_("A term lasts 3 to 5 years (K5)."))
    Body.objects.select_for_update().get(pk=body.pk)
    current = body.current_term()
    if current is not None:
        if starts_on <= current.starts_on:
            raise CongressError(_("The new term must start after the current one."))
        current.ended_on = starts_on - datetime.timedelta(days=1)
        current.save(update_fields=["ended_on"])
    number = (body.terms.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    term = Term.objects.create(body=body, number=number, starts_on=starts_on, years=years)
    record_audit(term, "congress.term.started", acting_user, {"number": number})
    return term


@transaction.atomic
def add_representative(term: Term, person: Person, *, acting_user, replaces=None, **fields) -> Representative:
    """K6: a representative for the whole term; ``replaces`` records a by-election."""
    if not person.unit.path.startswith(term.body.unit.path):
        raise CongressError(_("%(name)s does not belong to this unit.") % {"name": person.name})
    if term.representatives.active().filter(person=person).exists():
        raise CongressError(_("%(name)s is already a representative in this term.") % {"name": person.name})
    fields.setdefault("is_female", person.gender == "F")
    fields.setdefault("is_teacher", person.category == Person.Category.TEACHER)
    fields.setdefault("is_manager", person.is_manager)
    fields.setdefault("is_frontline", person.category == Person.Category.FRONTLINE)
    fields.setdefault("is_dispatched", person.contract_type == Person.ContractType.DISPATCHED)
    rep = Representative.objects.create(term=term, person=person, replaces=replaces, **fields)
    record_audit(rep, "congress.representative.added", acting_user, {"by_election": bool(replaces)})
    return rep


@transaction.atomic
def end_representative(rep: Representative, *, status: str, reason: str, acting_user) -> Representative:
    """K6/E25: recall (more than half of the constituency) or leaving ends the seat."""
    rep = Representative.objects.select_for_update().get(pk=rep.pk)
    if rep.status != Representative.Status.ACTIVE:
        raise CongressError(_("This representative is no longer serving."))
    if status not in {Representative.Status.RECALLED, Representative.Status.LEFT}:
        raise CongressError(_("Choose recall or leaving."))
    if not reason.strip():
        raise CongressError(_("Please record the reason (for a recall: the constituency's vote, K6)."))
    rep.status, rep.ended_on, rep.end_reason = status, _today(), reason
    rep.save(update_fields=["status", "ended_on", "end_reason"])
    record_audit(rep, f"congress.representative.{status}", acting_user, {"reason": reason})
    return rep


# --- sessions, sign-in, joint meetings -------------------------------------------------------------


@transaction.atomic
def create_session(term: Term, *, title: str, starts_on, ends_on=None, kind=Session.Kind.REGULAR, location="",
                   acting_user) -> Session:
    """A session with its P3 proposal window (opens 30, closes 15 days before, by default)."""
    ends_on = ends_on or starts_on
    if ends_on < starts_on:
        raise CongressError(_("The session cannot close before it opens."))
    number = (term.sessions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    session = Session.objects.create(
        term=term,
        number=number,
        kind=kind,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        location=location,
        proposals_open_on=starts_on - datetime.timedelta(days=rule("P3_OPEN_DAYS")),
        proposals_close_on=starts_on - datetime.timedelta(days=rule("P3_CLOSE_DAYS")),
    )
    record_audit(session, "congress.session.created", acting_user)
    return session


def late_documents(session: Session):
    """K10: documents that reached representatives fewer than 7 days before the session."""
    cutoff = session.starts_on - datetime.timedelta(days=rule("K10_DOCUMENT_DAYS"))
    return session.documents.filter(distributed_on__gt=cutoff)


@transaction.atomic
def set_sign_in_open(session: Session, *, open: bool, acting_user) -> Session:
    session.sign_in_open = open
    session.save(update_fields=["sign_in_open"])
    record_audit(session, "congress.session.sign_in_opened" if open else "congress.session.sign_in_closed", acting_user)
    return session


def sign_in(session: Session, representative: Representative, *, acting_user, by_officer=False) -> SignIn:
    """Sign a representative in, once (a unique constraint backs the check under concurrency)."""
    if representative.term_id != session.term_id or representative.status != Representative.Status.ACTIVE:
        raise CongressError(_("This person is not a serving representative of this session's term."))
    if not by_officer:
        if not session.sign_in_open:
            raise CongressError(_("Sign-in for this session is not open."))
        if _user_of(representative) != acting_user:
            raise CongressError(_("Representatives sign in for themselves; an officer can sign in for them."))
    try:
        with transaction.atomic():
            record = SignIn.objects.create(
                session=session,
                representative=representative,
                method=SignIn.Method.OFFICER if by_officer else SignIn.Method.SELF,
                recorded_by=acting_user,
            )
    except IntegrityError:
        raise CongressError(_("%(name)s has already signed in.") % {"name": representative.person.name}) from None
    record_audit(session, "congress.session.signed_in", acting_user, {"representative": representative.pk})
    return record


@transaction.atomic
def record_joint_meeting(term: Term, *, held_on, title, results, minutes="", acting_user) -> JointMeeting:
    meeting = JointMeeting.objects.create(term=term, held_on=held_on, title=title, results=results, minutes=minutes)
    record_audit(meeting, "congress.joint_meeting.recorded", acting_user)
    return meeting


@transaction.atomic
def confirm_joint_meeting(meeting: JointMeeting, session: Session, *, acting_user) -> JointMeeting:
    """K12: the next session confirms what the joint meeting decided."""
    meeting = JointMeeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.confirmed_by_id:
        raise CongressError(_("These results have already been confirmed."))
    if session.term_id != meeting.term_id or session.starts_on < meeting.held_on:
        raise CongressError(_("Only a later session of the same term can confirm a joint meeting."))
    meeting.confirmed_by, meeting.confirmed_at = session, timezone.now()
    meeting.save(update_fields=["confirmed_by", "confirmed_at"])
    record_audit(meeting, "congress.joint_meeting.confirmed", acting_user, {"session": session.pk})
    return meeting


# --- resolutions ------------------------------------------------------------------------------


@transaction.atomic
def create_resolution(session: Session, *, title: str, text: str, method=Resolution.Method.HANDS, acting_user):
    resolution = Resolution.objects.create(session=session, title=title, text=text, method=method)
    record_audit(resolution, "congress.resolution.created", acting_user)
    return resolution


@transaction.atomic
def set_resolution_result(resolution: Resolution, *, votes_for: int, votes_against: int, votes_abstain: int,
                          acting_user, entitled: int | None = None) -> Resolution:
    """K4: passes only with more than half of ALL formal representatives; K13: then locked.

    Officers record counts from a show of hands or paper; the elections app calls this
    with the counted result of a secret vote (and the frozen number entitled).
    """
    resolution = Resolution.objects.select_for_update().get(pk=resolution.pk)
    if resolution.locked_at:
        raise CongressError(_("This resolution has been adopted and is locked (K13); only the congress can revisit it."))
    if min(votes_for, votes_against, votes_abstain) < 0:
        raise CongressError(_("Vote counts cannot be negative."))
    if entitled is None:
        entitled = resolution.session.term.formal_representatives().count()
    if votes_for + votes_against + votes_abstain > entitled:
        raise CongressError(
            _("%(cast)s votes recorded but only %(entitled)s formal representatives may vote.")
            % {"cast": votes_for + votes_against + votes_abstain, "entitled": entitled}
        )
    resolution.entitled = entitled
    resolution.votes_for, resolution.votes_against, resolution.votes_abstain = votes_for, votes_against, votes_abstain
    resolution.passed = votes_for >= pass_threshold(entitled)
    resolution.decided_at = timezone.now()
    if resolution.passed:
        resolution.locked_at = resolution.decided_at
    resolution.save()
    record_audit(
        resolution,
        "congress.resolution.decided",
        acting_user,
        {"for": votes_for, "against": votes_against, "abstain": votes_abstain, "entitled": entitled,
         "passed": resolution.passed},
    )
    return resolution


@transaction.atomic
def publish_resolution(resolution: Resolution, *, acting_user) -> Resolution:
    """K11: adopted resolutions are published to all staff."""
    resolution = Resolution.objects.select_for_update().get(pk=resolution.pk)
    if not resolution.passed:
        raise CongressError(_("Only an adopted resolution is published."))
    if resolution.published_at is None:
        resolution.published_at = timezone.now()
        resolution.save(update_fields=["published_at"])
        record_audit(resolution, "congress.resolution.published", acting_user)
    return resolution
