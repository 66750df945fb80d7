from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, render
from django.urls import path

from .checks import composition_checks
from .models import Body


@login_required
@permission_required("congress.view_body", raise_exception=True)
def body_detail(request, pk):
    body = get_object_or_404(Body.objects.visible_to(request.user).select_related("unit"), pk=pk)
    term = body.current_term()
    checks = composition_checks(term) if term else []
    return render(request, "congress/body_detail.html", {"body": body, "term": term, "checks": checks})


urlpatterns = [
    path("bodies/<int:pk>/", body_detail, name="body-detail"),
]
