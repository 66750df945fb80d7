from celery import shared_task

from .inbox import email_notification
from .models import Notification


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> None:
    note = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if note is not None and note.recipient.email:
        email_notification(note)
