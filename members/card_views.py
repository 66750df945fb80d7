"""Member cards: one sheet in the request, a whole unit as a background job, and the public check."""

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from union_site.models import Job

from .card_tasks import render_card_batch
from .documents import CARDS_PER_PAGE, card_sheet_pdf
from .forms import ScopedUnitField
from .models import Membership, OrgUnit
from .scope import scope_filter

KIND = "members.card_batch"
VALID = [Membership.Status.ACTIVE, Membership.Status.RETAINED]


@login_required
@permission_required("members.view_membership", raise_exception=True)
def card_sheet(request):
    """Up to 8 cards (?ids=1,2,… or ?unit=pk&page=N), rendered in the request."""
    qs = Membership.objects.visible_to(request.user).filter(status__in=VALID).exclude(card_no="")
    qs = qs.select_related("person", "union").order_by("card_no")
    if ids := request.GET.get("ids"):
        try:
            wanted = [int(x) for x in ids.split(",") if x.strip()][:CARDS_PER_PAGE]
        except ValueError:
            raise Http404 from None
        memberships = list(qs.filter(pk__in=wanted))
    elif unit_id := request.GET.get("unit"):
        unit = get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=unit_id)
        page = max(int(request.GET.get("page", "1") or 1), 1) if request.GET.get("page", "1").isdigit() else 1
        start = (page - 1) * CARDS_PER_PAGE
        memberships = list(qs.filter(union__path__startswith=unit.path)[start : start + CARDS_PER_PAGE])
    else:
        memberships = []
    if not memberships:
        raise Http404(_("No valid member cards to print."))
    response = HttpResponse(card_sheet_pdf(memberships), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="member-cards.pdf"'
    return response


class BatchForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = ScopedUnitField(
            label=gettext_lazy("Union"),
            queryset=OrgUnit.objects.filter(scope_filter(user, "path")).active().order_by("path"),
        )


@login_required
@permission_required("members.view_membership", raise_exception=True)
def card_batch(request):
    form = BatchForm(request.POST or None, user=request.user, initial={"unit": request.GET.get("unit")})
    if request.method == "POST" and form.is_valid():
        job = Job.objects.create(kind=KIND, created_by=request.user, params={"unit": form.cleaned_data["unit"].pk})
        transaction.on_commit(lambda: render_card_batch.delay(job.pk))
        return redirect("members:card-batch-progress", pk=job.pk)
    return render(request, "members/card_batch.html", {"form": form})


@never_cache
@login_required
@permission_required("members.view_membership", raise_exception=True)
def card_batch_progress(request, pk):
    job = get_object_or_404(Job, pk=pk, kind=KIND, created_by=request.user)
    if request.GET.get("format") == "json":
        return JsonResponse({"state": job.state, "percent": job.percent, "error": job.error})
    return render(request, "members/card_batch.html", {"job": job,
                                                       "poll": reverse("members:card-batch-progress", args=[pk])})


@login_required
@permission_required("members.view_membership", raise_exception=True)
def card_batch_download(request, pk):
    job = get_object_or_404(Job, pk=pk, kind=KIND, created_by=request.user, state=Job.State.DONE)
    return FileResponse(job.result_file.open("rb"), content_type="application/pdf", filename="member-cards.pdf")


@never_cache
def card_verify(request, token):
    """Public: whether a card is valid, and of which union. Nothing personal."""
    membership = Membership.objects.filter(verify_token=token).select_related("union").first()
    valid = membership is not None and membership.status in VALID
    return render(
        request,
        "members/card_verify.html",
        {"valid": valid, "union": membership.union if membership else None},
        status=200 if valid else 404,
    )


urlpatterns = [
    path("cards/sheet/", card_sheet, name="card-sheet"),
    path("cards/batch/", card_batch, name="card-batch"),
    path("cards/batch/<int:pk>/", card_batch_progress, name="card-batch-progress"),
    path("cards/batch/<int:pk>/download/", card_batch_download, name="card-batch-download"),
    path("card/<str:token>/", card_verify, name="card-verify"),
]

