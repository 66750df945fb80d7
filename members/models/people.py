"""People, their membership of a union, and the membership history (rules.md §1, M1–M20; §6 PI1–PI13)."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.idcard import mask_id_number, parse_id_number
from members.scope import UnitScopedQuerySet
from union_site import crypto
from union_site.models import AppendOnlyModel, AppendOnlyQuerySet


def new_verify_token() -> str:
    return secrets.token_urlsafe(16)


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class PersonQuerySet(UnitScopedQuerySet):
    unit_lookup = "unit"

    def with_id_number(self, raw: str):
        """Find by 身份证号 through the blind index, without decrypting anything."""
        return self.filter(id_number_index=crypto.blind_index(parse_id_number(raw).value))


class Person(models.Model):
    """A real-name record of a member of staff (职工). PI1: only what the union needs.

    The 身份证号 is encrypted at rest (``id_number_encrypted``); ``id_number_index`` is a
    keyed hash for uniqueness and lookup; ``id_number_masked`` is what screens show
    (first 6 + last 4). Full view needs ``members.view_full_id_number`` and is audited.
    """

    class Category(models.TextChoices):
        TEACHER = "teacher", _("Teacher")
        FRONTLINE = "frontline", _("Front-line worker")
        MANAGEMENT = "management", _("Management")
        SUPPORT = "support", _("Support staff")
        OTHER = "other", _("Other")

    class Employment(models.TextChoices):
        EMPLOYED = "employed", _("Employed")
        RETIRED = "retired", _("Retired")
        UNEMPLOYED = "unemployed", _("Unemployed")
        LEFT = "left", _("Left the unit")
        DECEASED = "deceased", _("Deceased")

    class ContractType(models.TextChoices):
        REGULAR = "regular", _("Regular staff")
        DISPATCHED = "dispatched", _("Dispatched worker")
        CONTRACT = "contract", _("Fixed-term contract")

    unit = models.ForeignKey(
        "members.OrgUnit",
        on_delete=models.PROTECT,
        db_index=False,  # the (unit, name) index serves it
        db_constraint=False,  # a key checked per statement, not per row (migration 0010)
        related_name="people",
        verbose_name=_("union unit"),
        help_text=_("The union, branch or group the person belongs to."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("account"),
    )
    # compared byte by byte ("BINARY": SQLite's own, created on PostgreSQL by migration 0009): names sort by code
    # point, as under the C.UTF-8 and en_US locales, and one index serves both the order and a name-prefix search
    # (LIKE '张%'), where a linguistic collation needed a second one and costlier comparisons
    name = models.CharField(_("name"), max_length=50, db_collation="BINARY")
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_number_index = models.CharField(_("ID number index"), max_length=64, blank=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    staff_no = models.CharField(_("staff number"), max_length=32, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    post = models.CharField(_("post"), max_length=100, blank=True)
    category = models.CharField(_("staff category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    is_manager = models.BooleanField(
        _("middle or senior manager"), default=False, help_text=_("Counts towards the cap on managers in congress (K7).")
    )
    contract_type = models.CharField(
        _("contract type"), max_length=20, choices=ContractType.choices, default=ContractType.REGULAR
    )
    employment = models.CharField(
        _("employment status"), max_length=20, choices=Employment.choices, default=Employment.EMPLOYED
    )
    is_member_representative = models.BooleanField(_("member representative"), default=False)
    is_activist = models.BooleanField(_("activist"), default=False)
    is_hardship = models.BooleanField(_("hardship file"), default=False)
    consent_at = models.DateTimeField(
        _("consent recorded at"), null=True, blank=True, help_text=_("When the person agreed to the privacy notice (PI3).")
    )
    privacy_notice_version = models.CharField(_("privacy notice version"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "id"]
        permissions = [("view_full_id_number", _("Can view full ID numbers"))]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"], condition=~Q(id_number_index=""), name="members_person_unique_id_number"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "name"], name="members_person_unit_name"),
            models.Index(fields=["name", "id"], name="members_person_name_order"),  # and LIKE 'x%' (BINARY)
            models.Index(fields=["department"], name="members_person_dept_like", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["phone"], name="members_person_phone", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["staff_no"], name="members_person_staff_no", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return self.name

    def set_id_number(self, raw: str) -> None:
        """Validate, normalise (15 → 18 digits), encrypt; derive birth date and gender from it."""
        if not raw:
            self.id_number_encrypted = self.id_number_index = self.id_number_masked = ""
            return
        try:
            parsed = parse_id_number(raw)
        except ValueError as exc:
            raise ValidationError({"id_number": str(exc)}) from None
        self.id_number_encrypted = crypto.encrypt(parsed.value)
        self.id_number_index = crypto.blind_index(parsed.value)
        self.id_number_masked = mask_id_number(parsed.value)
        self.birth_date = parsed.birth_date
        self.gender = parsed.gender

    @property
    def id_number(self) -> str:
        """The full number. Callers must check the permission and audit the view (services)."""
        return crypto.decrypt(self.id_number_encrypted)

    def current_membership(self):
        return self.memberships.exclude(status__in=Membership.ENDED).order_by("-joined_on").first()


class MembershipQuerySet(UnitScopedQuerySet):
    unit_lookup = "union"

    def current(self):
        return self.exclude(status__in=Membership.ENDED)

    def in_good_standing(self):
        """Members with the right to vote and stand (M10: 保留会籍 excluded)."""
        return self.filter(status=Membership.Status.ACTIVE)


class Membership(models.Model):
    """A person's membership of one grassroots union (M2–M16)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Application pending")
        ACTIVE = "active", _("Member in good standing")
        RETAINED = "retained", _("Retained membership")
        TRANSFERRING = "transferring", _("Transfer out pending")
        HELD = "held", _("Held by the local union")
        TRANSFERRED = "transferred", _("Transferred out")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DEEMED_WITHDRAWN = "deemed_withdrawn", _("Deemed withdrawn")
        EXPELLED = "expelled", _("Expelled")
        REJECTED = "rejected", _("Application rejected")

    class RetentionReason(models.TextChoices):
        RETIRED_EARLY = "lixiu", _("Retired (lixiu)")
        RETIRED = "retired", _("Retired")
        UNEMPLOYED = "unemployed", _("Unemployed")
        UNIT_DISSOLVED = "dissolved", _("Unit dissolved")
        OTHER = "other", _("Other")

    ENDED = {Status.TRANSFERRED, Status.WITHDRAWN, Status.DEEMED_WITHDRAWN, Status.EXPELLED, Status.REJECTED}

    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        db_constraint=False,  # a key checked per statement, not per row (migration 0010)
        related_name="memberships",
        verbose_name=_("person"),
    )
    union = models.ForeignKey(
        "members.OrgUnit",
        on_delete=models.PROTECT,
        db_index=False,  # the (union, status) index serves it
        db_constraint=False,  # a key checked per statement, not per row (migration 0010)
        related_name="memberships",
        verbose_name=_("union"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.APPLIED)
    retention_reason = models.CharField(
        _("retention reason"), max_length=20, choices=RetentionReason.choices, blank=True
    )
    card_no = models.CharField(_("card number"), max_length=40, blank=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    dues_from = models.DateField(_("dues from month"), null=True, blank=True, help_text=_("M3: first month of dues."))
    dues_exempt = models.BooleanField(_("dues exempt"), default=False, help_text=_("M9: no dues while retained."))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    verify_token = models.CharField(
        _("card verification token"),
        max_length=32,
        default=new_verify_token,
        editable=False,
        help_text=_("Random code in the card's QR link; reveals nothing about the member."),
    )
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["union", "card_no", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["union", "card_no"], condition=~Q(card_no=""), name="members_membership_card_per_union"
            ),
            # a constraint, not unique=True: the token is only ever looked up whole, so no second LIKE index
            models.UniqueConstraint(fields=["verify_token"], name="members_membership_verify_token_unique"),
            models.UniqueConstraint(
                fields=["person"],
                condition=~Q(status__in=["transferred", "withdrawn", "deemed_withdrawn", "expelled", "rejected"]),
                name="members_membership_one_current",
            ),
            models.CheckConstraint(
                condition=~Q(status="retained") | ~Q(retention_reason=""),
                name="members_membership_retained_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["union", "status"], name="members_ms_union_status")]

    def __str__(self):
        return f"{self.person} @ {self.union}"

    @property
    def is_current(self):
        return self.status not in self.ENDED

    @property
    def may_vote(self) -> bool:
        """M10: retained members have no right to vote, stand or vote on resolutions."""
        return self.status == self.Status.ACTIVE


class MembershipEvent(AppendOnlyModel):
    """One step of a membership's history: append-only, with who and when."""

    class Kind(models.TextChoices):
        APPLIED = "applied", _("Applied to join")
        APPROVED = "approved", _("Approved, card issued")
        REJECTED = "rejected", _("Application rejected")
        TRANSFER_REQUESTED = "transfer_requested", _("Transfer out requested")
        TRANSFER_ACCEPTED = "transfer_accepted", _("Transfer accepted by the receiving union")
        TRANSFERRED_IN = "transferred_in", _("Transferred in")
        TRANSFER_CANCELLED = "transfer_cancelled", _("Transfer cancelled")
        RETAINED = "retained", _("Membership retained")
        RESTORED = "restored", _("Returned to good standing")
        HELD = "held", _("Held by the local union")
        WITHDRAWN = "withdrawn", _("Withdrew")
        EDUCATION = "education", _("Education step recorded")
        DEEMED_WITHDRAWN = "deemed_withdrawn", _("Deemed withdrawn")
        EXPELLED = "expelled", _("Expelled")
        IMPORTED = "imported", _("Imported from a roster")
        CORRECTED = "corrected", _("Record corrected")

    membership = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        db_constraint=False,  # a key checked per statement, not per row (migration 0010)
        related_name="events",
        verbose_name=_("membership"),
    )
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    from_status = models.CharField(_("from status"), max_length=20, choices=Membership.Status.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, choices=Membership.Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_constraint=False,  # a key checked per statement, not per row (migration 0010)
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership event")
        verbose_name_plural = _("membership history")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"


class TransferRequest(models.Model):
    """M7: the sending union starts a transfer; the receiving union accepts it. Both sides see it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the receiving union")
        ACCEPTED = "accepted", _("Accepted")
        CANCELLED = "cancelled", _("Cancelled")

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("membership")
    )
    to_union = models.ForeignKey(
        "members.OrgUnit", on_delete=models.PROTECT, related_name="incoming_transfers", verbose_name=_("to union")
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PENDING)
    note = models.TextField(_("note"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"], condition=Q(state="pending"), name="members_transfer_one_pending"
            )
        ]

    def __str__(self):
        return f"{self.membership.person} → {self.to_union}"


class CorrectionRequest(models.Model):
    """A member asks the union to correct their own record (PI9)."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Corrected")
        REFUSED = "refused", _("Refused with reasons")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="correction_requests", verbose_name=_("person")
    )
    message = models.TextField(_("what should be corrected"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.person}: {self.message[:30]}"
