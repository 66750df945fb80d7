from django.db import migrations

from union_site.grants import grant, revoke

ALL = ["body", "term", "delegation", "representative", "session", "agendaitem", "sessiondocument", "signin",
       "jointmeeting", "resolution", "department"]
GRANTS = {
    "officer": [f"congress.{verb}_{m}" for m in ALL for verb in ("view", "add", "change")]
    + ["congress.view_proposal", "congress.view_reply"],
    "proposal_committee": ["congress.view_proposal", "congress.change_proposal", "congress.view_department",
                           "congress.view_reply", "congress.view_session", "congress.view_body"],
    "handling_department": ["congress.view_proposal", "congress.add_reply"],
    "auditor": [f"congress.view_{m}" for m in ALL] + ["congress.view_proposal", "congress.view_reply"],
}


class Migration(migrations.Migration):
    dependencies = [("congress", "0001_initial"), ("union_site", "0002_create_role_groups")]
    operations = [migrations.RunPython(lambda a, s: grant(a, GRANTS), lambda a, s: revoke(a, GRANTS))]
