"""Roster pages, person pages, membership workflows and members' own pages."""

import json
import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, F, FilteredRelation, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from union_site.audit import record_audit

from . import services
from .checks import structure_checks
from .forms import (
    ApplicationForm,
    ApproveForm,
    CorrectionDecisionForm,
    CorrectionForm,
    ExpelForm,
    PersonForm,
    ReasonForm,
    RequiredNoteForm,
    RetainForm,
    TransferForm,
)
from .idcard import normalise_text
from .models import (
    CorrectionRequest,
    Membership,
    OrgUnit,
    Person,
    PostHolding,
    RegionProfile,
    TransferRequest,
)
from .models.people import Gender
from .scope import in_scope, scope_filter, scope_paths

S = Membership.Status
CURRENT = [S.ACTIVE, S.RETAINED, S.HELD, S.TRANSFERRING]
COUNT_CAP = 10000


@login_required
@permission_required("members.view_orgunit", raise_exception=True)
def unit_detail(request, pk):
    unit = get_object_or_404(OrgUnit.objects.visible_to(request.user).with_counts(), pk=pk)
    children = unit.children.with_counts().order_by("path")
    ancestors = [a for a in unit.ancestors() if in_scope(request.user, a)]  # the breadcrumb, within scope
    region = unit.effective_region
    checks = structure_checks(unit) if unit.kind == OrgUnit.Kind.GRASSROOTS else []
    return render(
        request,
        "members/unit_detail.html",
        {
            "unit": unit,
            "children": children,
            "ancestors": ancestors,
            "region_label": dict(RegionProfile.choices).get(region, region),
            "checks": checks,
        },
    )


# --- the roster ----------------------------------------------------------------------------------

ROSTERS = {  # the five 花名册: views of the same people
    "staff": gettext_lazy("Staff roster"),
    "members": gettext_lazy("Members roster"),
    "officers": gettext_lazy("Union officers roster"),
    "representatives": gettext_lazy("Member representatives roster"),
    "activists": gettext_lazy("Activists roster"),
}
SORTS = {"name": "name", "card": "cm__card_no", "joined": "cm__joined_on", "unit": "unit__path"}
FLAGS = {"rep": "is_member_representative", "activist": "is_activist", "hardship": "is_hardship"}
PER_PAGE = 50


def roster_queryset(user, params):
    """People in the user's scope, filtered and sorted, with their current membership joined in as ``cm``.

    ``cm`` is one LEFT JOIN (a person has at most one current membership, a database constraint), so
    a page of people with card number and status is a single query. Shared with the roster export.
    """
    qs = Person.objects.visible_to(user).annotate(
        cm=FilteredRelation("memberships", condition=Q(memberships__status__in=[*CURRENT, S.APPLIED]))
    )
    roster = params.get("roster")
    if roster == "members":
        qs = qs.filter(cm__status__in=CURRENT)
    elif roster == "officers":
        qs = qs.filter(Exists(PostHolding.objects.current().filter(person=OuterRef("pk"))))
    elif roster == "representatives":
        qs = qs.filter(is_member_representative=True)
    elif roster == "activists":
        qs = qs.filter(is_activist=True)

    name_search = False
    if q := normalise_text(params.get("q")):
        if any(ch.isdigit() for ch in q):  # a phone, staff or card number: prefix searches
            qs = qs.filter(Q(phone__startswith=q) | Q(staff_no__startswith=q) | Q(cm__card_no__startswith=q.upper()))
        else:
            # A name or a department, by prefix: both have a B-tree index for LIKE 'x%' (a 2-character
            # Chinese name is too short for trigrams, DESIGN.md).
            qs = qs.filter(Q(name__startswith=q) | Q(department__startswith=q))
            name_search = True
    if dept := normalise_text(params.get("dept")):
        qs = qs.filter(department__icontains=dept)
    status = params.get("status")
    if status == "none":
        qs = qs.filter(cm__isnull=True)
    elif status in S.values:
        qs = qs.filter(cm__status=status)
    if (unit := params.get("unit", "")).isdigit():
        # The unit and everything below it: paths are made of ids, so "/<id>/" occurs exactly in the
        # subtree. The condition is on the (small) unit table; the scope above still applies.
        qs = qs.filter(unit__path__contains=f"/{int(unit)}/")
    if (gender := params.get("gender")) in Gender.values:
        qs = qs.filter(gender=gender)
    if (category := params.get("category")) in Person.Category.values:
        qs = qs.filter(category=category)
    for param, field in FLAGS.items():
        if params.get(param) in {"1", "0"}:
            qs = qs.filter(**{field: params[param] == "1"})
    return qs.order_by(*_ordering(params.get("sort", ""), name_search))


