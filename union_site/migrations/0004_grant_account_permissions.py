from django.db import migrations

from union_site.grants import grant, revoke

GRANTS = {"officer": ["union_site.add_user", "union_site.view_user"]}


class Migration(migrations.Migration):
    dependencies = [("union_site", "0003_background_job")]
    operations = [migrations.RunPython(lambda a, s: grant(a, GRANTS), lambda a, s: revoke(a, GRANTS))]
