"""Roster imports as background jobs: the uploaded file sits on a ``Job``; preview and import read the same file."""

import logging

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext as _

from union_site.models import Job

from .importer import ImportResult, RosterFileError, import_roster, preview_roster
from .models import OrgUnit

log = logging.getLogger(__name__)

JOB_KIND = "members.roster_import"


def preview_job(job: Job) -> ImportResult:
    """Check the job's file (writing nothing) and keep the outcome on the job for the preview page.

    A file with problems can never be imported: it is deleted at once (it holds personal data).
    """
    unit = OrgUnit.objects.get(pk=job.params["unit"])
    with job.input_file.open("rb") as fh:
        result = preview_roster(fh, unit, acting_user=job.created_by)
    job.result, job.total = result.as_dict(), result.rows
    if result.errors:
        job.input_file.delete(save=False)
        job.state, job.finished_at = Job.State.FAILED, timezone.now()
    job.save(update_fields=["result", "total", "input_file", "state", "finished_at"])
    return result


def claim(job_id: int) -> bool:
    """Take a queued job (a conditional UPDATE that must return 1): a second run or a double click does nothing."""
    return Job.objects.filter(pk=job_id, kind=JOB_KIND, state=Job.State.QUEUED).update(state=Job.State.RUNNING) == 1


def run_import_job(job: Job) -> Job:
    """Check the file again and import it (all or nothing). The outcome is stored on the job and the
    uploaded file, which holds personal data, is deleted."""
    unit = OrgUnit.objects.get(pk=job.params["unit"])
    try:
        with job.input_file.open("rb") as fh:
            result = import_roster(fh, unit, acting_user=job.created_by, progress=job.set_progress)
    except RosterFileError as exc:
        job.state, job.error = Job.State.FAILED, str(exc)
    except Exception as exc:
        log.exception("roster import job %s failed", job.pk)
        job.state, job.error = Job.State.FAILED, _("The import failed unexpectedly; nothing was written.")
        job.result = {**job.result, "exception": exc.__class__.__name__}
    else:
        job.result = result.as_dict()
        job.state = Job.State.DONE if result.written else Job.State.FAILED
        job.progress = job.total = result.rows
    job.finished_at = timezone.now()
    if job.input_file:
        job.input_file.delete(save=False)
    job.save(update_fields=["state", "error", "result", "progress", "total", "finished_at", "input_file"])
    return job


@shared_task
def run_roster_import(job_id: int) -> None:
    """Import a previewed file. Idempotent: only a queued job is claimed."""
    if not claim(job_id):
        return
    run_import_job(Job.objects.select_related("created_by").get(pk=job_id))
