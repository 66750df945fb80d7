import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from tests.factories import UserFactory

OUR_APPS = ["union_site", "members", "congress", "elections", "casework", "disclosure"]


def our_models():
    return [m for label in OUR_APPS for m in apps.get_app_config(label).get_models()]


def test_every_model_of_ours_is_registered_in_the_admin():
    missing = [m.__name__ for m in our_models() if m not in admin.site._registry]
    assert not missing


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("model", our_models(), ids=lambda m: f"{m._meta.app_label}.{m.__name__}")
def test_admin_changelist_loads_with_demo_data(client, superuser, model):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client.force_login(superuser)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url)
    assert response.status_code == 200
    response = client.get(url, {"q": "王"})
    assert response.status_code == 200


def test_admin_is_chinese_and_branded(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:index")).content.decode()
    assert "职工之家" in page


def test_audit_log_is_read_only_in_the_admin(client, superuser):
    from union_site.audit import record_audit

    event = record_audit(superuser, "test.thing.done", superuser)
    client.force_login(superuser)
    assert client.get(reverse("admin:union_site_auditevent_add")).status_code == 403
    change = client.get(reverse("admin:union_site_auditevent_change", args=[event.pk]))
    assert change.status_code == 200 and b'name="action"' not in change.content
    assert client.post(reverse("admin:union_site_auditevent_delete", args=[event.pk])).status_code == 403
