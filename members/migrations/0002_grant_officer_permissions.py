from django.db import migrations

from union_site.grants import grant, revoke

GRANTS = {
    "officer": ["members.view_orgunit", "members.change_orgunit", "members.add_orgunit"],
    "auditor": ["members.view_orgunit"],
}


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial"), ("union_site", "0002_create_role_groups")]
    operations = [migrations.RunPython(lambda a, s: grant(a, GRANTS), lambda a, s: revoke(a, GRANTS))]
