"""Committee terms and post holdings of a grassroots union (E6, E12, E13).

Included at the root of the ``members`` namespace: ``path("", include(committee_views.urlpatterns))``.
Every object loads through ``visible_to(user)``: outside the scope is a 404, the wrong role a 403.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from . import committee_services as cs
from .checks import term_status
from .models import Committee, Membership, OrgUnit, Person, PostHolding

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CommitteeForm(forms.ModelForm):
    """A new committee term. E13 is checked here too, so the message sits beside the field."""

    class Meta:
        model = Committee
        fields = ["kind", "term_number", "starts_on", "term_years", "approved_by", "approval_ref", "approved_on",
                  "renewal_approval_ref"]
        widgets = {"starts_on": DATE, "approved_on": DATE, "term_years": forms.RadioSelect}
        error_messages = {
            "starts_on": {"required": gettext_lazy("Please enter the date the committee was elected.")},
            "term_years": {"required": gettext_lazy("Please choose a term of 3 or 5 years.")},
        }

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["term_number"].help_text = gettext_lazy("Leave empty to count on from the previous term.")

    def clean(self):
        data = super().clean()
        kind, starts_on = data.get("kind"), data.get("starts_on")
        if kind and starts_on:
            try:
                cs.check_renewal(self.unit, kind, starts_on, data.get("renewal_approval_ref", ""))
            except cs.CommitteeError as exc:
                self.add_error(exc.field, str(exc))
        return data


class EndTermForm(forms.Form):
    ended_on = forms.DateField(
        label=gettext_lazy("Last day of the term"), widget=DATE, initial=timezone.localdate,
        error_messages={"required": gettext_lazy("Please enter the last day of the term.")},
    )

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.committee = committee

    def clean_ended_on(self):
        day = self.cleaned_data["ended_on"]
        if day < self.committee.starts_on:
            raise ValidationError(_("The end date is before the election date."), code="before_start")
        return day


class PostForm(forms.Form):
    person = forms.ModelChoiceField(
        label=gettext_lazy("Member"), queryset=Person.objects.none(),
        help_text=gettext_lazy("Members in good standing of this union."),
        error_messages={"required": gettext_lazy("Please choose the member who holds the post.")},
    )
    post = forms.ChoiceField(label=pgettext_lazy("committee", "Post"))
    is_full_time = forms.BooleanField(label=gettext_lazy("Full-time"), required=False,
                                      help_text=gettext_lazy("E9: unions of 200 staff or more have a full-time "
                                                             "chair."))
    started_on = forms.DateField(label=gettext_lazy("Holds the post from"), widget=DATE, initial=timezone.localdate)
    source = forms.CharField(label=gettext_lazy("How the post was filled"), max_length=120, required=False,
                             help_text=gettext_lazy("For example, the election or the by-election."))

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(
            memberships__union=committee.unit_id, memberships__status=Membership.Status.ACTIVE
        ).order_by("name", "pk")
        labels = dict(PostHolding.Post.choices)
        self.fields["post"].choices = [(p, labels[p]) for p in cs.POSTS_BY_KIND[committee.kind]]


class EndPostForm(forms.Form):
    ended_on = forms.DateField(label=gettext_lazy("Last day in the post"), required=False, widget=DATE)


def _unit(request, pk):
    return get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=pk, kind=OrgUnit.Kind.GRASSROOTS)


def _committee(request, pk):
    return get_object_or_404(Committee.objects.visible_to(request.user).select_related("unit"), pk=pk)


@login_required
@permission_required("members.view_committee", raise_exception=True)
def committee_list(request, pk):
    unit = _unit(request, pk)
    posts = PostHolding.objects.select_related("person").order_by("ended_on", "post", "started_on", "pk")
    committees = list(
        Committee.objects.filter(unit=unit).prefetch_related(Prefetch("posts", queryset=posts))
        .order_by("ended_on", "kind", "-starts_on")
    )
    today = timezone.localdate()
    rows = [(c, None if c.ended_on else term_status(c, today)) for c in committees]
    return render(request, "members/committee_list.html", {"unit": unit, "rows": rows})


@login_required
@permission_required("members.add_committee", raise_exception=True)
def committee_create(request, pk):
    unit = _unit(request, pk)
    form = CommitteeForm(request.POST or None, unit=unit, initial={"term_years": 5})
    if request.method == "POST" and form.is_valid():
        try:
            cs.start_committee_term(unit, acting_user=request.user, **form.cleaned_data)
        except cs.CommitteeError as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, _("The committee term was recorded."))
            return redirect("members:committee-list", pk=unit.pk)
    return render(request, "members/committee_form.html", {"unit": unit, "form": form})


@login_required
@permission_required("members.change_committee", raise_exception=True)
def committee_end(request, pk):
    """GET: confirm; POST: end the term (and its posts) without a successor."""
    committee = _committee(request, pk)
    if committee.ended_on:
        messages.info(request, _("This term has already ended."))
        return redirect("members:committee-list", pk=committee.unit_id)
    form = EndTermForm(request.POST or None, committee=committee)
    if request.method == "POST" and form.is_valid():
        try:
            cs.end_committee_term(committee, ended_on=form.cleaned_data["ended_on"], acting_user=request.user)
        except cs.CommitteeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The committee term was ended."))
            return redirect("members:committee-list", pk=committee.unit_id)
    return render(request, "members/committee_form.html",
                  {"unit": committee.unit, "committee": committee, "form": form, "ending": True})


@login_required
@permission_required("members.add_postholding", raise_exception=True)
def post_create(request, pk):
    committee = _committee(request, pk)
    form = PostForm(request.POST or None, committee=committee)
    if request.method == "POST" and form.is_valid():
        try:
            cs.add_post(committee, acting_user=request.user, **form.cleaned_data)
        except cs.CommitteeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The post was recorded."))
            return redirect("members:committee-list", pk=committee.unit_id)
    return render(request, "members/post_form.html", {"unit": committee.unit, "committee": committee, "form": form})


@require_POST
@login_required
@permission_required("members.change_postholding", raise_exception=True)
def post_end(request, pk):
    holding = get_object_or_404(PostHolding.objects.visible_to(request.user), pk=pk)
    form = EndPostForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please enter a valid date."))
    else:
        try:
            cs.end_post(holding, ended_on=form.cleaned_data["ended_on"], acting_user=request.user)
        except cs.CommitteeError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The post was ended."))
    return redirect("members:committee-list", pk=holding.unit_id)


urlpatterns = [
    path("units/<int:pk>/committees/", committee_list, name="committee-list"),
    path("units/<int:pk>/committees/new/", committee_create, name="committee-create"),
    path("committees/<int:pk>/end/", committee_end, name="committee-end"),
    path("committees/<int:pk>/posts/new/", post_create, name="post-create"),
    path("posts/<int:pk>/end/", post_end, name="post-end"),
]
