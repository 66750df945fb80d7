"""People's names compared byte by byte: the collation "BINARY" (SQLite's own; on PostgreSQL made here, on the
C locale) lets the (name, id) index serve a name-prefix search too, so the varchar_pattern_ops index goes, and
each comparison is a memcmp rather than a locale's. Names sort by code point, as they did under C.UTF-8 and
en_US (CJK ideographs in code point order there too)."""

from django.db import migrations, models


def create_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('CREATE COLLATION IF NOT EXISTS "BINARY" (provider = libc, locale = \'C\')')


def drop_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP COLLATION IF EXISTS "BINARY"')


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0008_verify_token_one_index'),
    ]

    operations = [
        migrations.RunPython(create_collation, drop_collation),
        migrations.RemoveIndex(
            model_name='person',
            name='members_person_name_like',
        ),
        migrations.AlterField(
            model_name='person',
            name='name',
            field=models.CharField(db_collation='BINARY', max_length=50, verbose_name='name'),
        ),
    ]
