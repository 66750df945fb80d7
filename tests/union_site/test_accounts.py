"""Login by staff number or username, throttling, activation codes created by officers."""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from union_site import settings as site_settings
from union_site.account_services import create_member_account
from union_site.models import ActivationCode, AuditEvent

from ..factories import UserFactory

LOGIN = reverse("login")


def test_login_by_username_case_insensitively_and_by_staff_number(client, db):
    UserFactory(username="wangfang", staff_no="CG0042")
    assert client.post(LOGIN, {"username": "WangFang", "password": "correct horse 9"}).status_code == 302
    client.logout()
    response = client.post(LOGIN, {"username": "CG0042", "password": "correct horse 9"})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_wrong_password_is_refused_in_chinese(client, db):
    UserFactory(username="wangfang")
    response = client.post(LOGIN, {"username": "wangfang", "password": "nope"})
    page = response.content.decode()
    assert response.status_code == 200 and "工号／用户名或密码错误" in page and 'lang="zh-hans"' in page


def test_argon2_hashes_passwords_in_production():
    assert site_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert site_settings.SESSION_COOKIE_HTTPONLY and site_settings.CSRF_COOKIE_HTTPONLY
    assert site_settings.X_FRAME_OPTIONS == "DENY"


def test_repeated_failures_lock_the_login(client, db):
    UserFactory(username="wangfang")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "wangfang", "password": "wrong"})
    locked = client.post(LOGIN, {"username": "wangfang", "password": "correct horse 9"})
    assert locked.status_code == 429 and "登录失败次数过多" in locked.content.decode()


def test_logout_is_post_only(client, officer):
    client.force_login(officer)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302


def test_officer_creates_an_account_and_the_member_activates_it(client, officer):
    client.force_login(officer)
    response = client.post(reverse("account-create"), {"username": "liming", "staff_no": "CG0100",
                                                       "last_name": "李", "first_name": "明"})
    code = response.context["code"]
    user = get_user_model().objects.get(username="liming")
    assert not user.has_usable_password()
    assert code not in str(list(AuditEvent.objects.values_list("data", flat=True)))  # never logged
    assert ActivationCode.objects.get().code_hash != code  # only the hash is stored
    client.logout()
    weak = client.post(reverse("activate"), {"login": "CG0100", "code": code, "new_password1": "12345678",
                                             "new_password2": "12345678"})
    assert weak.status_code == 200 and not get_user_model().objects.get(pk=user.pk).has_usable_password()
    done = client.post(reverse("activate-link", args=[code]), {"login": "CG0100", "code": code,
                                                              "new_password1": "union-Lm-2026", "new_password2": "union-Lm-2026"})
    assert done.status_code == 302
    client.logout()
    again = client.post(reverse("activate"), {"login": "CG0100", "code": code, "new_password1": "union-Lm-2027",
                                              "new_password2": "union-Lm-2027"})
    assert "激活码有误、已使用或已过期" in again.content.decode()  # one-time
    assert client.post(LOGIN, {"username": "CG0100", "password": "union-Lm-2026"}).status_code == 302


def test_expired_or_someone_elses_code_is_refused_with_one_message(client, officer):
    user, code = create_member_account(username="a", staff_no="A1", last_name="甲", first_name="", acting_user=officer)
    create_member_account(username="b", staff_no="B1", last_name="乙", first_name="", acting_user=officer)
    data = {"code": code, "new_password1": "union-Xy-2026", "new_password2": "union-Xy-2026"}
    assert "激活码有误" in client.post(reverse("activate"), {**data, "login": "B1"}).content.decode()
    ActivationCode.objects.filter(user=user).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert "激活码有误" in client.post(reverse("activate"), {**data, "login": "A1"}).content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_account_pages_need_the_permission(client, member, method):
    url = reverse("account-create")
    assert getattr(client, method)(url).status_code == 302
    client.force_login(member)
    assert getattr(client, method)(url).status_code == 403


def test_reissue_is_post_only_and_scoped(client, officer, other_school):
    from ..conftest import make_user_with_role

    mine, _code = create_member_account(username="m", staff_no="M1", last_name="丙", first_name="", acting_user=officer)
    stranger = make_user_with_role(None, other_school, username="stranger")
    client.force_login(officer)
    url = reverse("account-reissue", args=[mine.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 200
    assert client.post(reverse("account-reissue", args=[stranger.pk])).status_code == 404
    assert ActivationCode.objects.filter(user=mine, used_at__isnull=True).count() == 1  # the older one stopped
