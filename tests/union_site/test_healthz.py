import contextlib

import pytest
from django.urls import reverse


def test_healthz_reports_each_service(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["cache"] == "ok"
    assert body["broker"] in {"ok", "eager"}


def test_healthz_is_503_when_the_broker_is_down(client, db, settings):
    from union_site.celery import app

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = "memory://"
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    assert response.json()["database"] == "ok"


def test_healthz_is_503_when_the_cache_is_down(client, db, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    from django.core.cache import caches

    caches._settings = None
    with contextlib.suppress(AttributeError):
        del caches._connections.default
    response = client.get(reverse("healthz"))
    assert response.status_code == 503 and response.json()["cache"].startswith("error")


@pytest.mark.services
def test_healthz_with_real_postgresql_and_redis(client, db, settings):
    import os

    from union_site.celery import app

    redis_url = os.environ["REDIS_URL"]
    settings.CELERY_BROKER_URL = redis_url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    app.conf.broker_url = redis_url
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = "memory://"
    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}
