"""Proposals (提案) from draft to the proposer's rating and the report to the next session (P1–P10)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.scope import UnitScopedQuerySet

from .bodies import Representative
from .sessions import Session


class Department(models.Model):
    """An administrative department of the unit that handles proposals (承办部门)."""

    unit = models.ForeignKey(
        "members.OrgUnit", on_delete=models.PROTECT, related_name="departments", verbose_name=_("unit")
    )
    name = models.CharField(_("name"), max_length=100)
    head_name = models.CharField(_("head"), max_length=50, blank=True)
    handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="handling_departments", verbose_name=_("handlers")
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = UnitScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("handling department")
        verbose_name_plural = _("handling departments")
        ordering = ["unit", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="congress_department_name_once")]

    def __str__(self):
        return self.name


class ProposalQuerySet(UnitScopedQuerySet):
    unit_lookup = "session__term__body__unit"

    def formal(self):
        return self.filter(kind=Proposal.Kind.PROPOSAL)


class Proposal(models.Model):
    """A proposal (提案) or a suggestion (意见建议) for a session."""

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", _("Proposal")
        SUGGESTION = "suggestion", _("Opinion or suggestion")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SECONDING = "seconding", _("Waiting for seconders")
        SUBMITTED = "submitted", _("Submitted for review")
        DISPUTED = "disputed", _("Referred to the presidium")
        ACCEPTED = "accepted", _("Accepted")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")
        CONVERTED = "converted", _("Converted to a suggestion")
        MERGED = "merged", _("Merged into another proposal")
        ASSIGNED = "assigned", _("Being handled")
        REPLIED = "replied", _("Replied, waiting for the rating")
        REDO = "redo", _("To be handled again")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        SOLVED = "solved", _("Solved")
        IN_PROGRESS = "in_progress", _("Being solved")
        PLANNED = "planned", _("Planned")
        FOR_REFERENCE = "reference", _("Kept for reference")

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASICALLY = "basically", _("Basically satisfied")
        UNSATISFIED = "unsatisfied", _("Not satisfied")

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("session"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PROPOSAL)
    number = models.CharField(_("number"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    proposer = models.ForeignKey(
        Representative,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("proposer"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("submitted by")
    )
    title = models.CharField(_("subject (案由)"), max_length=200)
    reasons = models.TextField(_("reasons (理由)"))
    measures = models.TextField(_("suggested measures (建议办法)"))
    is_late = models.BooleanField(_("late"), default=False, help_text=_("P3: submitted after the window closed."))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # review (P5, P6)
    within_powers = models.BooleanField(_("within the unit's and the congress's powers"), null=True, blank=True)
    lawful = models.BooleanField(_("consistent with law and policy"), null=True, blank=True)
    feasible = models.BooleanField(_("worth doing and feasible"), null=True, blank=True)
    review_reason = models.TextField(_("review reasons"), blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged", verbose_name=_("merged into")
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # handling (P7)
    deadline = models.DateField(_("reply due"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    handling_round = models.PositiveSmallIntegerField(_("handling round"), default=0)
    redo_note = models.TextField(_("committee's note for handling again"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["session", "number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "number"], condition=~Q(number=""), name="congress_proposal_number_once"
            )
        ]

    def __str__(self):
        return f"{self.number or _('draft')} {self.title}"

    @property
    def unit(self):
        return self.session.term.body.unit

    def lead_assignment(self):
        return self.assignments.filter(is_lead=True).select_related("department").first()


class Seconding(models.Model):
    """P1: a formal representative invited to second a proposal, and their signature."""

    class State(models.TextChoices):
        INVITED = "invited", _("Invited")
        SIGNED = "signed", _("Seconded")
        DECLINED = "declined", _("Declined")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="seconders", verbose_name=_("proposal"))
    representative = models.ForeignKey(
        Representative, on_delete=models.PROTECT, related_name="secondings", verbose_name=_("representative")
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.INVITED)
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("seconder")
        verbose_name_plural = _("seconders")
        ordering = ["proposal", "invited_at"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "representative"], name="congress_seconding_once")
        ]

    def __str__(self):
        return f"{self.representative} → {self.proposal}"


class Assignment(models.Model):
    """P7: a proposal assigned to a lead department (and optional joint ones) with a deadline."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("proposal")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("department")
    )
    is_lead = models.BooleanField(_("lead department"), default=True)
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned by")
    )

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["proposal", "-is_lead", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "department"], name="congress_assignment_once"),
            models.UniqueConstraint(
                fields=["proposal"], condition=Q(is_lead=True), name="congress_assignment_one_lead"
            ),
        ]

    def __str__(self):
        return f"{self.proposal} → {self.department}"


class Reply(models.Model):
    """P8: the lead department's written reply, signed off by its head; one per handling round."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="replies", verbose_name=_("proposal"))
    round = models.PositiveSmallIntegerField(_("round"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="replies", verbose_name=_("department")
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Proposal.Outcome.choices)
    text = models.TextField(_("reply"))
    signed_off_by = models.CharField(_("signed off by (head of department)"), max_length=50)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    on_time = models.BooleanField(_("on time"), default=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["proposal", "round"]
        constraints = [models.UniqueConstraint(fields=["proposal", "round"], name="congress_reply_once_per_round")]

    def __str__(self):
        return f"{self.proposal} ({self.round})"


class ProposalRating(models.Model):
    """P9: the proposer's rating of a reply; 不满意 sends the proposal back for handling again."""

    reply = models.OneToOneField(Reply, on_delete=models.CASCADE, related_name="rating", verbose_name=_("reply"))
    rating = models.CharField(_("rating"), max_length=20, choices=Proposal.Rating.choices)
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-rated_at"]

    def __str__(self):
        return self.get_rating_display()
