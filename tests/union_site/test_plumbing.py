import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from union_site.audit import record_audit
from union_site.inbox import notify
from union_site.models import AuditEvent, Notification, Reminder
from union_site.reminders import send_reminder_once

from ..factories import OrgUnitFactory, UserFactory


def test_audit_event_records_who_what_object_when(db):
    user = UserFactory()
    unit = OrgUnitFactory(name="测试工会")
    event = record_audit(unit, "members.orgunit.renamed", user, {"old": "旧名"})
    assert (event.actor, event.action, event.object_repr, event.data) == (user, "members.orgunit.renamed", "测试工会", {"old": "旧名"})
    assert AuditEvent.objects.for_object(unit).get() == event


def test_audit_log_is_append_only(db):
    event = record_audit(None, "site.test", None)
    event.action = "changed"
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().update(action="x")
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == "site.test"


def test_notify_fills_the_inbox_and_mails_a_copy_after_commit(db, mailoutbox, django_capture_on_commit_callbacks):
    alice, bob = UserFactory(email="alice@example.cn"), UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        notes = notify([alice, bob], subject="换届提醒", body="工会委员会任期将满", url="/members/units/1/")
    assert len(notes) == 2
    assert Notification.objects.filter(recipient=alice).unread().count() == 1
    assert len(mailoutbox) == 1  # bob has no e-mail address
    assert "换届提醒" in mailoutbox[0].subject and "/members/units/1/" in mailoutbox[0].body


def test_a_reminder_is_sent_once_per_kind_object_and_due_date(db, mailoutbox, django_capture_on_commit_callbacks):
    officer = UserFactory(email="o@example.cn")
    unit = OrgUnitFactory()
    due = datetime.date(2027, 1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminder_once("test.kind", unit, due, [officer], subject="到期") is True
        assert send_reminder_once("test.kind", unit, due, [officer], subject="到期") is False
        assert send_reminder_once("test.kind", unit, due + datetime.timedelta(days=365), [officer], subject="到期")
        assert send_reminder_once("test.other", unit, due, [officer], subject="到期")
    assert Reminder.objects.count() == 3
    assert Notification.objects.count() == 3
    assert len(mailoutbox) == 3


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_roles")
def test_parallel_reminder_sweeps_send_once_on_postgresql():
    """Two workers racing on the same reminder: the unique constraint lets exactly one through."""
    officer = UserFactory()
    unit = OrgUnitFactory()
    due = datetime.date(2027, 1, 1)
    results, barrier = [], threading.Barrier(8)

    def worker():
        barrier.wait()
        try:
            results.append(send_reminder_once("race", unit, due, [officer], subject="x", email=False))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
    assert Notification.objects.filter(recipient=officer).count() == 1
