"""Roster pages, person pages, membership workflows and members' own pages."""

import json
import math
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Concat
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
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
    MembershipEvent,
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
ROSTER_STATUSES = [*CURRENT, S.APPLIED]  # the roster shows a person's current membership or application
RARE_STATUSES = {S.APPLIED, S.HELD, S.TRANSFERRING}  # a small part of any roster: found first, then sorted
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
FLAG_LABELS = [
    ("rep", gettext_lazy("Representative")),
    ("activist", gettext_lazy("Activist")),
    ("hardship", gettext_lazy("Hardship")),
]
PER_PAGE = 50


def roster_queryset(user, params, *, units=None):
    """People in the user's scope, filtered and sorted, with their current membership joined in as ``cm``.

    ``cm`` is one LEFT JOIN (a person has at most one current membership, a database constraint), so
    a page of people with card number and status is a single query. Shared with the roster export.
    ``units`` is the page's UnitFilter, if it has one already (saves a query).
    """
    if params.get("unit"):  # the unit and everything below it
        qs, narrow = (units or UnitFilter(user, params["unit"])).people(user)
    else:
        qs, narrow = Person.objects.visible_to(user), False
    qs = qs.annotate(cm=FilteredRelation("memberships", condition=Q(memberships__status__in=ROSTER_STATUSES)))
    roster = params.get("roster")
    if roster == "members":
        qs = qs.filter(cm__status__in=CURRENT)
    elif roster == "officers":
        qs = qs.filter(Exists(PostHolding.objects.current().filter(person=OuterRef("pk"))))
    elif roster == "representatives":
        qs = qs.filter(is_member_representative=True)
    elif roster == "activists":
        qs = qs.filter(is_activist=True)

    if q := normalise_text(params.get("q")):
        narrow = True
        if any(ch.isdigit() for ch in q):
            qs = qs.filter(pk__in=_number_matches(q))
        else:
            # A name or a department, by prefix: both have a B-tree index for LIKE 'x%' (a 2-character
            # Chinese name is too short for trigrams, DESIGN.md).
            qs = qs.filter(Q(name__startswith=q) | Q(department__startswith=q))
    if dept := normalise_text(params.get("dept")):
        qs = qs.filter(department__icontains=dept)
    status = params.get("status")
    if roster == "members" and status in {"none", S.APPLIED}:
        qs = qs.none()  # no member has that status: say so at once instead of reading every row
    elif status == "none":
        qs = qs.filter(cm__isnull=True)
    elif status in ROSTER_STATUSES:
        qs = qs.filter(cm__status=status)
        narrow = narrow or status in RARE_STATUSES
    if (gender := params.get("gender")) in Gender.values:
        qs = qs.filter(gender=gender)
    if (category := params.get("category")) in Person.Category.values:
        qs = qs.filter(category=category)
    for param, field in FLAGS.items():
        if params.get(param) in {"1", "0"}:
            qs = qs.filter(**{field: params[param] == "1"})
    return qs.order_by(*_ordering(params.get("sort", ""), narrow))


def _number_matches(q):
    """Ids of people whose phone or staff number, or a card number, starts with ``q``.

    A UNION of three prefix searches, each on its own index; an OR across the membership join
    would make PostgreSQL read every person.
    """
    by_phone = Person.objects.filter(phone__startswith=q).order_by().values("pk")
    by_staff_no = Person.objects.filter(staff_no__startswith=q).order_by().values("pk")
    by_card = Membership.objects.filter(card_no__startswith=q.upper()).order_by().values("person_id")
    return by_phone.union(by_staff_no, by_card, all=True)


def _ordering(sort, narrow):
    """ORDER BY for ``sort``. ``narrow``: a search or a small unit picked the rows through an index."""
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    if key not in SORTS or key == "name":
        if narrow:
            # Sort the few rows found through their own index. Ordering by the bare column would let
            # PostgreSQL walk the whole (name, id) index in order instead, hoping to meet them early.
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
    """Never counts more than COUNT_CAP + 1 rows: a huge roster shows "more than 10,000".

    ``object_list`` is the page's queryset (e.g. a ``values()`` one); ``count_queryset`` the same rows
    without the joins only the page needs.
    """

    def __init__(self, object_list, per_page, *, count_queryset=None):
        super().__init__(object_list, per_page)
        self.count_queryset = object_list if count_queryset is None else count_queryset

    @cached_property
    def count(self):
        return self.count_queryset.order_by()[: COUNT_CAP + 1].count()

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
            qs = qs.annotate(capped_count=CappedCount(self.count_queryset, COUNT_CAP + 1))
        return list(qs[(number - 1) * self.per_page : number * self.per_page])


