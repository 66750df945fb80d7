import datetime

from celery import shared_task
from django.utils import timezone

from . import reminders


@shared_task
def sweep_congress_reminders() -> int:
    """Daily: queue one small task per due item (yearly session, reply deadline, rating)."""
    today = timezone.localdate()
    count = 0
    for due in reminders.all_due(today):
        send_congress_reminder.delay(due.kind, due.object_id, due.due_on.isoformat())
        count += 1
    return count


@shared_task
def send_congress_reminder(kind: str, object_id: int, due_on: str) -> bool:
    return reminders.send_due_reminder(kind, object_id, datetime.date.fromisoformat(due_on))
