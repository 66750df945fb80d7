"""The reminder log guard: a reminder of one kind, for one object and one due date, is sent once."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from .inbox import notify
from .models import Reminder


def claim_reminder(kind: str, obj, due_on: datetime.date) -> Reminder | None:
    """Insert the log row; None when an earlier run (or a parallel worker) already claimed it."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    try:
        with transaction.atomic():
            return Reminder.objects.create(kind=kind, content_type=ct, object_id=str(obj.pk), due_on=due_on)
    except IntegrityError:
        return None


@transaction.atomic
def send_reminder_once(
    kind: str, obj, due_on: datetime.date, recipients, *, subject: str, body: str = "", url="", email=True
):
    """Claim the reminder and notify the recipients in the same transaction.

    Returns True when this call sent it, False when it had been sent before.
    """
    reminder = claim_reminder(kind, obj, due_on)
    if reminder is None:
        return False
    notes = notify(recipients, subject=subject, body=body, url=url, kind=kind, email=email)
    reminder.recipients = len(notes)
    reminder.save(update_fields=["recipients"])
    return True
