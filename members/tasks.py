"""Celery tasks of the members app. Small: ids and plain strings in, a service call, nothing else."""

import datetime

from celery import shared_task
from django.utils import timezone

from . import card_tasks, import_tasks  # noqa: F401 - register their tasks with the worker
from .reminder_services import due_term_expiries, send_term_expiry_reminder


@shared_task
def sweep_term_expiry() -> int:
    """Daily (beat "members.sweep_term_expiry"): queue one reminder task per committee term that is
    180, 90 or 30 days from its end or overdue and not yet reminded. Returns how many were queued."""
    due = due_term_expiries(timezone.localdate())
    for item in due:
        remind_term_expiry.delay(item.committee_id, item.kind, item.due_on.isoformat())
    return len(due)


@shared_task
def remind_term_expiry(committee_id: int, kind: str, due_on: str) -> bool:
    """Send one term-expiry reminder; safe to run twice (the Reminder log lets only one through)."""
    return send_term_expiry_reminder(committee_id, kind, datetime.date.fromisoformat(due_on))
