from django import forms
from django.utils.translation import gettext_lazy as _

from .idcard import parse_id_number
from .models import Membership, OrgUnit, Person
from .scope import scope_filter


class ScopedUnitField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{'　' * obj.depth}{obj.name}"


class PersonForm(forms.ModelForm):
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=22,
        required=False,
        help_text=_("18 digits (a 15-digit old number is converted). Stored encrypted, shown masked."),
    )

    class Meta:
        model = Person
        fields = [
            "unit", "name", "gender", "phone", "staff_no", "department", "post", "category", "is_manager",
            "contract_type", "employment", "is_member_representative", "is_activist", "is_hardship",
        ]
        error_messages = {
            "name": {"required": _("Please enter the person's real name.")},
            "unit": {"required": _("Please choose the union unit."), "invalid_choice": _("Choose a unit of your own.")},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = ScopedUnitField(
            queryset=OrgUnit.objects.filter(scope_filter(user, "path")).active().order_by("path"),
            label=_("union unit"),
            error_messages=self.Meta.error_messages["unit"],
        )
        if self.instance.pk and self.instance.id_number_masked:
            self.fields["id_number"].help_text = _("Now %(masked)s. Leave empty to keep it.") % {
                "masked": self.instance.id_number_masked
            }

    def clean_id_number(self):
        raw = self.cleaned_data["id_number"]
        if not raw:
            if not self.instance.pk:
                raise forms.ValidationError(_("Please enter the ID number (real-name roster, M5)."))
            return ""
        try:
            parsed = parse_id_number(raw)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        clash = Person.objects.with_id_number(parsed.value).exclude(pk=self.instance.pk).first()
        if clash is not None:
            raise forms.ValidationError(_("This ID number is already on the roster (%(name)s).") % {"name": clash.name})
        return parsed.value

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip().replace(" ", "").replace("-", "")
        if phone and not (phone.isdigit() and 7 <= len(phone) <= 15):
            raise forms.ValidationError(_("Enter a phone number of digits only, e.g. 13912345678."))
        return phone

    def save(self, commit=True):
        person = super().save(commit=False)
        if self.cleaned_data.get("id_number"):
            person.set_id_number(self.cleaned_data["id_number"])
        if commit:
            person.save()
        return person


class ApplicationForm(forms.Form):
    consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree that the union keeps these data for membership."),
        error_messages={"required": _("Please read and agree to the privacy notice before applying.")},
    )


class ReasonForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class RequiredNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please write the note; it goes into the member's history.")},
    )


class ApproveForm(forms.Form):
    joined_on = forms.DateField(label=_("joined on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    card_no = forms.CharField(label=_("card number"), max_length=40, required=False,
                              help_text=_("Leave empty to issue the next number."))


class RetainForm(ReasonForm):
    reason = forms.ChoiceField(label=_("retention reason"), choices=Membership.RetentionReason.choices)


class TransferForm(ReasonForm):
    to_union = forms.ModelChoiceField(
        label=_("receiving union"),
        queryset=OrgUnit.objects.filter(kind=OrgUnit.Kind.GRASSROOTS, is_active=True).order_by("name"),
        error_messages={"required": _("Please choose the receiving union.")},
    )


class ExpelForm(ReasonForm):
    sanction_ref = forms.CharField(label=_("criminal sanction (judgment or decision number)"), max_length=200)
    filing_ref = forms.CharField(label=_("filing with the higher-level union (reference)"), max_length=200)


class CorrectionForm(forms.Form):
    message = forms.CharField(
        label=_("What should be corrected"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Please describe what is wrong and what is right.")},
    )


class CorrectionDecisionForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
