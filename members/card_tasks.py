from celery import shared_task
from django.core.files.base import ContentFile
from django.utils import timezone

from union_site.models import Job

from .documents import CARDS_PER_PAGE, card_sheet_pdf
from .models import Membership

CHUNK_PAGES = 10


def card_memberships(unit_id: int):
    from .models import OrgUnit

    unit = OrgUnit.objects.get(pk=unit_id)
    return (
        Membership.objects.filter(union__path__startswith=unit.path, status__in=[Membership.Status.ACTIVE,
                                                                                  Membership.Status.RETAINED])
        .exclude(card_no="")
        .select_related("person", "union")
        .order_by("card_no")
    )


@shared_task
def render_card_batch(job_id: int) -> None:
    """All cards of a unit as one PDF, rendered in chunks that report progress. Idempotent."""
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(state=Job.State.RUNNING)
    if claimed != 1:
        return
    job = Job.objects.get(pk=job_id)
    try:
        import io

        from pypdf import PdfWriter

        memberships = list(card_memberships(job.params["unit"]))
        job.set_progress(0, len(memberships))
        writer = PdfWriter()
        step = CARDS_PER_PAGE * CHUNK_PAGES
        for start in range(0, len(memberships), step):
            chunk = card_sheet_pdf(memberships[start : start + step])
            writer.append(io.BytesIO(chunk))
            job.set_progress(min(start + step, len(memberships)))
        out = io.BytesIO()
        writer.write(out)
        if job.result_file:
            job.result_file.delete(save=False)  # a new run replaces the old file
        job.result_file.save(f"cards-{job.pk}.pdf", ContentFile(out.getvalue()), save=False)
        job.state, job.result = Job.State.DONE, {"cards": len(memberships)}
    except Exception as exc:
        job.state, job.error = Job.State.FAILED, f"{exc.__class__.__name__}: {exc}"
        raise
    finally:
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "result", "result_file", "error", "finished_at", "progress", "total"])
