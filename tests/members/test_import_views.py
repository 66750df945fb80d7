"""Import pages: template download, upload → preview of every problem, confirm, progress, the async path and
the permission matrix (anonymous → login, no role → 403, out of scope → 404, GET on a POST-only URL → 405)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from members import import_views
from members.import_tasks import JOB_KIND, run_roster_import
from members.importer import RosterFileError, import_roster
from members.models import Membership, Person
from union_site import roles
from union_site.models import AuditEvent, Job

from ..conftest import make_user_with_role
from ..factories import make_id_number
from .test_importer import good_rows, xlsx

UPLOAD = reverse("members:import-upload")


def upload(client, unit, rows, *, name="roster.xlsx", follow=False):
    data = SimpleUploadedFile(name, xlsx(rows).getvalue())
    return client.post(UPLOAD, {"unit": unit.pk, "file": data}, follow=follow)


def bad_rows():
    rows = good_rows(3)
    rows[1][2] = "123"
    rows[2][1] = "未知"
    return rows


@pytest.fixture
def other_officer(other_school):
    return make_user_with_role(roles.OFFICER, other_school, username="other-officer")


def test_the_template_has_the_layout_instructions_and_an_example_outside_the_roster(client, officer, school):
    client.force_login(officer)
    response = client.get(reverse("members:import-template"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["花名册"]
    assert [c.value for c in ws[1]][:4] == ["姓名*", "性别", "身份证号*", "手机号"]
    assert ws["C2"].value is None and ws["C2"].number_format == "@"  # the ID number column stays text
    assert ws["D500"].number_format == "@" and ws["A2"].number_format == "General"  # numbers stay text
    notes = "".join(str(c.value) for c in wb["填写说明"]["A"])
    assert "身份证号" in notes and "11010519491231002X" in notes  # the example is in the instructions
    # the template as downloaded imports nobody: no sample person can slip into the roster
    with pytest.raises(RosterFileError, match="表头（第1行）下面没有数据行"):
        import_roster(io.BytesIO(response.content), school, acting_user=None)
    ws.append(["王芳", "女", "11010519491231002X"])  # filled in, it is a valid import
    filled = io.BytesIO()
    wb.save(filled)
    result = import_roster(io.BytesIO(filled.getvalue()), school, acting_user=None)
    assert result.ok and result.created == 1, result.errors


def test_upload_page_offers_only_units_in_scope(client, officer, school, other_school):
    client.force_login(officer)
    response = client.get(UPLOAD, {"unit": school.pk})
    units = list(response.context["form"].fields["unit"].queryset)
    assert response.status_code == 200 and units == [school]
    assert response.context["form"]["unit"].value() == school.pk
    assert client.get(UPLOAD, {"unit": other_school.pk}).status_code == 404
    response = upload(client, other_school, good_rows(1))
    assert response.status_code == 200 and response.context["form"].errors["unit"]
    assert not Job.objects.exists()


def test_upload_shows_every_problem_and_writes_nothing(client, officer, school):
    client.force_login(officer)
    response = upload(client, school, bad_rows())
    job = Job.objects.get(kind=JOB_KIND)
    assert response["Location"] == reverse("members:import-preview", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "data-import-errors" in page and "未写入任何数据" in page
    assert "<td>第3行</td><td>身份证号</td>" in page and "<td>第4行</td><td>性别</td>" in page
    assert reverse("members:import-confirm", args=[job.pk]) not in page  # nothing to confirm
    assert [row[:2] for row in job.result["errors"]] == [[3, "身份证号"], [4, "性别"]]
    assert job.state == Job.State.FAILED and not job.input_file  # the file, personal data, is gone
    assert Person.objects.count() == 0
    assert client.post(reverse("members:import-confirm", args=[job.pk])).status_code == 302
    assert Person.objects.count() == 0  # a file with problems can never be imported


def test_upload_preview_confirm_imports_and_audits(client, officer, school):
    client.force_login(officer)
    job_url = upload(client, school, good_rows(2))["Location"]
    job = Job.objects.get(kind=JOB_KIND)
    page = client.get(job_url).content.decode()
    assert "data-import-ok" in page and reverse("members:import-confirm", args=[job.pk]) in page
    assert Person.objects.count() == 0  # the preview wrote nothing
    response = client.post(reverse("members:import-confirm", args=[job.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("members:import-progress", args=[job.pk])
    assert "data-import-done" in response.content.decode()
    assert Person.objects.count() == 2 and Membership.objects.count() == 2
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.result["created"] == 2 and not job.input_file  # file deleted
    assert AuditEvent.objects.get(action="members.roster.imported").actor == officer
    # a second confirm (double click, back button) does nothing
    client.post(reverse("members:import-confirm", args=[job.pk]))
    assert Person.objects.count() == 2 and AuditEvent.objects.filter(action="members.roster.imported").count() == 1


def test_confirm_checks_the_file_again(client, officer, school):
    client.force_login(officer)
    upload(client, school, good_rows(2))
    job = Job.objects.get(kind=JOB_KIND)
    import_roster(xlsx(good_rows(1)), school, acting_user=None)  # meanwhile: one of the rows is now on record
    Person.objects.filter(name="王一").update(unit=school.parent)  # …and belongs elsewhere
    client.post(reverse("members:import-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and job.result["errors"][0][:2] == [2, "身份证号"]
    assert Person.objects.count() == 1


def test_a_large_file_is_imported_by_a_task_with_progress(client, officer, school, settings,
                                                          django_capture_on_commit_callbacks):
    settings.ROSTER_IMPORT_ASYNC_ROWS = 1
    client.force_login(officer)
    upload(client, school, good_rows(3))
    job = Job.objects.get(kind=JOB_KIND)
    assert "data-import-async" in client.get(reverse("members:import-preview", args=[job.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("members:import-confirm", args=[job.pk]))
    assert len(callbacks) == 1  # queued after the commit, run eagerly here
    assert response["Location"] == reverse("members:import-progress", args=[job.pk])
    status = client.get(reverse("members:import-status", args=[job.pk])).json()
    assert status["state"] == "done" and status["percent"] == 100 and status["result"]["created"] == 3
    assert client.get(reverse("members:import-progress", args=[job.pk]), {"format": "json"}).json() == status
    assert Person.objects.count() == 3
    run_roster_import(job.pk)  # a second run of the task does nothing
    assert Person.objects.count() == 3


def test_the_progress_page_polls_while_running(client, officer, school):
    client.force_login(officer)
    upload(client, school, good_rows(1))
    job = Job.objects.get(kind=JOB_KIND)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, progress=1, total=4)
    page = client.get(reverse("members:import-progress", args=[job.pk])).content.decode()
    status_url = reverse("members:import-status", args=[job.pk])
    assert f'data-status-url="{status_url}"' in page
    assert "setTimeout(poll, 1000)" in page and '<meta http-equiv="refresh"' in page  # script, or refresh
    assert 'aria-valuenow="25"' in page


@pytest.mark.parametrize(("name", "content", "field_error"), [
    ("roster.csv", b"a,b", "file"),
    ("roster.xlsx", b"this is not a workbook", "file"),
])
def test_upload_refuses_files_that_are_not_spreadsheets(client, officer, school, name, content, field_error):
    client.force_login(officer)
    response = client.post(UPLOAD, {"unit": school.pk, "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200 and response.context["form"].errors[field_error]
    assert not Job.objects.exists()


def test_upload_refuses_files_over_the_size_limit(client, officer, school, monkeypatch):
    monkeypatch.setattr(import_views, "MAX_UPLOAD_BYTES", 1000)
    client.force_login(officer)
    response = upload(client, school, good_rows(5))
    assert response.status_code == 200 and "10 MB" in str(response.context["form"].errors["file"])


def test_permission_matrix(client, officer, other_officer, member, school):
    client.force_login(officer)
    upload(client, school, good_rows(1))
    job = Job.objects.get(kind=JOB_KIND)
    pages = [reverse("members:import-template"), UPLOAD, reverse("members:import-preview", args=[job.pk]),
             reverse("members:import-progress", args=[job.pk]), reverse("members:import-status", args=[job.pk])]
    confirm = reverse("members:import-confirm", args=[job.pk])
    client.logout()
    for url in [*pages, confirm]:  # anonymous: to the login page
        response = client.get(url) if url != confirm else client.post(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    client.force_login(member)  # no officer role: forbidden
    for url in pages:
        assert client.get(url).status_code == 403, url
    assert client.post(confirm).status_code == 403
    client.force_login(other_officer)  # an officer of another union: this job and its unit are not theirs
    for url in pages[2:]:
        assert client.get(url).status_code == 404, url
    assert client.post(confirm).status_code == 404
    assert client.get(UPLOAD, {"unit": school.pk}).status_code == 404
    client.force_login(officer)
    assert client.get(confirm).status_code == 405  # state changes are POST-only
    assert client.post(reverse("members:import-status", args=[job.pk])).status_code == 405
    assert Person.objects.count() == 0


def test_a_higher_union_officer_may_import_into_a_school_below(client, higher_officer, school):
    client.force_login(higher_officer)
    upload(client, school, [["甲", "", make_id_number(1), "", "", "", "", "", "", ""]])
    job = Job.objects.get(kind=JOB_KIND)
    client.post(reverse("members:import-confirm", args=[job.pk]))
    assert Person.objects.get().unit == school
