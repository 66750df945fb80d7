from django.db import migrations

from union_site.grants import grant, revoke

GRANTS = {
    "officer": ["elections.view_poll", "elections.add_poll", "elections.change_poll", "elections.view_candidate",
                "elections.add_candidate", "elections.view_rollentry", "elections.change_rollentry"],
    "scrutineer": ["elections.view_poll", "elections.add_paperentry", "elections.view_rollentry"],
    "auditor": ["elections.view_poll", "elections.view_pollevent"],
}


class Migration(migrations.Migration):
    dependencies = [("elections", "0001_initial"), ("union_site", "0002_create_role_groups")]
    operations = [migrations.RunPython(lambda a, s: grant(a, GRANTS), lambda a, s: revoke(a, GRANTS))]
