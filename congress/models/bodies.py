"""Congress bodies, their terms (届), delegations and representatives (rules.md §2, K1–K8, T3–T8, E3)."""

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models.committees import add_years
from members.scope import UnitScopedQuerySet


class Body(models.Model):
    """A congress of a unit: 职代会/职工大会, 教代会/教职工大会, or the union's 会员(代表)大会."""

    class Kind(models.TextChoices):
        STAFF_CONGRESS = "staff_congress", _("Staff and workers' representative congress")
        STAFF_ASSEMBLY = "staff_assembly", _("Staff and workers' assembly")
        TEACHER_CONGRESS = "teacher_congress", _("Teachers' and staff representative congress")
        TEACHER_ASSEMBLY = "teacher_assembly", _("Teachers' and staff assembly")
        MEMBER_CONGRESS = "member_congress", _("Members' representative congress")
        MEMBER_ASSEMBLY = "member_assembly", _("Members' assembly")

    REPRESENTATIVE_KINDS = {Kind.STAFF_CONGRESS, Kind.TEACHER_CONGRESS, Kind.MEMBER_CONGRESS}
    UNION_KINDS = {Kind.MEMBER_CONGRESS, Kind.MEMBER_ASSEMBLY}

    unit = models.ForeignKey(
        "members.OrgUnit", on_delete=models.PROTECT, related_name="bodies", verbose_name=_("unit")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = UnitScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("congress body")
        verbose_name_plural = _("congress bodies")
        ordering = ["unit__path", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind"], condition=Q(is_active=True), name="congress_body_one_active_per_kind"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def has_representatives(self) -> bool:
        return self.kind in self.REPRESENTATIVE_KINDS

    @property
    def is_school(self) -> bool:
        return self.kind in {self.Kind.TEACHER_CONGRESS, self.Kind.TEACHER_ASSEMBLY}

    def current_term(self):
        return self.terms.filter(ended_on__isnull=True).order_by("-starts_on").first()


class TermQuerySet(UnitScopedQuerySet):
    unit_lookup = "body__unit"


class Term(models.Model):
    """A term (届) of a body: 3–5 years (K5, T3)."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="terms", verbose_name=_("body"))
    number = models.PositiveSmallIntegerField(_("term number"))
    starts_on = models.DateField(_("starts on"))
    years = models.PositiveSmallIntegerField(_("length (years)"), default=5)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    objects = TermQuerySet.as_manager()

    class Meta:
        verbose_name = _("congress term")
        verbose_name_plural = _("congress terms")
        ordering = ["body", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["body", "number"], name="congress_term_number_once"),
            models.UniqueConstraint(
                fields=["body"], condition=Q(ended_on__isnull=True), name="congress_term_one_current"
            ),
            models.CheckConstraint(condition=Q(years__gte=3, years__lte=5), name="congress_term_3_to_5_years"),
        ]

    def __str__(self):
        return _("%(body)s, term %(number)s") % {"body": self.body, "number": self.number}

    @property
    def due_on(self):
        return add_years(self.starts_on, self.years)

    def formal_representatives(self):
        return self.representatives.active().formal()


class Delegation(models.Model):
    """A delegation (代表团/组) of representatives, with a leader."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="delegations", verbose_name=_("term"))
    name = models.CharField(_("name"), max_length=80)
    leader = models.ForeignKey(
        "congress.Representative",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("leader"),
    )

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["term", "name"]
        constraints = [models.UniqueConstraint(fields=["term", "name"], name="congress_delegation_name_once")]

    def __str__(self):
        return self.name


class RepresentativeQuerySet(UnitScopedQuerySet):
    unit_lookup = "term__body__unit"

    def active(self):
        return self.filter(status=Representative.Status.ACTIVE)

    def formal(self):
        """T8: only formal representatives count for quorum and vote."""
        return self.filter(kind=Representative.Kind.FORMAL)


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Representative(models.Model):
    """A representative for a whole term (standing, K6), elected by a constituency."""

    class Kind(models.TextChoices):
        FORMAL = "formal", _("Formal representative")
        INVITED = "invited", _("Invited representative")
        OBSERVER = "observer", _("Observer")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Serving")
        RECALLED = "recalled", _("Recalled")
        LEFT = "left", _("Left")

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="representatives", verbose_name=_("term"))
    person = models.ForeignKey(
        "members.Person", on_delete=models.PROTECT, related_name="representations", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.FORMAL)
    constituency = models.CharField(_("constituency"), max_length=80, blank=True)
    delegation = models.ForeignKey(
        Delegation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="representatives",
        verbose_name=_("delegation"),
    )
    is_frontline = models.BooleanField(_("front-line"), default=False)
    is_manager = models.BooleanField(_("middle or senior management"), default=False)
    is_teacher = models.BooleanField(_("teacher"), default=False)
    is_youth = models.BooleanField(_("young staff"), default=False)
    is_dispatched = models.BooleanField(_("dispatched worker"), default=False)
    is_female = models.BooleanField(_("woman"), default=False)
    elected_on = models.DateField(_("elected on"), default=timezone.localdate)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason"), max_length=200, blank=True)
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("by-election for"),
    )

    objects = RepresentativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        ordering = ["term", "person__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["term", "person"], condition=Q(status="active"), name="congress_representative_once"
            )
        ]

    def __str__(self):
        return f"{self.person} ({self.get_kind_display()})"

    @property
    def is_formal(self):
        return self.kind == self.Kind.FORMAL and self.status == self.Status.ACTIVE
