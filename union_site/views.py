"""Home dashboard and inbox. This module is part of the composition root: it may read every app."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from members.models import OrgUnit, Person
from members.scope import scope_paths

from .models import Notification
from .roles import OFFICER, has_role

INBOX_PAGE_SIZE = 20


def officer_units(user):
    """The root units of the user's scope, each with its subtree counts: one query (plus the scope's)."""
    units = OrgUnit.objects.all()
    if user.is_superuser:
        units = units.filter(parent__isnull=True)
    else:
        paths = scope_paths(user)
        if not paths:
            return []
        units = units.filter(path__in=paths)
    return list(units.with_counts().order_by("path"))


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


# --- the inbox -----------------------------------------------------------------------------------


@login_required
def inbox(request):
    notes = Notification.objects.filter(recipient=request.user)  # newest first (Meta.ordering)
    page = Paginator(notes, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "union_site/inbox.html", {"page_obj": page, "notifications": page.object_list})


@login_required
def inbox_open(request, pk):
    """Mark one message read and follow its link, but only to a path on this site."""
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
    if note.url.startswith("/") and url_has_allowed_host_and_scheme(
        note.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(note.url)
    return redirect("inbox:list")


@require_POST
@login_required
def inbox_read_all(request):
    n = Notification.objects.filter(recipient=request.user).unread().update(read_at=timezone.now())
    messages.success(
        request,
        ngettext("%(n)s message marked as read.", "%(n)s messages marked as read.", n) % {"n": n},
    )
    return redirect("inbox:list")


inbox_urlpatterns = [
    path("", inbox, name="list"),
    path("<int:pk>/", inbox_open, name="open"),
    path("read-all/", inbox_read_all, name="read-all"),
]
