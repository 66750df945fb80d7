from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import path

from .services import proposals_visible_to


@login_required
def proposal_detail(request, pk):
    proposal = get_object_or_404(proposals_visible_to(request.user), pk=pk)
    return render(request, "congress/proposal_detail.html", {"proposal": proposal})


urlpatterns = [
    path("<int:pk>/", proposal_detail, name="proposal-detail"),
]