def _ordering(sort, name_search):
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    if key not in SORTS or key == "name":
        if name_search:
            # Sort the matches found through the prefix index. Ordering by the bare column would let
            # PostgreSQL walk the whole (name, id) index in order instead (seconds on a million rows).
            field = Concat("name", Value(""))
            return [field.desc() if descending else field.asc(), "-pk" if descending else "pk"]
        # name and id in the same direction: the (name, id) index is read forwards or backwards
        return ["-name", "-pk"] if descending else ["name", "pk"]
    field = F(SORTS[key])
    return [field.desc(nulls_last=True) if descending else field.asc(nulls_last=True), "name", "pk"]


class CappedCount(Subquery):
    """``(SELECT COUNT(*) FROM (<queryset> LIMIT n))``: counting stops after ``n`` rows."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS capped)"

    def __init__(self, queryset, limit):
        super().__init__(queryset.order_by().values("pk")[:limit], output_field=IntegerField())


class CappedPaginator(Paginator):
    """Never counts more than COUNT_CAP + 1 rows: a huge roster shows "more than 10,000"."""

    @cached_property
    def count(self):
        return self.object_list.order_by()[: COUNT_CAP + 1].count()

    @property
    def capped(self):
        return self.count > COUNT_CAP

    def page_with_count(self, number):
        """One query for the page and the (capped) count: the count rides along as a scalar subquery."""
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        number = min(max(number, 1), math.ceil((COUNT_CAP + 1) / self.per_page))
        rows = self._rows(number, with_count=True)
        if rows:
            self.count = rows[0]["capped_count"]
        elif number > 1 and self.count:  # past the end: show the last page, as Paginator.get_page does
            number = self.num_pages
            rows = self._rows(number, with_count=False)
        else:
            self.count = 0
        return self._get_page(rows, number, self)

    def _rows(self, number, *, with_count):
        qs = self.object_list
        if with_count:
            qs = qs.annotate(capped_count=CappedCount(qs, COUNT_CAP + 1))
        return list(qs[(number - 1) * self.per_page : number * self.per_page])


def _unit_choices(user, selected, limit=300):
    """The unit filter's options: the scope's roots and two levels below them (shallowest first, at most
    ``limit``), plus the selected unit; in tree order."""
    roots = scope_paths(user)  # cached for the request: no extra query
    top = min((p.count("/") - 2 for p in roots), default=0)
    near = Q(depth__lte=top + 2)
    if selected.isdigit():
        near |= Q(pk=int(selected))
    units = OrgUnit.objects.visible_to(user).active().filter(near).order_by("depth", "path")
    return sorted(units.only("pk", "name", "depth", "path")[:limit], key=lambda u: u.path)


@login_required
@permission_required("members.view_person", raise_exception=True)
def roster(request):
    params = request.GET
    roster_key = params.get("roster") if params.get("roster") in ROSTERS else "staff"
    qs = roster_queryset(request.user, params).values(
        "pk", "name", "gender", "phone", "department", "id_number_masked", "is_member_representative",
        "is_activist", "is_hardship", "unit__name", "cm__status", "cm__card_no", "cm__joined_on",
    )
    page = CappedPaginator(qs, PER_PAGE).page_with_count(params.get("page"))
    statuses, genders = dict(S.choices), dict(Gender.choices)
    for p in page.object_list:
        p["status_label"] = statuses.get(p["cm__status"], _("Not a member"))
        p["gender_label"] = genders.get(p["gender"], "")
    filters = {k: params[k] for k in ("status", "unit", "gender", "category", "rep", "activist", "hardship", "dept")
               if params.get(k)}
    return render(
        request,
        "members/roster_list.html",
        {
            "page_obj": page,
            "people": page.object_list,
            "units": _unit_choices(request.user, params.get("unit", "")),
            "rosters": ROSTERS,
            "roster_key": roster_key,
            "roster_label": ROSTERS[roster_key],
            "statuses": S.choices,
            "genders": Gender.choices,
            "categories": Person.Category.choices,
            "capped": page.paginator.capped,
            "cap": COUNT_CAP,
            "filters_open": bool(filters),
            "sort": params.get("sort", "name"),
        },
    )


# --- a person ---------------------------------------------------------------------------------------


def _person_or_404(user, pk):
    return get_object_or_404(Person.objects.visible_to(user).select_related("unit", "user"), pk=pk)


@login_required
@permission_required("members.view_person", raise_exception=True)
def person_detail(request, pk):
    person = _person_or_404(request.user, pk)
    memberships = list(person.memberships.select_related("union").order_by("-applied_at"))
    events = (
        services.MembershipEvent.objects.filter(membership__person=person)
        .select_related("actor", "membership__union")
        .order_by("-created_at", "-id")
    )
    current = next((m for m in memberships if m.is_current), None)
    return render(
        request,
        "members/person_detail.html",
        {
            "person": person,
            "memberships": memberships,
            "current": current,
            "events": events,
            "posts": person.posts.select_related("unit", "committee").order_by("-started_on"),
            "transfers": TransferRequest.objects.filter(membership__person=person).select_related("to_union"),
            "corrections": person.correction_requests.filter(state=CorrectionRequest.State.OPEN),
            "actions": ACTIONS,
            "can_view_id": request.user.has_perm("members.view_full_id_number"),
        },
    )


@require_POST
@login_required
@permission_required("members.view_person", raise_exception=True)
def person_id_number(request, pk):
    person = _person_or_404(request.user, pk)
    try:
        number = services.reveal_id_number(person, acting_user=request.user)
    except services.MembershipError as exc:
        raise PermissionDenied(str(exc)) from None
    return render(request, "members/person_id_number.html", {"person": person, "number": number})


@login_required
@permission_required("members.add_person", raise_exception=True)
def person_create(request):
    form = PersonForm(request.POST or None, user=request.user, initial={"unit": request.GET.get("unit")})
    if request.method == "POST" and form.is_valid():
        person = form.save()
        record_audit(person, "members.person.created", request.user)
        messages.success(request, _("%(name)s was added to the roster.") % {"name": person.name})
        return redirect("members:person-detail", pk=person.pk)
    return render(request, "members/person_form.html", {"form": form})


@login_required
@permission_required("members.change_person", raise_exception=True)
def person_edit(request, pk):
    person = _person_or_404(request.user, pk)
    form = PersonForm(request.POST or None, instance=person, user=request.user)
    if request.method == "POST" and form.is_valid():
        changed = [f for f in form.changed_data if f != "id_number"] + (
            ["id_number"] if form.cleaned_data.get("id_number") else []
        )
        form.save()
        record_audit(person, "members.person.changed", request.user, {"fields": changed})
        messages.success(request, _("The record was saved."))
        return redirect("members:person-detail", pk=person.pk)
    return render(request, "members/person_form.html", {"form": form, "person": person})


# --- membership workflows -----------------------------------------------------------------------------


def _approve(m, data, user):
    return services.approve_application(m, acting_user=user, joined_on=data.get("joined_on"), card_no=data.get("card_no"))


ACTIONS = {
    # action: (label, form, service call, statuses it applies to)
    "approve": (gettext_lazy("Approve and issue a card"), ApproveForm, _approve, {S.APPLIED}),
    "reject": (gettext_lazy("Reject the application"), RequiredNoteForm,
               lambda m, d, u: services.reject_application(m, reason=d["note"], acting_user=u), {S.APPLIED}),
    "transfer": (gettext_lazy("Transfer out"), TransferForm,
                 lambda m, d, u: services.request_transfer(m, to_union=d["to_union"], acting_user=u, note=d["note"]),
                 {S.ACTIVE, S.RETAINED}),
    "retain": (gettext_lazy("Retain membership"), RetainForm,
               lambda m, d, u: services.retain_membership(m, reason=d["reason"], acting_user=u, note=d["note"]),
               {S.ACTIVE, S.HELD}),
    "restore": (gettext_lazy("Restore to good standing"), ReasonForm,
                lambda m, d, u: services.restore_membership(m, acting_user=u, note=d["note"]), {S.RETAINED, S.HELD}),
    "hold": (gettext_lazy("Hold at the local union"), ReasonForm,
             lambda m, d, u: services.hold_membership(m, acting_user=u, note=d["note"]), {S.ACTIVE}),
    "withdraw": (gettext_lazy("Withdraw"), ReasonForm,
                 lambda m, d, u: services.withdraw_membership(m, acting_user=u, note=d["note"]),
                 {S.ACTIVE, S.RETAINED, S.HELD}),
    "educate": (gettext_lazy("Record an education step"), RequiredNoteForm,
                lambda m, d, u: services.record_education(m, note=d["note"], acting_user=u), {S.ACTIVE, S.HELD}),
    "deem": (gettext_lazy("Deem withdrawn"), ReasonForm,
             lambda m, d, u: services.deem_withdrawn(m, acting_user=u, note=d["note"]), {S.ACTIVE, S.HELD}),
    "expel": (gettext_lazy("Expel"), ExpelForm,
              lambda m, d, u: services.expel_member(m, sanction_ref=d["sanction_ref"], filing_ref=d["filing_ref"],
                                                    acting_user=u, note=d["note"]),
              {S.ACTIVE, S.RETAINED, S.HELD}),
}


@login_required
@permission_required("members.change_membership", raise_exception=True)
def membership_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    membership = get_object_or_404(Membership.objects.visible_to(request.user).select_related("person", "union"), pk=pk)
    label, form_class, call, _statuses = ACTIONS[action]
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call(membership, form.cleaned_data, request.user)
        except services.MembershipError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(action)s: done.") % {"action": label})
            return redirect("members:person-detail", pk=membership.person_id)
    return render(request, "members/membership_action.html",
                  {"membership": membership, "form": form, "label": label, "action": action})


@login_required
@permission_required("members.add_membership", raise_exception=True)
def person_apply(request, pk):
    """An officer records an application to join on the person's behalf (M2, with PI3 consent)."""
    person = _person_or_404(request.user, pk)
    return _apply(request, person, acting_user=request.user)


