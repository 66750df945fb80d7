"""Member cards of a whole unit as a background job: rendered in chunks of pages that report
progress, joined into one PDF on the job's ``result_file``."""

import io
import logging

from celery import shared_task
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext

from union_site.audit import record_audit
from union_site.models import Job

from .documents import CARDS_PER_PAGE, card_sheet_pdf
from .models import Membership, OrgUnit

log = logging.getLogger(__name__)

JOB_KIND = "members.card_batch"
PAGES_PER_CHUNK = 10
VALID = (Membership.Status.ACTIVE, Membership.Status.RETAINED)


class CardBatchError(Exception):
    pass


def printable_memberships(unit: OrgUnit):
    """Memberships that get a card: current (in good standing or retained) with a card number, in the
    unit's subtree, ordered by union and card number."""
    return (
        Membership.objects.filter(union__path__startswith=unit.path, status__in=VALID)
        .exclude(card_no="")
        .select_related("person", "union")
        .only("card_no", "joined_on", "verify_token", "person__name", "union__name", "union__path")
        .order_by("union__path", "card_no", "pk")
    )


def merge_pdfs(parts: list[bytes]) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def build_card_batch(job: Job) -> dict:
    """Render every card of ``job.params["unit"]``, reporting progress after each chunk."""
    unit = OrgUnit.objects.get(pk=job.params["unit"])
    memberships = list(printable_memberships(unit))
    if not memberships:
        raise CardBatchError(gettext("There are no valid member cards with a card number in this unit."))
    job.set_progress(0, len(memberships))
    step = CARDS_PER_PAGE * PAGES_PER_CHUNK
    parts = []
    for start in range(0, len(memberships), step):
        parts.append(card_sheet_pdf(memberships[start : start + step]))
        job.set_progress(min(start + step, len(memberships)))
    content = merge_pdfs(parts) if len(parts) != 1 else parts[0]
    if job.result_file:
        job.result_file.delete(save=False)  # a new run replaces the old file
    job.result_file.save(f"member-cards-{unit.code}-{job.pk}.pdf", ContentFile(content), save=False)
    pages = -(-len(memberships) // CARDS_PER_PAGE)
    return {"cards": len(memberships), "pages": pages}


def start_card_batch(unit: OrgUnit, *, acting_user) -> Job:
    """Create the job and queue its rendering once the job row is committed."""
    job = Job.objects.create(kind=JOB_KIND, created_by=acting_user, params={"unit": unit.pk})
    record_audit(unit, "members.cards.batch_started", acting_user, {"job": job.pk})
    render_card_batch.delay_on_commit(job.pk)
    return job


@shared_task
def render_card_batch(job_id: int) -> None:
    """Idempotent: only a queued job is claimed (a conditional UPDATE that must return 1)."""
    if Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(state=Job.State.RUNNING) != 1:
        return
    job = Job.objects.get(pk=job_id)
    try:
        job.result = build_card_batch(job)
        job.state, job.progress, job.error = Job.State.DONE, job.total, ""
    except CardBatchError as exc:
        job.state, job.error = Job.State.FAILED, str(exc)
    except Exception as exc:
        log.exception("member card batch %s failed", job_id)
        job.state, job.error = Job.State.FAILED, f"{exc.__class__.__name__}: {exc}"
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "progress", "total", "result", "result_file", "error", "finished_at"])
