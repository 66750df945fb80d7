"""Congress fixtures: a term of a school's staff congress with ten formal representatives, a session,
the proposal committee, a handling department, and a proposal submitted with two seconders."""

import pytest
from django.contrib.auth.models import Group

from congress import proposals
from congress.models import Representative
from union_site import roles

from ..conftest import make_user_with_role
from ..factories import DepartmentFactory, RepresentativeFactory, SessionFactory, TermFactory, UserFactory


@pytest.fixture
def term(school):
    return TermFactory(body__unit=school)


@pytest.fixture
def reps(term):
    """Ten formal representatives with accounts, and one invited (no vote, T8)."""
    formal = []
    for i in range(10):
        user = UserFactory(username=f"rep{i}")
        formal.append(RepresentativeFactory(term=term, person__user=user, person__gender="F" if i < 6 else "M"))
    RepresentativeFactory(term=term, kind=Representative.Kind.INVITED, person__user=UserFactory(username="guest"))
    return formal


@pytest.fixture
def session(term):
    return SessionFactory(term=term)


@pytest.fixture
def committee_member(school):
    return make_user_with_role(roles.PROPOSAL_COMMITTEE, school, username="committee")


@pytest.fixture
def department(school):
    dept = DepartmentFactory(unit=school, name="总务处")
    handler = UserFactory(username="handler")
    handler.groups.add(Group.objects.get(name=roles.HANDLING_DEPARTMENT))
    dept.handlers.add(handler)
    return dept


def user(rep):
    return rep.person.user


def _draft(session, rep):
    return proposals.draft_proposal(
        session, author=user(rep), title="改善教师午餐条件", reasons="食堂座位不足", measures="增设就餐区"
    )


@pytest.fixture
def submitted(session, reps, committee_member):
    proposal = _draft(session, reps[0])
    proposals.invite_seconders(proposal, reps[1:3], acting_user=user(reps[0]))
    for rep in reps[1:3]:
        proposals.second_proposal(proposal, acting_user=user(rep))
    return proposals.submit_proposal(proposal, acting_user=user(reps[0]))
