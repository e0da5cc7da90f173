"""A child has at most one guardian of record on any day: the `guardian` circumstances of a child
never overlap (valid_from..valid_to inclusive, an open end running on). The services keep it
(the old row ends the day before the new one starts; a correction that would overlap is refused in
Chinese); the database holds it too, so no path — a bulk write, a script — can leave two.

PostgreSQL: an exclusion constraint over the period (btree_gist for the equality on child_id).
SQLite: triggers that abort an insert or update leaving an overlap (SQLite has no exclusion
constraints). Both refusals reach Django as an IntegrityError naming `circumstance_one_guardian`."""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE registry_circumstance ADD CONSTRAINT circumstance_one_guardian "
    "EXCLUDE USING gist (child_id WITH =, daterange(valid_from, valid_to, '[]') WITH &&) "
    "WHERE (kind = 'guardian')",
]
PG_BACKWARD = ["ALTER TABLE registry_circumstance DROP CONSTRAINT IF EXISTS circumstance_one_guardian"]

_OVERLAP = (
    "SELECT RAISE(ABORT, 'circumstance_one_guardian: overlapping guardian periods') "
    "WHERE EXISTS (SELECT 1 FROM registry_circumstance c WHERE c.child_id = NEW.child_id "
    "AND c.kind = 'guardian' AND c.id IS NOT NEW.id "
    "AND c.valid_from <= COALESCE(NEW.valid_to, '9999-12-31') "
    "AND NEW.valid_from <= COALESCE(c.valid_to, '9999-12-31'));"
)
SQLITE_FORWARD = [
    "CREATE TRIGGER circumstance_one_guardian_insert BEFORE INSERT ON registry_circumstance "
    f"WHEN NEW.kind = 'guardian' BEGIN {_OVERLAP} END",
    "CREATE TRIGGER circumstance_one_guardian_update BEFORE UPDATE ON registry_circumstance "
    f"WHEN NEW.kind = 'guardian' BEGIN {_OVERLAP} END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS circumstance_one_guardian_insert",
    "DROP TRIGGER IF EXISTS circumstance_one_guardian_update",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0010_circumstance_source")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
