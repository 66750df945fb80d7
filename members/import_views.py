"""Roster import pages — template, upload → preview of every problem, confirm, progress — and the export.

The uploaded file is kept on a ``union_site.models.Job`` so that the preview and the import read
the very same file; the import checks it again before writing. Files of more than
``ROSTER_IMPORT_ASYNC_ROWS`` rows (default 2,000) are imported by a Celery task while the
progress page polls a small JSON endpoint.
"""

import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from union_site.excel import XLSX, xlsx_disposition
from union_site.models import Job

from .exports import roster_response
from .forms import ScopedUnitField
from .import_tasks import JOB_KIND, claim, preview_job, run_import_job, run_roster_import
from .importer import RosterFileError
from .models import OrgUnit
from .roster_layout import COLUMNS, header_labels
from .views import ROSTERS, roster_queryset

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
EXTENSIONS = (".xlsx", ".xls", ".ods")
ADD = "members.add_person"
TEXT_FORMAT_ROWS = 2000  # template rows whose ID, phone and card cells are formatted as text
SAMPLE_ROW = ["王芳", "女", "11010519491231002X", "13912345678", "G0001", "", "语文组", "教研组长", "教师", "正式", "",
              "2020-09-01", "2020-10", "在籍", "否", "是"]
INSTRUCTIONS = [
    "填写说明",
    "1. 第一行是列名：中文或英文列名都可以，列的顺序不限；带 * 的列（姓名、身份证号）必填。",
    "2. 身份证号、手机号、会员证号请保持文本格式（本模板已设好），否则 Excel 会丢掉第15位以后的数字。",
    "3. 日期可写 2024-03-05、2024/3/5、2024.3.5、2024年3月5日 或用 Excel 日期；会费起缴月可写 2024-03 或 2024年3月。",
    "4. 性别：男/女，可不填（按身份证号）。人员类别：教师、一线、管理、后勤、其他。用工形式：正式、劳务派遣、合同制。",
    "5. 会籍状态：在籍（默认）、保留会籍(退休)、保留会籍(离休)、保留会籍(失业)、暂存、申请中、非会员。",
    "6. 会员代表、积极分子：填“是”或“否”，空白视为“否”。",
    "7. 所在工会/分会：填单位代码，不填则为导入时所选的工会；只能是所选工会或其下属单位。",
    "8. 会员证号不填时按本工会编号自动发放；同一工会内会员证号不能重复。",
    "9. 再次导入同一文件不会重复建档：按身份证号（或会员证号）找到已有人员，只更新有变化的内容；空白单元格不会清除已有内容。",
    "10. 任何一行有问题，整个文件都不会写入；预览会列出每个问题所在的行、列和原因。",
]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Roster file (.xlsx, .xls or .ods)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
        error_messages={"required": gettext_lazy("Please choose the Excel file to import.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = ScopedUnitField(
            label=gettext_lazy("Import into"),
            queryset=importable_units(user),
            error_messages={"required": gettext_lazy("Please choose the union to import into.")},
        )
        self.order_fields(["unit", "file"])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB; split it into several files."), code="size")
        if not upload.name.lower().endswith(EXTENSIONS):
            raise forms.ValidationError(
                _("Upload an Excel file (.xlsx, .xls) or an OpenDocument sheet (.ods)."), code="extension"
            )
        return upload


def importable_units(user):
    """Units in the user's scope a roster can be imported into: a grassroots union or a unit below one."""
    return OrgUnit.objects.visible_to(user).exclude(kind=OrgUnit.Kind.HIGHER).active().order_by("path")


def _job_or_404(request, pk) -> tuple[Job, OrgUnit]:
    """The user's own import job, and its unit if that is (still) in the user's scope; else 404."""
    job = get_object_or_404(Job, pk=pk, kind=JOB_KIND, created_by=request.user)
    unit = get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=job.params.get("unit"))
    return job, unit


@never_cache
@require_GET
@login_required
@permission_required(ADD, raise_exception=True)
def import_template(request):
    """An .xlsx with the header row, text-formatted number columns, and a sheet of instructions with an example."""
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append(header_labels())  # no sample row here: one left in by mistake would be imported as a member
    bold = Font(bold=True)
    for position, column in enumerate(COLUMNS, start=1):
        header = ws.cell(row=1, column=position)
        header.font = bold
        ws.column_dimensions[header.column_letter].width = column.width + 2
        if column.text:
            for row in range(2, TEXT_FORMAT_ROWS + 2):
                ws.cell(row=row, column=position).number_format = "@"
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    for line in INSTRUCTIONS:
        notes.append([line])
    notes.append(["示例（一行一人，写在“花名册”工作表的表头下面）：" + " | ".join(
        f"{label}：{value}" for label, value in zip(header_labels(), SAMPLE_ROW, strict=True) if value)])
    notes["A1"].font = bold
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = xlsx_disposition("花名册模板.xlsx", fallback="roster-template.xlsx")
    return response


