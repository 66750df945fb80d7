import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "union_site.settings")

app = Celery("union_site", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _require_serving_settings(**kwargs):
    """A worker without a secret key would fail on its first signed link or encrypted field: refuse to start."""
    from .startup import require_serving_settings

    require_serving_settings()
