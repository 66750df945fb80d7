from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import committee_services as cs
from .models import Committee, Membership, OrgUnit, Person, PostHolding


class CommitteeForm(forms.ModelForm):
    class Meta:
        model = Committee
        fields = ["kind", "starts_on", "term_years", "approved_by", "approval_ref", "approved_on",
                  "renewal_approval_ref"]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}),
                   "approved_on": forms.DateInput(attrs={"type": "date"})}


class PostForm(forms.Form):
    person = forms.ModelChoiceField(label=gettext_lazy("person"), queryset=Person.objects.none())
    post = forms.ChoiceField(label=gettext_lazy("post"), choices=PostHolding.Post.choices)
    is_full_time = forms.BooleanField(label=gettext_lazy("full-time"), required=False)
    started_on = forms.DateField(label=gettext_lazy("from"), widget=forms.DateInput(attrs={"type": "date"}),
                                 initial=timezone.localdate)

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(
            memberships__union=committee.unit, memberships__status=Membership.Status.ACTIVE
        ).order_by("name")


def _unit(request, pk):
    return get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=pk, kind=OrgUnit.Kind.GRASSROOTS)


@login_required
@permission_required("members.view_committee", raise_exception=True)
def committee_list(request, pk):
    unit = _unit(request, pk)
    committees = Committee.objects.filter(unit=unit).prefetch_related("posts__person").order_by("kind", "-starts_on")
    return render(request, "members/committee_list.html", {"unit": unit, "committees": committees})


@login_required
@permission_required("members.add_committee", raise_exception=True)
def committee_create(request, pk):
    unit = _unit(request, pk)
    form = CommitteeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cs.start_committee_term(unit, acting_user=request.user, **form.cleaned_data)
        except cs.CommitteeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The committee term was recorded."))
            return redirect("members:committee-list", pk=unit.pk)
    return render(request, "members/committee_form.html", {"unit": unit, "form": form})


@login_required
@permission_required("members.add_postholding", raise_exception=True)
def post_create(request, pk):
    committee = get_object_or_404(Committee.objects.visible_to(request.user), pk=pk)
    form = PostForm(request.POST or None, committee=committee)
    if request.method == "POST" and form.is_valid():
        try:
            cs.add_post(committee, acting_user=request.user, **form.cleaned_data)
        except cs.CommitteeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The post was recorded."))
            return redirect("members:committee-list", pk=committee.unit_id)
    return render(request, "members/committee_form.html", {"unit": committee.unit, "form": form,
                                                            "committee": committee})


@require_POST
@login_required
@permission_required("members.change_postholding", raise_exception=True)
def post_end(request, pk):
    holding = get_object_or_404(PostHolding.objects.visible_to(request.user), pk=pk)
    try:
        cs.end_post(holding, ended_on=timezone.localdate(), acting_user=request.user)
    except cs.CommitteeError as exc:
        messages.error(request, str(exc))
    return redirect("members:committee-list", pk=holding.unit_id)


urlpatterns = [
    path("units/<int:pk>/committees/", committee_list, name="committee-list"),
    path("units/<int:pk>/committees/new/", committee_create, name="committee-create"),
    path("committees/<int:pk>/posts/new/", post_create, name="post-create"),
    path("posts/<int:pk>/end/", post_end, name="post-end"),
]
