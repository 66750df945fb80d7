import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "union_site.settings")

application = get_wsgi_application()

from .startup import require_serving_settings  # noqa: E402 - needs the settings configured above

require_serving_settings()
