"""Sessions (次) of a term: agenda, documents (K10), sign-in and quorum (K3), joint meetings (K12),
resolutions (K4, K11, K13)."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.scope import UnitScopedQuerySet

from .bodies import Representative, Term, new_token


class SessionQuerySet(UnitScopedQuerySet):
    unit_lookup = "term__body__unit"


class Session(models.Model):
    """One meeting (第N次会议) of a term."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Regular session")
        EXTRA = "extra", _("Extraordinary session")

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("term"))
    number = models.PositiveSmallIntegerField(_("session number"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REGULAR)
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("opens on"))
    ends_on = models.DateField(_("closes on"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    proposals_open_on = models.DateField(_("proposal collection opens"), null=True, blank=True)
    proposals_close_on = models.DateField(_("proposal collection closes"), null=True, blank=True)
    sign_in_token = models.CharField(_("sign-in code"), max_length=32, unique=True, default=new_token, editable=False)
    sign_in_open = models.BooleanField(_("sign-in open"), default=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["term", "number"], name="congress_session_number_once"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="congress_session_dates"),
        ]

    def __str__(self):
        return self.title

    @property
    def unit(self):
        return self.term.body.unit


class AgendaItem(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="agenda", verbose_name=_("session"))
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    title = models.CharField(_("item"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda")
        ordering = ["session", "order", "id"]

    def __str__(self):
        return self.title


class SessionDocument(models.Model):
    """A document for deliberation: it must reach representatives 7 days before (K10)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="documents", verbose_name=_("session"))
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="congress/documents/%Y/", blank=True)
    distributed_on = models.DateField(_("sent to representatives on"), default=timezone.localdate)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )

    class Meta:
        verbose_name = _("session document")
        verbose_name_plural = _("session documents")
        ordering = ["session", "distributed_on", "id"]

    def __str__(self):
        return self.title


class SignIn(models.Model):
    """A representative's sign-in at a session, on their phone or by an officer for them."""

    class Method(models.TextChoices):
        SELF = "self", _("On their phone")
        OFFICER = "officer", _("By an officer")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="sign_ins", verbose_name=_("session"))
    representative = models.ForeignKey(
        Representative, on_delete=models.PROTECT, related_name="sign_ins", verbose_name=_("representative")
    )
    signed_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    method = models.CharField(_("how"), max_length=20, choices=Method.choices, default=Method.SELF)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")
        ordering = ["session", "signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "representative"], name="congress_signin_once"),
        ]

    def __str__(self):
        return f"{self.representative} @ {self.session}"


class JointMeeting(models.Model):
    """A 联席会议 between sessions; its results must be confirmed by the next session (K12)."""

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="joint_meetings", verbose_name=_("term"))
    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=200)
    minutes = models.TextField(_("minutes"), blank=True)
    results = models.TextField(_("results"))
    confirmed_by = models.ForeignKey(
        Session,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="confirmed_joint_meetings",
        verbose_name=_("confirmed by session"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")
        ordering = ["-held_on"]

    def __str__(self):
        return self.title

    @property
    def needs_confirmation(self) -> bool:
        return self.confirmed_by_id is None


class ResolutionQuerySet(UnitScopedQuerySet):
    unit_lookup = "session__term__body__unit"


class Resolution(models.Model):
    """A resolution: passes only with more than half of ALL formal representatives (K4)."""

    class Method(models.TextChoices):
        HANDS = "hands", _("Show of hands")
        PAPER = "paper", _("Paper ballot")
        ONLINE = "online", _("Secret online vote")

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="resolutions", verbose_name=_("session")
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    method = models.CharField(_("voting method"), max_length=20, choices=Method.choices, default=Method.HANDS)
    entitled = models.PositiveIntegerField(_("all formal representatives"), null=True, blank=True)
    votes_for = models.PositiveIntegerField(_("for"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("against"), null=True, blank=True)
    votes_abstain = models.PositiveIntegerField(_("abstain"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True, help_text=_("K13: locked once passed."))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = ResolutionQuerySet.as_manager()

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["session", "id"]

    def __str__(self):
        return self.title

    @property
    def publish_due_on(self) -> datetime.date | None:
        """K11: published to all staff within N days of the decision."""
        if not self.passed or not self.decided_at:
            return None
        days = getattr(settings, "CONGRESS_RULES", {}).get("K11_PUBLISH_DAYS", 3)
        return timezone.localdate(self.decided_at) + datetime.timedelta(days=days)
