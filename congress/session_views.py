"""Sessions: agenda, documents (K10), sign-in by phone or officer, live quorum (K3), resolutions (K4, K11,
K13), joint meetings (K12) and the printable sign-in sheet."""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from union_site.pdf import render_pdf

from . import services
from .checks import quorum
from .forms import AgendaItemForm, DocumentForm, JointMeetingForm, ResolutionForm, SessionForm, VoteCountForm
from .models import (
    AgendaItem,
    JointMeeting,
    Representative,
    Resolution,
    Session,
    SessionDocument,
    SignIn,
    Term,
)


def _session(request, pk):
    return get_object_or_404(Session.objects.visible_to(request.user).select_related("term__body__unit"), pk=pk)


def sign_in_url(session: Session) -> str:
    return f"{settings.SITE_URL}{reverse('congress:sign-in', args=[session.sign_in_token])}"


@login_required
@permission_required("congress.add_session", raise_exception=True)
def session_create(request, term_pk):
    term = get_object_or_404(Term.objects.visible_to(request.user).select_related("body"), pk=term_pk)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.create_session(term, acting_user=request.user, **form.cleaned_data)
        except services.CongressError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("congress:session-detail", pk=session.pk)
    return render(request, "congress/form.html", {"form": form, "title": _("New session"), "body": term.body})


@login_required
@permission_required("congress.view_session", raise_exception=True)
def session_detail(request, pk):
    session = _session(request, pk)
    reps = (
        Representative.objects.filter(term=session.term).active().select_related("person").order_by("kind", "person__name")
    )
    signed = set(SignIn.objects.filter(session=session).values_list("representative_id", flat=True))
    return render(request, "congress/session_detail.html", {
        "session": session,
        "body": session.term.body,
        "agenda": session.agenda.all(),
        "documents": session.documents.all(),
        "late_documents": set(services.late_documents(session).values_list("pk", flat=True)),
        "representatives": reps,
        "signed": signed,
        "quorum": quorum(session),
        "resolutions": session.resolutions.all(),
        "joint_meetings": JointMeeting.objects.filter(term=session.term, confirmed_by__isnull=True,
                                                      held_on__lte=session.starts_on),
        "sign_in_url": sign_in_url(session),
        "qr": segno.make(sign_in_url(session), error="m").svg_inline(scale=4, border=2),
        "agenda_form": AgendaItemForm(),
        "document_form": DocumentForm(),
        "resolution_form": ResolutionForm(),
        "vote_form": VoteCountForm(),
        "joint_form": JointMeetingForm(),
        "polls": session.polls.all(),  # reverse relation from the elections app: congress imports nothing from it
    })


@never_cache
@login_required
@permission_required("congress.view_session", raise_exception=True)
def quorum_json(request, pk):
    q = quorum(_session(request, pk))
    return JsonResponse({"entitled": q.entitled, "present": q.present, "needed": q.needed, "reached": q.reached})


@require_POST
@login_required
@permission_required("congress.change_session", raise_exception=True)
def session_edit(request, pk, what):
    """The officer's small POST actions on a session page: agenda, documents, sign-in, resolutions, joint meetings."""
    session = _session(request, pk)
    user = request.user
    form = None
    try:
        if what == "agenda":
            form = AgendaItemForm(request.POST)
            if form.is_valid():
                AgendaItem.objects.create(session=session, title=form.cleaned_data["title"],
                                          order=session.agenda.count() + 1)
        elif what == "document":
            form = DocumentForm(request.POST, request.FILES)
            if form.is_valid():
                doc = SessionDocument.objects.create(session=session, uploaded_by=user, **form.cleaned_data)
                if doc in services.late_documents(session):
                    messages.warning(request, _("This document reached representatives fewer than 7 days before the "
                                                "session (K10)."))
        elif what in {"open-sign-in", "close-sign-in"}:
            services.set_sign_in_open(session, open=what == "open-sign-in", acting_user=user)
        elif what == "sign-in-for":
            rep = get_object_or_404(Representative.objects.filter(term=session.term), pk=request.POST.get("rep"))
            services.sign_in(session, rep, acting_user=user, by_officer=True)
        elif what == "resolution":
            form = ResolutionForm(request.POST)
            if form.is_valid():
                services.create_resolution(session, acting_user=user, **form.cleaned_data)
        elif what == "joint":
            form = JointMeetingForm(request.POST)
            if form.is_valid():
                services.record_joint_meeting(session.term, acting_user=user, **form.cleaned_data)
        elif what == "confirm-joint":
            meeting = get_object_or_404(JointMeeting.objects.filter(term=session.term), pk=request.POST.get("meeting"))
            services.confirm_joint_meeting(meeting, session, acting_user=user)
        else:
            raise Http404
        if form is not None and not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    except services.CongressError as exc:
        messages.error(request, str(exc))
    return redirect("congress:session-detail", pk=session.pk)


