"""The in-app inbox with an e-mail copy: ``notify(users, subject=..., body=..., url=...)``."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from .models import Notification


def notify(recipients: Iterable, *, subject: str, body: str = "", url: str = "", kind: str = "", email=True):
    """Put one message in each recipient's inbox and queue the e-mail copies after commit.

    ``subject`` and ``body`` are already rendered (callers render them in the
    recipient's language when it matters). Returns the notifications created.
    """
    users = {u.pk: u for u in recipients if u is not None and u.is_active}
    notes = Notification.objects.bulk_create(
        [Notification(recipient=u, subject=subject[:200], body=body, url=url, kind=kind) for u in users.values()]
    )
    if email:
        from .tasks import send_notification_email

        for note in notes:
            if note.recipient.email:
                send_notification_email.delay_on_commit(note.pk)
    return notes


def email_notification(note: Notification) -> None:
    """Send the e-mail copy of one notification in the recipient's language."""
    user = note.recipient
    link = f"{settings.SITE_URL}{note.url}" if note.url.startswith("/") else note.url
    ctx = {"note": note, "user": user, "link": link, "site_url": settings.SITE_URL}
    with translation.override(user.language):
        subject = render_to_string("emails/notification_subject.txt", ctx).strip()
        text = render_to_string("emails/notification_body.txt", ctx)
        html = render_to_string("emails/notification_body.html", ctx)
    msg = EmailMultiAlternatives(subject, text, to=[user.email])
    msg.attach_alternative(html, "text/html")
    msg.send()
