from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnionSiteConfig(AppConfig):
    name = "union_site"
    verbose_name = _("Site and accounts")
    default_auto_field = "django.db.models.BigAutoField"
