"""A person's pages, the membership workflows (rules.md §1), transfers and correction requests."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from union_site.audit import record_audit

from . import services
from .forms import (
    ApplicationForm,
    ApproveForm,
    CorrectionDecisionForm,
    ExpelForm,
    PersonForm,
    ReasonForm,
    RequiredNoteForm,
    RetainForm,
    TransferForm,
)
from .models import CorrectionRequest, Membership, MembershipEvent, Person, TransferRequest
from .my_views import with_my_person
from .scope import in_scope, scope_filter
from .views import posted

S = Membership.Status


# --- a person ---------------------------------------------------------------------------------------


def _person_or_404(user, pk):
    return get_object_or_404(Person.objects.visible_to(user).select_related("unit"), pk=pk)


@login_required
@permission_required("members.view_person", raise_exception=True)
def person_detail(request, pk):
    person = _person_or_404(request.user, pk)
    memberships = list(person.memberships.select_related("union").order_by("-applied_at", "-id"))
    current = next((m for m in memberships if m.is_current), None)
    transfers = [
        (t, in_scope(request.user, t.membership.union), in_scope(request.user, t.to_union))
        for t in TransferRequest.objects.filter(membership__person=person).select_related(
            "membership__union", "to_union", "requested_by", "decided_by"
        )
    ]
    return render(
        request,
        "members/person_detail.html",
        {
            "person": person,
            "memberships": memberships,
            "current": current,
            "actions": _actions_for(current) if request.user.has_perm("members.change_membership") else [],
            "events": MembershipEvent.objects.filter(membership__person=person)
            .select_related("actor", "membership__union")
            .order_by("-created_at", "-id"),
            "posts": person.posts.select_related("unit", "committee").order_by("-started_on"),
            "transfers": transfers,  # (transfer, may cancel it, may accept it)
            "corrections": person.correction_requests.filter(state=CorrectionRequest.State.OPEN),
            "can_view_id": request.user.has_perm("members.view_full_id_number"),
        },
    )


@never_cache
@require_POST
@login_required
@permission_required("members.view_person", raise_exception=True)
@permission_required("members.view_full_id_number", raise_exception=True)
def person_id_number(request, pk):
    """PI10: the full 身份证号, shown once, for users with the permission; each view is audited."""
    person = _person_or_404(request.user, pk)
    try:
        number = services.reveal_id_number(person, acting_user=request.user)
    except services.MembershipError as exc:
        raise PermissionDenied(str(exc)) from None
    return render(request, "members/person_id_number.html", {"person": person, "number": number})


@login_required
@permission_required("members.add_person", raise_exception=True)
def person_create(request):
    form = PersonForm(posted(request), user=request.user, initial={"unit": request.GET.get("unit")})
    if request.method == "POST" and form.is_valid() and (person := form.save_or_report()) is not None:
        record_audit(person, "members.person.created", request.user)
        messages.success(request, _("%(name)s was added to the roster.") % {"name": person.name})
        return redirect("members:person-detail", pk=person.pk)
    return render(request, "members/person_form.html", {"form": form})


@login_required
@permission_required("members.change_person", raise_exception=True)
def person_edit(request, pk):
    person = _person_or_404(request.user, pk)
    form = PersonForm(posted(request), instance=person, user=request.user)
    if request.method == "POST" and form.is_valid() and form.save_or_report() is not None:
        # which fields changed, never their values (no personal data in the log)
        record_audit(person, "members.person.changed", request.user, {"fields": form.changed_fields()})
        messages.success(request, _("The record was saved."))
        return redirect("members:person-detail", pk=person.pk)
    return render(request, "members/person_form.html", {"form": form, "person": person})


# --- membership workflows (rules.md §1): each view calls one service ------------------------------------


@dataclass(frozen=True)
class Action:
    label: str
    form: type
    run: Callable  # (membership, cleaned_data, user) -> None; raises MembershipError
    statuses: frozenset  # statuses it applies to (the service checks again)
    help: str = ""
    dangerous: bool = False


ACTIONS = {
    "approve": Action(
        gettext_lazy("Approve and issue a card"),
        ApproveForm,
        lambda m, d, u: services.approve_application(
            m, acting_user=u, joined_on=d["joined_on"], card_no=d["card_no"], dues_from=d["dues_from"]
        ),
        frozenset({S.APPLIED}),
        gettext_lazy(
            "M2/M3: the committee approves the application; the member card number is issued and dues "
            "start from the month given (by default the month after joining)."
        ),
    ),
    "reject": Action(
        gettext_lazy("Reject the application"),
        RequiredNoteForm,
        lambda m, d, u: services.reject_application(m, reason=d["note"], acting_user=u),
        frozenset({S.APPLIED}),
        gettext_lazy("The reason is written into the history."),
        dangerous=True,
    ),
    "transfer": Action(
        gettext_lazy("Transfer out"),
        TransferForm,
        lambda m, d, u: services.request_transfer(m, to_union=d["to_union"], acting_user=u, note=d["note"]),
        frozenset({S.ACTIVE, S.RETAINED}),
        gettext_lazy(
            "M7: the receiving union must accept the transfer; until then the membership stays here "
            "as 'transfer out pending'. The join date is kept (M4)."
        ),
    ),
    "retain": Action(
        gettext_lazy("Retain membership"),
        RetainForm,
        lambda m, d, u: services.retain_membership(m, reason=d["reason"], acting_user=u, note=d["note"]),
        frozenset({S.ACTIVE, S.HELD}),
        gettext_lazy(
            "M9/M10: on retirement or unemployment the membership is kept without dues; a retained "
            "member does not vote or stand for election."
        ),
    ),
    "restore": Action(
        gettext_lazy("Restore to good standing"),
        ReasonForm,
        lambda m, d, u: services.restore_membership(m, acting_user=u, note=d["note"]),
        frozenset({S.RETAINED, S.HELD}),
        gettext_lazy("Dues and voting rights start again."),
    ),
    "hold": Action(
        gettext_lazy("Hold at the local union"),
        ReasonForm,
        lambda m, d, u: services.hold_membership(m, acting_user=u, note=d["note"]),
        frozenset({S.ACTIVE}),
        gettext_lazy(
            "M8: re-employed where there is no union yet; the union where the member lives holds "
            "the membership."
        ),
    ),
    "withdraw": Action(
        gettext_lazy("Withdraw"),
        ReasonForm,
        lambda m, d, u: services.withdraw_membership(m, acting_user=u, note=d["note"]),
        frozenset({S.ACTIVE, S.RETAINED, S.HELD}),
        gettext_lazy(
            "M14: the member leaves at their own request; the committee announces it and takes back "
            "the member card."
        ),
        dangerous=True,
    ),
    "educate": Action(
        gettext_lazy("Record an education step"),
        RequiredNoteForm,
        lambda m, d, u: services.record_education(m, note=d["note"], acting_user=u),
        frozenset({S.ACTIVE, S.HELD}),
        gettext_lazy(
            "M15: write when, by whom and what was said. A member can be deemed withdrawn only "
            "after this step."
        ),
    ),
    "deem": Action(
        gettext_lazy("Deem withdrawn"),
        ReasonForm,
        lambda m, d, u: services.deem_withdrawn(m, acting_user=u, note=d["note"]),
        frozenset({S.ACTIVE, S.HELD}),
        gettext_lazy(
            "M15: six months without dues and without taking part, without good reason, and "
            "unchanged after an education step. Never automatic."
        ),
        dangerous=True,
    ),
    "expel": Action(
        gettext_lazy("Expel"),
        ExpelForm,
        lambda m, d, u: services.expel_member(
            m, sanction_ref=d["sanction_ref"], filing_ref=d["filing_ref"], acting_user=u, note=d["note"]
        ),
        frozenset({S.ACTIVE, S.RETAINED, S.HELD}),
        gettext_lazy(
            "M16: only for a serious crime with a criminal sanction; the decision is filed with the "
            "higher-level union. Lesser breaches call for criticism and education."
        ),
        dangerous=True,
    ),
}


def _actions_for(membership):
    if membership is None:
        return []
    return [(key, action) for key, action in ACTIONS.items() if membership.status in action.statuses]


@login_required
@permission_required("members.change_membership", raise_exception=True)
def membership_action(request, pk, action):
    """GET: the form and a confirmation; POST: the service call, its refusal shown at the top of the form."""
    if action not in ACTIONS:
        raise Http404
    step = ACTIONS[action]
    membership = get_object_or_404(
        Membership.objects.visible_to(request.user).select_related("person", "union"), pk=pk
    )
    form = step.form(posted(request), membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            step.run(membership, form.cleaned_data, request.user)
        except services.MembershipError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(action)s: done.") % {"action": step.label})
            return redirect("members:person-detail", pk=membership.person_id)
    return render(
        request,
        "members/membership_action.html",
        {
            "membership": membership,
            "form": form,
            "action": step,
            "applies": membership.status in step.statuses,
        },
    )


@login_required
@permission_required("members.add_membership", raise_exception=True)
def person_apply(request, pk):
    """An officer records an application to join for the person (M2), with their consent (PI3/PI4)."""
    return _apply(request, _person_or_404(request.user, pk))


@with_my_person
def member_apply(request, person):
    """A member of staff applies online for themselves (M2)."""
    return _apply(request, person)


def _apply(request, person):
    own = person.user_id == request.user.pk
    union = person.unit.grassroots
    form = ApplicationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            if union is None:
                raise services.MembershipError(_("This person is not in a grassroots union."))
            services.apply_to_join(
                person, union, consent=form.cleaned_data["consent"], acting_user=request.user
            )
        except services.MembershipError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The application has been sent to the union committee."))
            return redirect("members:my-record") if own else redirect("members:person-detail", pk=person.pk)
    layout = "layouts/member.html" if own else "layouts/officer.html"
    return render(
        request,
        "members/apply.html",
        {"form": form, "person": person, "union": union, "own": own, "layout": layout},
    )


def _transfers_in_scope(user):
    return TransferRequest.objects.filter(
        scope_filter(user, "membership__union__path") | scope_filter(user, "to_union__path")
    ).select_related("membership__person", "membership__union", "to_union", "requested_by", "decided_by")


@login_required
@permission_required("members.view_transferrequest", raise_exception=True)
def transfers(request):
    """M7: transfers out of and into the user's units; the sending and the receiving union both see them."""
    base = _transfers_in_scope(request.user).order_by("-requested_at", "-id")
    rows = [
        (t, in_scope(request.user, t.membership.union), in_scope(request.user, t.to_union))
        for t in base[:300]
    ]
    incoming = [r for r in rows if r[2]]  # (transfer, may cancel, may accept)
    outgoing = [r for r in rows if r[1]]
    return render(
        request,
        "members/transfers.html",
        {
            "incoming": incoming,
            "outgoing": outgoing,
            "sections": [
                (_("Incoming: to be accepted by your union"), incoming, "incoming"),
                (_("Outgoing: from your units"), outgoing, "outgoing"),
            ],
        },
    )