@never_cache
@login_required
@permission_required(ADD, raise_exception=True)
def import_upload(request):
    """Upload a file: it is stored on a job and checked at once; the preview shows the outcome."""
    initial = {}
    if request.method == "GET" and (unit_id := request.GET.get("unit")):
        if not str(unit_id).isdigit():
            raise Http404
        initial["unit"] = get_object_or_404(importable_units(request.user), pk=unit_id)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        unit, upload = form.cleaned_data["unit"], form.cleaned_data["file"]
        job = Job(kind=JOB_KIND, created_by=request.user, params={"unit": unit.pk, "name": upload.name[-100:]})
        extension = upload.name.lower().rsplit(".", 1)[-1]
        job.input_file.save(f"roster-import.{extension}", upload, save=True)
        try:
            preview_job(job)
        except RosterFileError as exc:
            job.input_file.delete(save=False)
            job.delete()
            form.add_error("file", str(exc))
        else:
            return redirect("members:import-preview", pk=job.pk)
    return render(request, "members/import_upload.html", {"form": form})


@never_cache
@require_GET
@login_required
@permission_required(ADD, raise_exception=True)
def import_preview(request, pk):
    job, unit = _job_or_404(request, pk)
    result = job.result
    return render(request, "members/import_preview.html", {
        "job": job, "unit": unit, "result": result,
        "can_confirm": job.state == Job.State.QUEUED and not result.get("errors") and bool(job.input_file),
        "async": job.total > _async_rows(),
    })


def _async_rows() -> int:
    return getattr(settings, "ROSTER_IMPORT_ASYNC_ROWS", 2000)


@require_POST
@login_required
@permission_required(ADD, raise_exception=True)
def import_confirm(request, pk):
    """Import the previewed file: checked again, then written in one transaction (or queued if large)."""
    job, unit = _job_or_404(request, pk)
    if job.state != Job.State.QUEUED or job.result.get("errors") or not job.input_file:
        messages.error(request, _("This import cannot be started: fix the file and upload it again."))
        return redirect("members:import-preview", pk=job.pk)
    if job.total > _async_rows():
        run_roster_import.delay_on_commit(job.pk)
        return redirect("members:import-progress", pk=job.pk)
    if claim(job.pk):  # small: imported in the request; the progress page shows the outcome
        job.state = Job.State.RUNNING
        run_import_job(job)
    return redirect("members:import-progress", pk=job.pk)


def _status(job: Job) -> dict:
    return {"state": job.state, "percent": job.percent, "progress": job.progress, "total": job.total,
            "result": job.result, "error": job.error}


@never_cache
@require_GET
@login_required
@permission_required(ADD, raise_exception=True)
def import_progress(request, pk):
    job, unit = _job_or_404(request, pk)
    if request.GET.get("format") == "json":
        return JsonResponse(_status(job))
    return render(request, "members/import_progress.html", {
        "job": job, "unit": unit, "result": job.result,
        "running": job.state in (Job.State.QUEUED, Job.State.RUNNING),
        "status_url": reverse("members:import-status", args=[job.pk]),
    })


@never_cache
@require_GET
@login_required
@permission_required(ADD, raise_exception=True)
def import_status(request, pk):
    """The progress page polls this every second."""
    job, _unit = _job_or_404(request, pk)
    return JsonResponse(_status(job))


@never_cache
@require_GET
@login_required
@permission_required("members.view_person", raise_exception=True)
def roster_export(request):
    """The roster list as the officer sees it (same filters: unit, status, roster, search …) as .xlsx.

    ID numbers are masked unless the user holds ``members.view_full_id_number``; a full export is audited.
    """
    unit = None
    if unit_id := request.GET.get("unit"):
        if not str(unit_id).isdigit():
            raise Http404
        unit = get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=unit_id)
    full_id = request.user.has_perm("members.view_full_id_number")
    roster = request.GET.get("roster") if request.GET.get("roster") in ROSTERS else "staff"
    name = str(ROSTERS[roster]) + (f"-{unit.name}" if unit else "")
    return roster_response(
        roster_queryset(request.user, request.GET), f"{name}.xlsx", full_id=full_id, acting_user=request.user,
        audit_context={"unit": unit.code if unit else None, "roster": roster}, sheet_title=str(ROSTERS[roster]),
    )


urlpatterns = [
    path("", import_upload, name="import-upload"),
    path("template/", import_template, name="import-template"),
    path("<int:pk>/", import_preview, name="import-preview"),
    path("<int:pk>/confirm/", import_confirm, name="import-confirm"),
    path("<int:pk>/progress/", import_progress, name="import-progress"),
    path("<int:pk>/status/", import_status, name="import-status"),
    path("export/", roster_export, name="roster-export"),
]
