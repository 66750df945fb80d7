"""The unit page and the roster: the five 花名册 with search, filters, sorting and pages."""

import math

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Concat
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .checks import structure_checks
from .idcard import normalise_text
from .models import Membership, OrgUnit, Person, PostHolding, RegionProfile
from .models.people import Gender
from .scope import in_scope, scope_paths

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


def posted(request):
    """The form data of a POST, even an empty one (``request.POST or None`` would leave the form unbound)."""
    return request.POST if request.method == "POST" else None


urlpatterns = [
    path("units/<int:pk>/", unit_detail, name="unit-detail"),
    path("", roster, name="roster"),
]