@require_POST
@login_required
@permission_required("congress.change_resolution", raise_exception=True)
def resolution_result(request, pk):
    resolution = get_object_or_404(Resolution.objects.visible_to(request.user), pk=pk)
    form = VoteCountForm(request.POST)
    if form.is_valid():
        try:
            resolution = services.set_resolution_result(resolution, acting_user=request.user, **form.cleaned_data)
        except services.CongressError as exc:
            messages.error(request, str(exc))
        else:
            if resolution.passed:
                messages.success(request, _("Adopted: %(for)s of %(all)s formal representatives voted for (K4). "
                                            "Publish it by %(day)s (K11).")
                                 % {"for": resolution.votes_for, "all": resolution.entitled,
                                    "day": resolution.publish_due_on.isoformat()})
            else:
                messages.warning(request, _("Not adopted: it needs more than half of ALL %(all)s formal "
                                            "representatives (K4).") % {"all": resolution.entitled})
    else:
        messages.error(request, _("Enter the three counts as whole numbers."))
    return redirect("congress:session-detail", pk=resolution.session_id)


@require_POST
@login_required
@permission_required("congress.change_resolution", raise_exception=True)
def resolution_publish(request, pk):
    resolution = get_object_or_404(Resolution.objects.visible_to(request.user), pk=pk)
    try:
        services.publish_resolution(resolution, acting_user=request.user)
    except services.CongressError as exc:
        messages.error(request, str(exc))
    return redirect("congress:session-detail", pk=resolution.session_id)


@login_required
def sign_in(request, token):
    """The page a representative opens on their phone from the session's QR code or link."""
    session = get_object_or_404(Session.objects.select_related("term__body"), sign_in_token=token)
    rep = Representative.objects.filter(term=session.term, person__user=request.user).active().first()
    record = SignIn.objects.filter(session=session, representative=rep).first() if rep else None
    if request.method == "POST" and rep is not None and record is None:
        try:
            record = services.sign_in(session, rep, acting_user=request.user)
        except services.CongressError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("You are signed in."))
            return redirect("congress:sign-in", token=token)
    return render(request, "congress/sign_in.html", {"session": session, "rep": rep, "record": record})


@login_required
@permission_required("congress.view_session", raise_exception=True)
def sign_in_sheet(request, pk):
    """The printable sign-in sheet (PDF) with a signature box for each representative."""
    session = _session(request, pk)
    reps = Representative.objects.filter(term=session.term).active().select_related("person", "delegation")
    signed = dict(SignIn.objects.filter(session=session).values_list("representative_id", "signed_at"))
    pdf = render_pdf("congress/pdf/sign_in_sheet.html", {
        "session": session, "body": session.term.body, "quorum": quorum(session),
        "rows": [(r, signed.get(r.pk)) for r in reps.order_by("delegation__name", "person__name")],
    })
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="sign-in-sheet.pdf"'
    return response


urlpatterns = [
    path("new/<int:term_pk>/", session_create, name="session-create"),
    path("<int:pk>/", session_detail, name="session-detail"),
    path("<int:pk>/quorum/", quorum_json, name="session-quorum"),
    path("<int:pk>/sheet.pdf", sign_in_sheet, name="sign-in-sheet"),
    path("<int:pk>/do/<slug:what>/", session_edit, name="session-edit"),
    path("resolutions/<int:pk>/result/", resolution_result, name="resolution-result"),
    path("resolutions/<int:pk>/publish/", resolution_publish, name="resolution-publish"),
    path("sign-in/<str:token>/", sign_in, name="sign-in"),
]
