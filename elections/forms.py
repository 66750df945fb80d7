import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.models import Membership, Person

from .models import Poll
from .services import ABSTAIN, AGAINST, BASIC, DISTRUST, FOR, INELIGIBLE_REASONS, TRUST, ballot_options


class PollForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=[(Poll.Kind.ELECTION, _("Election")),
                                                       (Poll.Kind.CONFIDENCE, _("Confidence vote"))])
    title = forms.CharField(label=_("title"), max_length=200)
    post = forms.ChoiceField(label=_("post"), choices=[("", "—"), *Poll.Post.choices], required=False)
    seats = forms.IntegerField(label=_("seats"), min_value=1, max_value=45, initial=1)


class CandidateForm(forms.Form):
    person = forms.ModelChoiceField(label=_("person"), queryset=Person.objects.none(),
                                    error_messages={"required": _("Choose the member to nominate.")})
    nominated_by = forms.CharField(label=_("nominated by"), max_length=120, required=False)
    declarations = forms.MultipleChoiceField(
        label=_("The nominee is"), choices=list(INELIGIBLE_REASONS.items()), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("E22: any of these makes the nominee ineligible."),
    )

    def __init__(self, *args, poll, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(
            memberships__union=poll.unit, memberships__status=Membership.Status.ACTIVE
        ).order_by("name")


class BallotForm(forms.Form):
    """One choice per candidate (or the motion) and, for elections, a write-in per seat (另选他人)."""

    def __init__(self, *args, poll, **kwargs):
        super().__init__(*args, **kwargs)
        self.poll = poll
        if poll.kind == Poll.Kind.RESOLUTION:
            choices = [(FOR, _("For")), (AGAINST, _("Against")), (ABSTAIN, _("Abstain"))]
            self.fields["motion"] = forms.ChoiceField(label=poll.title, choices=choices, widget=forms.RadioSelect)
            return
        if poll.kind == Poll.Kind.CONFIDENCE:
            choices = [(TRUST, _("Trust")), (BASIC, _("Basic trust")), (DISTRUST, _("No trust"))]
        else:
            choices = [(FOR, pgettext_lazy("ballot", "Yes")), (AGAINST, pgettext_lazy("ballot", "No")), (ABSTAIN, _("Abstain"))]
        for option in ballot_options(poll):
            self.fields[f"c{option['id']}"] = forms.ChoiceField(
                label=option["name"], choices=choices, widget=forms.RadioSelect, required=False
            )
        if poll.kind == Poll.Kind.ELECTION:
            for i in range(poll.seats):
                self.fields[f"write_in_{i}"] = forms.CharField(label=_("Someone else (另选他人)"), max_length=50,
                                                               required=False)

    def clean(self):
        cleaned = super().clean()
        # a field this ballot does not have (another poll's candidate, a made-up id, a write-in past the seats)
        # is a tampered ballot: refuse it rather than cast the rest without it
        if any(re.fullmatch(r"c\d+|write_in_\d+", key) and key not in self.fields for key in self.data):
            raise forms.ValidationError(_("This ballot cannot be accepted: %(reason)s.")
                                        % {"reason": _("unknown option or mark")})
        return cleaned

    def option_keys(self) -> set:
        """The options on this ballot (candidate ids, or the motion), known from building the form."""
        if self.poll.kind == Poll.Kind.RESOLUTION:
            return {"motion"}
        return {name[1:] for name in self.fields if name.startswith("c")}

    def marks(self) -> dict:
        if self.poll.kind == Poll.Kind.RESOLUTION:
            return {"motion": self.cleaned_data["motion"]} if self.cleaned_data.get("motion") else {}
        return {name[1:]: value for name, value in self.cleaned_data.items() if name.startswith("c") and value}

    def write_ins(self) -> list:
        return [v for k, v in self.cleaned_data.items() if k.startswith("write_in_") and v]


class PaperEntryForm(BallotForm):
    def __init__(self, *args, poll, **kwargs):
        super().__init__(*args, poll=poll, **kwargs)
        if "motion" in self.fields:
            self.fields["motion"].required = False  # a paper is entered as it is: unmarked, or spoilt with a reason
        self.fields["paper_no"] = forms.IntegerField(label=_("paper ballot number"), min_value=1)
        self.fields["invalid_reason"] = forms.CharField(label=_("invalid because (unreadable, marked …)"),
                                                        max_length=200, required=False)
        self.order_fields(["paper_no"])


class ApprovalForm(forms.Form):
    approved_by = forms.CharField(label=_("approved by"), max_length=120)
    approval_ref = forms.CharField(label=_("approval reference"), max_length=120)
