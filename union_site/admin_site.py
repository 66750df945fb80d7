from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class UnionAdminSite(AdminSite):
    site_header = _("Union Home administration")
    site_title = _("Union Home")
    index_title = _("Administration")


class UnionAdminConfig(AdminConfig):
    default_site = "union_site.admin_site.UnionAdminSite"
