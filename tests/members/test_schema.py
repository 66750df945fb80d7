"""The roster's schema on PostgreSQL: names compared byte by byte (collation "BINARY", migration 0009), so that
one index serves both the name order and a name-prefix search. A later AlterField that lost the collation
would leave searches correct but slow: this says so."""

import pytest
from django.db import connection, transaction

from members.models import Person

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def test_names_are_compared_byte_by_byte():
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.collname, c.collcollate FROM pg_attribute a JOIN pg_collation c "
                       "ON c.oid = a.attcollation WHERE a.attrelid = 'members_person'::regclass AND a.attname = 'name'")
        assert cursor.fetchone() == ("BINARY", "C")


def test_a_name_prefix_search_and_the_name_order_use_one_index():
    queries = [Person.objects.filter(name__startswith="张伟").values("pk"), Person.objects.order_by("name", "pk")[:50]]
    for queryset in queries:
        sql, params = queryset.query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # the test table is too small for the planner to bother
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "members_person_name_order" in plan and "~>=~" not in plan, plan
