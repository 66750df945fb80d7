"""Forms of the roster, the membership workflows and members' own pages. Every message says what to do."""

from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .idcard import normalise_text, parse_id_number
from .models import CorrectionRequest, Membership, OrgUnit, Person
from .scope import scope_filter


class ScopedUnitField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{'　' * obj.depth}{obj.name}"


class PersonForm(forms.ModelForm):
    """A person on the roster. The 身份证号 is a plain field: validated, then stored encrypted (PI10)."""

    id_number = forms.CharField(
        label=_("ID number"),
        max_length=22,
        required=False,
        help_text=_("18 digits (a 15-digit old number is converted). Stored encrypted, shown masked."),
    )

    class Meta:
        model = Person
        fields = [
            "unit",
            "name",
            "gender",
            "phone",
            "staff_no",
            "department",
            "post",
            "category",
            "is_manager",
            "contract_type",
            "employment",
            "is_member_representative",
            "is_activist",
            "is_hardship",
        ]
        error_messages = {
            "name": {"required": _("Please enter the person's real name.")},
            "gender": {"required": _("Please choose the gender.")},
            "unit": {
                "required": _("Please choose the union unit."),
                "invalid_choice": _("Please choose one of your own units."),
            },
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
        else:
            self.fields["gender"].help_text = _("Taken from the ID number when one is given.")

    def clean_name(self):
        name = normalise_text(self.cleaned_data["name"]).replace(" ", "")
        if not name:
            raise forms.ValidationError(_("Please enter the person's real name."), code="required")
        return name

    def clean_id_number(self):
        raw = self.cleaned_data["id_number"]
        if not normalise_text(raw):
            if not self.instance.pk:
                raise forms.ValidationError(
                    _("Please enter the ID number (real-name roster, M5)."), code="required"
                )
            return ""
        try:
            parsed = parse_id_number(raw)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
        clash = Person.objects.with_id_number(parsed.value).exclude(pk=self.instance.pk).first()
        if clash is not None:
            raise forms.ValidationError(
                _("This ID number is already on the roster (%(name)s)."),
                code="duplicate",
                params={"name": clash.name},
            )
        return parsed.value

    def clean_phone(self):
        phone = normalise_text(self.cleaned_data["phone"]).replace(" ", "").replace("-", "")
        if phone and not (phone.isdigit() and 7 <= len(phone) <= 15):
            raise forms.ValidationError(
                _("Enter a phone number of digits only, e.g. 13912345678."), code="invalid"
            )
        return phone

    def changed_fields(self) -> list[str]:
        """Names of the fields the user changed (a new ID number counts; an empty one keeps the old)."""
        return [f for f in self.changed_data if f != "id_number" or self.cleaned_data.get("id_number")]

    def save(self, commit=True):
        person = super().save(commit=False)
        if self.cleaned_data.get("id_number"):
            person.set_id_number(self.cleaned_data["id_number"])
        if commit:
            person.save()
        return person

    def save_or_report(self):
        """Save; if the same ID number was saved a moment ago by someone else, say so beside the field."""
        try:
            with transaction.atomic():
                return self.save()
        except IntegrityError:
            self.add_error("id_number", _("This ID number is already on the roster."))
            return None


class ApplicationForm(forms.Form):
    consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree that the union keeps these data for membership."),
        error_messages={"required": _("Please read and agree to the privacy notice before applying.")},
    )


class MembershipActionForm(forms.Form):
    """Base of the workflow forms: they know the membership they act on."""

    def __init__(self, *args, membership: Membership, **kwargs):
        self.membership = membership
        super().__init__(*args, **kwargs)


class ReasonForm(MembershipActionForm):
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Goes into the member's history."),
    )


class RequiredNoteForm(MembershipActionForm):
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Goes into the member's history."),
        error_messages={"required": _("Please write the note; it goes into the member's history.")},
    )


class ApproveForm(MembershipActionForm):
    joined_on = forms.DateField(
        label=_("joined on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty means today."),
        error_messages={"invalid": _("Enter a date such as 2024-09-01.")},
    )
    dues_from = forms.DateField(
        label=_("dues from month"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("M3: empty means the month after joining."),
        error_messages={"invalid": _("Enter a date such as 2024-10-01.")},
    )
    card_no = forms.CharField(
        label=_("card number"),
        max_length=40,
        required=False,
        help_text=_("Leave empty to issue the next number of this union."),
    )

    def clean_joined_on(self):
        joined_on = self.cleaned_data["joined_on"]
        if joined_on and joined_on > timezone.localdate():
            raise forms.ValidationError(_("The join date cannot be in the future."), code="future")
        return joined_on

    def clean_card_no(self):
        return normalise_text(self.cleaned_data["card_no"]).upper()

    def clean(self):
        data = super().clean()
        if data.get("joined_on") and data.get("dues_from") and data["dues_from"] < data["joined_on"]:
            self.add_error("dues_from", _("Dues cannot start before the member joined."))
        return data


class RetainForm(ReasonForm):
    reason = forms.ChoiceField(
        label=_("retention reason"),
        choices=Membership.RetentionReason.choices,
        error_messages={"required": _("Please choose why the membership is retained.")},
    )
    field_order = ["reason", "note"]


class TransferForm(ReasonForm):
    """M7: any active grassroots union may receive the member, not only the sending officer's own units."""

    to_union = forms.ModelChoiceField(
        label=_("receiving union"),
        queryset=OrgUnit.objects.none(),
        error_messages={
            "required": _("Please choose the receiving union."),
            "invalid_choice": _("Please choose an active grassroots union."),
        },
    )
    field_order = ["to_union", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_union"].queryset = (
            OrgUnit.objects.active()
            .filter(kind=OrgUnit.Kind.GRASSROOTS)
            .exclude(pk=self.membership.union_id)
            .order_by("path")
        )


class ExpelForm(ReasonForm):
    sanction_ref = forms.CharField(
        label=_("criminal sanction (judgment or decision number)"),
        max_length=200,
        error_messages={
            "required": _(
                "Expulsion needs the criminal sanction on record (judgment or decision number, M16)."
            )
        },
    )
    filing_ref = forms.CharField(
        label=_("filing with the higher-level union (reference)"),
        max_length=200,
        error_messages={
            "required": _(
                "Expulsion must be filed with the higher-level union: enter the filing reference (M16)."
            )
        },
    )
    field_order = ["sanction_ref", "filing_ref", "note"]


class CorrectionForm(forms.Form):
    message = forms.CharField(
        label=_("What should be corrected"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("For example: my mobile phone number is now 13800000000."),
        error_messages={"required": _("Please describe what is wrong and what is right.")},
    )


class CorrectionDecisionForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def __init__(self, *args, decision: str, **kwargs):
        self.decision = decision
        super().__init__(*args, **kwargs)

    def clean_answer(self):
        answer = self.cleaned_data["answer"].strip()
        if self.decision == CorrectionRequest.State.REFUSED and not answer:
            raise forms.ValidationError(_("Please give the reason for refusing (PI9)."), code="required")
        return answer
