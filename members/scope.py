"""Unit scope: which part of the union tree a user may work on.

A user's scope is the subtrees of the units given to them (``UnitScope``). A
superuser sees everything. Every list and detail view loads objects through
``visible_to(user)``, so an object outside the scope is a 404, never a leak.
"""

from django.db import models
from django.db.models import Q


def scope_paths(user) -> list[str]:
    """Materialised paths of the roots of the user's scope (one query, cached per request)."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_scope_paths"):
        from members.models import UnitScope

        paths = sorted(UnitScope.objects.filter(user=user, unit__is_active=True).values_list("unit__path", flat=True))
        # drop paths already covered by a shorter one
        roots: list[str] = []
        for p in paths:
            if not any(p.startswith(r) for r in roots):
                roots.append(p)
        user._scope_paths = roots
    return user._scope_paths


def scope_filter(user, path_lookup: str) -> Q:
    """A Q object limiting ``path_lookup`` (a path field, possibly across relations) to the scope."""
    if user.is_authenticated and user.is_superuser:
        return Q()
    roots = scope_paths(user)
    if not roots:
        return Q(pk__in=[])
    q = Q()
    for root in roots:
        q |= Q(**{f"{path_lookup}__startswith": root})
    return q


class UnitScopedQuerySet(models.QuerySet):
    """Base QuerySet for models that belong to a unit: ``unit_lookup`` names the FK to OrgUnit."""

    unit_lookup = "unit"

    def visible_to(self, user):
        return self.filter(scope_filter(user, f"{self.unit_lookup}__path"))

    def in_subtree(self, unit):
        return self.filter(**{f"{self.unit_lookup}__path__startswith": unit.path})


def in_scope(user, unit) -> bool:
    if user.is_authenticated and user.is_superuser:
        return True
    return any(unit.path.startswith(root) for root in scope_paths(user))


def users_with_role_for_unit(role: str, unit):
    """Active users holding ``role`` whose scope covers ``unit``: scoped to it or to a union above it.

    Starts from the few scope rows of the unit and its ancestors (no DISTINCT over every user of the
    role), so the cost does not grow with the number of accounts: the reminder sweeps call it per item.
    """
    from django.contrib.auth import get_user_model

    from members.models import UnitScope

    scoped = UnitScope.objects.filter(unit_id__in=[unit.pk, *unit.ancestor_ids()]).values("user_id")
    return get_user_model().objects.filter(is_active=True, groups__name=role, pk__in=scoped).order_by("pk")
