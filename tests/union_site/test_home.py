"""The home page (officer dashboard, member page), the base layout and the language switch."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from members.models import Membership
from tests.conftest import make_user_with_role
from tests.factories import MembershipFactory, OrgUnitFactory, PersonFactory, UnitScopeFactory, UserFactory
from union_site import roles
from union_site.models import Notification

pytestmark = pytest.mark.django_db


def unit_card(page: str, code: str) -> str:
    """The HTML of one unit's card on the dashboard."""
    match = re.search(
        rf'<article class="card[^"]*" data-unit="{re.escape(code)}">(.*?)</article>', page, re.S
    )
    assert match, f"no card for {code}"
    return match.group(1)


def count_in(card: str, name: str) -> int:
    return int(re.search(rf'data-count="{name}">(\d+)<', card).group(1))


@pytest.fixture
def school_tree(school, other_school, officer):
    """城关中心小学工会 with three active sub-units (one inactive), accounts, people and members."""
    branch1 = OrgUnitFactory(code="ZX-B1", name="语文组分会", kind="branch", parent=school)
    branch2 = OrgUnitFactory(code="ZX-B2", name="数学组分会", kind="branch", parent=school)
    OrgUnitFactory(code="ZX-G1", name="一年级小组", kind="group", parent=branch1)
    OrgUnitFactory(code="ZX-OLD", name="已撤销分会", kind="branch", parent=school, is_active=False)
    helper = UserFactory(username="helper")
    UnitScopeFactory(user=helper, unit=branch1)
    UnitScopeFactory(user=helper, unit=branch2)  # two scopes inside the school: still one account
    make_user_with_role(roles.OFFICER, other_school, username="other-officer")
    for status in ["active", "active", "applied", "withdrawn"]:
        MembershipFactory(person=PersonFactory(unit=school), status=status)
    MembershipFactory(person=PersonFactory(unit=school), status="retained", retention_reason="retired")
    for _ in range(2):
        MembershipFactory(person=PersonFactory(unit=branch1), union=school)
    for _ in range(4):
        MembershipFactory(person=PersonFactory(unit=other_school))
    return school


def test_officer_dashboard_lists_own_units_with_their_counts(client, officer, school_tree):
    client.force_login(officer)
    page = client.get(reverse("home")).content.decode()
    card = unit_card(page, "XJY-ZXXX")
    assert "城关中心小学工会" in card
    assert count_in(card, "subunits") == 3  # two branches and a group; the inactive branch not counted
    assert count_in(card, "accounts") == 2  # the officer and the helper (counted once for two scopes)
    assert count_in(card, "people") == 7  # five in the school, two in a branch
    assert count_in(card, "members") == 5  # current: 2 active + 1 retained + 2 in the branch
    assert "第二中学工会" not in page and "XJY-EZ" not in page
    assert "县教育工会" not in page


def test_higher_officer_sees_the_county_union_with_every_unit_below(client, higher_officer, school_tree):
    client.force_login(higher_officer)
    page = client.get(reverse("home")).content.decode()
    card = unit_card(page, "XJY")
    assert count_in(card, "subunits") == 5  # two schools, two branches, one group
    assert count_in(card, "accounts") == 4  # county, school officer, helper, other-school officer
    assert count_in(card, "people") == 11
    assert 'data-unit="XJY-ZXXX"' not in page  # only the root of the scope gets a card


def test_superuser_sees_every_top_level_unit(client, school_tree):
    OrgUnitFactory(code="GROUP-CO", name="集团公司工会", kind="higher")
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    page = client.get(reverse("home")).content.decode()
    assert 'data-unit="XJY"' in page and 'data-unit="GROUP-CO"' in page
    assert 'data-unit="XJY-ZXXX"' not in page


def test_officer_without_a_scope_is_told_to_ask_for_one(client, db):
    client.force_login(make_user_with_role(roles.OFFICER, username="lost"))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "data-unit=" not in response.content.decode()


@pytest.mark.parametrize("n_units", [1, 10])
def test_officer_dashboard_query_count_does_not_grow_with_units(client, django_assert_num_queries, n_units):
    county = OrgUnitFactory(code="C", kind="higher")
    units = [OrgUnitFactory(parent=county) for _ in range(n_units)]
    officer = make_user_with_role(roles.OFFICER, *units, username="busy")
    for unit in units:
        OrgUnitFactory(parent=unit, kind="branch")
        MembershipFactory(person=PersonFactory(unit=unit))
    client.force_login(officer)
    # 1 session, 2 user, 3 the user's role groups (has_role), 4 scope paths (UnitScope),
    # 5 the root units with their four subtree counts (correlated subqueries),
    # then the page: 6 unread count (nav), 7-8 user and group permissions (nav, card links),
    # 9 the user's roster record (nav "My record")
    with django_assert_num_queries(9):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.content.decode().count('<article class="card') == n_units


