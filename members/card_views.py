"""Member cards: one sheet of up to 8 cards in the request, a whole unit as a background job with
progress, and the public verification page the QR code opens (nothing personal on it).

Included at the root of the ``members`` namespace: ``path("", include(card_views.urlpatterns))``.
"""

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from union_site.models import Job

from .card_tasks import JOB_KIND, VALID, printable_memberships, start_card_batch
from .documents import CARDS_PER_PAGE, card_sheet_pdf
from .forms import ScopedUnitField
from .models import Membership, OrgUnit

PERMISSION = "members.change_membership"  # printing cards is part of keeping the memberships


class SheetForm(forms.Form):
    ids = forms.CharField(required=False)
    unit = forms.IntegerField(required=False, min_value=1)
    page = forms.IntegerField(required=False, min_value=1)

    def clean_ids(self):
        raw = self.cleaned_data["ids"].strip()
        if not raw:
            return []
        try:
            ids = list(dict.fromkeys(int(x) for x in raw.split(",") if x.strip()))
        except ValueError:
            raise ValidationError(_("Give the memberships as numbers separated by commas."), code="ids") from None
        if len(ids) > CARDS_PER_PAGE:
            raise ValidationError(
                _("At most %(n)s cards fit on one sheet: print the whole union as a batch instead.")
                % {"n": CARDS_PER_PAGE}, code="too_many",
            )
        return ids

    def clean(self):
        data = super().clean()
        if not data.get("ids") and not data.get("unit") and not self.errors:
            raise ValidationError(_("Choose the memberships or the union to print."), code="empty")
        return data


@never_cache
@require_GET
@login_required
@permission_required(PERMISSION, raise_exception=True)
def card_sheet(request):
    """``?ids=1,2,…`` (at most 8) or ``?unit=<pk>&page=N``: one A4 sheet rendered in the request."""
    form = SheetForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(" ".join(str(e) for errors in form.errors.values() for e in errors),
                                      content_type="text/plain; charset=utf-8")
    qs = Membership.objects.visible_to(request.user).filter(status__in=VALID).exclude(card_no="")
    qs = qs.select_related("person", "union")
    if ids := form.cleaned_data["ids"]:
        found = {m.pk: m for m in qs.filter(pk__in=ids)}
        if len(found) != len(ids):  # outside the scope, ended, or without a card number
            raise Http404(_("Some of these member cards cannot be printed."))
        memberships = [found[pk] for pk in ids]
    else:
        unit = get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=form.cleaned_data["unit"])
        start = ((form.cleaned_data["page"] or 1) - 1) * CARDS_PER_PAGE
        memberships = list(
            qs.filter(union__path__startswith=unit.path).order_by("union__path", "card_no", "pk")[
                start : start + CARDS_PER_PAGE
            ]
        )
        if not memberships:
            raise Http404(_("No member cards to print on this page."))
    response = HttpResponse(card_sheet_pdf(memberships), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="member-cards.pdf"'
    return response


class BatchForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = ScopedUnitField(
            label=gettext_lazy("Union"),
            queryset=OrgUnit.objects.visible_to(user).active().order_by("path"),
            help_text=gettext_lazy("Every valid card of this union and the units below it."),
            error_messages={"required": gettext_lazy("Please choose the union whose cards to print.")},
        )

    def clean_unit(self):
        unit = self.cleaned_data["unit"]
        if not printable_memberships(unit).exists():
            raise ValidationError(_("There are no valid member cards with a card number in this unit."),
                                  code="no_cards")
        return unit


@login_required
@permission_required(PERMISSION, raise_exception=True)
def card_batch(request):
    """GET: choose the union; POST: queue the job and go to its progress page."""
    form = BatchForm(request.POST or None, user=request.user, initial={"unit": request.GET.get("unit")})
    if request.method == "POST" and form.is_valid():
        job = start_card_batch(form.cleaned_data["unit"], acting_user=request.user)
        return redirect("members:card-batch-progress", pk=job.pk)
    return render(request, "members/card_batch.html", {"form": form})


def _job(request, pk, **filters):
    return get_object_or_404(Job, pk=pk, kind=JOB_KIND, created_by=request.user, **filters)


@never_cache
@login_required
@permission_required(PERMISSION, raise_exception=True)
def card_batch_progress(request, pk):
    job = _job(request, pk)
    if request.GET.get("format") == "json":  # older pages polled this URL
        return _status(job)
    return render(request, "members/card_batch.html", {"job": job})


def _status(job: Job) -> JsonResponse:
    done = job.state == Job.State.DONE and bool(job.result_file)
    return JsonResponse({
        "state": job.state,
        "percent": job.percent,
        "progress": job.progress,
        "total": job.total,
        "error": job.error,
        "download": reverse("members:card-batch-download", args=[job.pk]) if done else "",
    })


@never_cache
@login_required
@permission_required(PERMISSION, raise_exception=True)
def card_batch_status(request, pk):
    """The JSON the progress page polls."""
    return _status(_job(request, pk))


@login_required
@permission_required(PERMISSION, raise_exception=True)
def card_batch_download(request, pk):
    job = _job(request, pk, state=Job.State.DONE)
    if not job.result_file:
        raise Http404
    return FileResponse(job.result_file.open("rb"), content_type="application/pdf", as_attachment=True,
                        filename=f"member-cards-{job.pk}.pdf")


@never_cache
def card_verify(request, token):
    """Public, no login: is this card valid, and of which union. Nothing about the member."""
    membership = Membership.objects.select_related("union").only("status", "union__name").filter(
        verify_token=token
    ).first()
    valid = membership is not None and membership.status in VALID
    context = {"valid": valid, "union_name": membership.union.name if valid else ""}
    response = render(request, "members/card_verify.html", context, status=404 if membership is None else 200)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


urlpatterns = [
    path("cards/sheet/", card_sheet, name="card-sheet"),
    path("cards/batch/", card_batch, name="card-batch"),
    path("cards/batch/<int:pk>/", card_batch_progress, name="card-batch-progress"),
    path("cards/batch/<int:pk>/status/", card_batch_status, name="card-batch-status"),
    path("cards/batch/<int:pk>/download/", card_batch_download, name="card-batch-download"),
    path("card/<str:token>/", card_verify, name="card-verify"),
]
