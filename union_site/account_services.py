"""Accounts are created by officers (no open sign-up); members activate them with a one-time code."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import record_audit
from .models import ActivationCode


class AccountError(Exception):
    pass


def activation_url(code: str) -> str:
    return f"{settings.SITE_URL}{reverse('activate-link', args=[code])}"


@transaction.atomic
def issue_activation_code(user, *, acting_user) -> str:
    """A new one-time code; earlier unused codes of the user stop working. Returns the plain code once."""
    now = timezone.now()
    ActivationCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    code = ActivationCode.new_code()
    ActivationCode.objects.create(
        user=user,
        code_hash=ActivationCode.hash(code),
        created_by=acting_user,
        expires_at=now + datetime.timedelta(days=settings.ACTIVATION_CODE_DAYS),
    )
    record_audit(user, "accounts.activation.issued", acting_user)
    return code


@transaction.atomic
def create_member_account(*, username, staff_no, last_name, first_name, email="", acting_user, person=None):
    """Create an account with no usable password and return it with its activation code."""
    User = get_user_model()
    user = User(username=username, staff_no=staff_no or None, last_name=last_name, first_name=first_name, email=email)
    user.set_unusable_password()
    user.save()
    if person is not None:
        type(person).objects.filter(pk=person.pk, user__isnull=True).update(user=user)
    record_audit(user, "accounts.user.created", acting_user, {"created_by": getattr(acting_user, "pk", None)})
    return user, issue_activation_code(user, acting_user=acting_user)


@transaction.atomic
def activate_account(*, login: str, code: str, password: str):
    """Check the code (one generic error, whoever asks), set the password, mark the code used."""
    User = get_user_model()
    generic = AccountError(_("The staff number/username or the activation code is wrong, used or expired."))
    record = ActivationCode.objects.select_for_update().filter(code_hash=ActivationCode.hash(code)).first()
    if record is None or record.used_at is not None or record.expires_at <= timezone.now():
        raise generic
    user = User.objects.filter(Q(username__iexact=login.strip()) | Q(staff_no=login.strip()), pk=record.user_id).first()
    if user is None or not user.is_active:
        raise generic
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    record.used_at = timezone.now()
    record.save(update_fields=["used_at"])
    record_audit(user, "accounts.user.activated", user)
    return user
