"""Election fixtures: a session of a members' assembly and nine voters with accounts."""

import pytest

from ..factories import MembershipFactory, SessionFactory, TermFactory, UserFactory


@pytest.fixture
def session(school):
    return SessionFactory(term=TermFactory(body__unit=school, body__kind="member_assembly"))


@pytest.fixture
def voters(school):
    """Nine members in good standing with accounts (usernames v0–v8)."""
    return [MembershipFactory(person__unit=school, person__user=UserFactory(username=f"v{i}"),
                              person__name=name).person
            for i, name in enumerate(["王芳", "李明", "张伟", "刘洋", "陈静", "杨勇", "赵磊", "黄丽", "周杰"])]