@login_required
def member_apply(request):
    """A member of staff applies online for themselves (M2)."""
    person = Person.objects.filter(user=request.user).select_related("unit").first()
    if person is None:
        raise Http404(_("Your account is not linked to a roster record."))
    return _apply(request, person, acting_user=request.user)


def _apply(request, person, *, acting_user):
    form = ApplicationForm(request.POST or None)
    union = person.unit.grassroots
    if request.method == "POST" and form.is_valid():
        try:
            services.apply_to_join(person, union, consent=form.cleaned_data["consent"], acting_user=acting_user)
        except services.MembershipError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The application has been sent to the union committee."))
            if person.user_id == acting_user.pk:
                return redirect("members:my-record")
            return redirect("members:person-detail", pk=person.pk)
    return render(request, "members/apply.html", {"form": form, "person": person, "union": union})


@login_required
@permission_required("members.view_membership", raise_exception=True)
def transfers(request):
    """Transfers out of and into the user's units: both sides see them (M7)."""
    base = TransferRequest.objects.select_related("membership__person", "membership__union", "to_union")
    outgoing = base.filter(scope_filter(request.user, "membership__union__path"))
    incoming = base.filter(scope_filter(request.user, "to_union__path"))
    return render(request, "members/transfers.html", {"outgoing": outgoing[:200], "incoming": incoming[:200]})