@require_POST
@login_required
@permission_required("members.change_transferrequest", raise_exception=True)
def transfer_decide(request, pk, decision):
    """The receiving union accepts (M7); the sending union may cancel while it is pending."""
    transfer = get_object_or_404(_transfers_in_scope(request.user), pk=pk)
    if decision == "accept":
        if not in_scope(request.user, transfer.to_union):
            raise PermissionDenied(_("Only the receiving union can accept a transfer."))
        call, done = (
            services.accept_transfer,
            _("The transfer was accepted; the member is now registered here."),
        )
    elif decision == "cancel":
        if not in_scope(request.user, transfer.membership.union):
            raise PermissionDenied(_("Only the sending union can cancel a transfer."))
        call, done = services.cancel_transfer, _("The transfer was cancelled.")
    else:
        raise Http404
    try:
        call(transfer, acting_user=request.user)
    except services.MembershipError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("members:transfers")


@require_POST
@login_required
@permission_required("members.change_correctionrequest", raise_exception=True)
def correction_decide(request, pk, decision):
    """PI9: an officer answers a member's correction request; a refusal must give reasons (art.50)."""
    if decision not in {CorrectionRequest.State.DONE, CorrectionRequest.State.REFUSED}:
        raise Http404
    correction = get_object_or_404(
        CorrectionRequest.objects.filter(scope_filter(request.user, "person__unit__path")), pk=pk
    )
    form = CorrectionDecisionForm(request.POST, decision=decision)
    if not form.is_valid():
        for error in form.errors.get("answer", []):
            messages.error(request, error)
    elif correction.state != CorrectionRequest.State.OPEN:
        messages.error(request, _("This correction request has already been answered."))
    else:
        correction.state, correction.answer = decision, form.cleaned_data["answer"]
        correction.decided_by, correction.decided_at = request.user, timezone.now()
        correction.save(update_fields=["state", "answer", "decided_by", "decided_at"])
        record_audit(correction, f"members.correction.{decision}", request.user)
        messages.success(request, _("The correction request was answered."))
    return redirect("members:person-detail", pk=correction.person_id)


urlpatterns = [
    path("people/new/", person_create, name="person-create"),
    path("people/<int:pk>/", person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", person_edit, name="person-edit"),
    path("people/<int:pk>/id-number/", person_id_number, name="person-id-number"),
    path("people/<int:pk>/apply/", person_apply, name="person-apply"),
    path("memberships/<int:pk>/<slug:action>/", membership_action, name="membership-action"),
    path("transfers/", transfers, name="transfers"),
    path("transfers/<int:pk>/<slug:decision>/", transfer_decide, name="transfer-decide"),
    path("corrections/<int:pk>/<slug:decision>/", correction_decide, name="correction-decide"),
    path("join/", member_apply, name="member-apply"),
]
