"""Member cards: the 8-card sheet (PDF read back), the batch job with progress, the public check."""

import datetime
import io

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from pypdf import PdfReader

from members import card_tasks
from members.documents import TEMPLATE, card_sheet_context, card_sheet_pdf, verify_url
from members.models import Membership
from union_site import roles
from union_site.models import AuditEvent, Job

from ..conftest import make_user_with_role
from ..factories import MembershipFactory, PersonFactory, make_id_number

NAMES = ["欧阳晓燕", "张伟", "李娜", "王秀英", "刘敏", "陈静", "杨丽", "黄强", "赵磊"]


def cards(unit, n, **kwargs):
    return [
        MembershipFactory(person=PersonFactory(unit=unit, name=NAMES[i % len(NAMES)] + ("" if i < 9 else str(i))),
                          union=unit, card_no=f"{unit.code}-{i + 1:06d}", joined_on=datetime.date(2021, 9, 1),
                          **kwargs)
        for i in range(n)
    ]


def loaded(memberships):
    return list(Membership.objects.filter(pk__in=[m.pk for m in memberships]).select_related("person", "union")
                .order_by("card_no"))


def pdf_pages(content: bytes) -> list[str]:
    assert content.startswith(b"%PDF")
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


# The document ---------------------------------------------------------------------------------

def test_eight_cards_fit_on_one_a4_page_with_names_and_card_numbers_in_chinese(school):
    memberships = loaded(cards(school, 8))
    pages = pdf_pages(card_sheet_pdf(memberships))
    assert len(pages) == 1
    for m in memberships:
        assert m.person.name in pages[0] and m.card_no in pages[0]
    assert pages[0].count("城关中心小学工会") == 8
    assert "会员证" in pages[0] and "2021" in pages[0]
    reader = PdfReader(io.BytesIO(card_sheet_pdf(memberships)))
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert round(width / 72 * 25.4) == 210 and round(height / 72 * 25.4) == 297  # A4


def test_the_ninth_card_starts_a_second_page(school):
    pages = pdf_pages(card_sheet_pdf(loaded(cards(school, 9))))
    assert len(pages) == 2 and "XJY-ZXXX-000009" in pages[1] and "XJY-ZXXX-000009" not in pages[0]


def test_each_qr_code_points_to_the_verification_page(school, settings):
    settings.SITE_URL = "https://union.example.cn"
    memberships = loaded(cards(school, 3))
    context = card_sheet_context(memberships)
    html = render_to_string(TEMPLATE, context)
    for m in memberships:
        url = f"https://union.example.cn/members/card/{m.verify_token}/"
        assert verify_url(m) == url and f'href="{url}"' in html
    assert html.count("<svg") == 3
    assert len(context["pages"][0]) == 2 and context["pages"][0][1] == [context["pages"][0][1][0], None]
    # the link is in the PDF too (a link annotation around the QR code)
    reader = PdfReader(io.BytesIO(card_sheet_pdf(memberships)))
    uris = {a.get_object()["/A"]["/URI"] for a in reader.pages[0]["/Annots"]}
    assert uris == {verify_url(m) for m in memberships}


def test_the_qr_payload_carries_no_personal_data(school):
    m = loaded(cards(school, 1))[0]
    assert verify_url(m).endswith(f"/members/card/{m.verify_token}/")  # a random token, nothing else
    assert m.person.name not in verify_url(m) and m.card_no not in verify_url(m)


# The public verification page ------------------------------------------------------------------

@pytest.mark.parametrize("status, reason, valid", [
    ("active", "", True),
    ("retained", "retired", True),
    ("withdrawn", "", False),
    ("transferred", "", False),
    ("applied", "", False),
])
def test_verify_page_shows_only_whether_the_card_is_valid(client, school, status, reason, valid):
    person = PersonFactory(unit=school, name="欧阳晓燕", phone="13912345678", id_number=make_id_number(7))
    m = MembershipFactory(person=person, union=school, status=status, retention_reason=reason, card_no="CG-000123")
    response = client.get(reverse("members:card-verify", args=[m.verify_token]))  # anonymous
    page = response.content.decode()
    assert response.status_code == 200
    assert ("有效会员证" in page) is valid and ("无效会员证" in page) is not valid
    assert ("城关中心小学工会" in page) is valid
    for secret in ["欧阳晓燕", "CG-000123", "13912345678", make_id_number(7)[:6], make_id_number(7)[-4:], "1980"]:
        assert secret not in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_verify_page_with_a_wrong_token_is_invalid_and_404(client, db):
    response = client.get(reverse("members:card-verify", args=["not-a-real-token"]))
    assert response.status_code == 404 and "无效会员证" in response.content.decode()


