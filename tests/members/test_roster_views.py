"""Roster pages (issue item 3), the membership workflows through their views (item 2) and members'
own data (item 9, PI9/PI10)."""

import datetime
import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from members import views
from members.models import (
    Committee,
    CorrectionRequest,
    Membership,
    MembershipEvent,
    Person,
    PostHolding,
    TransferRequest,
)
from union_site import roles
from union_site.models import AuditEvent

from ..conftest import make_user_with_role
from ..factories import MembershipFactory, OrgUnitFactory, PersonFactory, make_id_number

ROSTER = reverse("members:roster")


@pytest.fixture
def client(client, settings):
    """Pages in English, so messages can be matched on their msgids; zh_client shows the default, Chinese."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def zh_client(client, settings):
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    return client


def login(client, user):
    client.force_login(user)
    return client


def names(response):
    return {p["name"] for p in response.context["people"]}


def ordered(response):
    return [p["name"] for p in response.context["people"]]


def grant(user, codename):
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return type(user).objects.get(pk=user.pk)  # a fresh object: no stale permission cache


@pytest.fixture
def branch(school):
    return OrgUnitFactory(code="CG-D", name="低年级分会", kind="branch", parent=school)


@pytest.fixture
def group(branch):
    return OrgUnitFactory(code="CG-D1", name="一年级组", kind="group", parent=branch)


@pytest.fixture
def roster(school, branch, group, other_school):
    """Five people of 城关中心小学 (one in a branch, one in a group below it) and one of another school."""
    people = {
        "张伟": MembershipFactory(
            person__unit=branch,
            person__name="张伟",
            person__phone="18612345678",
            person__staff_no="JS0101",
            person__department="语文组",
            card_no="CG-000001",
            joined_on=datetime.date(2001, 9, 1),
        ).person,
        "张伟强": MembershipFactory(
            person__unit=school,
            person__name="张伟强",
            person__gender="F",
            person__department="数学组",
            person__category="teacher",
            card_no="CG-000002",
            joined_on=datetime.date(2015, 9, 1),
        ).person,
        "李明": MembershipFactory(
            person__unit=school,
            person__name="李明",
            status="retained",
            retention_reason="retired",
            card_no="CG-000003",
            joined_on=datetime.date(1990, 9, 1),
        ).person,
        "王五": PersonFactory(unit=school, name="王五", is_activist=True, department="总务处"),
        "赵六": MembershipFactory(
            person__unit=group,
            person__name="赵六",
            person__is_hardship=True,
            person__is_member_representative=True,
            status="applied",
            card_no="",
        ).person,
    }
    people["张伟外"] = MembershipFactory(
        person__unit=other_school, person__name="张伟外", card_no="EZ-000001"
    ).person
    return people


# --- search ----------------------------------------------------------------------------------------


def test_search_by_a_two_character_name_prefix_stays_in_scope(client, officer, roster):
    response = login(client, officer).get(ROSTER, {"q": "张伟"})
    assert names(response) == {"张伟", "张伟强"}  # 张伟外 belongs to another school
    assert names(client.get(ROSTER, {"q": "张"})) == {"张伟", "张伟强"}
    assert names(client.get(ROSTER, {"q": "伟"})) == set()  # a prefix, not a substring


def test_search_by_card_number_exact_or_prefix(client, officer, roster):
    login(client, officer)
    assert names(client.get(ROSTER, {"q": "CG-000003"})) == {"李明"}
    assert names(client.get(ROSTER, {"q": "cg-00000"})) == {"张伟", "张伟强", "李明"}  # lower case typed
    assert names(client.get(ROSTER, {"q": "EZ-000001"})) == set()  # another school's card


def test_search_by_phone_and_staff_number_prefix(client, officer, roster):
    login(client, officer)
    assert names(client.get(ROSTER, {"q": "186123"})) == {"张伟"}
    assert names(client.get(ROSTER, {"q": "１８６１２３"})) == {
        "张伟"
    }  # full-width digits from a Chinese IME
    assert names(client.get(ROSTER, {"q": "JS01"})) == {"张伟"}


def test_search_by_department(client, officer, roster):
    login(client, officer)
    assert names(client.get(ROSTER, {"q": "语文"})) == {"张伟"}  # prefix, from the search box
    assert names(client.get(ROSTER, {"dept": "务"})) == {"王五"}  # contains, from the filter


# --- filters, sorting, pages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"status": "active"}, {"张伟", "张伟强"}),
        ({"status": "retained"}, {"李明"}),
        ({"status": "applied"}, {"赵六"}),
        ({"status": "none"}, {"王五"}),
        ({"status": "nonsense"}, {"张伟", "张伟强", "李明", "王五", "赵六"}),  # ignored
        ({"gender": "F"}, {"张伟强"}),
        ({"category": "teacher"}, {"张伟强"}),
        ({"rep": "1"}, {"赵六"}),
        ({"activist": "1"}, {"王五"}),
        ({"hardship": "1"}, {"赵六"}),
        ({"hardship": "0", "activist": "0"}, {"张伟", "张伟强", "李明"}),
        ({"q": "张", "gender": "M"}, {"张伟"}),
        ({"roster": "members", "status": "applied"}, set()),  # contradictory: answered without a query
        ({"roster": "members", "status": "retained"}, {"李明"}),
    ],
)
def test_each_filter(client, officer, roster, params, expected):
    assert names(login(client, officer).get(ROSTER, params)) == expected


def test_unit_filter_includes_everything_below_the_unit(
    client, officer, roster, school, branch, group, other_school
):
    login(client, officer)
    assert names(client.get(ROSTER, {"unit": group.pk})) == {"赵六"}
    assert names(client.get(ROSTER, {"unit": branch.pk})) == {"张伟", "赵六"}  # the branch and its group
    assert names(client.get(ROSTER, {"unit": school.pk})) == {"张伟", "张伟强", "李明", "王五", "赵六"}
    assert names(client.get(ROSTER, {"unit": other_school.pk})) == set()  # outside the scope: nothing leaks
    assert names(client.get(ROSTER, {"unit": "abc"})) == {"张伟", "张伟强", "李明", "王五", "赵六"}


def test_unit_filter_of_a_large_subtree_uses_the_path(client, officer, roster, school, branch, monkeypatch):
    monkeypatch.setattr(views.UnitFilter, "IDS", 1)  # the subtree is "too large" for a list of ids
    assert names(login(client, officer).get(ROSTER, {"unit": branch.pk})) == {"张伟", "赵六"}


def test_higher_union_officer_sees_every_school(client, higher_officer, roster, county_union):
    response = login(client, higher_officer).get(ROSTER, {"q": "张伟"})
    assert names(response) == {"张伟", "张伟强", "张伟外"}
    assert names(client.get(ROSTER, {"unit": county_union.pk, "q": "张伟外"})) == {"张伟外"}


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("-card", ["李明", "张伟强", "张伟"]),
        ("card", ["张伟", "张伟强", "李明"]),
        ("joined", ["李明", "张伟", "张伟强"]),
        ("-joined", ["张伟强", "张伟", "李明"]),
    ],
)
def test_sorting_by_membership_fields(client, officer, roster, sort, expected):
    response = login(client, officer).get(ROSTER, {"sort": sort, "roster": "members"})
    assert ordered(response) == expected


def test_sorting_by_name_and_unit(client, officer, roster):
    login(client, officer)
    by_name = ordered(client.get(ROSTER))
    assert by_name == sorted(by_name)
    assert ordered(client.get(ROSTER, {"sort": "-name"})) == by_name[::-1]
    assert ordered(client.get(ROSTER, {"sort": "name", "q": "张"})) == ["张伟", "张伟强"]
    assert ordered(client.get(ROSTER, {"sort": "-name", "q": "张"})) == ["张伟强", "张伟"]
    by_unit = ordered(client.get(ROSTER, {"sort": "unit"}))
    assert by_unit[:3] == sorted(["张伟强", "李明", "王五"])  # the school's own path comes first
    assert by_unit[3:] == ["张伟", "赵六"]  # then the branch, then its group


def test_pagination_fifty_per_page(client, officer, school):
    for i in range(120):
        PersonFactory(unit=school, name=f"员工{i:03d}")
    login(client, officer)
    first = client.get(ROSTER)
    assert len(first.context["people"]) == 50 and first.context["page_obj"].paginator.num_pages == 3
    assert 'data-total="120"' in first.content.decode()
    third = client.get(ROSTER, {"page": 3})
    assert ordered(third) == [f"员工{i:03d}" for i in range(100, 120)]
    assert ordered(client.get(ROSTER, {"page": 99})) == ordered(third)  # past the end: the last page
    assert ordered(client.get(ROSTER, {"page": "x"})) == ordered(first)


def test_huge_results_are_counted_only_up_to_a_cap(client, officer, school, monkeypatch):
    monkeypatch.setattr(views, "COUNT_CAP", 5)
    for _ in range(8):
        PersonFactory(unit=school)
    response = login(client, officer).get(ROSTER)
    assert response.context["capped"]
    assert 'data-total="5+"' in response.content.decode()


def test_the_five_rosters_are_views_of_the_same_people(client, officer, roster, school):
    committee = Committee.objects.create(unit=school, starts_on="2024-01-01", term_years=5)
    PostHolding.objects.create(
        unit=school, committee=committee, person=roster["张伟"], post="chair", started_on="2024-01-01"
    )
    PostHolding.objects.create(
        unit=school,
        committee=committee,
        person=roster["李明"],
        post="member",
        started_on="2019-01-01",
        ended_on="2023-12-31",
    )  # no longer holds it
    login(client, officer)
    expected = {
        "staff": {"张伟", "张伟强", "李明", "王五", "赵六"},  # 职工: everybody on the roster
        "members": {"张伟", "张伟强", "李明"},  # 会员: current members (not pending applications)
        "officers": {"张伟"},  # 工会干部: holding a post today
        "representatives": {"赵六"},  # 会员代表
        "activists": {"王五"},  # 积极分子
    }
    for key, people in expected.items():
        response = client.get(ROSTER, {"roster": key})
        assert names(response) == people, key
        assert response.context["roster_label"] == views.ROSTERS[key]
        export = reverse("members:roster-export") + f"?roster={key}"
        assert export in response.content.decode()  # each roster is exportable


def test_export_link_keeps_the_filters(client, officer, roster, school):
    page = (
        login(client, officer)
        .get(ROSTER, {"roster": "members", "unit": school.pk, "q": "张", "page": 1})
        .content.decode()
    )
    link = page.split("data-export")[0].rsplit('href="', 1)[1]
    assert link.startswith(reverse("members:roster-export") + "?")
    assert f"unit={school.pk}" in link and "roster=members" in link and "page" not in link


def test_list_is_usable_on_a_phone(client, officer, roster):
    page = login(client, officer).get(ROSTER).content.decode()
    assert 'class="table-responsive"' in page
    assert 'id="roster-filters"' in page and 'data-bs-toggle="collapse"' in page  # filters fold away
    assert "collapse d-md-block" in page and "collapse d-md-block show" not in page  # closed until used
    assert "collapse d-md-block show" in client.get(ROSTER, {"gender": "F"}).content.decode()


@pytest.mark.parametrize(
    "params", [{}, {"q": "张伟"}, {"unit": "branch"}, {"status": "active", "sort": "-card"}]
)
def test_roster_query_count_is_the_same_for_1_and_30_people(
    client, officer, school, branch, params, django_assert_num_queries
):
    if params.get("unit"):
        params = {"unit": branch.pk}
    MembershipFactory(person__unit=branch, person__name="张伟")
    login(client, officer).get(ROSTER)  # warm up: session, content types
    # 1 session, 2 user, 3 user's and 4 groups' permissions, 5 scope paths, 6 the unit filter's options
    # (with the chosen unit's subtree), 7 one page of people with their current membership and the
    # capped count as a subquery; the page header: 8 unread count, 9 role names, 10 the linked person
    with django_assert_num_queries(10):
        assert client.get(ROSTER, params).status_code == 200
    for i in range(29):
        MembershipFactory(person__unit=branch, person__name=f"张伟{i}")
    with django_assert_num_queries(10):
        response = client.get(ROSTER, params)
    assert len(response.context["people"]) == 30


# --- permissions -----------------------------------------------------------------------------------

PERSON_PAGES = ["members:person-detail", "members:person-edit", "members:person-apply"]
OFFICER_PAGES = [
    "members:roster",
    "members:person-create",
    "members:transfers",
    *PERSON_PAGES,
    "members:membership-action",
]


@pytest.fixture
def users(officer, member, higher_officer, other_school):
    return {
        "anonymous": None,
        "member": member,
        "officer": officer,
        "higher": higher_officer,
        "other": make_user_with_role(roles.OFFICER, other_school, username="other-officer"),
    }


def _url(name, roster):
    if name == "members:membership-action":
        return reverse(name, args=[roster["张伟"].memberships.get().pk, "withdraw"])
    if name in PERSON_PAGES:
        return reverse(name, args=[roster["王五"].pk])
    return reverse(name)


@pytest.mark.parametrize("name", OFFICER_PAGES)
@pytest.mark.parametrize(
    "role, status",
    [("anonymous", 302), ("member", 403), ("officer", 200), ("higher", 200), ("other", "404 on a person")],
)
def test_permission_matrix(client, roster, users, name, role, status):
    url = _url(name, roster)
    if users[role] is not None:
        login(client, users[role])
    response = client.get(url)
    if status == "404 on a person":  # another school's officer: its pages work, our people do not exist
        status = 404 if name in [*PERSON_PAGES, "members:membership-action"] else 200
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "name, args",
    [
        ("members:person-id-number", ["person"]),
        ("members:transfer-decide", [1, "accept"]),
        ("members:correction-decide", [1, "done"]),
    ],
)
def test_state_changes_are_post_only(client, officer, roster, name, args):
    args = [roster["张伟"].pk if a == "person" else a for a in args]
    assert login(client, officer).get(reverse(name, args=args)).status_code == 405


def test_member_cannot_see_another_persons_page_or_the_roster(client, member, roster):
    login(client, member)
    assert client.get(reverse("members:person-detail", args=[roster["张伟"].pk])).status_code == 403
    assert client.get(ROSTER).status_code == 403


# --- the person page and forms ---------------------------------------------------------------------


def test_person_page_shows_the_masked_id_timeline_posts_and_transfers(
    client, officer, roster, school, other_school
):
    person = roster["张伟"]
    person.set_id_number(make_id_number(7))
    person.save()
    membership = person.memberships.get()
    from members import services

    services.record_education(membership, note="小组长谈话", acting_user=officer)
    committee = Committee.objects.create(unit=school, starts_on="2024-01-01", term_years=5)
    PostHolding.objects.create(
        unit=school, committee=committee, person=person, post="chair", started_on="2024-01-01"
    )
    services.request_transfer(membership, to_union=other_school, acting_user=officer, note="调往二中")
    page = login(client, officer).get(reverse("members:person-detail", args=[person.pk])).content.decode()
    assert person.id_number_masked in page and make_id_number(7) not in page
    assert 'data-event="education"' in page and "小组长谈话" in page and officer.display_name in page
    assert 'data-event="transfer_requested"' in page
    assert other_school.name in page and 'data-state="pending"' in page  # the pending transfer out
    assert reverse("members:transfer-decide", args=[TransferRequest.objects.get().pk, "cancel"]) in page
    assert (
        reverse("members:person-id-number", args=[person.pk]) not in page
    )  # no full-ID button without the perm


def test_person_create_with_a_bad_id_number_explains_it_beside_the_field_and_writes_nothing(
    zh_client, officer, school
):
    data = {
        "unit": school.pk,
        "name": "赵七",
        "gender": "M",
        "id_number": "110105194912310021",
        "category": "teacher",
        "contract_type": "regular",
        "employment": "employed",
    }
    response = login(zh_client, officer).post(reverse("members:person-create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    error = page.split('id="id_id_number_error"')[1].split("</div></div>")[0]
    assert "校验位错误" in error  # the idcard message, translated, in the field's own error box
    assert not Person.objects.filter(name="赵七").exists()
    assert not AuditEvent.objects.filter(action="members.person.created").exists()


def test_person_create_refuses_a_duplicate_id_number_and_a_unit_outside_scope(
    client, officer, roster, school, other_school
):
    roster["李明"].set_id_number(make_id_number(8))
    roster["李明"].save()
    data = {
        "unit": school.pk,
        "name": "赵七",
        "gender": "M",
        "id_number": make_id_number(8)[:17] + " " + make_id_number(8)[17],
        "category": "teacher",
        "contract_type": "regular",
        "employment": "employed",
    }
    response = login(client, officer).post(reverse("members:person-create"), data)
    assert response.context["form"].errors["id_number"] == ["This ID number is already on the roster (李明)."]
    response = client.post(
        reverse("members:person-create"), {**data, "unit": other_school.pk, "id_number": make_id_number(9)}
    )
    assert response.context["form"].errors["unit"] == ["Please choose one of your own units."]
    assert not Person.objects.filter(name="赵七").exists()


def test_person_create_and_edit(client, officer, school, branch):
    login(client, officer)
    response = client.post(
        reverse("members:person-create"),
        {
            "unit": branch.pk,
            "name": " 赵 七 ",
            "gender": "M",
            "id_number": "11010519491231002x",
            "category": "teacher",
            "contract_type": "regular",
            "employment": "employed",
            "phone": "139 1234-5678",
        },
    )
    person = Person.objects.get(name="赵七")
    assert response["Location"] == reverse("members:person-detail", args=[person.pk])
    assert person.id_number_masked == "110105********002X" and person.id_number == "11010519491231002X"
    assert person.gender == "F" and person.phone == "13912345678"  # gender follows the ID number
    response = client.post(
        reverse("members:person-edit", args=[person.pk]),
        {
            "unit": branch.pk,
            "name": "赵七",
            "gender": "F",
            "id_number": "",
            "category": "teacher",
            "contract_type": "regular",
            "employment": "retired",
            "phone": "13912345678",
        },
    )
    person.refresh_from_db()
    assert response.status_code == 302 and person.employment == "retired"
    assert person.id_number == "11010519491231002X"  # empty keeps the number
    event = AuditEvent.objects.get(action="members.person.changed")
    assert event.data == {"fields": ["employment"]}  # the field names only, never the values


def test_full_id_view_needs_the_permission_and_is_audited(client, officer, roster, other_school):
    person = roster["张伟"]
    person.set_id_number(make_id_number(3))
    person.save()
    url = reverse("members:person-id-number", args=[person.pk])
    assert login(client, officer).post(url).status_code == 403
    assert not AuditEvent.objects.filter(action="members.person.id_number_viewed").exists()
    officer = grant(officer, "view_full_id_number")
    detail = login(client, officer).get(reverse("members:person-detail", args=[person.pk])).content.decode()
    assert url in detail and make_id_number(3) not in detail  # a button, not the number
    response = client.post(url)
    assert make_id_number(3) in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="members.person.id_number_viewed")
    assert (event.actor, event.object_id) == (officer, str(person.pk))
    outsider = grant(
        make_user_with_role(roles.OFFICER, other_school, username="outsider"), "view_full_id_number"
    )
    assert login(client, outsider).post(url).status_code == 404


# --- workflows through their views ---------------------------------------------------------------


def action_url(membership, action):
    return reverse("members:membership-action", args=[membership.pk, action])


def test_m2_officer_records_an_application_then_approves_it_and_a_card_is_issued(
    client, officer, roster, school
):
    person = roster["王五"]
    url = reverse("members:person-apply", args=[person.pk])
    login(client, officer)
    response = client.post(url, {})
    assert "Please read and agree to the privacy notice" in response.content.decode()  # PI3
    assert client.post(url, {"consent": "on"})["Location"] == reverse(
        "members:person-detail", args=[person.pk]
    )
    membership = Membership.objects.get(person=person)
    assert membership.status == "applied"
    page = client.get(action_url(membership, "approve")).content.decode()
    assert "M2/M3" in page
    response = client.post(action_url(membership, "approve"), {"joined_on": "2024-03-05"})
    membership.refresh_from_db()
    assert response.status_code == 302
    assert membership.status == "active" and membership.card_no == f"{school.code}-000001"
    assert membership.dues_from == datetime.date(2024, 4, 1)


def test_approve_form_explains_a_taken_card_number_and_a_future_join_date(client, officer, roster):
    membership = roster["赵六"].memberships.get()
    login(client, officer)
    response = client.post(action_url(membership, "approve"), {"card_no": "cg-000001"})
    assert response.context["form"].non_field_errors() == [
        "Card number CG-000001 is already used in this union."
    ]
    response = client.post(action_url(membership, "approve"), {"joined_on": "2999-01-01"})
    assert response.context["form"].errors["joined_on"] == ["The join date cannot be in the future."]
    assert Membership.objects.get(pk=membership.pk).status == "applied"


def test_m15_deem_withdrawn_is_refused_with_a_message_until_an_education_step(client, officer, roster):
    membership = roster["张伟"].memberships.get()
    login(client, officer)
    response = client.post(action_url(membership, "deem"), {"note": ""})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "A member can be deemed withdrawn only after an education step has been recorded (M15)."
    ]
    response = client.post(action_url(membership, "educate"), {"note": ""})
    assert response.context["form"].errors["note"] == [
        "Please write the note; it goes into the member's history."
    ]
    client.post(action_url(membership, "educate"), {"note": "2026-05-10 小组长谈话"})
    assert client.post(action_url(membership, "deem"), {"note": ""}).status_code == 302
    assert Membership.objects.get(pk=membership.pk).status == "deemed_withdrawn"


def test_m16_expel_form_needs_the_sanction_and_the_filing(client, officer, roster):
    membership = roster["张伟"].memberships.get()
    login(client, officer)
    page = client.get(action_url(membership, "expel")).content.decode()
    assert "M16" in page and "alert-danger" in page  # a dangerous step: a warning on the confirmation page
    response = client.post(action_url(membership, "expel"), {"sanction_ref": "(2026)刑初12号"})
    assert "filing_ref" in response.context["form"].errors
    client.post(
        action_url(membership, "expel"), {"sanction_ref": "(2026)刑初12号", "filing_ref": "县教工〔2026〕3号"}
    )
    assert Membership.objects.get(pk=membership.pk).status == "expelled"


def test_m9_retain_then_restore_and_an_inapplicable_step_is_refused(client, officer, roster):
    membership = roster["张伟"].memberships.get()
    login(client, officer)
    client.post(action_url(membership, "retain"), {"reason": "retired"})
    membership.refresh_from_db()
    assert membership.status == "retained" and membership.dues_exempt and not membership.may_vote
    page = client.get(action_url(membership, "retain")).content.decode()
    assert "it will be refused" in page  # the GET page warns before anyone submits
    response = client.post(action_url(membership, "retain"), {"reason": "retired"})
    assert response.context["form"].non_field_errors() == [
        "Only a member in good standing can retain membership (status: Retained membership)."
    ]
    client.post(action_url(membership, "restore"), {})
    assert Membership.objects.get(pk=membership.pk).status == "active"
    assert client.get(action_url(membership, "nonsense")).status_code == 404


def test_m14_withdrawal_through_its_confirmation_page(client, officer, roster):
    membership = roster["张伟"].memberships.get()
    login(client, officer)
    assert client.get(action_url(membership, "withdraw")).status_code == 200  # confirm first
    assert Membership.objects.get(pk=membership.pk).status == "active"
    client.post(action_url(membership, "withdraw"), {"note": "本人申请"})
    assert Membership.objects.get(pk=membership.pk).status == "withdrawn"
    event = MembershipEvent.objects.get(membership=membership, kind="withdrawn")
    assert (event.actor, event.note) == (officer, "本人申请")


def test_m7_transfer_to_any_grassroots_union_accepted_by_the_receiving_union(
    client, officer, roster, school, other_school
):
    receiver = make_user_with_role(roles.OFFICER, other_school, username="receiver")
    third = make_user_with_role(
        roles.OFFICER, OrgUnitFactory(code="XJY-SZ", name="三中工会"), username="third"
    )
    membership = roster["张伟"].memberships.get()
    login(client, officer)
    form = client.get(action_url(membership, "transfer")).context["form"]
    choices = set(form.fields["to_union"].queryset)
    assert other_school in choices and school not in choices  # any grassroots union but the member's own
    client.post(action_url(membership, "transfer"), {"to_union": other_school.pk, "note": "调往二中"})
    transfer = TransferRequest.objects.get()
    # both sides see it
    outgoing = client.get(reverse("members:transfers"))
    assert [t for t, *_ in outgoing.context["outgoing"]] == [transfer] and outgoing.context["incoming"] == []
    accept = reverse("members:transfer-decide", args=[transfer.pk, "accept"])
    assert client.post(accept).status_code == 403  # the sending union cannot accept
    incoming = login(client, receiver).get(reverse("members:transfers"))
    assert [t for t, *_ in incoming.context["incoming"]] == [transfer]
    assert accept in incoming.content.decode()
    cancel = reverse("members:transfer-decide", args=[transfer.pk, "cancel"])
    assert client.post(cancel).status_code == 403  # nor the receiving union cancel
    assert login(client, third).post(accept).status_code == 404  # a third union does not see it
    response = login(client, receiver).post(accept)
    assert response["Location"] == reverse("members:transfers")
    new = Membership.objects.get(person=roster["张伟"], status="active")
    assert new.union == other_school and new.joined_on == datetime.date(2001, 9, 1)  # M4
    assert client.get(reverse("members:person-detail", args=[roster["张伟"].pk])).status_code == 200
    # the sending union still sees what happened, but no longer the person
    response = login(client, officer).get(reverse("members:transfers"))
    assert [t.state for t, *_ in response.context["outgoing"]] == ["accepted"]
    assert client.get(reverse("members:person-detail", args=[roster["张伟"].pk])).status_code == 404


def test_m7_sending_union_cancels_a_pending_transfer(client, officer, roster, other_school):
    membership = roster["张伟"].memberships.get()
    login(client, officer).post(action_url(membership, "transfer"), {"to_union": other_school.pk})
    transfer = TransferRequest.objects.get()
    response = client.post(reverse("members:transfer-decide", args=[transfer.pk, "cancel"]), follow=True)
    assert "The transfer was cancelled." in response.content.decode()
    assert Membership.objects.get(pk=membership.pk).status == "active"
    response = client.post(reverse("members:transfer-decide", args=[transfer.pk, "cancel"]), follow=True)
    assert "This transfer has already been decided." in response.content.decode()


# --- members' own pages ---------------------------------------------------------------------------


@pytest.fixture
def me(member, school):
    person = PersonFactory(unit=school, user=member, name="李明明", id_number=make_id_number(5))
    MembershipFactory(person=person, card_no="CG-000009")
    return person


def test_member_sees_their_own_record(client, member, me):
    page = login(client, member).get(reverse("members:my-record")).content.decode()
    assert me.name in page and me.id_number_masked in page and "CG-000009" in page
    assert make_id_number(5) not in page


def test_my_record_without_a_linked_person_is_not_an_error(client, member):
    response = login(client, member).get(reverse("members:my-record"))
    assert response.status_code == 200 and "data-no-record" in response.content.decode()
    assert client.get(reverse("members:my-data"))["Location"] == reverse("members:my-record")
    assert client.get(reverse("members:my-correction"))["Location"] == reverse("members:my-record")


def test_pi9_member_asks_for_a_correction_and_an_officer_answers(client, member, officer, me):
    login(client, member)
    response = client.post(reverse("members:my-correction"), {"message": ""})
    assert response.context["form"].errors["message"] == ["Please describe what is wrong and what is right."]
    client.post(reverse("members:my-correction"), {"message": "手机号应为 13800000000"})
    correction = CorrectionRequest.objects.get()
    assert correction.person == me and correction.state == "open"
    page = login(client, officer).get(reverse("members:person-detail", args=[me.pk])).content.decode()
    assert "手机号应为 13800000000" in page
    refuse = reverse("members:correction-decide", args=[correction.pk, "refused"])
    response = client.post(refuse, {"answer": ""}, follow=True)
    assert "Please give the reason for refusing (PI9)." in response.content.decode()  # art.50
    assert CorrectionRequest.objects.get().state == "open"
    client.post(reverse("members:correction-decide", args=[correction.pk, "done"]), {"answer": "已更正"})
    correction.refresh_from_db()
    assert (correction.state, correction.answer, correction.decided_by) == ("done", "已更正", officer)
    response = client.post(refuse, {"answer": "x"}, follow=True)
    assert "already been answered" in response.content.decode()
    assert "已更正" in login(client, member).get(reverse("members:my-record")).content.decode()


def test_correction_decisions_stay_in_scope(client, me, other_school):
    correction = CorrectionRequest.objects.create(person=me, message="x")
    outsider = make_user_with_role(roles.OFFICER, other_school, username="outsider")
    url = reverse("members:correction-decide", args=[correction.pk, "done"])
    assert login(client, outsider).post(url).status_code == 404


def test_pi9_member_downloads_their_data_as_json_with_their_own_id_number(client, member, me, officer):
    from members import services

    services.record_education(me.memberships.get(), note="谈话", acting_user=officer)
    response = login(client, member).get(reverse("members:my-data"))
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["person"]["name"] == "李明明"
    assert data["person"]["id_number"] == make_id_number(5)  # their own number, in full
    assert data["memberships"][0]["card_no"] == "CG-000009"
    assert data["memberships"][0]["history"][0]["note"] == "谈话"
    assert AuditEvent.objects.filter(action="members.person.data_downloaded", actor=member).count() == 1


def test_m2_member_applies_online_with_the_privacy_notice(client, member, school):
    person = PersonFactory(unit=school, user=member)
    login(client, member)
    page = client.get(reverse("members:member-apply")).content.decode()
    assert "data-privacy-notice" in page and 'class="layout-member"' in page
    response = client.post(reverse("members:member-apply"), {})
    assert response.context["form"].errors["consent"] == [
        "Please read and agree to the privacy notice before applying."
    ]
    assert not Membership.objects.exists()
    response = client.post(reverse("members:member-apply"), {"consent": "on"})
    assert response["Location"] == reverse("members:my-record")
    assert Membership.objects.get(person=person).status == "applied"
    person.refresh_from_db()
    assert person.consent_at is not None and person.privacy_notice_version  # PI3/PI4 recorded
    response = client.post(reverse("members:member-apply"), {"consent": "on"})
    assert "already has a current membership" in response.content.decode()
