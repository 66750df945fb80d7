"""A real Celery worker on the real Redis broker runs the daily reminder sweep (services test)."""

import datetime
import os
import time

import pytest
from django.utils import timezone

from members.models import Committee
from union_site.models import Notification, Reminder

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded_roles")]


@pytest.fixture
def redis_worker(settings):
    from celery.contrib.testing.worker import start_worker

    from union_site.celery import app

    url = os.environ["REDIS_URL"]
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    settings.CELERY_BROKER_URL = url
    app.conf.update(broker_url=url, task_always_eager=False)
    app.connection_for_write().default_channel.client.flushdb()  # no leftovers from earlier runs
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app
    app.conf.update(**saved)


def wait_for(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_worker_sends_each_term_reminder_once(redis_worker, school, officer):
    from members.tasks import sweep_term_expiry

    today = timezone.localdate()
    starts = today.replace(year=today.year - 5) + datetime.timedelta(days=20)  # ends in about 20 days
    Committee.objects.create(unit=school, kind="union", starts_on=starts, term_years=5)
    sweep_term_expiry.delay()
    assert wait_for(lambda: Reminder.objects.filter(kind="members.term_expiry.30").exists())
    sweep_term_expiry.delay()  # a second sweep through the broker changes nothing
    time.sleep(2)
    assert wait_for(lambda: Notification.objects.filter(recipient=officer).count() == 1)
    time.sleep(1)
    assert Reminder.objects.count() == 1 and Notification.objects.filter(recipient=officer).count() == 1
