"""Settings for the benchmarks: the test settings, plus django-import-export (a benchmark-only baseline,
never an app of the site) when it is installed (`pip install -e ".[bench]"`)."""

import importlib.util

from union_site.settings_test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = True
if importlib.util.find_spec("import_export") is not None:
    INSTALLED_APPS = [*INSTALLED_APPS, "import_export"]  # noqa: F405
