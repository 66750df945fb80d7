"""Committee terms and post holdings: the services (E12, E13, M10, one chair) and the pages."""

import datetime

import pytest
from django.urls import reverse

from members import committee_services as cs
from members.models import Committee, PostHolding
from union_site import roles
from union_site.models import AuditEvent

from ..conftest import make_user_with_role
from ..factories import CommitteeFactory, MembershipFactory

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def english_pages(client, settings):
    """Pages in English too, so they can be matched on the msgids."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

D = datetime.date


def active_people(unit, n, **kwargs):
    return [MembershipFactory(person__unit=unit, union=unit, **kwargs).person for _ in range(n)]


def start(unit, user, starts_on=datetime.date(2024, 1, 1), kind="union", **kwargs):
    kwargs.setdefault("term_years", 5)
    return cs.start_committee_term(unit, kind=kind, starts_on=starts_on, acting_user=user, **kwargs)


# Services ---------------------------------------------------------------------------------------

def test_a_new_term_ends_the_current_one_and_its_posts(school, officer):
    person = active_people(school, 1)[0]
    old = start(school, officer, D(2019, 1, 1), term_number=3)
    post = cs.add_post(old, person=person, post="chair", started_on=D(2019, 1, 1), acting_user=officer)
    new = start(school, officer, D(2024, 1, 10))
    old.refresh_from_db()
    post.refresh_from_db()
    assert old.ended_on == D(2024, 1, 9) and post.ended_on == D(2024, 1, 9)
    assert new.term_number == 4 and new.ended_on is None
    assert AuditEvent.objects.for_object(new).get().action == "members.committee.started"
    assert AuditEvent.objects.for_object(old).filter(action="members.committee.ended").exists()


def test_committee_terms_are_3_or_5_years(school, officer):
    with pytest.raises(cs.CommitteeError, match="3 or 5 years"):
        start(school, officer, term_years=4)


def test_committee_terms_are_for_grassroots_unions(county_union, officer):
    with pytest.raises(cs.CommitteeError, match="grassroots"):
        start(county_union, officer)


def test_e13_late_renewal_requires_the_higher_unions_approval(school, officer):
    start(school, officer, D(2019, 1, 1))  # due 2024-01-01
    with pytest.raises(cs.CommitteeError, match=r"renewing 152 days late needs the higher union's written approval "
                                                r"\(E13\)") as error:
        start(school, officer, D(2024, 6, 1))
    assert error.value.field == "renewal_approval_ref"
    renewed = start(school, officer, D(2024, 6, 1), renewal_approval_ref=" 县教工〔2024〕8号 ")
    assert renewed.renewal_approval_ref == "县教工〔2024〕8号"


def test_e13_early_renewal_requires_the_higher_unions_approval(school, officer):
    start(school, officer, D(2019, 1, 1))
    with pytest.raises(cs.CommitteeError, match="days early"):
        start(school, officer, D(2023, 10, 1))


def test_e13_renewal_within_30_days_needs_no_approval(school, officer):
    start(school, officer, D(2019, 1, 1))
    assert start(school, officer, D(2024, 1, 31)).renewal_approval_ref == ""


def test_e13_counts_from_an_ended_term_too(school, officer):
    old = start(school, officer, D(2019, 1, 1))
    cs.end_committee_term(old, ended_on=D(2023, 12, 31), acting_user=officer)
    with pytest.raises(cs.CommitteeError, match="E13"):
        start(school, officer, D(2024, 9, 1))


def test_a_new_term_must_start_after_the_previous_one(school, officer):
    start(school, officer, D(2024, 1, 1))
    with pytest.raises(cs.CommitteeError, match="must start after the previous one") as error:
        start(school, officer, D(2023, 1, 1), renewal_approval_ref="x")
    assert error.value.field == "starts_on"


def test_each_committee_kind_has_its_own_terms(school, officer):
    start(school, officer, kind="union")
    start(school, officer, kind="audit")
    start(school, officer, kind="women")
    assert Committee.objects.filter(unit=school).current().count() == 3


def test_one_chair_at_a_time(school, officer):
    a, b = active_people(school, 2)
    term = start(school, officer)
    first = cs.add_post(term, person=a, post="chair", acting_user=officer)
    with pytest.raises(cs.CommitteeError, match=f"{a.name} is the chair of this union: end that post"):
        cs.add_post(term, person=b, post="chair", acting_user=officer)
    cs.end_post(first, acting_user=officer)
    assert cs.add_post(term, person=b, post="chair", acting_user=officer).person == b


def test_a_post_is_held_once_per_person_and_term(school, officer):
    person = active_people(school, 1)[0]
    term = start(school, officer)
    cs.add_post(term, person=person, post="member", acting_user=officer)
    with pytest.raises(cs.CommitteeError, match="already holds this post"):
        cs.add_post(term, person=person, post="member", acting_user=officer)


def test_m10_a_retained_member_cannot_hold_a_post(school, officer):
    person = active_people(school, 1, status="retained", retention_reason="retired")[0]
    with pytest.raises(cs.CommitteeError, match="not a member in good standing of this union"):
        cs.add_post(start(school, officer), person=person, post="member", acting_user=officer)


def test_a_member_of_another_union_cannot_hold_a_post(school, other_school, officer):
    stranger = active_people(other_school, 1)[0]
    with pytest.raises(cs.CommitteeError, match="not a member in good standing"):
        cs.add_post(start(school, officer), person=stranger, post="member", acting_user=officer)


def test_posts_belong_to_their_committee(school, officer):
    person = active_people(school, 1)[0]
    with pytest.raises(cs.CommitteeError, match="does not belong to the Funds audit committee"):
        cs.add_post(start(school, officer, kind="audit"), person=person, post="chair", acting_user=officer)


def test_no_posts_in_an_ended_term(school, officer):
    person = active_people(school, 1)[0]
    term = start(school, officer)
    cs.end_committee_term(term, ended_on=D(2024, 6, 1), acting_user=officer)
    with pytest.raises(cs.CommitteeError, match="This term has ended"):
        cs.add_post(term, person=person, post="member", acting_user=officer)


def test_ending_a_term_ends_its_posts_and_is_audited(school, officer):
    person = active_people(school, 1)[0]
    term = start(school, officer)
    post = cs.add_post(term, person=person, post="member", started_on=D(2024, 2, 1), acting_user=officer)
    with pytest.raises(cs.CommitteeError, match="before the election date"):
        cs.end_committee_term(term, ended_on=D(2023, 1, 1), acting_user=officer)
    cs.end_committee_term(term, ended_on=D(2024, 6, 1), acting_user=officer)
    post.refresh_from_db()
    assert post.ended_on == D(2024, 6, 1)
    assert AuditEvent.objects.for_object(term).filter(action="members.committee.ended").exists()
    with pytest.raises(cs.CommitteeError, match="already ended"):
        cs.end_committee_term(term, ended_on=D(2024, 7, 1), acting_user=officer)


# Pages ------------------------------------------------------------------------------------------

@pytest.fixture
def term(school):
    return CommitteeFactory(unit=school, starts_on=D(2024, 1, 1))


@pytest.fixture
def holding(term):
    person = active_people(term.unit, 1)[0]
    return PostHolding.objects.create(unit=term.unit, committee=term, person=person, post="member",
                                      started_on=D(2024, 1, 1))


@pytest.fixture
def users(school, other_school, officer, higher_officer):
    return {
        "anonymous": None,
        "member": make_user_with_role(None, school, username="plain"),
        "auditor": make_user_with_role(roles.AUDITOR, school, username="auditor"),
        "other_officer": make_user_with_role(roles.OFFICER, other_school, username="other"),
        "officer": officer,
        "higher_officer": higher_officer,
    }


URLS = {
    "list": ("get", "members:committee-list", "school"),
    "create": ("get", "members:committee-create", "school"),
    "end_term": ("get", "members:committee-end", "term"),
    "add_post": ("get", "members:post-create", "term"),
    "end_post": ("post", "members:post-end", "holding"),
}
# role -> expected status per URL; 302 for anonymous is the login redirect, for end_post the redirect back
MATRIX = {
    "anonymous": {"list": 302, "create": 302, "end_term": 302, "add_post": 302, "end_post": 302},
    "member": {"list": 403, "create": 403, "end_term": 403, "add_post": 403, "end_post": 403},
    "auditor": {"list": 200, "create": 403, "end_term": 403, "add_post": 403, "end_post": 403},
    "other_officer": {"list": 404, "create": 404, "end_term": 404, "add_post": 404, "end_post": 404},
    "officer": {"list": 200, "create": 200, "end_term": 200, "add_post": 200, "end_post": 302},
    "higher_officer": {"list": 200, "create": 200, "end_term": 200, "add_post": 200, "end_post": 302},
}


@pytest.mark.parametrize("role", list(MATRIX))
@pytest.mark.parametrize("page", list(URLS))
def test_permission_matrix(client, users, school, term, holding, role, page):
    method, name, arg = URLS[page]
    obj = {"school": school, "term": term, "holding": holding}[arg]
    if users[role]:
        client.force_login(users[role])
    response = getattr(client, method)(reverse(name, args=[obj.pk]))
    assert response.status_code == MATRIX[role][page]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


def test_ending_a_post_is_post_only(client, officer, holding):
    client.force_login(officer)
    assert client.get(reverse("members:post-end", args=[holding.pk])).status_code == 405


def test_list_shows_terms_posts_and_the_term_status(client, officer, term, holding, time_machine):
    time_machine.move_to(datetime.datetime(2028, 10, 1, 9, tzinfo=datetime.UTC))  # term ends 2029-01-01
    client.force_login(officer)
    page = client.get(reverse("members:committee-list", args=[term.unit_id])).content.decode()
    assert "Union committee" in page and holding.person.name in page
    assert 'data-rule="E12"' in page and "in 92 days: prepare the renewal" in page
    assert 'data-due="2029-01-01"' in page


@pytest.mark.parametrize("n", [1, 6])
def test_list_query_count_is_constant(client, officer, school, django_assert_num_queries, n):
    people = active_people(school, n)
    for kind in ["union", "audit", "women"]:
        for year in range(n):
            c = CommitteeFactory(unit=school, kind=kind, starts_on=D(2000 + 5 * year, 1, 1),
                                 ended_on=None if year == n - 1 else D(2004 + 5 * year, 12, 31))
            for person in people:
                PostHolding.objects.create(unit=school, committee=c, person=person,
                                           post=cs.POSTS_BY_KIND[kind][1], started_on=c.starts_on)
    client.force_login(officer)
    client.get(reverse("members:committee-list", args=[school.pk]))  # warm the session
    # 1 session, 2 user, 3-4 user and group permissions, 5 scope paths, 6 the unit, 7 committees,
    # 8 their posts with people; the nav: 9 unread count, 10 role groups, 11 the linked person
    with django_assert_num_queries(11):
        assert client.get(reverse("members:committee-list", args=[school.pk])).status_code == 200


def test_create_a_term(client, officer, school):
    client.force_login(officer)
    response = client.post(reverse("members:committee-create", args=[school.pk]), {
        "kind": "union", "starts_on": "2024-01-01", "term_years": "5", "approved_by": "县教育工会",
        "approval_ref": "县教工〔2024〕1号", "approved_on": "2024-01-15",
    })
    assert response.status_code == 302
    assert response["Location"] == reverse("members:committee-list", args=[school.pk])
    term = Committee.objects.get(unit=school)
    assert term.due_on == D(2029, 1, 1) and term.approved_by == "县教育工会"
    assert AuditEvent.objects.for_object(term).get().actor == officer


def test_create_form_asks_for_the_e13_approval_beside_its_field(client, officer, term):
    client.force_login(officer)
    url = reverse("members:committee-create", args=[term.unit_id])
    data = {"kind": "union", "starts_on": "2029-09-01", "term_years": "5"}  # 243 days after 2029-01-01
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["renewal_approval_ref"]
    assert "renewing 243 days late needs the higher union's written approval (E13)" in errors["renewal_approval_ref"][0]
    assert Committee.objects.filter(unit=term.unit).count() == 1
    response = client.post(url, {**data, "renewal_approval_ref": "县教工〔2029〕5号"})
    assert response.status_code == 302 and Committee.objects.filter(unit=term.unit).count() == 2


def test_create_form_requires_a_date_and_a_3_or_5_year_term(client, officer, school):
    client.force_login(officer)
    response = client.post(reverse("members:committee-create", args=[school.pk]), {"kind": "union",
                                                                                  "term_years": "4"})
    errors = response.context["form"].errors
    assert errors["starts_on"] == ["Please enter the date the committee was elected."]
    assert "term_years" in errors


def test_add_a_post_and_a_readable_error_for_a_second_chair(client, officer, term):
    a, b = active_people(term.unit, 2)
    client.force_login(officer)
    url = reverse("members:post-create", args=[term.pk])
    response = client.post(url, {"person": a.pk, "post": "chair", "is_full_time": "on", "started_on": "2024-01-01"})
    assert response.status_code == 302
    assert PostHolding.objects.get(post="chair").is_full_time
    response = client.post(url, {"person": b.pk, "post": "chair", "started_on": "2024-02-01"})
    assert response.status_code == 200
    assert f"{a.name} is the chair of this union: end that post before recording a new chair." in \
        response.content.decode()


def test_post_form_offers_only_members_in_good_standing_and_the_committees_posts(client, officer, term):
    good = active_people(term.unit, 1)[0]
    retained = active_people(term.unit, 1, status="retained", retention_reason="retired")[0]
    client.force_login(officer)
    form = client.get(reverse("members:post-create", args=[term.pk])).context["form"]
    assert list(form.fields["person"].queryset) == [good]
    assert retained not in form.fields["person"].queryset
    assert [v for v, _label in form.fields["post"].choices] == ["chair", "vice_chair", "member"]


def test_end_a_post(client, officer, holding):
    client.force_login(officer)
    response = client.post(reverse("members:post-end", args=[holding.pk]), {"ended_on": "2024-12-31"})
    assert response.status_code == 302
    holding.refresh_from_db()
    assert holding.ended_on == D(2024, 12, 31)
    assert AuditEvent.objects.for_object(holding).get().action == "members.post.ended"


def test_end_a_term_after_confirmation(client, officer, term, holding):
    client.force_login(officer)
    url = reverse("members:committee-end", args=[term.pk])
    assert "ending the term also ends every post in it" in client.get(url).content.decode()
    response = client.post(url, {"ended_on": "2023-01-01"})
    assert response.context["form"].errors["ended_on"] == ["The end date is before the election date."]
    assert client.post(url, {"ended_on": "2025-06-30"}).status_code == 302
    term.refresh_from_db()
    holding.refresh_from_db()
    assert term.ended_on == holding.ended_on == D(2025, 6, 30)
