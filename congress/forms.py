from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Person

from .models import Body, Department, Proposal, Representative, Session


class DateInput(forms.DateInput):
    input_type = "date"


class BodyForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Body.Kind.choices)
    name = forms.CharField(label=_("name"), max_length=120, required=False,
                           help_text=_("Leave empty to use the unit's name and the kind."))


class TermForm(forms.Form):
    starts_on = forms.DateField(label=_("starts on"), widget=DateInput)
    years = forms.TypedChoiceField(label=_("length (years)"), coerce=int, choices=[(3, 3), (4, 4), (5, 5)], initial=5)


class RepresentativeForm(forms.ModelForm):
    class Meta:
        model = Representative
        fields = ["person", "kind", "constituency", "delegation", "is_frontline", "is_manager", "is_teacher",
                  "is_youth", "is_dispatched", "elected_on"]
        widgets = {"elected_on": DateInput}

    def __init__(self, *args, term, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(unit__path__startswith=term.body.unit.path).order_by(
            "name"
        )
        self.fields["delegation"].queryset = term.delegations.all()
        self.fields["delegation"].required = False


class DelegationForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=80, error_messages={"required": _("Name the delegation.")})
    leader = forms.ModelChoiceField(label=_("leader"), queryset=Representative.objects.none(), required=False)

    def __init__(self, *args, term, **kwargs):
        super().__init__(*args, **kwargs)
        self.term = term
        self.fields["leader"].queryset = term.representatives.active().select_related("person").order_by("person__name")
        self.fields["leader"].label_from_instance = lambda r: r.person.name

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if self.term.delegations.filter(name=name).exists():
            raise forms.ValidationError(_("This term already has a delegation of that name."))
        return name


class EndRepresentativeForm(forms.Form):
    status = forms.ChoiceField(
        label=_("how the seat ends"),
        choices=[(Representative.Status.RECALLED, _("Recalled")), (Representative.Status.LEFT, _("Left"))],
    )
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class SessionForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    kind = forms.ChoiceField(label=_("kind"), choices=Session.Kind.choices)
    starts_on = forms.DateField(label=_("opens on"), widget=DateInput)
    ends_on = forms.DateField(label=_("closes on"), widget=DateInput, required=False)
    location = forms.CharField(label=_("location"), max_length=200, required=False)


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("item"), max_length=200)


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    file = forms.FileField(label=_("file"), required=False)
    distributed_on = forms.DateField(label=_("sent to representatives on"), widget=DateInput)


class ResolutionForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    text = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 4}))


class VoteCountForm(forms.Form):
    votes_for = forms.IntegerField(label=_("for"), min_value=0)
    votes_against = forms.IntegerField(label=_("against"), min_value=0)
    votes_abstain = forms.IntegerField(label=_("abstain"), min_value=0)


class JointMeetingForm(forms.Form):
    held_on = forms.DateField(label=_("held on"), widget=DateInput)
    title = forms.CharField(label=_("title"), max_length=200)
    results = forms.CharField(label=_("results"), widget=forms.Textarea(attrs={"rows": 3}))
    minutes = forms.CharField(label=_("minutes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ProposalForm(forms.Form):
    title = forms.CharField(
        label=_("subject (案由)"), max_length=200,
        help_text=_("One matter per proposal (P2)."),
        error_messages={"required": _("Please write the subject.")},
    )
    reasons = forms.CharField(label=_("reasons (理由)"), widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"required": _("Please give the reasons.")})
    measures = forms.CharField(label=_("suggested measures (建议办法)"), widget=forms.Textarea(attrs={"rows": 4}),
                               error_messages={"required": _("Please suggest what should be done.")})


class InviteForm(forms.Form):
    representatives = forms.ModelMultipleChoiceField(
        label=_("Invite seconders"), queryset=Representative.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one representative.")},
    )

    def __init__(self, *args, proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["representatives"].queryset = (
            Representative.objects.active().formal().filter(term=proposal.session.term)
            .exclude(pk=proposal.proposer_id).select_related("person").order_by("person__name")
        )
        self.fields["representatives"].label_from_instance = lambda r: r.person.name


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept (立案)")), ("not_accept", _("Do not accept (不立案)")),
                 ("convert", _("Convert to an opinion or suggestion")), ("merge", _("Merge with another proposal")),
                 ("dispute", _("Refer to the presidium"))],
    )
    within_powers = forms.BooleanField(label=_("within the unit's and the congress's powers"), required=False)
    lawful = forms.BooleanField(label=_("consistent with law and policy"), required=False)
    feasible = forms.BooleanField(label=_("worth doing and feasible"), required=False)
    reason = forms.CharField(label=_("review reasons"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    merge_into = forms.ModelChoiceField(label=_("merged into"), queryset=Proposal.objects.none(), required=False)

    def __init__(self, *args, proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merge_into"].queryset = Proposal.objects.filter(session=proposal.session).exclude(
            pk=proposal.pk
        ).exclude(number="")


class AssignForm(forms.Form):
    lead = forms.ModelChoiceField(label=_("lead department"), queryset=Department.objects.none())
    joint = forms.ModelMultipleChoiceField(label=_("joint departments"), queryset=Department.objects.none(),
                                           required=False, widget=forms.CheckboxSelectMultiple)
    days = forms.IntegerField(label=_("days to reply"), min_value=1, max_value=180, required=False,
                              help_text=_("Default 90 days (P7); at most 180."))

    def __init__(self, *args, proposal, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(unit=proposal.unit, is_active=True)
        self.fields["lead"].queryset = departments
        self.fields["joint"].queryset = departments


class ReplyForm(forms.Form):
    outcome = forms.ChoiceField(label=_("outcome"), choices=Proposal.Outcome.choices)
    text = forms.CharField(label=_("reply"), widget=forms.Textarea(attrs={"rows": 5}))
    signed_off_by = forms.CharField(label=_("signed off by (head of department)"), max_length=50)


class RatingForm(forms.Form):
    rating = forms.ChoiceField(label=_("rating"), choices=Proposal.Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RedoForm(forms.Form):
    note = forms.CharField(label=_("committee's note for handling again"), widget=forms.Textarea(attrs={"rows": 3}))
    days = forms.IntegerField(label=_("days to reply"), min_value=1, max_value=180, required=False)
