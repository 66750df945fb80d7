"""union_site.bulk.Stream: statements queued on the transaction's connection and sent while Python goes on.

``statements_for`` gives the Stream on PostgreSQL (CI) and plain ``Statements`` elsewhere; both must give the
same answers, in order, and leave the connection usable whatever happens."""

import pytest
from django.db import IntegrityError, connection, connections, transaction

from union_site.bulk import Stream, statements_for
from union_site.models import Job

pytestmark = pytest.mark.django_db


FIELDS = ["kind", "state", "progress", "total", "created_by_id"]


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create(username="stream")


def jobs(kind, n, user):
    return iter([(kind, "queued", i, n, user.pk) for i in range(n)])


def test_queries_and_copies_answer_in_order_with_new_ids(user):
    before = Job.objects.create(kind="before", created_by=user)
    with transaction.atomic(), statements_for(connection) as statements:
        first = statements.query([Job.objects.order_by("pk").values_list("kind")])
        statements.prefetch_ids((Job, 3))
        ids = statements.copy(Job, FIELDS, jobs("copied", 3, user), 3)
        statements.pump()
        after = statements.query([Job.objects.order_by("pk").values_list("kind", "progress", "params")])
        assert statements.rows(first) == [("before",)]  # sent before the COPY: it does not see the rows
        assert statements.rows(after) == [("before", 0, {}), ("copied", 0, {}), ("copied", 1, {}), ("copied", 2, {})]
    assert len(set(ids)) == 3 and min(ids) > before.pk
    assert list(Job.objects.filter(pk__in=ids).order_by("pk").values_list("kind", "total", "result")) == [
        ("copied", 3, {})] * 3


def test_a_failed_statement_raises_a_django_error_and_drops_the_rest(user, django_user_model):
    with pytest.raises(IntegrityError), transaction.atomic(), statements_for(connection) as statements:
        statements.copy(Job, FIELDS, jobs("lost", 2, user), 2)
        statements.copy(django_user_model, ["username"], iter([("stream",)]), 1)  # taken
        later = statements.query([Job.objects.values_list("pk")])
        statements.rows(later)
    assert not Job.objects.exists()  # rolled back, and the connection answers again


def test_leaving_with_an_exception_abandons_what_is_queued(user):
    with pytest.raises(ZeroDivisionError), transaction.atomic(), statements_for(connection) as statements:
        statements.copy(Job, FIELDS, jobs("abandoned", 500, user), 500)
        statements.query([Job.objects.values_list("pk")])
        1 / 0  # noqa: B018
    assert Job.objects.count() == 0


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_stream_does_not_wait_for_the_server(user):
    """pump() returns at once with the statement still running; the rows are there when asked for."""
    Job.objects.create(kind="import", created_by=user)  # a row to sleep on: without one the query is done at once
    with transaction.atomic(), Stream(connection) as stream:
        slow = stream.query([Job.objects.extra(select={"slept": "pg_sleep(0.3)"}).values_list("slept")])  # noqa: S610
        stream.pump()
        assert stream.current is not None and slow[0].rows is None
        assert stream.rows(slow) == [("",)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_progress_set_inside_a_busy_transaction_is_seen_before_the_commit(user):
    """Job.set_progress from a roster import: the transaction's connection has a statement in flight and its
    writes are not committed, so the progress goes through a connection of its own."""
    job = Job.objects.create(kind="import", created_by=user)
    other = connections.create_connection("default")
    try:
        with transaction.atomic(), Stream(connection) as stream:
            stream.query([Job.objects.extra(select={"slept": "pg_sleep(0.2)"}).values_list("slept")])  # noqa: S610
            stream.pump()
            job.set_progress(5, 10)
            with other.cursor() as cursor:
                cursor.execute("SELECT progress, total, state FROM union_site_job WHERE id = %s", [job.pk])
                assert cursor.fetchone() == (5, 10, "running")
    finally:
        other.close()
