"""Unit scope: who sees which part of the union tree, the tree itself, and the unit page."""

import re

import pytest
from django.urls import reverse

from members.models import OrgUnit, RegionProfile
from tests.conftest import make_user_with_role
from tests.factories import MembershipFactory, OrgUnitFactory, PersonFactory, UnitScopeFactory, UserFactory
from union_site import roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(county_union, school, other_school):
    """县教育工会 → two schools; the first has two branches, one with a group."""
    units = {
        "county": county_union,
        "school": school,
        "other": other_school,
        "b1": OrgUnitFactory(code="ZX-B1", name="语文组分会", kind="branch", parent=school),
        "b2": OrgUnitFactory(code="ZX-B2", name="数学组分会", kind="branch", parent=school),
        "other-b": OrgUnitFactory(code="EZ-B1", name="二中分会", kind="branch", parent=other_school),
    }
    units["g1"] = OrgUnitFactory(code="ZX-G1", name="一年级小组", kind="group", parent=units["b1"])
    return units


def codes(qs):
    return set(qs.values_list("code", flat=True))


# --- visible_to --------------------------------------------------------------------------------


def test_higher_officer_sees_every_unit_below_the_county(tree, higher_officer):
    assert codes(OrgUnit.objects.visible_to(higher_officer)) == {u.code for u in tree.values()}


def test_school_officer_sees_only_their_school_and_its_branches(tree, officer):
    assert codes(OrgUnit.objects.visible_to(officer)) == {"XJY-ZXXX", "ZX-B1", "ZX-B2", "ZX-G1"}


def test_branch_scope_sees_only_that_branch_subtree(tree):
    user = make_user_with_role(roles.OFFICER, tree["b1"], username="b1")
    assert codes(OrgUnit.objects.visible_to(user)) == {"ZX-B1", "ZX-G1"}


def test_two_scopes_give_the_union_of_both_subtrees(tree):
    user = make_user_with_role(roles.OFFICER, tree["b2"], tree["other"], username="two")
    assert codes(OrgUnit.objects.visible_to(user)) == {"ZX-B2", "XJY-EZ", "EZ-B1"}


def test_superuser_sees_everything(tree):
    root = UserFactory(username="root", is_superuser=True)
    assert codes(OrgUnit.objects.visible_to(root)) == {u.code for u in tree.values()}


def test_user_without_a_scope_sees_nothing(tree, member):
    assert not OrgUnit.objects.visible_to(member).exists()


def test_a_scope_on_an_inactive_unit_gives_nothing(tree):
    tree["b2"].is_active = False
    tree["b2"].save()
    user = make_user_with_role(roles.OFFICER, tree["b2"], username="gone")
    assert not OrgUnit.objects.visible_to(user).exists()


def test_sibling_ids_sharing_a_prefix_do_not_leak(db):
    """/1/ must not match /10/: paths end with a slash."""
    first = OrgUnitFactory(id=9001, kind="higher")
    tenth = OrgUnitFactory(id=90012, kind="higher")
    assert tenth.path.startswith(first.path.rstrip("/"))  # "/9001" and "/90012/"
    user = make_user_with_role(roles.OFFICER, first, username="first")
    assert codes(OrgUnit.objects.visible_to(user)) == {first.code}


# --- the tree ----------------------------------------------------------------------------------


def test_descendants_of_is_one_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = codes(OrgUnit.objects.descendants_of(tree["school"]))
    assert found == {"XJY-ZXXX", "ZX-B1", "ZX-B2", "ZX-G1"}
    assert "XJY-ZXXX" not in codes(OrgUnit.objects.descendants_of(tree["school"], include_self=False))


def test_paths_and_depths_follow_the_tree(tree):
    county, school, b1, g1 = tree["county"], tree["school"], tree["b1"], tree["g1"]
    assert county.path == f"/{county.pk}/" and county.depth == 0
    assert g1.path == f"/{county.pk}/{school.pk}/{b1.pk}/{g1.pk}/" and g1.depth == 3


def test_moving_a_unit_re_roots_its_descendants(tree):
    other, b1, g1 = tree["other"], tree["b1"], tree["g1"]
    b1.parent = other
    b1.save()
    b1.refresh_from_db()
    g1.refresh_from_db()
    assert b1.path == f"{other.path}{b1.pk}/" and b1.depth == 2
    assert g1.path == f"{other.path}{b1.pk}/{g1.pk}/" and g1.depth == 3
    assert codes(OrgUnit.objects.descendants_of(tree["school"])) == {"XJY-ZXXX", "ZX-B2"}
    assert codes(OrgUnit.objects.descendants_of(other)) == {"XJY-EZ", "EZ-B1", "ZX-B1", "ZX-G1"}


