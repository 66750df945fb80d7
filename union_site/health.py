"""GET /healthz: the state of the database, the cache and the broker, as JSON."""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_cache() -> str:
    key, value = f"healthz:{uuid.uuid4().hex}", "1"
    cache.set(key, value, 10)
    ok = cache.get(key) == value
    cache.delete(key)
    if not ok:
        raise RuntimeError("cache did not return what was stored")
    return "ok"


def _check_broker() -> str:
    if settings.CELERY_BROKER_URL.startswith("memory://"):
        return "eager"  # embedded mode: tasks run in-process, there is no broker to reach
    from union_site.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@never_cache
@require_GET
def healthz(request):
    result, healthy = {}, True
    for name, check in CHECKS.items():
        try:
            result[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure means "down"
            result[name] = f"error: {exc.__class__.__name__}"
            healthy = False
    return JsonResponse({"status": "ok" if healthy else "error", **result}, status=200 if healthy else 503)
