"""Proposals from the representative's draft to the proposer's rating, with documents and the report (P1–P10)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from union_site import roles
from union_site.excel import xlsx_response
from union_site.pdf import render_pdf

from . import proposals, services
from .forms import AssignForm, InviteForm, ProposalForm, RatingForm, RedoForm, ReplyForm, ReviewForm
from .models import Proposal, Reply, Seconding, Session

P = Proposal.Status


def _is_committee(user, proposal) -> bool:
    if user.is_superuser:
        return True
    from members.scope import in_scope

    return roles.has_role(user, roles.PROPOSAL_COMMITTEE) and in_scope(user, proposal.unit)


def _proposal(request, pk):
    return get_object_or_404(
        proposals.proposals_visible_to(request.user).select_related(
            "session__term__body__unit", "proposer__person", "author", "merged_into"
        ),
        pk=pk,
    )


@login_required
def proposal_list(request):
    qs = proposals.proposals_visible_to(request.user).select_related("session", "proposer__person")
    if status := request.GET.get("status"):
        qs = qs.filter(status=status)
    if session_id := request.GET.get("session"):
        qs = qs.filter(session_id=session_id) if session_id.isdigit() else qs.none()
    page = Paginator(qs.order_by("-session__starts_on", "number", "pk"), 30).get_page(request.GET.get("page"))
    sessions = Session.objects.filter(proposals_close_on__isnull=False, closed_at__isnull=True).order_by("-starts_on")
    person = getattr(request.user, "person", None)
    if person is not None:
        sessions = sessions.filter(term__body__unit_id__in=[person.unit_id, *person.unit.ancestor_ids()])
    else:
        sessions = sessions.none() if not request.user.is_superuser else sessions
    return render(request, "congress/proposal_list.html", {
        "page_obj": page, "proposals": page.object_list, "statuses": P.choices, "open_sessions": sessions[:5],
    })


@login_required
def proposal_detail(request, pk):
    proposal = _proposal(request, pk)
    user = request.user
    is_author = proposal.author_id == user.pk
    rep = proposals.formal_representative_of(user, proposal.session.term)
    my_seconding = proposal.seconders.filter(representative=rep).first() if rep else None
    replies = proposal.replies.select_related("department", "rating").order_by("round")
    context = {
        "proposal": proposal,
        "seconders": proposal.seconders.select_related("representative__person"),
        "assignments": proposal.assignments.select_related("department"),
        "replies": replies,
        "is_author": is_author,
        "can_second": rep is not None and not is_author and proposal.status in {P.DRAFT, P.SECONDING}
        and (my_seconding is None or my_seconding.state != Seconding.State.SIGNED),
        "is_committee": _is_committee(user, proposal),
        "can_reply": proposal.status == P.ASSIGNED and proposals.can_reply(user, proposal),
        "can_rate": proposal.status == P.REPLIED and user in proposals._proposer_users(proposal),
        "needed": services.rule("P1_SECONDERS"),
        "signed": proposal.seconders.filter(state=Seconding.State.SIGNED).count(),
    }
    if context["is_author"] and proposal.status in {P.DRAFT, P.SECONDING}:
        context["invite_form"] = InviteForm(proposal=proposal)
    if context["is_committee"]:
        context["review_form"] = ReviewForm(proposal=proposal)
        context["assign_form"] = AssignForm(proposal=proposal)
        context["redo_form"] = RedoForm()
    if context["can_reply"]:
        context["reply_form"] = ReplyForm()
    if context["can_rate"]:
        context["rating_form"] = RatingForm()
    return render(request, "congress/proposal_detail.html", context)


@login_required
def proposal_create(request, session_pk):
    session = get_object_or_404(Session.objects.select_related("term__body__unit"), pk=session_pk)
    suggestion = request.GET.get("kind") == "suggestion" or request.POST.get("kind") == "suggestion"
    person = getattr(request.user, "person", None)
    if not request.user.is_superuser and (
        person is None or not person.unit.path.startswith(session.term.body.unit.path)
    ):
        raise PermissionDenied(_("Only staff of this unit can submit to its congress."))
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if suggestion:
                proposal = proposals.submit_suggestion(session, author=request.user, **form.cleaned_data)
                messages.success(request, _("Your opinion or suggestion was submitted."))
            else:
                proposal = proposals.draft_proposal(session, author=request.user, **form.cleaned_data)
                messages.success(request, _("Draft saved. Invite at least %(n)s seconders, then submit.")
                                 % {"n": services.rule("P1_SECONDERS")})
        except services.CongressError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("congress:proposal-detail", pk=proposal.pk)
    return render(request, "congress/proposal_form.html", {"form": form, "session": session, "suggestion": suggestion})


def _post_action(request, pk, call, success):
    proposal = _proposal(request, pk)
    try:
        call(proposal)
    except services.CongressError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("congress:proposal-detail", pk=proposal.pk)


def _form_action(request, pk, form_class, call, success, *, needs_proposal=False):
    """Validate a POSTed form (some forms need the proposal for their choices), call the service, redirect."""
    proposal = _proposal(request, pk)
    form = form_class(request.POST, proposal=proposal) if needs_proposal else form_class(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("congress:proposal-detail", pk=proposal.pk)
    try:
        call(proposal, form.cleaned_data)
    except services.CongressError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("congress:proposal-detail", pk=proposal.pk)


def _post_only(view):
    return require_POST(login_required(view))


@_post_only
def proposal_invite(request, pk):
    return _form_action(request, pk, InviteForm, lambda p, d: proposals.invite_seconders(
        p, d["representatives"], acting_user=request.user), _("Invitations sent."), needs_proposal=True)


@_post_only
def proposal_second(request, pk):
    decline = request.POST.get("decline") == "1"
    return _post_action(request, pk, lambda p: proposals.second_proposal(p, acting_user=request.user, decline=decline),
                        _("You declined.") if decline else _("You seconded this proposal."))


@_post_only
def proposal_submit(request, pk):
    return _post_action(request, pk, lambda p: proposals.submit_proposal(p, acting_user=request.user),
                        _("Submitted to the proposal committee."))


def _committee_only(view):
    def wrapped(request, pk):
        if not _is_committee(request.user, _proposal(request, pk)):
            raise PermissionDenied
        return view(request, pk)

    return _post_only(permission_required("congress.change_proposal", raise_exception=True)(wrapped))


@_committee_only
def proposal_review(request, pk):
    return _form_action(request, pk, ReviewForm, lambda p, d: proposals.review_proposal(
        p, acting_user=request.user, **d), _("The decision was recorded."), needs_proposal=True)


@_committee_only
def proposal_assign(request, pk):
    return _form_action(request, pk, AssignForm, lambda p, d: proposals.assign_proposal(
        p, lead=d["lead"], joint=list(d["joint"]), days=d["days"], acting_user=request.user),
        _("Assigned to the department."), needs_proposal=True)


@_committee_only
def proposal_redo(request, pk):
    return _form_action(request, pk, RedoForm, lambda p, d: proposals.send_back_for_redo(
        p, note=d["note"], days=d["days"], acting_user=request.user), _("Sent back to be handled again."))


@_post_only
def proposal_reply(request, pk):
    return _form_action(request, pk, ReplyForm, lambda p, d: proposals.reply_to_proposal(
        p, acting_user=request.user, **d), _("The reply was sent to the proposer."))


@_post_only
def proposal_rate(request, pk):
    return _form_action(request, pk, RatingForm, lambda p, d: proposals.rate_reply(
        p, acting_user=request.user, **d), _("Thank you for your rating."))


@login_required
def proposal_pdf(request, pk):
    """The printable proposal form (提案表)."""
    proposal = _proposal(request, pk)
    pdf = render_pdf("congress/pdf/proposal_form.html", {
        "proposals": [proposal], "seconders": {proposal.pk: list(proposal.seconders.filter(state="signed")
                                                                 .select_related("representative__person"))},
    })
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="proposal-{proposal.pk}.pdf"'
    return response


def _session_for_documents(request, pk):
    session = get_object_or_404(Session.objects.visible_to(request.user).select_related("term__body__unit"), pk=pk)
    return session


def _compilation_queryset(session):
    return (
        Proposal.objects.filter(session=session, kind=Proposal.Kind.PROPOSAL).exclude(number="")
        .select_related("proposer__person", "merged_into")
        .prefetch_related(
            Prefetch("seconders", queryset=Seconding.objects.filter(state="signed").select_related("representative__person")),
            Prefetch("replies", queryset=Reply.objects.select_related("department", "rating").order_by("round")),
            "assignments__department",
        )
        .order_by("number")
    )


@login_required
@permission_required("congress.view_proposal", raise_exception=True)
def compilation_pdf(request, pk):
    """The 提案汇编 of a session: every numbered proposal with its seconders, handling and replies."""
    session = _session_for_documents(request, pk)
    pdf = render_pdf("congress/pdf/compilation.html", {"session": session, "proposals": _compilation_queryset(session),
                                                       "report": proposals.proposal_report(session)})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="proposal-compilation.pdf"'
    return response


@login_required
@permission_required("congress.view_proposal", raise_exception=True)
def report(request, pk):
    """The 提案办理情况报告 for the next session (P10): counts, on-time rate, satisfaction rate."""
    session = _session_for_documents(request, pk)
    figures = proposals.proposal_report(session)
    if request.GET.get("format") == "pdf":
        pdf = render_pdf("congress/pdf/report.html", {"session": session, "report": figures,
                                                      "proposals": _compilation_queryset(session)})
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'inline; filename="proposal-report.pdf"'
        return response
    return render(request, "congress/report.html", {"session": session, "report": figures})


@login_required
@permission_required("congress.view_proposal", raise_exception=True)
def proposals_export(request, pk):
    session = _session_for_documents(request, pk)
    rows = []
    for p in Proposal.objects.filter(session=session).select_related("proposer__person").prefetch_related(
        "assignments__department", "replies__rating"
    ).order_by("kind", "number"):
        lead = next((a.department.name for a in p.assignments.all() if a.is_lead), "")
        last = sorted(p.replies.all(), key=lambda r: r.round)[-1] if p.replies.all() else None
        rating = getattr(last, "rating", None) if last else None
        rows.append([
            p.number, p.get_kind_display(), p.title, p.proposer.person.name if p.proposer else p.author.display_name,
            p.get_status_display(), lead, p.deadline, last.get_outcome_display() if last else "",
            (_("yes") if last.on_time else _("no")) if last else "", rating.get_rating_display() if rating else "",
        ])
    headers = [_("number"), _("kind"), _("subject"), _("proposer"), _("status"), _("lead department"),
               _("reply due"), _("outcome"), _("on time"), _("rating")]
    return xlsx_response(f"{session.title}-提案.xlsx", headers, rows, sheet_title=_("Proposals"))


urlpatterns = [
    path("", proposal_list, name="proposal-list"),
    path("new/<int:session_pk>/", proposal_create, name="proposal-create"),
    path("<int:pk>/", proposal_detail, name="proposal-detail"),
    path("<int:pk>/invite/", proposal_invite, name="proposal-invite"),
    path("<int:pk>/second/", proposal_second, name="proposal-second"),
    path("<int:pk>/submit/", proposal_submit, name="proposal-submit"),
    path("<int:pk>/review/", proposal_review, name="proposal-review"),
    path("<int:pk>/assign/", proposal_assign, name="proposal-assign"),
    path("<int:pk>/redo/", proposal_redo, name="proposal-redo"),
    path("<int:pk>/reply/", proposal_reply, name="proposal-reply"),
    path("<int:pk>/rate/", proposal_rate, name="proposal-rate"),
    path("<int:pk>/form.pdf", proposal_pdf, name="proposal-pdf"),
    path("sessions/<int:pk>/compilation.pdf", compilation_pdf, name="proposal-compilation"),
    path("sessions/<int:pk>/report/", report, name="proposal-report"),
    path("sessions/<int:pk>/export.xlsx", proposals_export, name="proposal-export"),
]
