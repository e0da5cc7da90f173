"""At most one placement per child on any day, held by the database as well as the service.

PostgreSQL: an exclusion constraint over (child, daterange(valid_from, valid_to, '[]')) — both
ends inclusive, an open end unbounded — with btree_gist for the equality on child_id. SQLite has
no exclusion constraints: BEFORE INSERT and BEFORE UPDATE triggers refuse a row whose interval
meets another of the same child's (dates are ISO text there, so they compare as dates)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE placements_placement ADD CONSTRAINT placement_one_at_a_time
       EXCLUDE USING gist (child_id WITH =, daterange(valid_from, valid_to, '[]') WITH &&)""",
]
PG_BACKWARD = ["ALTER TABLE placements_placement DROP CONSTRAINT IF EXISTS placement_one_at_a_time"]

_OVERLAP = """EXISTS (SELECT 1 FROM placements_placement p
    WHERE p.child_id = NEW.child_id{other}
      AND p.valid_from <= COALESCE(NEW.valid_to, '9999-12-31')
      AND NEW.valid_from <= COALESCE(p.valid_to, '9999-12-31'))"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER placement_one_at_a_time_insert BEFORE INSERT ON placements_placement
        WHEN {_OVERLAP.format(other="")}
        BEGIN SELECT RAISE(ABORT, 'placement_one_at_a_time: the child already has a placement then'); END""",
    f"""CREATE TRIGGER placement_one_at_a_time_update BEFORE UPDATE ON placements_placement
        WHEN {_OVERLAP.format(other=" AND p.id <> NEW.id")}
        BEGIN SELECT RAISE(ABORT, 'placement_one_at_a_time: the child already has a placement then'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS placement_one_at_a_time_insert",
    "DROP TRIGGER IF EXISTS placement_one_at_a_time_update",
]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("placements", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