def test_verify_page_in_english(client, school, settings):
    m = cards(school, 1)[0]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Valid member card" in client.get(reverse("members:card-verify", args=[m.verify_token])).content.decode()


# One sheet in the request -----------------------------------------------------------------------

def test_sheet_by_ids_in_the_request(client, officer, school):
    memberships = cards(school, 8)
    client.force_login(officer)
    response = client.get(reverse("members:card-sheet"), {"ids": ",".join(str(m.pk) for m in memberships)})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response.content)
    assert len(pages) == 1 and all(m.card_no in pages[0] for m in memberships)


def test_sheet_takes_at_most_eight_cards(client, officer, school):
    memberships = cards(school, 9)
    client.force_login(officer)
    response = client.get(reverse("members:card-sheet"), {"ids": ",".join(str(m.pk) for m in memberships)})
    assert response.status_code == 400 and "每张纸最多 8 张会员证" in response.content.decode()


def test_sheet_by_unit_and_page(client, officer, school):
    cards(school, 9)
    client.force_login(officer)
    url = reverse("members:card-sheet")
    first = pdf_pages(client.get(url, {"unit": school.pk}).content)
    second = pdf_pages(client.get(url, {"unit": school.pk, "page": 2}).content)
    assert "XJY-ZXXX-000008" in first[0] and "XJY-ZXXX-000009" in second[0] and len(first) == len(second) == 1
    assert client.get(url, {"unit": school.pk, "page": 3}).status_code == 404


def test_sheet_leaves_out_nothing_silently(client, officer, school, other_school):
    ended = cards(school, 1, status="withdrawn")[0]
    foreign = MembershipFactory(person__unit=other_school, union=other_school)
    client.force_login(officer)
    url = reverse("members:card-sheet")
    assert client.get(url, {"ids": str(ended.pk)}).status_code == 404
    assert client.get(url, {"ids": str(foreign.pk)}).status_code == 404  # outside the scope
    assert client.get(url, {"unit": other_school.pk}).status_code == 404
    assert client.get(url, {"ids": "1,x"}).status_code == 400
    assert client.get(url).status_code == 400


# The batch job ----------------------------------------------------------------------------------

@pytest.fixture
def progress_calls(monkeypatch):
    calls = []
    original = Job.set_progress

    def record(job, done, total=None):
        calls.append((done, total))
        original(job, done, total)

    monkeypatch.setattr(Job, "set_progress", record)
    return calls


def test_batch_job_completes_with_progress_and_a_downloadable_pdf(
    client, officer, school, monkeypatch, progress_calls, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(card_tasks, "PAGES_PER_CHUNK", 1)  # three chunks for 17 cards
    memberships = cards(school, 17)
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("members:card-batch"), {"unit": school.pk})
    job = Job.objects.get(kind="members.card_batch")
    assert response["Location"] == reverse("members:card-batch-progress", args=[job.pk])
    assert (job.state, job.progress, job.total, job.percent) == ("done", 17, 17, 100)
    assert job.result == {"cards": 17, "pages": 3}
    assert progress_calls == [(0, 17), (8, None), (16, None), (17, None)]
    status = client.get(reverse("members:card-batch-status", args=[job.pk])).json()
    assert status["percent"] == 100 and status["download"] == reverse("members:card-batch-download", args=[job.pk])
    assert client.get(reverse("members:card-batch-progress", args=[job.pk]), {"format": "json"}).json() == status
    assert "下载" in client.get(reverse("members:card-batch-progress", args=[job.pk])).content.decode()
    download = client.get(reverse("members:card-batch-download", args=[job.pk]))
    assert download["Content-Type"] == "application/pdf" and "attachment" in download["Content-Disposition"]
    pages = pdf_pages(b"".join(download.streaming_content))
    assert len(pages) == 3
    assert all(m.card_no in "".join(pages) for m in memberships)
    assert AuditEvent.objects.filter(action="members.cards.batch_started").count() == 1


