from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import path

from .services import proposals_visible_to


@login_required
def proposal_detail(request, pk):
    proposal = get_object_or_404(proposals_visible_to(request.user), pk=pk)
    return render(request, "congress/proposal_detail.html", {"proposal": proposal})


@login_required
def proposal_list(request):
    qs = proposals_visible_to(request.user).select_related("session", "proposer__person").order_by(
        "-session__starts_on", "number", "pk"
    )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "congress/proposal_list.html", {"page_obj": page, "proposals": page.object_list})


urlpatterns = [
    path("", proposal_list, name="proposal-list"),
    path("<int:pk>/", proposal_detail, name="proposal-detail"),
]
