"""Integration: the daily term-expiry sweep on a real Celery worker, through Redis, against the
PostgreSQL test database. Skipped without REDIS_URL and a PostgreSQL DATABASE_URL; fails instead
under REQUIRE_SERVICES=1 (see tests/conftest.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test_x REDIS_URL=redis://127.0.0.1:6379/1 \\
        .venv/bin/pytest tests/members/test_celery_worker.py
"""

import datetime
import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from celery.signals import task_postrun
from django.core import mail
from django.db import connections
from django.utils import timezone

from members import tasks
from members.models.committees import add_years
from union_site.celery import app
from union_site.models import Notification, Reminder

from ..factories import CommitteeFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _close_worker_connections(**kwargs):
    connections.close_all()  # runs in the worker thread: the test database can be flushed afterwards


@pytest.fixture
def worker():
    """An in-process worker thread consuming from the Redis at REDIS_URL; tasks are not eager."""
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.task_always_eager = False
    app.conf.broker_url = os.environ["REDIS_URL"]  # settings already use it when REDIS_URL is set
    app.control.purge()  # nothing left over from an earlier run
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as w:
            yield w
    finally:
        task_postrun.disconnect(_close_worker_connections)
        app.conf.update(saved)


def wait_until_idle(timeout=60.0):
    """Wait until the queue is empty and the worker has nothing in hand, twice in a row."""
    from celery.worker import state

    deadline = time.monotonic() + timeout
    quiet = 0
    with app.connection_for_write() as conn:
        while time.monotonic() < deadline:
            waiting = conn.default_channel.client.llen(app.conf.task_default_queue)
            busy = len(state.active_requests) + len(state.reserved_requests)
            quiet = quiet + 1 if waiting == 0 and busy == 0 else 0
            if quiet >= 3:
                return
            time.sleep(0.2)
    raise AssertionError("the worker did not finish in time")


def test_sweep_on_a_real_worker_sends_each_reminder_once(seeded_roles, school, officer, higher_officer,
                                                         other_school, worker):
    from ..conftest import make_user_with_role

    stranger = make_user_with_role("officer", other_school, username="stranger")
    due = timezone.localdate() + datetime.timedelta(days=30)
    committee = CommitteeFactory(unit=school, starts_on=add_years(due, -5), term_years=5)
    assert committee.due_on == due
    mail.outbox.clear()

    first = tasks.sweep_term_expiry.delay()
    tasks.sweep_term_expiry.delay()  # the sweep runs twice (a retry, or two beats)
    assert not isinstance(first, EagerResult)  # through Redis to the worker thread
    wait_until_idle()

    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.due_on, reminder.object_id) == ("members.term_expiry.30", due, str(committee.pk))
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["county", "officer"]
    assert not Notification.objects.filter(recipient=stranger).exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([officer.email, higher_officer.email])

    tasks.sweep_term_expiry.delay()  # and again the next day: still once
    wait_until_idle()
    assert Reminder.objects.count() == 1 and Notification.objects.count() == 2 and len(mail.outbox) == 2
