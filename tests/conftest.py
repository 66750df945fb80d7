import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from union_site import roles

from .factories import OrgUnitFactory, UnitScopeFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _missing_services() -> list[str]:
    missing = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        missing.append("PostgreSQL (DATABASE_URL)")
    if not os.environ.get("REDIS_URL"):
        missing.append("Redis (REDIS_URL)")
    return missing


def pytest_runtest_setup(item):
    """`@pytest.mark.services` tests skip without PostgreSQL and Redis, and fail under REQUIRE_SERVICES=1."""
    if item.get_closest_marker("services") is None:
        return
    missing = _missing_services()
    if missing:
        message = "needs " + ", ".join(missing)
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but this test {message}", pytrace=False)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def county_union(db):
    return OrgUnitFactory(name="县教育工会", code="XJY", kind="higher", sector="public")


@pytest.fixture
def school(county_union):
    return OrgUnitFactory(name="城关中心小学工会", code="XJY-ZXXX", kind="grassroots", parent=county_union)


@pytest.fixture
def other_school(county_union):
    return OrgUnitFactory(name="第二中学工会", code="XJY-EZ", kind="grassroots", parent=county_union)


def make_user_with_role(role, *units, **kwargs):
    user = UserFactory(**kwargs)
    if role:
        user.groups.add(Group.objects.get(name=role))
    for unit in units:
        UnitScopeFactory(user=user, unit=unit)
    return user


@pytest.fixture
def officer(school):
    return make_user_with_role(roles.OFFICER, school, username="officer", last_name="王", first_name="芳")


@pytest.fixture
def higher_officer(county_union):
    return make_user_with_role(roles.OFFICER, county_union, username="county")


@pytest.fixture
def member(school):
    return make_user_with_role(None, username="member", last_name="李", first_name="明")


@pytest.fixture
def english():
    """Run a test in English, so messages can be matched on their msgids."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def seeded_roles(transactional_db):
    """Transactional tests flush the database, role groups and grants included: seed them again."""
    import importlib

    from django.apps import apps

    from union_site.grants import grant

    for name in roles.ALL_ROLES:
        Group.objects.get_or_create(name=name)
    for module in ("members.migrations.0002_grant_officer_permissions",
                   "members.migrations.0004_grant_roster_permissions",
                   "union_site.migrations.0004_grant_account_permissions",
                   "congress.migrations.0002_grant_congress_permissions",
                   "elections.migrations.0002_grant_election_permissions"):
        grant(apps, importlib.import_module(module).GRANTS)
