"""Committee terms and post holdings (rules.md §3.1–3.2, E1–E15)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.scope import UnitScopedQuerySet


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class CommitteeQuerySet(UnitScopedQuerySet):
    def current(self):
        return self.filter(ended_on__isnull=True)


class Committee(models.Model):
    """One term (届) of a committee of a grassroots union. E12: 3 or 5 years."""

    class Kind(models.TextChoices):
        UNION = "union", _("Union committee")
        AUDIT = "audit", _("Funds audit committee")
        WOMEN = "women", _("Women workers' committee")

    unit = models.ForeignKey(
        "members.OrgUnit", on_delete=models.PROTECT, related_name="committees", verbose_name=_("union")
    )
    kind = models.CharField(_("committee"), max_length=20, choices=Kind.choices, default=Kind.UNION)
    term_number = models.PositiveSmallIntegerField(_("term number"), null=True, blank=True)
    starts_on = models.DateField(_("elected on"))
    term_years = models.PositiveSmallIntegerField(
        _("term length (years)"), choices=[(3, _("3 years")), (5, _("5 years"))], default=5
    )
    approved_by = models.CharField(
        _("approved by"), max_length=120, blank=True, help_text=_("The higher-level union that approved the term.")
    )
    approval_ref = models.CharField(_("approval reference"), max_length=120, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    renewal_approval_ref = models.CharField(
        _("early or late renewal approval"),
        max_length=120,
        blank=True,
        help_text=_("E13: early or late renewal needs the higher union's written approval."),
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = CommitteeQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee term")
        verbose_name_plural = _("committee terms")
        ordering = ["unit", "kind", "-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind"], condition=Q(ended_on__isnull=True), name="members_committee_one_current"
            ),
            models.CheckConstraint(condition=Q(term_years__in=[3, 5]), name="members_committee_term_3_or_5"),
        ]

    def __str__(self):
        return f"{self.unit} {self.get_kind_display()} ({self.starts_on:%Y})"

    @property
    def due_on(self) -> datetime.date:
        """The date the term expires (E12)."""
        return add_years(self.starts_on, self.term_years)

    def clean(self):
        if self.ended_on and self.ended_on < self.starts_on:
            raise ValidationError({"ended_on": _("The end date is before the election date.")})


class PostHoldingQuerySet(UnitScopedQuerySet):
    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on), started_on__lte=on)


class PostHolding(models.Model):
    """Who holds which post (主席, 副主席, 委员 …) in which committee term or union group."""

    class Post(models.TextChoices):
        CHAIR = "chair", _("Chair")
        VICE_CHAIR = "vice_chair", _("Vice-chair")
        MEMBER = "member", _("Committee member")
        AUDIT_CHAIR = "audit_chair", _("Funds audit committee head")
        AUDIT_MEMBER = "audit_member", _("Funds audit committee member")
        WOMEN_CHAIR = "women_chair", _("Women workers' committee head")
        WOMEN_MEMBER = "women_member", _("Women workers' committee member")
        GROUP_LEADER = "group_leader", _("Union group leader")

    OFFICER_POSTS = {Post.CHAIR, Post.VICE_CHAIR, Post.MEMBER}

    unit = models.ForeignKey(
        "members.OrgUnit", on_delete=models.PROTECT, related_name="post_holdings", verbose_name=_("unit")
    )
    committee = models.ForeignKey(
        Committee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("committee term"),
    )
    person = models.ForeignKey(
        "members.Person", on_delete=models.PROTECT, related_name="posts", verbose_name=_("person")
    )
    post = models.CharField(_("post"), max_length=20, choices=Post.choices)
    is_full_time = models.BooleanField(_("full-time"), default=False, help_text=_("E9: full-time chair."))
    started_on = models.DateField(_("from"), default=timezone.localdate)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=120, blank=True, help_text=_("How the post was filled, e.g. the election.")
    )

    objects = PostHoldingQuerySet.as_manager()

    class Meta:
        verbose_name = _("post holding")
        verbose_name_plural = _("post holdings")
        ordering = ["unit", "post", "started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "post"],
                condition=Q(ended_on__isnull=True, post="chair"),
                name="members_postholding_one_chair",
            ),
            models.UniqueConstraint(
                fields=["committee", "person", "post"],
                condition=Q(ended_on__isnull=True),
                name="members_postholding_once_per_term",
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.get_post_display()} {self.person}"



