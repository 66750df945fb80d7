from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Staff number or username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
        error_messages={"required": _("Please enter your staff number or username.")},
    )
    error_messages = {
        "invalid_login": _("The staff number/username or password is wrong."),
        "inactive": _("This account is disabled. Please ask your union officer."),
    }


class ActivationForm(forms.Form):
    login = forms.CharField(
        label=_("Staff number or username"),
        max_length=150,
        error_messages={"required": _("Please enter your staff number or username.")},
    )
    code = forms.CharField(
        label=_("Activation code"),
        max_length=20,
        error_messages={"required": _("Please enter the activation code you were given.")},
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=_("New password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_password1") and cleaned.get("new_password1") != cleaned.get("new_password2"):
            self.add_error("new_password2", _("The two passwords differ."))
        return cleaned


class CreateMemberAccountForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Use letters, digits and @ . + - _ only.")},
    )
    staff_no = forms.CharField(label=_("Staff number"), max_length=32, required=False)
    last_name = forms.CharField(label=_("Surname"), max_length=150)
    first_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is already taken."))
        return username

    def clean_staff_no(self):
        staff_no = self.cleaned_data["staff_no"].strip()
        if staff_no and get_user_model().objects.filter(staff_no=staff_no).exists():
            raise forms.ValidationError(_("This staff number is already used by another account."))
        return staff_no
