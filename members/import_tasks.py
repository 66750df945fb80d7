from celery import shared_task
from django.utils import timezone

from union_site.models import Job

from .importer import RosterFileError, import_roster
from .models import OrgUnit


def run_import_job(job: Job) -> Job:
    """Import the job's file; the result (counts or every error) is stored on the job."""
    unit = OrgUnit.objects.get(pk=job.params["unit"])
    try:
        with job.input_file.open("rb") as fh:
            result = import_roster(fh, unit, acting_user=job.created_by, progress=job.set_progress)
    except RosterFileError as exc:
        job.state, job.error = Job.State.FAILED, str(exc)
    else:
        job.result = result_dict(result)
        job.state = Job.State.DONE if result.ok else Job.State.FAILED
        job.progress = job.total = result.rows
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "error", "result", "progress", "total", "finished_at"])
    return job


def result_dict(result) -> dict:
    return {
        "rows": result.rows, "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
        "written": result.written, "errors": [[e.row, e.column, e.message] for e in result.errors],
    }


@shared_task
def run_roster_import(job_id: int) -> None:
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(state=Job.State.RUNNING)
    if claimed != 1:
        return  # an earlier run took it
    run_import_job(Job.objects.select_related("created_by").get(pk=job_id))
