"""Roster pages, person pages, workflows, members' own pages, import pages, cards and committees."""

import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from members.models import Committee, CorrectionRequest, Membership, Person, PostHolding
from union_site import roles
from union_site.models import AuditEvent, Job

from ..conftest import make_user_with_role
from ..factories import MembershipFactory, OrgUnitFactory, PersonFactory, make_id_number


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def roster(school):
    branch = OrgUnitFactory(code="CG-D", name="低年级分会", kind="branch", parent=school)
    people = [
        MembershipFactory(person__unit=branch, person__name="张伟", person__phone="18612345678",
                          person__department="语文组", card_no="CG-000001").person,
        MembershipFactory(person__unit=school, person__name="张伟强", person__gender="F", card_no="CG-000002").person,
        MembershipFactory(person__unit=school, person__name="李明", status="retained", retention_reason="retired",
                          card_no="CG-000003").person,
        PersonFactory(unit=school, name="王五", is_activist=True),
    ]
    return {"branch": branch, "people": people}


def names(response):
    return {p["name"] for p in response.context["people"]}


ROSTER = reverse("members:roster")


def test_search_and_filters(client, officer, roster):
    login(client, officer)
    assert names(client.get(ROSTER, {"q": "张伟"})) == {"张伟", "张伟强"}  # a 2-character prefix
    assert names(client.get(ROSTER, {"q": "CG-000003"})) == {"李明"}
    assert names(client.get(ROSTER, {"q": "186123"})) == {"张伟"}
    assert names(client.get(ROSTER, {"q": "语文"})) == {"张伟"}  # department prefix
    assert names(client.get(ROSTER, {"status": "retained"})) == {"李明"}
    assert names(client.get(ROSTER, {"status": "none"})) == {"王五"}
    assert names(client.get(ROSTER, {"unit": roster["branch"].pk})) == {"张伟"}
    assert names(client.get(ROSTER, {"gender": "F"})) == {"张伟强"}
    assert names(client.get(ROSTER, {"activist": "1"})) == {"王五"}
    assert names(client.get(ROSTER, {"roster": "members"})) == {"张伟", "张伟强", "李明"}
    assert names(client.get(ROSTER, {"roster": "activists"})) == {"王五"}
    ordered = [p["name"] for p in client.get(ROSTER, {"sort": "-card"}).context["people"]]
    assert ordered[:3] == ["李明", "张伟强", "张伟"]


def test_officers_roster_lists_post_holders(client, officer, roster, school):
    committee = Committee.objects.create(unit=school, starts_on="2024-01-01", term_years=5)
    PostHolding.objects.create(unit=school, committee=committee, person=roster["people"][0], post="chair",
                               started_on="2024-01-01")
    assert names(login(client, officer).get(ROSTER, {"roster": "officers"})) == {"张伟"}


ROLE_MATRIX = [("members:roster", None), ("members:person-detail", "person"), ("members:person-edit", "person"),
               ("members:import-upload", None), ("members:transfers", None)]


@pytest.mark.parametrize("name, arg", ROLE_MATRIX)
def test_permission_matrix(client, officer, member, other_school, roster, name, arg):
    url = reverse(name, args=[roster["people"][0].pk] if arg else [])
    assert client.get(url).status_code == 302
    assert login(client, member).get(url).status_code == 403
    assert login(client, officer).get(url).status_code == 200
    if arg:
        outsider = make_user_with_role(roles.OFFICER, other_school, username="outsider")
        assert login(client, outsider).get(url).status_code == 404


def test_post_only_urls(client, officer, roster):
    person = roster["people"][0]
    login(client, officer)
    assert client.get(reverse("members:person-id-number", args=[person.pk])).status_code == 405
    assert client.get(reverse("members:import-confirm", args=[1])).status_code == 405


def test_person_form_explains_a_bad_id_number_in_chinese_and_writes_nothing(client, officer, school):
    response = login(client, officer).post(reverse("members:person-create"), {
        "unit": school.pk, "name": "赵六", "gender": "M", "id_number": "110105194912310021", "category": "teacher",
        "contract_type": "regular", "employment": "employed",
    })
    assert response.status_code == 200
    assert "校验位错误" in response.content.decode()
    assert not Person.objects.filter(name="赵六").exists()
    response = client.post(reverse("members:person-create"), {
        "unit": school.pk, "name": "赵六", "gender": "M", "id_number": "11010519491231002x", "category": "teacher",
        "contract_type": "regular", "employment": "employed", "phone": "139 1234 5678",
    })
    person = Person.objects.get(name="赵六")
    assert response.status_code == 302 and person.id_number_masked == "110105********002X"
    assert person.gender == "F" and person.phone == "13912345678"  # gender follows the ID number


def test_full_id_view_needs_the_permission_and_is_audited(client, officer, school):
    person = PersonFactory(unit=school, id_number=make_id_number(3))
    url = reverse("members:person-id-number", args=[person.pk])
    assert login(client, officer).post(url).status_code == 403
    officer.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))
    response = client.post(url)
    assert make_id_number(3) in response.content.decode()
    assert AuditEvent.objects.filter(action="members.person.id_number_viewed").count() == 1
    detail = client.get(reverse("members:person-detail", args=[person.pk])).content.decode()
    assert make_id_number(3) not in detail and person.id_number_masked in detail


def test_workflow_pages_refuse_invalid_transitions_with_a_message(client, officer, roster):
    membership = Membership.objects.get(person__name="张伟")
    login(client, officer)
    url = reverse("members:membership-action", args=[membership.pk, "deem"])
    response = client.post(url, {"note": ""})
    assert "教育" in response.content.decode()  # M15 in Chinese
    client.post(reverse("members:membership-action", args=[membership.pk, "educate"]), {"note": "已谈话"})
    assert client.post(url, {"note": ""}).status_code == 302
    assert Membership.objects.get(pk=membership.pk).status == "deemed_withdrawn"