@require_POST
@login_required
@permission_required("members.change_membership", raise_exception=True)
def transfer_decide(request, pk, decision):
    transfer = get_object_or_404(TransferRequest.objects.select_related("membership__union", "to_union"), pk=pk)
    if decision == "accept":
        if not in_scope(request.user, transfer.to_union):
            raise Http404
        call = services.accept_transfer
    elif decision == "cancel":
        if not in_scope(request.user, transfer.membership.union):
            raise Http404
        call = services.cancel_transfer
    else:
        raise Http404
    try:
        call(transfer, acting_user=request.user)
    except services.MembershipError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The transfer was updated."))
    return redirect("members:transfers")


@require_POST
@login_required
@permission_required("members.change_correctionrequest", raise_exception=True)
def correction_decide(request, pk, decision):
    correction = get_object_or_404(
        CorrectionRequest.objects.filter(scope_filter(request.user, "person__unit__path")), pk=pk
    )
    if decision not in {"done", "refused"}:
        raise Http404
    form = CorrectionDecisionForm(request.POST)
    form.is_valid()
    answer = form.cleaned_data.get("answer", "")
    if decision == "refused" and not answer.strip():
        messages.error(request, _("Please give the reason for refusing (PI9)."))
        return redirect("members:person-detail", pk=correction.person_id)
    CorrectionRequest.objects.filter(pk=correction.pk, state=CorrectionRequest.State.OPEN).update(
        state=decision, answer=answer, decided_by=request.user, decided_at=timezone.now()
    )
    record_audit(correction, f"members.correction.{decision}", request.user)
    messages.success(request, _("The correction request was answered."))
    return redirect("members:person-detail", pk=correction.person_id)


