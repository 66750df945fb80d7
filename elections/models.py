"""The secret-ballot engine (elections.md §4; rules.md E16–E25, M10, K4).

Who has voted (``RollEntry``) and what was voted (``Ballot``) are separate tables with no link:
a ballot has a random id and no voter, no timestamp, no IP, and no sequence that follows the
order of casting. Casting is one transaction that locks the voter's roll entry (services.cast_ballot).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.scope import UnitScopedQuerySet
from union_site.models import AppendOnlyModel, AppendOnlyQuerySet


class PollQuerySet(UnitScopedQuerySet):
    unit_lookup = "session__term__body__unit"


class Poll(models.Model):
    class Kind(models.TextChoices):
        ELECTION = "election", _("Election")
        RESOLUTION = "resolution", _("Resolution vote")
        CONFIDENCE = "confidence", _("Confidence vote")

    class Post(models.TextChoices):
        CHAIR = "chair", _("Chair")
        VICE_CHAIR = "vice_chair", _("Vice-chair")
        COMMITTEE = "member", _("Committee member")
        AUDIT = "audit_member", _("Funds audit committee member")
        WOMEN = "women_member", _("Women workers' committee member")

    class Roll(models.TextChoices):
        MEMBERS = "members", _("All members in good standing")
        REPRESENTATIVES = "representatives", _("Formal representatives")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        OPEN = "open", _("Voting")
        CLOSED = "closed", _("Closed, being counted")
        COUNTED = "counted", _("Counted, waiting for approval")
        APPROVED = "approved", _("Approved by the higher union")
        VOID = "void", _("Void")

    session = models.ForeignKey(
        "congress.Session", on_delete=models.PROTECT, related_name="polls", verbose_name=_("session")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ELECTION)
    title = models.CharField(_("title"), max_length=200)
    post = models.CharField(_("post"), max_length=20, choices=Post.choices, blank=True)
    seats = models.PositiveSmallIntegerField(_("seats"), default=1)
    roll_source = models.CharField(_("who may vote"), max_length=20, choices=Roll.choices, default=Roll.MEMBERS)
    resolution = models.ForeignKey(
        "congress.Resolution", on_delete=models.PROTECT, null=True, blank=True, related_name="polls",
        verbose_name=_("resolution"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    rules = models.JSONField(_("rules in force"), default=dict, blank=True, help_text=_("Frozen when the poll opens."))
    ballot = models.JSONField(
        _("ballot as opened"), default=list, blank=True, editable=False,
        help_text=_("The candidates in stroke order (E21) as they stood when the poll opened: [{id, name}, …]."),
    )
    entitled = models.PositiveIntegerField(_("entitled to vote (应到会)"), null=True, blank=True)
    present = models.PositiveIntegerField(_("signed in when opened"), null=True, blank=True)
    candidates_published_on = models.DateField(_("candidate list published on"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    approved_by = models.CharField(_("approved by"), max_length=120, blank=True)
    approval_ref = models.CharField(_("approval reference"), max_length=120, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = PollQuerySet.as_manager()

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(seats__gte=1), name="elections_poll_seats_positive")]

    def __str__(self):
        return self.title

    @property
    def unit(self):
        return self.session.term.body.unit


class Candidate(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="candidates", verbose_name=_("poll"))
    person = models.ForeignKey(
        "members.Person", on_delete=models.PROTECT, related_name="candidacies", verbose_name=_("person")
    )
    nominated_by = models.CharField(_("nominated by"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["poll", "id"]
        constraints = [models.UniqueConstraint(fields=["poll", "person"], name="elections_candidate_once")]

    def __str__(self):
        return self.person.name


class RollEntry(models.Model):
    """Who may vote, frozen when the poll opens; whether they signed in, by which channel, and whether they voted."""

    class Channel(models.TextChoices):
        NONE = "", _("Not yet")
        ONLINE = "online", _("Online")
        PAPER = "paper", _("Paper ballot issued")

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="roll", verbose_name=_("poll"))
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    checked_in = models.BooleanField(_("signed in"), default=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True, default="")
    has_voted = models.BooleanField(_("has voted"), default=False)
    excluded_reason = models.CharField(_("excluded because"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("roll entry")
        verbose_name_plural = _("roll")
        ordering = ["poll", "person__name"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "person"], name="elections_roll_once"),
            # a voter who has voted has used exactly one channel (E19: no proxy, no second ballot)
            models.CheckConstraint(condition=Q(has_voted=False) | ~Q(channel=""), name="elections_roll_voted_channel"),
        ]

    def __str__(self):
        return f"{self.poll} · {self.person}"


def new_ballot_id():
    return uuid.uuid4()


class Ballot(models.Model):
    """What was voted — and nothing about who, when or in which order. The id is random."""

    id = models.UUIDField(primary_key=True, default=new_ballot_id, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="ballots", verbose_name=_("poll"),
                             db_index=False)  # led by the (poll, receipt) index below
    channel = models.CharField(_("channel"), max_length=10, choices=RollEntry.Channel.choices)
    marks = models.JSONField(_("marks"), default=dict, help_text=_("candidate id or option → mark"))
    write_ins = models.JSONField(_("write-ins"), default=list, blank=True)
    valid = models.BooleanField(_("valid"), default=True)
    invalid_reason = models.CharField(_("why invalid"), max_length=200, blank=True)
    receipt_hash = models.CharField(_("receipt check"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["id"]  # random: a published list reveals nothing about the order of casting
        # one index serves the count (by poll) and the receipt lookup; each cast maintains two indexes, not four
        indexes = [models.Index(fields=["poll", "receipt_hash"], name="elections_ballot_receipt")]

    def __str__(self):
        return str(self.id)[:8]


class PaperEntry(models.Model):
    """One counter's entry of one paper ballot; two counters enter each ballot independently."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="paper_entries", verbose_name=_("poll"))
    paper_no = models.PositiveIntegerField(_("paper ballot number"))
    counter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("counter")
    )
    marks = models.JSONField(_("marks"), default=dict)
    write_ins = models.JSONField(_("write-ins"), default=list, blank=True)
    invalid_reason = models.CharField(_("why invalid"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("paper ballot entry")
        verbose_name_plural = _("paper ballot entries")
        ordering = ["poll", "paper_no", "id"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "paper_no", "counter"], name="elections_paper_entry_once"),
        ]

    def __str__(self):
        return f"{self.poll} #{self.paper_no}"


class PollEvent(AppendOnlyModel):
    """The poll's evidence log: each event carries the hash of the one before (verify_poll_log)."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="events", verbose_name=_("poll"))
    seq = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("event"), max_length=40)
    data = models.JSONField(_("details"), default=dict, blank=True)
    actor = models.CharField(_("who"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("poll event")
        verbose_name_plural = _("poll log")
        ordering = ["poll", "seq"]
        constraints = [models.UniqueConstraint(fields=["poll", "seq"], name="elections_event_seq_once")]

    def __str__(self):
        return f"{self.poll} {self.seq} {self.kind}"
