"""Give role Groups their permissions from a data migration.

Permissions are normally created after ``migrate``; a data migration that grants
them must create them first. ``grant(apps, {"officer": ["members.view_orgunit"]})``.
"""

from django.contrib.auth.management import create_permissions


def grant(apps, grants: dict[str, list[str]]) -> None:
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codes in grants.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for code in codes:
            app_label, codename = code.split(".")
            perm = Permission.objects.get(content_type__app_label=app_label, codename=codename)
            group.permissions.add(perm)


def revoke(apps, grants: dict[str, list[str]]) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codes in grants.items():
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            continue
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))
