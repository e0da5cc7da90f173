"""Cheaper result writes (docs/performance.md "Screening").

- `EligibilityChange.run` loses its own index: `eligibility_change_run (run, change, code)` starts
  with it and serves the same lookups. `Eligibility.ended_by` is indexed only where it is set: a new
  result is open, and wrote an index entry for NULL that nothing reads.
- On PostgreSQL the five foreign keys of the two tables (child, found_by, ended_by; child, run) are
  checked once per statement instead of once per row. A first screening of 100,000 children writes
  2 × 207,148 rows; each deferred foreign key queued a check per row and ran it at the part's commit
  (1,035,740 single-row lookups, 40% of the run's database CPU). The triggers below do what a
  foreign key does, set-based:
  - after each INSERT or UPDATE statement on a table, the children and runs its rows name are
    locked against deletion (FOR KEY SHARE, as a foreign key's check locks them) and must exist,
    else the statement fails (SQLSTATE 23503, as a foreign key would);
  - before a child or a run is deleted (or its id changed), no result or change may name it
    (Django deletes them first: CASCADE and PROTECT work as before).
  The model still declares the foreign keys (Django's deletion rules, and SQLite keeps its own
  deferred foreign keys, cheap there).
"""

from django.db import migrations, models

CHECKS = r"""
CREATE FUNCTION eligibility_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing bigint;
BEGIN
  PERFORM 1 FROM registry_child c WHERE c.id IN (SELECT n.child_id FROM new_rows n) FOR KEY SHARE;
  PERFORM 1 FROM eligibility_screeningrun r
    WHERE r.id IN (SELECT n.found_by_id FROM new_rows n UNION SELECT n.ended_by_id FROM new_rows n) FOR KEY SHARE;
  SELECT n.child_id INTO missing FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM registry_child c WHERE c.id = n.child_id) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '资格结果的儿童不存在（child_id = %）', missing USING ERRCODE = 'foreign_key_violation';
  END IF;
  SELECT u.r INTO missing FROM (SELECT n.found_by_id FROM new_rows n UNION SELECT n.ended_by_id FROM new_rows n) u (r)
    WHERE u.r IS NOT NULL AND NOT EXISTS (SELECT 1 FROM eligibility_screeningrun s WHERE s.id = u.r) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '资格结果的筛查不存在（筛查 #%）', missing USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION eligibility_change_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing bigint;
BEGIN
  PERFORM 1 FROM registry_child c WHERE c.id IN (SELECT n.child_id FROM new_rows n) FOR KEY SHARE;
  PERFORM 1 FROM eligibility_screeningrun r WHERE r.id IN (SELECT n.run_id FROM new_rows n) FOR KEY SHARE;
  SELECT n.child_id INTO missing FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM registry_child c WHERE c.id = n.child_id) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '资格变化的儿童不存在（child_id = %）', missing USING ERRCODE = 'foreign_key_violation';
  END IF;
  SELECT n.run_id INTO missing FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM eligibility_screeningrun s WHERE s.id = n.run_id) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '资格变化的筛查不存在（筛查 #%）', missing USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION eligibility_keep_named_child() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
    RETURN NEW;
  END IF;
  IF EXISTS (SELECT 1 FROM eligibility_eligibility e WHERE e.child_id = OLD.id)
     OR EXISTS (SELECT 1 FROM eligibility_eligibilitychange c WHERE c.child_id = OLD.id) THEN
    RAISE EXCEPTION '儿童 #% 仍有资格结果或资格变化，不能删除或改号', OLD.id USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION eligibility_keep_named_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
    RETURN NEW;
  END IF;
  IF EXISTS (SELECT 1 FROM eligibility_eligibility e WHERE e.found_by_id = OLD.id)
     OR EXISTS (SELECT 1 FROM eligibility_eligibility e WHERE e.ended_by_id = OLD.id)
     OR EXISTS (SELECT 1 FROM eligibility_eligibilitychange c WHERE c.run_id = OLD.id) THEN
    RAISE EXCEPTION '筛查 #% 仍有资格结果或资格变化，不能删除或改号', OLD.id USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER eligibility_references_inserted AFTER INSERT ON eligibility_eligibility
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION eligibility_check_references();
CREATE TRIGGER eligibility_references_updated AFTER UPDATE ON eligibility_eligibility
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION eligibility_check_references();
CREATE TRIGGER eligibility_change_references_inserted AFTER INSERT ON eligibility_eligibilitychange
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION eligibility_change_check_references();
CREATE TRIGGER eligibility_change_references_updated AFTER UPDATE ON eligibility_eligibilitychange
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION eligibility_change_check_references();
CREATE TRIGGER eligibility_keep_named_child BEFORE DELETE OR UPDATE OF id ON registry_child
  FOR EACH ROW EXECUTE FUNCTION eligibility_keep_named_child();
CREATE TRIGGER eligibility_keep_named_run BEFORE DELETE OR UPDATE OF id ON eligibility_screeningrun
  FOR EACH ROW EXECUTE FUNCTION eligibility_keep_named_run();
"""

UNDO_CHECKS = """
DROP TRIGGER eligibility_keep_named_run ON eligibility_screeningrun;
DROP TRIGGER eligibility_keep_named_child ON registry_child;
DROP TRIGGER eligibility_change_references_updated ON eligibility_eligibilitychange;
DROP TRIGGER eligibility_change_references_inserted ON eligibility_eligibilitychange;
DROP TRIGGER eligibility_references_updated ON eligibility_eligibility;
DROP TRIGGER eligibility_references_inserted ON eligibility_eligibility;
DROP FUNCTION eligibility_keep_named_run();
DROP FUNCTION eligibility_keep_named_child();
DROP FUNCTION eligibility_change_check_references();
DROP FUNCTION eligibility_check_references();
"""

FOREIGN_KEYS = {  # table: (column, referenced table)
    "eligibility_eligibility": (
        ("child_id", "registry_child"),
        ("found_by_id", "eligibility_screeningrun"),
        ("ended_by_id", "eligibility_screeningrun"),
    ),
    "eligibility_eligibilitychange": (("child_id", "registry_child"), ("run_id", "eligibility_screeningrun")),
}


def checks_per_statement(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in FOREIGN_KEYS:
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [table]
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute(CHECKS)


def checks_per_row(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(UNDO_CHECKS)
        for table, keys in FOREIGN_KEYS.items():
            for column, target in keys:
                cursor.execute(
                    f"ALTER TABLE {table} ADD CONSTRAINT {table[12:]}_{column}_fk FOREIGN KEY ({column}) "
                    f"REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
                )


class Migration(migrations.Migration):
    dependencies = [
        ("eligibility", "0003_screening_parts"),
        ("registry", "0005_child_list_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="eligibility",
            name="ended_by",
            field=models.ForeignKey(
                blank=True, db_index=False, null=True, on_delete=models.deletion.PROTECT, related_name="+",
                to="eligibility.screeningrun",
            ),
        ),
        migrations.AlterField(
            model_name="eligibilitychange",
            name="run",
            field=models.ForeignKey(
                db_index=False, on_delete=models.deletion.CASCADE, related_name="changes",
                to="eligibility.screeningrun",
            ),
        ),
        migrations.AddIndex(
            model_name="eligibility",
            index=models.Index(
                condition=models.Q(("ended_by__isnull", False)), fields=["ended_by"], name="eligibility_ended_by"
            ),
        ),
        migrations.RunPython(checks_per_statement, checks_per_row),
    ]