def test_member_sees_own_record_asks_for_a_correction_and_downloads_their_data(client, member, school):
    person = PersonFactory(unit=school, user=member, id_number=make_id_number(5))
    MembershipFactory(person=person)
    login(client, member)
    page = client.get(reverse("members:my-record")).content.decode()
    assert person.name in page and person.id_number_masked in page
    client.post(reverse("members:my-correction"), {"message": "手机号应为 13800000000"})
    assert CorrectionRequest.objects.get().person == person
    data = json.loads(client.get(reverse("members:my-data")).content)
    assert data["person"]["id_number"] == make_id_number(5)  # their own number, in full
    assert data["memberships"][0]["status"]
    other = PersonFactory(unit=school)
    assert client.get(reverse("members:person-detail", args=[other.pk])).status_code == 403


def test_member_applies_online_with_consent(client, member, school):
    person = PersonFactory(unit=school, user=member)
    login(client, member)
    response = client.post(reverse("members:member-apply"), {})
    assert "个人信息告知书" in response.content.decode()
    client.post(reverse("members:member-apply"), {"consent": "on"})
    assert Membership.objects.get(person=person).status == "applied"


def _roster_file(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "手机号"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "roster.xlsx"
    return out


def test_import_pages_preview_errors_then_import(client, officer, school, settings):
    login(client, officer)
    template = client.get(reverse("members:import-template"))
    assert load_workbook(io.BytesIO(template.content)).active["A1"].value == "姓名*"
    bad = _roster_file([["甲", make_id_number(1), ""], ["乙", "123", ""]])
    response = client.post(reverse("members:import-upload"), {"unit": school.pk, "file": bad}, follow=True)
    page = response.content.decode()
    assert "第3行" in page and "身份证号" in page and "未写入任何数据" in page
    assert Person.objects.count() == 0
    good = _roster_file([["甲", make_id_number(1), ""], ["乙", make_id_number(2), ""]])
    response = client.post(reverse("members:import-upload"), {"unit": school.pk, "file": good}, follow=True)
    job = Job.objects.latest("pk")
    response = client.post(reverse("members:import-confirm", args=[job.pk]), follow=True)
    assert "新增 2" in response.content.decode()
    assert Person.objects.count() == 2


def test_large_import_runs_as_a_task_with_progress(client, officer, school, settings,
                                                   django_capture_on_commit_callbacks):
    settings.ROSTER_IMPORT_ASYNC_ROWS = 1
    login(client, officer)
    good = _roster_file([["甲", make_id_number(1), ""], ["乙", make_id_number(2), ""]])
    client.post(reverse("members:import-upload"), {"unit": school.pk, "file": good})
    job = Job.objects.latest("pk")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("members:import-confirm", args=[job.pk]))
    data = client.get(reverse("members:import-progress", args=[job.pk]), {"format": "json"}).json()
    assert data["state"] == "done" and data["percent"] == 100 and data["result"]["created"] == 2


def test_roster_export_masks_ids_unless_permitted(client, officer, roster):
    PersonFactory(unit=roster["branch"], name="丁一", id_number=make_id_number(9))
    response = login(client, officer).get(reverse("members:roster-export"), {"q": "丁一"})
    body = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(body)).active
    assert ws["A2"].value == "丁一" and "*" in ws["C2"].value
    assert "filename*=UTF-8''" in response["Content-Disposition"]


def test_card_sheet_pdf_and_public_verification(client, officer, roster):
    membership = Membership.objects.get(person__name="张伟")
    response = login(client, officer).get(reverse("members:card-sheet"), {"ids": str(membership.pk)})
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "张伟" in text and "CG-000001" in text and "会员证" in text
    client.logout()
    verify = client.get(reverse("members:card-verify", args=[membership.verify_token])).content.decode()
    assert "有效会员证" in verify and "张伟" not in verify and "CG-000001" not in verify
    assert client.get(reverse("members:card-verify", args=["nonsense"])).status_code == 404


def test_card_sheet_holds_eight_cards_per_page(client, officer, school):
    for i in range(9):
        MembershipFactory(person__unit=school, person__name=f"卡{i}", card_no=f"CG-{i:06d}")
    response = login(client, officer).get(reverse("members:card-sheet"), {"unit": school.pk})
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert sum(f"卡{i}" in text for i in range(9)) == 8


def test_card_batch_job(client, officer, school, django_capture_on_commit_callbacks):
    for i in range(10):
        MembershipFactory(person__unit=school, card_no=f"CG-{i:06d}")
    login(client, officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("members:card-batch"), {"unit": school.pk})
    job = Job.objects.get(kind="members.card_batch")
    assert response["Location"] == reverse("members:card-batch-progress", args=[job.pk])
    assert client.get(reverse("members:card-batch-progress", args=[job.pk]), {"format": "json"}).json()["percent"] == 100
    pdf = b"".join(client.get(reverse("members:card-batch-download", args=[job.pk])).streaming_content)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2  # 10 cards, 8 per page


def test_unit_page_shows_structure_checks(client, officer, school):
    for _i in range(26):
        MembershipFactory(person__unit=school, person__gender="F")
    page = login(client, officer).get(reverse("members:unit-detail", args=[school.pk])).content.decode()
    assert 'data-rule="E1" data-ok="0"' in page  # 26 members and no committee
    assert 'data-rule="E8" data-ok="0"' in page  # 26 women and no women's committee