def test_member_sees_their_own_page(client, member, school):
    PersonFactory(user=member, unit=school, name="李明", staff_no="T0042")
    member.staff_no = "S-42"
    member.save(update_fields=["staff_no"])
    for i in range(7):
        Notification.objects.create(recipient=member, subject=f"通知{i}")
    Notification.objects.create(recipient=UserFactory(), subject="别人的通知")
    client.force_login(member)
    response = client.get(reverse("home"))
    page = response.content.decode()
    assert response.templates[0].name == "union_site/home_member.html"
    assert "李明" in page and "S-42" in page and "城关中心小学工会" in page
    assert len(re.findall(r'href="/inbox/\d+/"', page)) == 5  # the latest five
    assert "别人的通知" not in page
    assert reverse("password_change") in page


def test_member_without_a_roster_record_sees_their_account_name(client, member):
    client.force_login(member)
    page = client.get(reverse("home")).content.decode()
    assert "李明" in page
    assert 'data-unit="' not in page


def test_member_does_not_see_officer_navigation(client, member):
    client.force_login(member)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("home")}#units"' not in page
    assert reverse("admin:index") not in page


def test_nav_shows_officer_and_staff_links_and_a_post_logout(client, officer):
    officer.is_staff = True
    officer.save(update_fields=["is_staff"])
    client.force_login(officer)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("home")}#units"' in page
    assert reverse("admin:index") in page
    assert reverse("password_change") in page
    logout_url = re.escape(reverse("logout"))
    logout = re.search(rf'<form method="post" action="{logout_url}">(.*?)</form>', page, re.S)
    assert logout and "csrfmiddlewaretoken" in logout.group(1)


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- the base layout --------------------------------------------------------------------------


def test_pages_are_chinese_first_and_switch_to_english(client, member):
    client.force_login(member)
    assert '<html lang="zh-hans">' in client.get(reverse("home")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in page


def test_language_switch_offers_both_languages_by_their_own_names(client, db):
    page = client.get(reverse("login")).content.decode()
    action = re.escape(reverse("set_language"))
    form = re.search(rf'<form class="language-switch[^>]*action="{action}"[^>]*>(.*?)</form>', page, re.S)
    assert form and 'method="post"' in form.group(0)
    assert "简体中文" in form.group(1) and "English" in form.group(1)
    assert {code for code, _ in settings.LANGUAGES} == set(
        re.findall(r'name="language" value="([^"]+)"', form.group(1))
    )


@pytest.mark.parametrize("url_name, logged_in", [("login", False), ("home", True)])
def test_pages_have_the_mobile_viewport_and_local_assets(client, member, url_name, logged_in):
    if logged_in:
        client.force_login(member)
    page = client.get(reverse(url_name)).content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "/static/bootstrap/css/bootstrap.min.css" in page
    assert "/static/bootstrap/js/bootstrap.bundle.min.js" in page


EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|action|srcset)\s*=\s*["']?\s*(?:https?:)?//)"""  # an attribute pointing off-site
    r"""|(?:url\(\s*["']?\s*(?:https?:)?//)"""  # a CSS url(...)
    r"""|(?:@import\s+["']?(?:https?:)?//)"""
    r"""|//cdn""",
    re.I,
)


def test_no_template_or_stylesheet_loads_anything_from_another_site():
    base = Path(settings.BASE_DIR)
    files = [p for p in (base / "templates").rglob("*") if p.suffix in {".html", ".txt", ".svg"}]
    files += list((base / "static" / "css").rglob("*.css"))
    assert files
    offenders = [
        f"{p.relative_to(base)}: {m.group(0)}" for p in files for m in EXTERNAL.finditer(p.read_text())
    ]
    assert not offenders


def test_forms_render_bootstrap_classes_and_errors_beside_the_field(client, member):
    client.force_login(member)
    response = client.post(reverse("password_change"), {"old_password": "wrong"})
    page = response.content.decode()
    assert 'class="form-control is-invalid"' in page
    assert 'class="invalid-feedback d-block"' in page


def test_membership_counts_ignore_pending_applications(client, officer, school):
    MembershipFactory(person=PersonFactory(unit=school), status=Membership.Status.APPLIED)
    client.force_login(officer)
    card = unit_card(client.get(reverse("home")).content.decode(), "XJY-ZXXX")
    assert count_in(card, "people") == 1 and count_in(card, "members") == 0
