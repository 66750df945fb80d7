from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Func, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RegionProfile(models.TextChoices):
    """Which regional rule set applies (rules.md §0 caveat 3). National is the default."""

    NATIONAL = "national", _("National")
    BEIJING = "beijing", _("Beijing")
    SHANGHAI = "shanghai", _("Shanghai")
    ZHEJIANG = "zhejiang", _("Zhejiang")


class OrgUnitQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Units inside the user's scope: the subtrees of the units they were given (scope.py)."""
        from members.scope import scope_filter

        return self.filter(scope_filter(user, "path"))

    def descendants_of(self, unit, *, include_self=True):
        """Everything under ``unit`` in one query (materialised path prefix)."""
        qs = self.filter(path__startswith=unit.path)
        return qs if include_self else qs.exclude(pk=unit.pk)

    def active(self):
        return self.filter(is_active=True)

    def with_counts(self):
        """Annotate each unit with counts over its whole subtree, as correlated subqueries (one query in all).

        ``subunit_count``: active units below it; ``account_count``: user accounts given a scope
        inside it; ``people_count``: people on the roster inside it; ``member_count``: those with a
        current membership (pending applications not counted).
        """
        from .people import Membership, Person

        current = Membership.objects.current().exclude(status=Membership.Status.APPLIED)
        return self.annotate(
            subunit_count=_subtree_count(OrgUnit.objects.active().exclude(pk=OuterRef("pk")), "path"),
            account_count=_subtree_count(UnitScope.objects.all(), "unit__path", field="user", distinct=True),
            people_count=_subtree_count(Person.objects.all(), "unit__path"),
            member_count=_subtree_count(current, "person__unit__path", field="person", distinct=True),
        )


def _subtree_count(qs, path_lookup, *, field="pk", distinct=False):
    """``SELECT COUNT(...) FROM qs WHERE <path_lookup> LIKE outer.path || '%'`` as a scalar subquery."""
    extra = {"template": "%(function)s(DISTINCT %(expressions)s)"} if distinct else {}
    count = Func(F(field), function="COUNT", output_field=IntegerField(), **extra)  # no GROUP BY: one row
    qs = qs.filter(**{f"{path_lookup}__startswith": OuterRef("path")}).order_by()
    return Subquery(qs.annotate(n=count).values("n"), output_field=IntegerField())


class OrgUnit(models.Model):
    """A node of the union tree: higher-level union → 基层工会 → 分会/部门工会 → 工会小组.

    ``path`` is a materialised path of primary keys ("/1/4/9/") so that "everything
    under X" is one indexed prefix query on SQLite and PostgreSQL alike.
    """

    class Kind(models.TextChoices):
        HIGHER = "higher", _("Higher-level union")
        GRASSROOTS = "grassroots", _("Grassroots union")
        BRANCH = "branch", _("Branch / department union")
        GROUP = "group", _("Union group")

    class Sector(models.TextChoices):
        SCHOOL = "school", _("School")
        ENTERPRISE = "enterprise", _("Enterprise")
        PUBLIC = "public", _("Public institution or government body")
        OTHER = "other", _("Other")

    # Which kinds may sit under which: a group never has children, a higher union has no parent kind limits.
    ALLOWED_CHILDREN = {
        Kind.HIGHER: {Kind.HIGHER, Kind.GRASSROOTS},
        Kind.GRASSROOTS: {Kind.BRANCH, Kind.GROUP},
        Kind.BRANCH: {Kind.BRANCH, Kind.GROUP},
        Kind.GROUP: set(),
    }

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Short code used in imports and on the command line, e.g. XJY-ZXXX."),
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.GRASSROOTS)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, default=Sector.SCHOOL)
    region = models.CharField(
        _("region profile"),
        max_length=20,
        choices=RegionProfile.choices,
        blank=True,
        help_text=_("Regional rules to apply; empty means inherited from the parent, else national."),
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(_("path"), max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    staff_count = models.PositiveIntegerField(
        _("number of staff"), default=0, help_text=_("All staff of the school or enterprise (not only members).")
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("union unit")
        verbose_name_plural = _("union units")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="members_orgunit_path_like", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="members_orgunit_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.parent_id:
            parent = self.parent
            if self.pk and parent.path.startswith(self.path or "\0"):
                raise ValidationError({"parent": _("A unit cannot be placed under itself or its own sub-unit.")})
            if self.kind not in self.ALLOWED_CHILDREN[OrgUnit.Kind(parent.kind)]:
                raise ValidationError(
                    {
                        "kind": _("A %(kind)s cannot be placed under a %(parent_kind)s.")
                        % {"kind": self.get_kind_display(), "parent_kind": parent.get_kind_display()}
                    }
                )

    @transaction.atomic
    def save(self, *args, **kwargs):
        old_path = self.path
        super().save(*args, **kwargs)
        new_path = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
        if new_path == old_path:
            return
        depth = new_path.count("/") - 2
        OrgUnit.objects.filter(pk=self.pk).update(path=new_path, depth=depth)
        if old_path:  # moved: re-root every descendant in one statement
            OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
                depth=F("depth") + (depth - self.depth),
            )
        self.path, self.depth = new_path, depth

    @property
    def effective_region(self) -> str:
        """The region profile in force: own, else the nearest ancestor's, else the national default."""
        if self.region:
            return self.region
        ids = [int(x) for x in self.path.strip("/").split("/")[:-1]]
        if ids:
            regions = dict(OrgUnit.objects.filter(pk__in=ids).exclude(region="").values_list("pk", "region"))
            for pk in reversed(ids):
                if pk in regions:
                    return regions[pk]
        return settings.DEFAULT_REGION_PROFILE

    def ancestor_ids(self) -> list[int]:
        return [int(x) for x in self.path.strip("/").split("/")[:-1]]

    def ancestors(self):
        return OrgUnit.objects.filter(pk__in=self.ancestor_ids()).order_by("depth")

    def descendants(self, *, include_self=True):
        return OrgUnit.objects.descendants_of(self, include_self=include_self)

    @property
    def grassroots(self):
        """The 基层工会 this unit belongs to (itself if it is one), or None above that level."""
        if self.kind == self.Kind.GRASSROOTS:
            return self
        if self.kind == self.Kind.HIGHER:
            return None
        return self.ancestors().filter(kind=self.Kind.GRASSROOTS).last()


class UnitScope(models.Model):
    """Gives a user the subtree of one unit as their working scope.

    Officers get it for the union they serve; a higher-level union officer for the
    higher union (and so every unit below). The role itself (officer, caseworker …)
    comes from the user's Groups; scope and role are checked together.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_scopes", verbose_name=_("user")
    )
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="scopes", verbose_name=_("unit"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("unit scope")
        verbose_name_plural = _("unit scopes")
        ordering = ["user", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="members_unitscope_once")]

    def __str__(self):
        return f"{self.user} → {self.unit}"
