from django.db import migrations

from union_site.grants import grant, revoke

MODELS = ["person", "membership", "committee", "postholding", "transferrequest", "correctionrequest"]
GRANTS = {
    "officer": [f"members.{verb}_{m}" for m in MODELS for verb in ("view", "add", "change")]
    + ["members.view_unitscope"],
    "auditor": [f"members.view_{m}" for m in MODELS],
}


class Migration(migrations.Migration):
    dependencies = [("members", "0003_people_memberships_committees")]
    operations = [migrations.RunPython(lambda a, s: grant(a, GRANTS), lambda a, s: revoke(a, GRANTS))]