class UnitFilter:
    """The roster's unit filter: its options and the chosen unit with everything below it, in one query.

    The options are the scope's roots and two levels below them (shallowest first, at most
    ``CHOICES``). When a unit is chosen, its subtree comes first in the same query; up to ``IDS``
    units, people are then filtered by the list of their ids, which PostgreSQL estimates exactly and
    serves from the (unit, name) index. (By path prefix it guesses a hundred units and reads far more.)
    """

    CHOICES = 200
    IDS = 200

    def __init__(self, user, selected):
        self.selected_id = int(selected) if str(selected or "").isdigit() else None
        top = min((p.count("/") - 2 for p in scope_paths(user)), default=0)  # cached: no query
        near = Q(depth__lte=top + 2, is_active=True)
        units = OrgUnit.objects.visible_to(user)
        fields = ["pk", "name", "depth", "path", "is_active"]
        if self.selected_id is None:
            rows = list(units.filter(near).order_by("depth", "path").values(*fields)[: self.CHOICES])
            complete = True
        else:
            chosen_path = Subquery(OrgUnit.objects.filter(pk=self.selected_id).values("path")[:1])
            units = units.annotate(
                in_subtree=ExpressionWrapper(Q(path__startswith=chosen_path), output_field=BooleanField())
            )
            limit = self.CHOICES + self.IDS
            rows = list(
                units.filter(near | Q(in_subtree=True))
                .order_by("-in_subtree", "depth", "path")
                .values(*fields, "in_subtree")[:limit]
            )
            complete = len(rows) < limit or not rows[-1]["in_subtree"]  # the subtree rows come first
        subtree = [u for u in rows if u.get("in_subtree")]
        self.selected = next((u for u in subtree if u["pk"] == self.selected_id), None)
        self.subtree_ids = [u["pk"] for u in subtree] if complete and len(subtree) <= self.IDS else None
        options = [
            u for u in rows if u["pk"] == self.selected_id or (u["depth"] <= top + 2 and u["is_active"])
        ]
        # the chosen unit first, so that the cut below never drops it
        options.sort(key=lambda u: (u["pk"] != self.selected_id, u["depth"], u["path"]))
        self.choices = sorted(options[: self.CHOICES], key=lambda u: u["path"])
        for u in self.choices:
            u["label"] = "\u3000" * max(u["depth"] - top, 0) + u["name"]
            u["selected"] = u["pk"] == self.selected_id

    def people(self, user):
        """(people in the chosen unit and below it, whether that is a narrow set); scoped either way."""
        if self.selected_id is None:  # nothing (valid) chosen
            return Person.objects.visible_to(user), False
        if self.selected is None:  # no such unit in the user's scope
            return Person.objects.none(), True
        if self.subtree_ids is not None:  # the units came through visible_to(user): no second scope check
            return Person.objects.filter(unit_id__in=self.subtree_ids), True
        return Person.objects.visible_to(user).filter(unit__path__startswith=self.selected["path"]), False


def _sort_links(current):
    """Column headers: the sort each link sets (a second click reverses it) and the current direction."""
    return {
        key: {
            "value": f"-{key}" if current == key else key,
            "arrow": "▲" if current == key else "▼" if current == f"-{key}" else "",
        }
        for key in SORTS
    }


@login_required
@permission_required("members.view_person", raise_exception=True)
def roster(request):
    params = request.GET
    roster_key = params.get("roster") if params.get("roster") in ROSTERS else "staff"
    units = UnitFilter(request.user, params.get("unit"))
    people = roster_queryset(request.user, params, units=units)
    qs = people.values(
        "pk",
        "name",
        "gender",
        "phone",
        "department",
        "id_number_masked",
        "is_member_representative",
        "is_activist",
        "is_hardship",
        "unit__name",
        "cm__status",
        "cm__card_no",
        "cm__joined_on",
    )
    page = CappedPaginator(qs, PER_PAGE, count_queryset=people).page_with_count(params.get("page"))
    statuses, genders = dict(S.choices), dict(Gender.choices)
    for p in page.object_list:
        p["status_label"] = statuses.get(p["cm__status"], _("Not a member"))
        p["gender_label"] = genders.get(p["gender"], "")
    export = params.copy()
    export.pop("page", None)
    export["roster"] = roster_key
    filters = ("status", "unit", "gender", "category", "rep", "activist", "hardship", "dept")
    return render(
        request,
        "members/roster_list.html",
        {
            "page_obj": page,
            "people": page.object_list,
            "units": units.choices,
            "rosters": ROSTERS,
            "roster_key": roster_key,
            "roster_label": ROSTERS[roster_key],
            "statuses": [(value, label) for value, label in S.choices if value in ROSTER_STATUSES],
            "genders": Gender.choices,
            "categories": Person.Category.choices,
            "capped": page.paginator.capped,
            "cap": COUNT_CAP,
            "filters_open": any(params.get(k) for k in filters),
            "sorts": _sort_links(params.get("sort", "name")),
            "flag_filters": FLAG_LABELS,
            "export_query": export.urlencode(),
        },
    )


