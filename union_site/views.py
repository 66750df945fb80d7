"""Home dashboard and inbox. This module is part of the composition root: it may read every app."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.models import Membership, OrgUnit, Person
from members.scope import scope_paths

from .models import Notification
from .roles import OFFICER, has_role


def officer_units(user):
    """The root units of the officer's scope with counts, in a constant number of queries."""
    qs = OrgUnit.objects.all() if user.is_superuser else OrgUnit.objects.filter(path__in=scope_paths(user))
    if user.is_superuser:
        qs = qs.filter(parent__isnull=True)
    units = list(qs.order_by("path"))
    if not units:
        return []
    # one query each for sub-units, people and current members, grouped in Python by root path
    roots = [u.path for u in units]

    def tally(rows):
        counts = dict.fromkeys(roots, 0)
        for path_value, n in rows:
            for root in roots:
                if path_value.startswith(root):
                    counts[root] += n
        return counts

    sub = tally(OrgUnit.objects.filter(_prefix_q(roots, "path")).values_list("path").annotate(n=Count("pk")))
    people = tally(
        Person.objects.filter(_prefix_q(roots, "unit__path")).values_list("unit__path").annotate(n=Count("pk"))
    )
    members = tally(
        Membership.objects.current()
        .filter(_prefix_q(roots, "union__path"))
        .values_list("union__path")
        .annotate(n=Count("pk"))
    )
    for unit in units:
        unit.subunit_count = sub[unit.path] - 1
        unit.people_count = people[unit.path]
        unit.member_count = members[unit.path]
    return units


def _prefix_q(roots, field):
    q = Q()
    for root in roots:
        q |= Q(**{f"{field}__startswith": root})
    return q


@login_required
def home(request):
    user = request.user
    if has_role(user, OFFICER):
        return render(request, "union_site/home_officer.html", {"units": officer_units(user)})
    person = Person.objects.filter(user=user).select_related("unit").first()
    membership = person.current_membership() if person else None
    notifications = Notification.objects.filter(recipient=user)[:5]
    return render(
        request,
        "union_site/home_member.html",
        {"person": person, "membership": membership, "notifications": notifications},
    )


@login_required
def inbox(request):
    page = Paginator(Notification.objects.filter(recipient=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "union_site/inbox.html", {"page_obj": page, "notifications": page.object_list})


@login_required
def inbox_open(request, pk):
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk).update(read_at=timezone.now())
    if note.url and note.url.startswith("/") and url_has_allowed_host_and_scheme(
        note.url, allowed_hosts={request.get_host()}
    ):
        return redirect(note.url)
    return redirect("inbox:list")


@require_POST
@login_required
def inbox_read_all(request):
    n = Notification.objects.filter(recipient=request.user).unread().update(read_at=timezone.now())
    messages.success(request, _("%(n)s messages marked as read.") % {"n": n})
    return redirect("inbox:list")


inbox_urlpatterns = [
    path("", inbox, name="list"),
    path("<int:pk>/", inbox_open, name="open"),
    path("read-all/", inbox_read_all, name="read-all"),
]
