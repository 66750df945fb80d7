"""Five foreign keys of the roster checked once per statement instead of once per row (PostgreSQL).

A roster import writes 50,000 people, memberships and history rows; PostgreSQL checks a foreign key with one
query per inserted row (about 5 µs each): a million µs, 40 % of what the server does for the import. Here the
same rules are kept by triggers that check all the rows of a statement at once (its transition table):

* on the child: after an INSERT or UPDATE statement, the parents of the new or changed keys are locked FOR KEY
  SHARE — as a foreign key's check locks them, so that none can be deleted until the transaction ends — and a
  key whose parent is missing (or was deleted meanwhile) fails the statement with foreign_key_violation;
* on the parent: deleting a row, or changing its id, while a child refers to it fails the same way (the
  keys are all ON DELETE PROTECT). The row trigger runs once the row is locked, after any transaction that
  was inserting children has ended, and, in READ COMMITTED, sees what it committed.

Not covered, unlike a declared key: TRUNCATE of a parent without its children (only tests and benchmarks
truncate, all the tables at once), and the REPEATABLE READ case of a parent deleted while its new child's
transaction commits. SQLite (the demo database) keeps no database-level check of these five keys; Django's
on_delete=PROTECT applies everywhere.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

KEYS = [  # (child table, key column, parent table)
    ("members_person", "unit_id", "members_orgunit"),
    ("members_membership", "person_id", "members_person"),
    ("members_membership", "union_id", "members_orgunit"),
    ("members_membershipevent", "membership_id", "members_membership"),
    ("members_membershipevent", "actor_id", "union_site_user"),  # an import's officer, on each history row
]


def key_sql(child, column, parent):
    name = f"{child}_{column}_key"
    return f"""
CREATE FUNCTION {name}_check() RETURNS trigger LANGUAGE plpgsql
-- the parents by their primary key, however few rows the planner believes a growing table has (a cached plan
-- that scanned the whole parent table for each statement made an import's checks 20 times slower)
SET enable_seqscan = off AS $$
DECLARE
    wanted bigint[];
    locked bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        wanted := ARRAY(SELECT DISTINCT n.{column} FROM new_rows n WHERE n.{column} IS NOT NULL);
    ELSE  -- an UPDATE: only the keys it changed
        wanted := ARRAY(SELECT DISTINCT n.{column} FROM new_rows n JOIN old_rows o ON o.id = n.id
                        WHERE n.{column} IS DISTINCT FROM o.{column} AND n.{column} IS NOT NULL);
    END IF;
    IF cardinality(wanted) = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM {parent} p WHERE p.id = ANY(wanted) FOR KEY SHARE;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < cardinality(wanted) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{name}',
            MESSAGE = 'insert or update on table "{child}" violates foreign key "{name}"',
            DETAIL = format('Key ({column})=(%s) is not present in table "{parent}".',
                            (SELECT k FROM unnest(wanted) k WHERE NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = k)
                             LIMIT 1));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER {name}_insert AFTER INSERT ON {child} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {name}_check();
CREATE TRIGGER {name}_update AFTER UPDATE ON {child} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {name}_check();
CREATE FUNCTION {name}_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP = 'DELETE' OR NEW.id IS DISTINCT FROM OLD.id) AND EXISTS (SELECT 1 FROM {child} c WHERE c.{column} = OLD.id) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{name}',
            MESSAGE = 'update or delete on table "{parent}" violates foreign key "{name}" on table "{child}"',
            DETAIL = format('Key (id)=(%s) is still referenced from table "{child}".', OLD.id);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER {name}_parent BEFORE DELETE OR UPDATE OF id ON {parent}
    FOR EACH ROW EXECUTE FUNCTION {name}_parent();
"""


def drop_sql(child, column, parent):
    name = f"{child}_{column}_key"
    return (f"DROP TRIGGER IF EXISTS {name}_parent ON {parent}; DROP FUNCTION IF EXISTS {name}_parent(); "
            f"DROP TRIGGER IF EXISTS {name}_insert ON {child}; DROP TRIGGER IF EXISTS {name}_update ON {child}; "
            f"DROP FUNCTION IF EXISTS {name}_check();")


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for key in KEYS:
            schema_editor.execute(key_sql(*key), params=None)  # the SQL has % of its own


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for key in KEYS:
            schema_editor.execute(drop_sql(*key), params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0009_person_name_bytewise'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='membership',
            name='person',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='memberships', to='members.person', verbose_name='person'),
        ),
        migrations.AlterField(
            model_name='membership',
            name='union',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='memberships', to='members.orgunit', verbose_name='union'),
        ),
        migrations.AlterField(
            model_name='membershipevent',
            name='membership',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='members.membership', verbose_name='membership'),
        ),
        migrations.AlterField(
            model_name='membershipevent',
            name='actor',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='who'),
        ),
        migrations.AlterField(
            model_name='person',
            name='unit',
            field=models.ForeignKey(db_constraint=False, db_index=False, help_text='The union, branch or group the person belongs to.', on_delete=django.db.models.deletion.PROTECT, related_name='people', to='members.orgunit', verbose_name='union unit'),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
