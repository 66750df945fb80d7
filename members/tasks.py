from celery import shared_task
from django.utils import timezone

from . import card_tasks, import_tasks  # noqa: F401 - register their tasks with the worker
from .reminders import due_term_reminders, send_term_reminder


@shared_task
def sweep_term_expiry() -> int:
    """Daily: one small task per committee term inside a reminder window (E12)."""
    count = 0
    for committee_id, kind in due_term_reminders(timezone.localdate()):
        remind_term_expiry.delay(committee_id, kind)
        count += 1
    return count


@shared_task
def remind_term_expiry(committee_id: int, kind: str) -> bool:
    return send_term_reminder(committee_id, kind)
