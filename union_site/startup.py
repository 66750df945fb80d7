"""What serving needs before it starts: the web process (wsgi.py) and the Celery worker refuse to start
without a secret key, or without allowed hosts when DEBUG is off. Commands that serve nothing
(makemigrations, compilemessages) run without them."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_serving_settings() -> None:
    problems = []
    try:
        settings.SECRET_KEY  # noqa: B018 - Django raises when it is empty
    except ImproperlyConfigured:
        problems.append("Set the SECRET_KEY environment variable (see .env.example).")
    if not settings.DEBUG and not settings.ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must be set when DEBUG is off.")
    if problems:
        raise ImproperlyConfigured(" ".join(problems))