def _posted(request):
    """The form data of a POST, even an empty one (``request.POST or None`` would leave the form unbound)."""
    return request.POST if request.method == "POST" else None


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
    form = PersonForm(_posted(request), user=request.user, initial={"unit": request.GET.get("unit")})
    if request.method == "POST" and form.is_valid() and (person := form.save_or_report()) is not None:
        record_audit(person, "members.person.created", request.user)
        messages.success(request, _("%(name)s was added to the roster.") % {"name": person.name})
        return redirect("members:person-detail", pk=person.pk)
    return render(request, "members/person_form.html", {"form": form})


@login_required
@permission_required("members.change_person", raise_exception=True)
def person_edit(request, pk):
    person = _person_or_404(request.user, pk)
    form = PersonForm(_posted(request), instance=person, user=request.user)
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
    form = step.form(_posted(request), membership=membership)
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


@login_required
def member_apply(request):
    """A member of staff applies online for themselves (M2)."""
    person = _my_person(request.user)
    if person is None:
        messages.error(
            request, _("Your account is not linked to a roster record yet. Please ask the union office.")
        )
        return redirect("members:my-record")
    return _apply(request, person)


def _apply(request, person):
    own = person.user_id == request.user.pk
    union = person.unit.grassroots
    form = ApplicationForm(_posted(request))
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


# --- a member's own pages (PI9) -------------------------------------------------------------------------


def _my_person(user):
    return Person.objects.filter(user=user).select_related("unit").first()


@login_required
def my_record(request):
    person = _my_person(request.user)
    context = {"person": person}
    if person is not None:
        memberships = list(person.memberships.select_related("union").order_by("-applied_at", "-id"))
        context.update(
            memberships=memberships,
            may_apply=not any(m.is_current for m in memberships),
            events=MembershipEvent.objects.filter(membership__person=person)
            .select_related("membership__union")
            .order_by("-created_at", "-id"),
            posts=person.posts.select_related("unit").order_by("-started_on"),
            corrections=person.correction_requests.all()[:20],
        )
    return render(request, "members/my_record.html", context)


@login_required
def my_correction(request):
    person = _my_person(request.user)
    if person is None:
        messages.error(
            request, _("Your account is not linked to a roster record yet. Please ask the union office.")
        )
        return redirect("members:my-record")
    form = CorrectionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        correction = CorrectionRequest.objects.create(person=person, message=form.cleaned_data["message"])
        record_audit(correction, "members.correction.requested", request.user)
        messages.success(request, _("Your request was sent to the union officers."))
        return redirect("members:my-record")
    return render(request, "members/correction_form.html", {"form": form, "person": person})


def _iso(value):
    return value.isoformat() if value else None


@never_cache
@login_required
def my_data(request):
    """PI9: a member downloads everything the union keeps about them, their own full ID number included."""
    person = _my_person(request.user)
    if person is None:
        messages.error(
            request, _("Your account is not linked to a roster record yet. Please ask the union office.")
        )
        return redirect("members:my-record")
    memberships = person.memberships.select_related("union").prefetch_related(
        Prefetch(
            "events", queryset=MembershipEvent.objects.select_related("actor").order_by("created_at", "id")
        )
    )
    data = {
        "person": {
            "name": person.name,
            "gender": person.get_gender_display(),
            "id_number": person.id_number,
            "birth_date": _iso(person.birth_date),
            "phone": person.phone,
            "staff_no": person.staff_no,
            "unit": person.unit.name,
            "department": person.department,
            "post": person.post,
            "category": person.get_category_display(),
            "contract_type": person.get_contract_type_display(),
            "employment": person.get_employment_display(),
            "member_representative": person.is_member_representative,
            "activist": person.is_activist,
            "hardship_file": person.is_hardship,
            "consent_at": _iso(person.consent_at),
            "privacy_notice_version": person.privacy_notice_version,
        },
        "memberships": [
            {
                "union": m.union.name,
                "status": m.get_status_display(),
                "retention_reason": m.get_retention_reason_display(),
                "card_no": m.card_no,
                "joined_on": _iso(m.joined_on),
                "dues_from": _iso(m.dues_from),
                "dues_exempt": m.dues_exempt,
                "ended_on": _iso(m.ended_on),
                "history": [
                    {
                        "when": _iso(e.created_at),
                        "event": e.get_kind_display(),
                        "from": e.get_from_status_display(),
                        "to": e.get_to_status_display(),
                        "by": e.actor.display_name if e.actor else "",
                        "note": e.note,
                    }
                    for e in m.events.all()
                ],
            }
            for m in memberships
        ],
        "posts": [
            {
                "unit": p.unit.name,
                "post": p.get_post_display(),
                "from": _iso(p.started_on),
                "until": _iso(p.ended_on),
            }
            for p in person.posts.select_related("unit")
        ],
        "correction_requests": [
            {
                "when": _iso(c.created_at),
                "message": c.message,
                "state": c.get_state_display(),
                "answer": c.answer,
            }
            for c in person.correction_requests.all()
        ],
    }
    record_audit(person, "members.person.data_downloaded", request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
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
