"""Congress bodies, their terms and representatives, with the composition checks (K1, K5–K8, T3–T8)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.models import OrgUnit
from union_site.audit import record_audit

from . import services
from .checks import composition_checks, recommended_body_kind
from .forms import BodyForm, DelegationForm, EndRepresentativeForm, RepresentativeForm, TermForm
from .models import Body, Delegation, Representative, Term


@login_required
@permission_required("congress.view_body", raise_exception=True)
def body_list(request):
    bodies = Body.objects.visible_to(request.user).select_related("unit").order_by("unit__path", "kind")
    units = OrgUnit.objects.visible_to(request.user).filter(kind=OrgUnit.Kind.GRASSROOTS).order_by("path")
    return render(request, "congress/body_list.html", {"bodies": bodies, "units": units})


@login_required
@permission_required("congress.add_body", raise_exception=True)
def body_create(request, unit_pk):
    unit = get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=unit_pk, kind=OrgUnit.Kind.GRASSROOTS)
    recommended = recommended_body_kind(unit)
    form = BodyForm(request.POST or None, initial={"kind": recommended[0]})
    if request.method == "POST" and form.is_valid():
        try:
            body = services.create_body(unit, acting_user=request.user, **form.cleaned_data)
        except services.CongressError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("congress:body-detail", pk=body.pk)
    labels = dict(Body.Kind.choices)
    return render(request, "congress/form.html", {
        "form": form, "title": _("New congress body"), "back": "congress:body-list",
        "hint": _("Recommended for this unit (K1, T6, E3): %(kinds)s") % {"kinds": "、".join(labels[k] for k in recommended)},
    })


@login_required
@permission_required("congress.view_body", raise_exception=True)
def body_detail(request, pk):
    body = get_object_or_404(Body.objects.visible_to(request.user).select_related("unit"), pk=pk)
    term = body.current_term()
    context = {"body": body, "term": term, "checks": [], "terms": body.terms.order_by("-number")}
    if term is not None:
        context["checks"] = composition_checks(term)
        context["representatives"] = (
            term.representatives.select_related("person", "delegation").order_by("status", "kind", "person__name")
        )
        context["counts"] = term.representatives.aggregate(
            formal=Count("pk", filter=Q(kind="formal", status="active")),
            other=Count("pk", filter=~Q(kind="formal") & Q(status="active")),
        )
        context["sessions"] = term.sessions.order_by("-starts_on")
        context["joint_meetings"] = term.joint_meetings.select_related("confirmed_by")
        context["delegations"] = term.delegations.select_related("leader__person")
        context["delegation_form"] = DelegationForm(term=term)
    return render(request, "congress/body_detail.html", context)


@login_required
@permission_required("congress.add_term", raise_exception=True)
def term_create(request, pk):
    body = get_object_or_404(Body.objects.visible_to(request.user), pk=pk)
    form = TermForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.start_term(body, acting_user=request.user, **form.cleaned_data)
        except services.CongressError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The new term has started."))
            return redirect("congress:body-detail", pk=body.pk)
    return render(request, "congress/form.html", {"form": form, "title": _("New term"), "body": body})


@login_required
@permission_required("congress.add_representative", raise_exception=True)
def representative_create(request, pk):
    term = get_object_or_404(Term.objects.visible_to(request.user).select_related("body__unit"), pk=pk)
    replaces = None
    if request.GET.get("replaces"):
        replaces = get_object_or_404(term.representatives, pk=request.GET["replaces"])
    form = RepresentativeForm(request.POST or None, term=term)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = data.pop("person")
        try:
            services.add_representative(term, person, acting_user=request.user, replaces=replaces, **data)
        except services.CongressError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(name)s was added as a representative.") % {"name": person.name})
            return redirect("congress:body-detail", pk=term.body_id)
    title = _("By-election for %(name)s") % {"name": replaces.person.name} if replaces else _("Add a representative")
    return render(request, "congress/form.html", {"form": form, "title": title, "body": term.body})


@login_required
@permission_required("congress.change_representative", raise_exception=True)
def representative_end(request, pk):
    rep = get_object_or_404(Representative.objects.visible_to(request.user).select_related("person", "term"), pk=pk)
    form = EndRepresentativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_representative(rep, acting_user=request.user, **form.cleaned_data)
        except services.CongressError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The seat has ended; record the by-election when it is held."))
            return redirect("congress:body-detail", pk=rep.term.body_id)
    return render(request, "congress/form.html", {"form": form, "title": _("End the seat of %(name)s")
                                                  % {"name": rep.person.name}, "body": rep.term.body})


@require_POST
@login_required
@permission_required("congress.add_delegation", raise_exception=True)
def delegation_create(request, pk):
    """A delegation (代表团/组) of the term, with its leader among the serving representatives."""
    term = get_object_or_404(Term.objects.visible_to(request.user), pk=pk)
    form = DelegationForm(request.POST, term=term)
    if form.is_valid():
        delegation = Delegation.objects.create(term=term, name=form.cleaned_data["name"],
                                               leader=form.cleaned_data["leader"])
        record_audit(delegation, "congress.delegation.created", request.user)
        messages.success(request, _("The delegation was added."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("congress:body-detail", pk=term.body_id)


urlpatterns = [
    path("", body_list, name="body-list"),
    path("units/<int:unit_pk>/bodies/new/", body_create, name="body-create"),
    path("bodies/<int:pk>/", body_detail, name="body-detail"),
    path("bodies/<int:pk>/terms/new/", term_create, name="term-create"),
    path("terms/<int:pk>/representatives/new/", representative_create, name="representative-create"),
    path("representatives/<int:pk>/end/", representative_end, name="representative-end"),
    path("terms/<int:pk>/delegations/new/", delegation_create, name="delegation-create"),
]
