from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from members.models import Committee, Membership, OrgUnit, Person, PostHolding
from union_site import roles
from union_site.management.commands.load_demo import DEMO_PASSWORD


def _counts():
    return (
        OrgUnit.objects.count(),
        Person.objects.count(),
        Membership.objects.count(),
        Committee.objects.count(),
        PostHolding.objects.count(),
        get_user_model().objects.count(),
    )


def test_load_demo_builds_the_county_union_and_is_idempotent(db, capsys):
    call_command("load_demo")
    first = _counts()
    call_command("load_demo")
    assert _counts() == first

    county = OrgUnit.objects.get(code="XJY")
    schools = OrgUnit.objects.filter(parent=county, kind=OrgUnit.Kind.GRASSROOTS)
    assert schools.count() == 3
    central = OrgUnit.objects.get(code="XJY-CGZX")
    assert central.children.filter(kind=OrgUnit.Kind.BRANCH).count() == 4  # 分会 by grade group
    assert 110 <= Person.objects.filter(unit__path__startswith=central.path).count() <= 130
    factory = OrgUnit.objects.get(code="HXJX")
    assert factory.sector == OrgUnit.Sector.ENTERPRISE
    assert OrgUnit.objects.descendants_of(factory).filter(kind=OrgUnit.Kind.GROUP).count() >= 2
    out = capsys.readouterr().out
    assert "officer" in out and DEMO_PASSWORD in out


def test_every_role_has_a_demo_account_that_can_log_in(db, client):
    call_command("load_demo")
    User = get_user_model()
    for role in roles.ALL_ROLES:
        assert User.objects.filter(groups__name=role).exists(), role
    response = client.post(reverse("login"), {"username": "CGZX0001", "password": DEMO_PASSWORD})  # 工号 login
    assert response.status_code == 302 and response["Location"] == reverse("home")
    officer = User.objects.get(username="officer")
    assert officer.person.staff_no == "CGZX0001"
    assert officer.person.id_number_masked.startswith("3307")