def test_batch_job_runs_once_and_a_rerun_replaces_the_file(officer, school):
    cards(school, 2)
    job = Job.objects.create(kind=card_tasks.JOB_KIND, created_by=officer, params={"unit": school.pk})
    card_tasks.render_card_batch(job.pk)
    job.refresh_from_db()
    first = job.result_file.name
    card_tasks.render_card_batch(job.pk)  # a second delivery of the same task: nothing happens
    job.refresh_from_db()
    assert job.result_file.name == first and job.state == "done"
    MembershipFactory(person__unit=school, union=school)  # a new member since
    Job.objects.filter(pk=job.pk).update(state="queued")  # an officer asks for it again
    card_tasks.render_card_batch(job.pk)
    job.refresh_from_db()
    assert job.state == "done" and job.result == {"cards": 3, "pages": 1}
    folder = job.result_file.name.rsplit("/", 1)[0]
    assert job.result_file.storage.listdir(folder)[1] == [job.result_file.name.rsplit("/", 1)[1]]  # one file


def test_a_failing_batch_is_marked_failed_with_the_error(officer, school, monkeypatch):
    cards(school, 2)

    def broken(memberships):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(card_tasks, "card_sheet_pdf", broken)
    job = Job.objects.create(kind=card_tasks.JOB_KIND, created_by=officer, params={"unit": school.pk})
    card_tasks.render_card_batch(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and job.error == "RuntimeError: no fonts" and job.finished_at


def test_batch_form_refuses_a_union_without_cards(client, officer, school, english, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(officer)
    response = client.post(reverse("members:card-batch"), {"unit": school.pk})
    assert response.status_code == 200 and not Job.objects.exists()
    assert "no valid member cards" in response.context["form"].errors["unit"][0]


def test_another_users_job_is_not_found(client, officer, school):
    other = make_user_with_role(roles.OFFICER, school, username="colleague")
    job = Job.objects.create(kind=card_tasks.JOB_KIND, created_by=other, params={"unit": school.pk})
    client.force_login(officer)
    for name in ["members:card-batch-progress", "members:card-batch-status", "members:card-batch-download"]:
        assert client.get(reverse(name, args=[job.pk])).status_code == 404


# Permissions ------------------------------------------------------------------------------------

@pytest.fixture
def setup(school, other_school, officer, higher_officer):
    memberships = cards(school, 2)
    job = Job.objects.create(kind=card_tasks.JOB_KIND, created_by=officer, params={"unit": school.pk})
    card_tasks.render_card_batch(job.pk)
    return {
        "ids": ",".join(str(m.pk) for m in memberships),
        "job": job,
        "users": {
            "anonymous": None,
            "member": make_user_with_role(None, school, username="plain"),
            "auditor": make_user_with_role(roles.AUDITOR, school, username="auditor"),
            "other_officer": make_user_with_role(roles.OFFICER, other_school, username="other"),
            "officer": officer,
            "higher_officer": higher_officer,
        },
    }


PAGES = ["sheet", "batch", "progress", "status", "download"]
MATRIX = {
    "anonymous": [302, 302, 302, 302, 302],
    "member": [403, 403, 403, 403, 403],
    "auditor": [403, 403, 403, 403, 403],
    "other_officer": [404, 200, 404, 404, 404],  # the batch form offers only their own units
    "officer": [200, 200, 200, 200, 200],
    "higher_officer": [200, 200, 404, 404, 404],  # sees the school's cards, not a colleague's job
}


@pytest.mark.parametrize("role", list(MATRIX))
def test_permission_matrix(client, setup, role):
    urls = {
        "sheet": reverse("members:card-sheet") + f"?ids={setup['ids']}",
        "batch": reverse("members:card-batch"),
        "progress": reverse("members:card-batch-progress", args=[setup["job"].pk]),
        "status": reverse("members:card-batch-status", args=[setup["job"].pk]),
        "download": reverse("members:card-batch-download", args=[setup["job"].pk]),
    }
    if setup["users"][role]:
        client.force_login(setup["users"][role])
    assert [client.get(urls[page]).status_code for page in PAGES] == MATRIX[role]


def test_other_officer_cannot_batch_print_another_union(client, setup, school):
    client.force_login(setup["users"]["other_officer"])
    response = client.post(reverse("members:card-batch"), {"unit": school.pk})
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    assert Job.objects.count() == 1
