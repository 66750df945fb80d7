"""Five roster keys are checked once per statement by triggers (migration 0010), not per row by declared foreign
keys: the same rules must hold. A child refers only to a parent that exists — on insert, on update, in a COPY
of thousands of rows — and a parent that a child refers to cannot be deleted, also when the two happen at once
in two transactions (real threads on PostgreSQL)."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from members.models import Membership, MembershipEvent, OrgUnit, Person
from union_site.bulk import statements_for

from ..factories import MembershipFactory, OrgUnitFactory, PersonFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db]
MISSING = 2**62


def fails(message="violates foreign key"):
    return pytest.raises(IntegrityError, match=message)


def test_a_child_refers_only_to_a_parent_that_exists_on_insert(school, officer):
    membership = MembershipFactory(person__unit=school, union=school)
    event = {"membership_id": membership.pk, "kind": "imported", "actor_id": officer.pk}
    rows = [
        (Person, {"unit_id": MISSING, "name": "王芳", "gender": "F"}, "members_person_unit_id_key"),
        (Membership, {"person_id": MISSING, "union_id": school.pk}, "members_membership_person_id_key"),
        (Membership, {"person_id": PersonFactory(unit=school).pk, "union_id": MISSING}, "members_membership_union_id_key"),
        (MembershipEvent, {**event, "membership_id": MISSING}, "members_membershipevent_membership_id_key"),
        (MembershipEvent, {**event, "actor_id": MISSING}, "members_membershipevent_actor_id_key"),
    ]
    for model, values, key in rows:
        with fails(key), transaction.atomic():
            model.objects.create(**values)
    MembershipEvent.objects.create(**event)  # with parents that exist
    MembershipEvent.objects.create(**{**event, "actor_id": None})  # no actor: nothing to check


def test_a_child_refers_only_to_a_parent_that_exists_on_update(school, other_school):
    membership = MembershipFactory(person__unit=school, union=school)
    person = membership.person
    with fails("members_person_unit_id_key"), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(unit_id=MISSING)
    with fails("members_membership_union_id_key"), transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(union_id=MISSING)
    Person.objects.filter(pk=person.pk).update(phone="13900000000")  # the key not changed
    Person.objects.filter(pk=person.pk).update(unit_id=other_school.pk)  # changed to a parent that exists
    assert Person.objects.get(pk=person.pk).unit == other_school


def test_one_bad_key_in_a_copy_of_thousands_fails_the_statement(school):
    now = timezone.now()
    fields = ["unit_id", "name", "gender", "created_at", "updated_at"]
    rows = [(school.pk, f"张{n}", "M", now, now) for n in range(3000)]
    rows[2500] = (MISSING, "李四", "M", now, now)
    with fails(rf"Key \(unit_id\)=\({MISSING}\) is not present"), transaction.atomic(), \
            statements_for(connection) as statements:
        statements.copy(Person, fields, iter(rows), len(rows))
    assert not Person.objects.exists()


def test_a_parent_that_a_child_refers_to_cannot_be_deleted(school, officer):
    """Deleted in SQL, past the ORM's on_delete=PROTECT."""
    event = MembershipEvent.objects.create(membership=MembershipFactory(person__unit=school, union=school),
                                           kind="imported", actor=officer)
    membership = event.membership
    parents = [(type(officer), officer.pk, "members_membershipevent_actor_id_key"),
               (Membership, membership.pk, "members_membershipevent_membership_id_key"),
               (Person, membership.person_id, "members_membership_person_id_key"),
               (OrgUnit, school.pk, "_key")]
    for model, pk, key in parents:
        with fails(key), transaction.atomic():
            model.objects.filter(pk=pk)._raw_delete(connection.alias)
    unreferenced = OrgUnitFactory(parent=school)
    unreferenced_pk = unreferenced.pk
    OrgUnit.objects.filter(pk=unreferenced_pk)._raw_delete(connection.alias)
    assert not OrgUnit.objects.filter(pk=unreferenced_pk).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["insert", "delete"])
def test_a_parent_deleted_while_a_child_is_inserted_leaves_no_orphan(school, first):
    """Two transactions at once: one adds a person to a new unit, the other deletes that unit. Whichever goes
    first holds its lock until it commits; the other waits, then fails — never a person in no unit."""
    unit = OrgUnitFactory(parent=school)
    done_first, outcomes = threading.Event(), {}

    def insert():
        try:
            with transaction.atomic():
                PersonFactory(unit_id=unit.pk, unit=unit)
                if first == "insert":
                    done_first.set()
                    threading.Event().wait(0.5)  # the other waits on our lock meanwhile
        except IntegrityError as exc:
            outcomes["insert"] = exc
        finally:
            connection.close()

    def delete():
        try:
            with transaction.atomic():
                OrgUnit.objects.filter(pk=unit.pk)._raw_delete(connection.alias)
                if first == "delete":
                    done_first.set()
                    threading.Event().wait(0.5)
        except IntegrityError as exc:
            outcomes["delete"] = exc
        finally:
            connection.close()

    go_first, go_second = (insert, delete) if first == "insert" else (delete, insert)
    threads = [threading.Thread(target=go_first)]
    threads[0].start()
    assert done_first.wait(10)
    threads.append(threading.Thread(target=go_second))
    threads[1].start()
    for thread in threads:
        thread.join(30)
    second = "delete" if first == "insert" else "insert"
    assert list(outcomes) == [second]  # the second one failed, the first one stands
    assert OrgUnit.objects.filter(pk=unit.pk).exists() == (first == "insert")
    assert Person.objects.filter(unit_id=unit.pk).count() == (1 if first == "insert" else 0)
    assert not Person.objects.exclude(unit_id__in=OrgUnit.objects.values("pk")).exists()
