"""Two officers doing the same thing at once: one wins, the other is told why, nothing is duplicated.
Real threads on PostgreSQL (each with its own connection); row locks and constraints decide."""

import pytest

from members import services
from members.importer import ImportResult, RosterFileError, import_roster
from members.models import Membership, MembershipEvent, Person, TransferRequest

from ..concurrency import at_once, errors
from ..factories import MembershipFactory, PersonFactory
from .test_importer import good_rows, xlsx

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("seeded_roles", "english")]


def test_m5_the_same_file_imported_twice_at_once_writes_each_person_once(school, officer):
    rows = good_rows(20)
    outcomes = at_once(lambda: import_roster(xlsx(rows), school, acting_user=officer),
                       lambda: import_roster(xlsx(rows), school, acting_user=officer))
    assert all(isinstance(o, ImportResult | RosterFileError) for o in outcomes), outcomes
    written = [o for o in outcomes if isinstance(o, ImportResult) and o.written]
    assert sum(o.created for o in written) == 20  # one of them created everyone
    if len(written) == 2:  # the other waited for it and found every row already there
        assert sorted((o.created, o.unchanged) for o in written) == [(0, 20), (20, 0)]
    assert Person.objects.filter(unit=school).count() == 20
    assert Membership.objects.filter(union=school).count() == 20
    assert MembershipEvent.objects.filter(kind="imported").count() == 20
    assert len(set(Membership.objects.values_list("card_no", flat=True))) == 20


def test_m3_applications_approved_at_once_get_distinct_card_numbers(school, officer):
    applications = [MembershipFactory(person__unit=school, union=school, status="applied", card_no="")
                    for _ in range(8)]
    outcomes = at_once(*[lambda m=m: services.approve_application(m, acting_user=officer) for m in applications])
    assert not errors(outcomes), errors(outcomes)
    cards = set(Membership.objects.filter(union=school).values_list("card_no", flat=True))
    assert len(cards) == 8 and all(card.startswith(f"{school.code}-") for card in cards)


def test_m2_one_application_approved_twice_at_once_is_approved_once(school, officer):
    application = MembershipFactory(person__unit=school, union=school, status="applied", card_no="")
    outcomes = at_once(lambda: services.approve_application(application, acting_user=officer),
                       lambda: services.approve_application(application, acting_user=officer))
    assert len(errors(outcomes)) == 1 and isinstance(errors(outcomes)[0], services.MembershipError)
    assert MembershipEvent.objects.filter(membership=application, kind="approved").count() == 1


def test_m7_a_transfer_accepted_twice_at_once_registers_the_member_once(school, other_school, officer):
    membership = MembershipFactory(person=PersonFactory(unit=school), union=school)
    transfer = services.request_transfer(membership, to_union=other_school, acting_user=officer)
    outcomes = at_once(lambda: services.accept_transfer(transfer, acting_user=officer),
                       lambda: services.accept_transfer(transfer, acting_user=officer))
    assert len(errors(outcomes)) == 1
    assert Membership.objects.filter(person=membership.person, union=other_school).count() == 1
    assert TransferRequest.objects.get(pk=transfer.pk).state == TransferRequest.State.ACCEPTED