def test_moving_a_unit_to_the_top_changes_the_depth_of_everything_below(tree):
    school = tree["school"]
    school.parent = None
    school.save()
    g1 = OrgUnit.objects.get(code="ZX-G1")
    assert g1.path == f"/{school.pk}/{tree['b1'].pk}/{g1.pk}/" and g1.depth == 2
    assert OrgUnit.objects.get(pk=school.pk).depth == 0


# --- the unit page -----------------------------------------------------------------------------


def test_officer_sees_a_unit_in_scope(client, tree, officer):
    client.force_login(officer)
    response = client.get(reverse("members:unit-detail", args=[tree["b1"].pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "语文组分会" in page and "一年级小组" in page


def test_unit_outside_the_scope_is_404(client, tree, officer):
    client.force_login(officer)
    for code in ("other", "other-b", "county"):
        assert client.get(reverse("members:unit-detail", args=[tree[code].pk])).status_code == 404


def test_member_without_permission_gets_403(client, tree, member):
    UnitScopeFactory(user=member, unit=tree["school"])  # a scope alone gives no permission
    client.force_login(member)
    assert client.get(reverse("members:unit-detail", args=[tree["school"].pk])).status_code == 403


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(reverse("members:unit-detail", args=[tree["school"].pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def breadcrumb(page: str) -> str:
    return re.search(r'<ol class="breadcrumb.*?</ol>', page, re.S).group(0)


def test_breadcrumb_shows_only_ancestors_in_scope(client, tree, officer, higher_officer):
    url = reverse("members:unit-detail", args=[tree["g1"].pk])
    client.force_login(officer)
    crumbs = breadcrumb(client.get(url).content.decode())
    assert "城关中心小学工会" in crumbs and "语文组分会" in crumbs and "县教育工会" not in crumbs
    client.force_login(higher_officer)
    crumbs = breadcrumb(client.get(url).content.decode())
    assert "县教育工会" in crumbs and "城关中心小学工会" in crumbs


def test_unit_page_shows_facts_and_children_with_counts(client, tree, officer):
    school = tree["school"]
    school.staff_count, school.sector = 86, OrgUnit.Sector.SCHOOL
    school.save()
    tree["county"].region = "zhejiang"
    tree["county"].save()
    for _ in range(3):
        MembershipFactory(person=PersonFactory(unit=tree["b1"]), union=school)
    PersonFactory(unit=tree["g1"])
    client.force_login(officer)
    page = client.get(reverse("members:unit-detail", args=[school.pk])).content.decode()
    facts = re.search(r"<dl class=\"row small mb-3\" data-unit-facts>.*?</dl>", page, re.S).group(0)
    assert 'data-field="staff">86<' in facts
    assert str(OrgUnit.Kind.GRASSROOTS.label) in facts and str(OrgUnit.Sector.SCHOOL.label) in facts
    assert str(RegionProfile.ZHEJIANG.label) in facts  # inherited from the county union
    row = re.search(r'<tr data-unit="ZX-B1">.*?</tr>', page, re.S).group(0)
    assert 'data-count="subunits">1<' in row
    assert 'data-count="people">4<' in row
    assert 'data-count="members">3<' in row


@pytest.mark.parametrize("n_children", [1, 10])
def test_unit_page_query_count_does_not_grow_with_children(
    client, officer, school, django_assert_num_queries, n_children
):
    for _ in range(n_children):
        branch = OrgUnitFactory(parent=school, kind="branch")
        OrgUnitFactory(parent=branch, kind="group")
        MembershipFactory(person=PersonFactory(unit=branch), union=school)
    client.force_login(officer)
    # 1 session, 2 user, 3-4 user and group permissions, 5 scope paths, 6 the unit with its counts,
    # 7 ancestors (breadcrumb), 8 effective region; the structure checks: 9 membership stats,
    # 10 committees, 11 posts, 12 the region profile; the nav: 13 unread count, 14 role groups,
    # 15 the roster record; 16 the children with their counts
    with django_assert_num_queries(16):
        response = client.get(reverse("members:unit-detail", args=[school.pk]))
    assert response.content.decode().count("<tr data-unit=") == n_children
