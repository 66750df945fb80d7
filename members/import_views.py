"""Roster import pages: template, upload → preview of every problem, confirm, progress; and the export."""

import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from union_site.excel import XLSX, xlsx_response
from union_site.models import Job

from .exports import HEADERS, TEXT_COLUMNS, WIDTHS, roster_rows
from .forms import ScopedUnitField
from .import_tasks import result_dict, run_import_job, run_roster_import
from .importer import RosterFileError, preview_roster
from .models import OrgUnit
from .roster_layout import COLUMNS
from .scope import scope_filter

MAX_UPLOAD = 10 * 1024 * 1024
KIND = "members.roster_import"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Roster file (.xlsx, .xls or .ods)"),
        error_messages={"required": gettext_lazy("Please choose the Excel file to import.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = ScopedUnitField(
            label=gettext_lazy("Import into"),
            queryset=OrgUnit.objects.filter(scope_filter(user, "path"))
            .exclude(kind=OrgUnit.Kind.HIGHER).active().order_by("path"),
            error_messages={"required": gettext_lazy("Please choose the union to import into.")},
        )
        self.order_fields(["unit", "file"])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 10 MB; split it into several files."))
        if not upload.name.lower().endswith((".xlsx", ".xls", ".ods", ".xlsm")):
            raise forms.ValidationError(_("Upload an Excel file (.xlsx, .xls) or an OpenDocument sheet (.ods)."))
        return upload


@login_required
@permission_required("members.add_person", raise_exception=True)
def import_template(request):
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append([f"{c.zh}*" if c.required else c.zh for c in COLUMNS])
    ws.append(["王芳", "女", "11010519491231002X", "13912345678", "CG0001", "", "语文组", "教师", "教师", "正式",
               "", "2020-09-01", "2020-10", "在籍", "否", "是"])
    for i, column in enumerate(COLUMNS, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = column.width
        ws.cell(row=1, column=i).font = Font(bold=True)
        if column.text:
            for row in range(2, 2002):
                ws.cell(row=row, column=i).number_format = "@"
    notes = wb.create_sheet("填写说明")
    for line in [
        "第一行是列名，可用中文或英文列名，顺序不限；带 * 的列必填。",
        "身份证号、手机号、会员证号请设为文本格式，避免丢失位数。",
        "日期可写 2024-03-05、2024/3/5、2024.3.5 或 2024年3月5日；会费起缴月可写 2024-03。",
        "会籍状态：在籍、保留会籍(退休)、暂存、申请中；会员代表、积极分子填 是/否。",
        "所在工会填单位代码，不填则导入到所选工会。会员证号不填时自动编号。",
        "同一文件再次导入只更新有变化的内容；任何一行有错，整个文件都不会写入。",
    ]:
        notes.append([line])
    notes.column_dimensions["A"].width = 90
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename=\"roster-template.xlsx\"; filename*=UTF-8''%E8%8A%B1%E5%90%8D%E5%86%8C%E6%A8%A1%E6%9D%BF.xlsx"
    return response


def _job_or_404(request, pk):
    return get_object_or_404(Job, pk=pk, kind=KIND, created_by=request.user)


@login_required
@permission_required("members.add_person", raise_exception=True)
def import_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user,
                      initial={"unit": request.GET.get("unit")})
    if request.method == "POST" and form.is_valid():
        unit = form.cleaned_data["unit"]
        job = Job(kind=KIND, created_by=request.user, params={"unit": unit.pk, "name": form.cleaned_data["file"].name})
        job.input_file.save(f"roster-{unit.code}.xlsx", form.cleaned_data["file"], save=False)
        try:
            with job.input_file.open("rb") as fh:
                result = preview_roster(fh, unit)
        except RosterFileError as exc:
            form.add_error("file", str(exc))
        else:
            job.result = result_dict(result)
            job.total = result.rows
            job.save()
            return redirect("members:import-preview", pk=job.pk)
    return render(request, "members/import_upload.html", {"form": form})


@login_required
@permission_required("members.add_person", raise_exception=True)
def import_preview(request, pk):
    job = _job_or_404(request, pk)
    unit = get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=job.params["unit"])
    return render(request, "members/import_preview.html", {"job": job, "unit": unit, "result": job.result})


@require_POST
@login_required
@permission_required("members.add_person", raise_exception=True)
def import_confirm(request, pk):
    job = _job_or_404(request, pk)
    get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=job.params["unit"])
    if job.state != Job.State.QUEUED or job.result.get("errors"):
        messages.error(request, _("This import cannot be started: fix the file and upload it again."))
        return redirect("members:import-preview", pk=job.pk)
    if job.total > getattr(settings, "ROSTER_IMPORT_ASYNC_ROWS", 2000):
        transaction.on_commit(lambda: run_roster_import.delay(job.pk))
        return redirect("members:import-progress", pk=job.pk)
    claimed = Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(state=Job.State.RUNNING)
    if claimed == 1:
        job = run_import_job(job)
    return redirect("members:import-progress", pk=job.pk)


@login_required
@permission_required("members.add_person", raise_exception=True)
def import_progress(request, pk):
    job = _job_or_404(request, pk)
    if request.GET.get("format") == "json":
        return JsonResponse({"state": job.state, "percent": job.percent, "result": job.result, "error": job.error})
    return render(request, "members/import_progress.html", {"job": job, "result": job.result,
                                                            "poll": reverse("members:import-progress", args=[job.pk])})


@login_required
@permission_required("members.view_person", raise_exception=True)
def roster_export(request):
    from .views import ROSTERS, roster_queryset

    full_id = request.user.has_perm("members.view_full_id_number") and request.GET.get("full_id") == "1"
    rows = roster_rows(roster_queryset(request.user, request.GET), full_id=full_id)
    if full_id:
        from union_site.audit import record_audit

        record_audit(None, "members.roster.exported_full_ids", request.user, {"filters": request.GET.dict()})
    name = ROSTERS.get(request.GET.get("roster", "staff"), ROSTERS["staff"])
    return xlsx_response(f"{name}.xlsx", HEADERS, rows, sheet_title=str(name), text_columns=TEXT_COLUMNS,
                         widths=WIDTHS)


urlpatterns = [
    path("", import_upload, name="import-upload"),
    path("template/", import_template, name="import-template"),
    path("<int:pk>/", import_preview, name="import-preview"),
    path("<int:pk>/confirm/", import_confirm, name="import-confirm"),
    path("<int:pk>/progress/", import_progress, name="import-progress"),
    path("export/", roster_export, name="roster-export"),
]
