"""Plumbing shared by every app: accounts, the audit log, the inbox and the reminder log.

Nothing here imports a domain app; objects of any app are referred to through
content types.
"""

import hashlib
import logging
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connections, models, router
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


class User(AbstractUser):
    """An account. Members' accounts are created by officers (no open sign-up)."""

    staff_no = models.CharField(
        _("staff number"),
        max_length=32,
        blank=True,
        null=True,
        unique=True,
        help_text=_("工号: members may log in with it instead of the username."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Language of e-mails and documents sent to this user."),
    )

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        full = f"{self.last_name}{self.first_name}".strip()
        return f"{full}（{self.username}）" if full else self.username

    @property
    def display_name(self):
        return f"{self.last_name}{self.first_name}".strip() or self.username

    def save(self, *args, **kwargs):
        if self.staff_no == "":
            self.staff_no = None  # unique, yet many users have none
        super().save(*args, **kwargs)


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


class ActivationCodeQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(used_at__isnull=True, expires_at__gt=timezone.now())

    def for_code(self, code: str):
        return self.usable().filter(code_hash=_hash_code(code))


class ActivationCode(models.Model):
    """A one-time code (also sent as a link) with which a member sets a first password.

    Only the hash is stored: a leaked database does not let anyone activate accounts.
    """

    ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
    LENGTH = 10

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activation_codes", verbose_name=_("user")
    )
    code_hash = models.CharField(_("code hash"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    objects = ActivationCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")
        ordering = ["-created_at"]

    def __str__(self):
        return str(self.user)

    @classmethod
    def new_code(cls) -> str:
        return "".join(secrets.choice(cls.ALPHABET) for _ in range(cls.LENGTH))

    @staticmethod
    def hash(code: str) -> str:
        return _hash_code(code)


class AppendOnlyQuerySet(models.QuerySet):
    """Rows of a log are added, never changed or removed (the audit log, membership history, poll logs)."""

    def update(self, **kwargs):
        raise PermissionDenied(f"{self.model._meta.verbose_name_plural} is append-only.")

    def delete(self):
        raise PermissionDenied(f"{self.model._meta.verbose_name_plural} is append-only.")


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied(f"{self._meta.verbose_name_plural} is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(f"{self._meta.verbose_name_plural} is append-only.")


class AuditEventQuerySet(AppendOnlyQuerySet):
    def for_object(self, obj):
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), object_id=str(obj.pk)
        )


class AuditEvent(AppendOnlyModel):
    """Who did what to which object, and when. Append-only: never updated or deleted.

    ``object_repr`` keeps a readable name even after the object is gone. Personal
    data (ID numbers, phone numbers) never goes into ``data``.
    """

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
        editable=False,
    )
    action = models.CharField(_("what"), max_length=100, db_index=True, editable=False)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("object type"), editable=False
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True, editable=False)
    object_repr = models.CharField(_("object"), max_length=200, blank=True, editable=False)
    data = models.JSONField(_("details"), default=dict, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="union_site_audit_object_idx")]

    def __str__(self):
        return f"{self.action} {self.object_repr}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message in a user's in-app inbox (an e-mail copy is sent too)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=100, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="union_site_notification_unread"
            )
        ]

    def __str__(self):
        return self.subject

    @property
    def is_read(self):
        return self.read_at is not None


class Reminder(models.Model):
    """The reminder log: one row per kind × object × due date, so each reminder is sent once."""

    kind = models.CharField(_("kind"), max_length=100)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, verbose_name=_("object type"))
    object_id = models.CharField(_("object id"), max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    due_on = models.DateField(_("due on"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminder log")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "content_type", "object_id", "due_on"], name="union_site_reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.due_on}"


class Job(models.Model):
    """A background job (a large import, a batch of member cards) with progress the page can poll."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=60)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    input_file = models.FileField(_("input file"), upload_to="jobs/in/%Y/%m/", blank=True)
    result_file = models.FileField(_("result file"), upload_to="jobs/out/%Y/%m/", blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        return 100 if self.state == self.State.DONE else (100 * self.progress // self.total if self.total else 0)

    def set_progress(self, done: int, total: int | None = None) -> None:
        """Write progress with a plain UPDATE, so a long job does not hold a transaction.

        Called inside a transaction on PostgreSQL (a roster import checks rows while it writes the ones
        before), the UPDATE goes through a short connection of its own: the progress page sees it before the
        commit, and the transaction's connection may be busy with a statement the job has not waited for.
        Progress only informs: if that row is locked or the connection fails, the job goes on."""
        fields = {"progress": done, "state": self.State.RUNNING}
        if total is not None:
            fields["total"] = total
        for k, v in fields.items():
            setattr(self, k, v)
        connection = connections[router.db_for_write(Job)]
        if not (connection.in_atomic_block and connection.vendor == "postgresql"):
            Job.objects.filter(pk=self.pk).update(**fields)
            return
        own = connections.create_connection(connection.alias)
        quote = own.ops.quote_name
        try:
            with own.cursor() as cursor:
                cursor.execute("SET lock_timeout = '1s'")
                columns = ", ".join(f"{quote(self._meta.get_field(k).column)} = %s" for k in fields)
                cursor.execute(f"UPDATE {quote(self._meta.db_table)} SET {columns} WHERE id = %s",  # noqa: S608
                               [*fields.values(), self.pk])
        except DatabaseError:
            log.warning("progress of job %s not written", self.pk, exc_info=True)
        finally:
            own.close()
