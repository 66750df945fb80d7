"""Settings for the benchmarks: the test settings, plus django-import-export (a benchmark-only baseline,
never an app of the site) when it is installed (`pip install -e ".[bench]"`), and the Redis cache of a
production site when REDIS_URL is set (the test settings keep every test run's cache to itself)."""

import importlib.util

from union_site.settings_test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = True
if importlib.util.find_spec("import_export") is not None:
    INSTALLED_APPS = [*INSTALLED_APPS, "import_export"]  # noqa: F405

if REDIS_URL:  # noqa: F405
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}  # noqa: F405
