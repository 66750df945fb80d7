from django.db import migrations, models


def freeze_open_ballots(apps, schema_editor):
    """Polls opened before this field existed get the ballot they were opened with (candidates are fixed by then)."""
    from elections.strokes import stroke_key

    Poll = apps.get_model("elections", "Poll")
    Candidate = apps.get_model("elections", "Candidate")
    for poll in Poll.objects.exclude(status="draft").exclude(kind="resolution"):
        candidates = Candidate.objects.filter(poll=poll).select_related("person")
        poll.ballot = [{"id": c.pk, "name": c.person.name}
                       for c in sorted(candidates, key=lambda c: stroke_key(c.person.name))]
        poll.save(update_fields=["ballot"])


class Migration(migrations.Migration):
    dependencies = [
        ("elections", "0002_grant_election_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="poll",
            name="ballot",
            field=models.JSONField(
                blank=True, default=list, editable=False,
                help_text="The candidates in stroke order (E21) as they stood when the poll opened: [{id, name}, …].",
                verbose_name="ballot as opened",
            ),
        ),
        migrations.RunPython(freeze_open_ballots, migrations.RunPython.noop),
    ]
