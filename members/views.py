from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, render

from .models import OrgUnit


@login_required
@permission_required("members.view_orgunit", raise_exception=True)
def unit_detail(request, pk):
    unit = get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=pk)
    children = unit.children.order_by("path")
    return render(request, "members/unit_detail.html", {"unit": unit, "children": children})


roster_urlpatterns = []  # the roster pages (list, person, lifecycle actions)