# --- a member's own pages -------------------------------------------------------------------------------


def _my_person(user):
    return Person.objects.filter(user=user).select_related("unit").first()


@login_required
def my_record(request):
    person = _my_person(request.user)
    context = {"person": person}
    if person is not None:
        context.update(
            memberships=person.memberships.select_related("union").order_by("-applied_at"),
            posts=person.posts.select_related("unit").order_by("-started_on"),
            corrections=person.correction_requests.all()[:10],
        )
    return render(request, "members/my_record.html", context)


@login_required
def my_correction(request):
    person = _my_person(request.user)
    if person is None:
        raise Http404(_("Your account is not linked to a roster record."))
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        correction = CorrectionRequest.objects.create(person=person, message=form.cleaned_data["message"])
        record_audit(correction, "members.correction.requested", request.user)
        messages.success(request, _("Your request was sent to the union officers."))
        return redirect("members:my-record")
    return render(request, "members/correction_form.html", {"form": form, "person": person})


@login_required
def my_data(request):
    """PI9: a member downloads everything the union keeps about them, their own ID number included."""
    person = _my_person(request.user)
    if person is None:
        raise Http404(_("Your account is not linked to a roster record."))
    data = {
        "person": {
            "name": person.name,
            "gender": person.get_gender_display(),
            "id_number": person.id_number,
            "birth_date": person.birth_date.isoformat() if person.birth_date else None,
            "phone": person.phone,
            "staff_no": person.staff_no,
            "unit": person.unit.name,
            "department": person.department,
            "post": person.post,
            "category": person.get_category_display(),
            "employment": person.get_employment_display(),
            "consent_at": person.consent_at.isoformat() if person.consent_at else None,
            "privacy_notice_version": person.privacy_notice_version,
        },
        "memberships": [
            {
                "union": m.union.name,
                "status": m.get_status_display(),
                "card_no": m.card_no,
                "joined_on": m.joined_on.isoformat() if m.joined_on else None,
                "dues_from": m.dues_from.isoformat() if m.dues_from else None,
                "history": [
                    {"when": e.created_at.isoformat(), "event": e.get_kind_display(), "note": e.note}
                    for e in m.events.order_by("created_at")
                ],
            }
            for m in person.memberships.select_related("union")
        ],
        "posts": [
            {"unit": p.unit.name, "post": p.get_post_display(), "from": p.started_on.isoformat(),
             "until": p.ended_on.isoformat() if p.ended_on else None}
            for p in person.posts.select_related("unit")
        ],
    }
    record_audit(person, "members.person.data_downloaded", request.user)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-union-data.json"'
    return response


roster_urlpatterns = [
    path("", roster, name="roster"),
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
    path("me/", my_record, name="my-record"),
    path("me/correction/", my_correction, name="my-correction"),
    path("me/download/", my_data, name="my-data"),
]
