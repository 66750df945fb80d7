"""Login (by staff number or username), logout, password change, activation, and account creation by officers."""

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import BigIntegerField, Q
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .account_forms import ActivationForm, CreateMemberAccountForm, LoginForm
from .account_services import (
    AccountError,
    activate_account,
    activation_url,
    create_member_account,
    issue_activation_code,
)
from .models import AuditEvent


def accounts_in_scope(user):
    """Accounts an officer may manage: people of their units, scoped users below them, and those they created."""
    from members.scope import scope_paths

    User = get_user_model()
    if user.is_superuser:
        return User.objects.all()
    created = AuditEvent.objects.filter(action="accounts.user.created", actor=user).annotate(
        user_id=Cast("object_id", BigIntegerField())
    )
    q = Q(pk__in=created.values("user_id"))
    for root in scope_paths(user):
        q |= Q(person__unit__path__startswith=root) | Q(unit_scopes__unit__path__startswith=root)
    return User.objects.filter(q).distinct()


def activate(request, code=""):
    form = ActivationForm(request.POST or None, initial={"code": code})
    if request.method == "POST" and form.is_valid():
        try:
            user = activate_account(
                login=form.cleaned_data["login"],
                code=form.cleaned_data["code"],
                password=form.cleaned_data["new_password1"],
            )
        except AccountError as exc:
            form.add_error(None, str(exc))
        else:
            login(request, user, backend="union_site.auth_backends.StaffNumberBackend")
            messages.success(request, _("Your account is active. Welcome!"))
            return redirect("home")
    return render(request, "registration/activate.html", {"form": form, "from_link": bool(code)})


@login_required
@permission_required("union_site.add_user", raise_exception=True)
def account_create(request):
    form = CreateMemberAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, code = create_member_account(acting_user=request.user, **form.cleaned_data)
        return render(
            request,
            "union_site/account_created.html",
            {"account": user, "code": code, "link": activation_url(code)},
        )
    return render(request, "union_site/account_create.html", {"form": form})


@require_POST
@login_required
@permission_required("union_site.add_user", raise_exception=True)
def account_reissue(request, pk):
    account = get_object_or_404(accounts_in_scope(request.user), pk=pk)
    code = issue_activation_code(account, acting_user=request.user)
    return render(
        request, "union_site/account_created.html", {"account": account, "code": code, "link": activation_url(code)}
    )


urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done")),
        name="password_change",
    ),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("activate/", activate, name="activate"),
    path("activate/<str:code>/", activate, name="activate-link"),
    path("new/", account_create, name="account-create"),
    path("<int:pk>/activation-code/", account_reissue, name="account-reissue"),
]
