"""Roster import speed: rows per second for a 50,000-row JSON Lines file and a 50,000-row .xlsx
(the column layout), validated and committed on a fresh SQLite database, as the system user.

    .venv/bin/python benchmarks/import_rows.py [--rows 50000] [--keep DIR]

Prints validation, commit and total rows/s for each format. Not a test: the figures depend on
the machine (docs/registry-io.md records a run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--keep", help="use (and keep) this data directory instead of a temporary one")
    args = parser.parse_args()
    data_dir = Path(args.keep or tempfile.mkdtemp(prefix="shouhu-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["SHOUHU_DATA_DIR"] = str(data_dir)
    os.environ.pop("SHOUHU_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouhu.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    from shouhu.accounts.personas import ensure_personas
    from shouhu.registry import xlsx_layout
    from shouhu.registry.importing import commit_file, validate_file
    from shouhu.registry.models import Child
    from shouhu.registry.tests.io_helpers import varied_lines

    call_command("migrate", verbosity=0)
    ensure_personas()
    try:
        jsonl = data_dir / "roster.jsonl"
        with jsonl.open("w", encoding="utf-8") as f:
            for line in varied_lines(args.rows):
                f.write(line + "\n")
        xlsx = data_dir / "roster.xlsx"
        writer = xlsx_layout.LayoutWriter(str(xlsx))
        with jsonl.open(encoding="utf-8") as f:
            for line in f:
                writer.write_row(xlsx_layout.dict_to_row(json.loads(line)))
        writer.close()
        print(f"{args.rows} rows; SQLite at {data_dir}")
        for path, fmt in ((jsonl, "jsonl"), (xlsx, "xlsx")):
            Child.objects.all().delete()
            started = time.perf_counter()
            result = validate_file(path, fmt=fmt, actor=None)
            validated = time.perf_counter()
            assert result.ok and result.new == args.rows, result.errors[:5]
            outcome = commit_file(path, fmt=fmt, actor=None, plan=result.plan(), as_of=result.as_of)
            committed = time.perf_counter()
            assert len(outcome.created) == args.rows
            v, c = validated - started, committed - validated
            print(
                f"{fmt:5}  validate {v:6.1f} s ({args.rows / v:7.0f} rows/s)   commit {c:6.1f} s "
                f"({args.rows / c:7.0f} rows/s)   total {v + c:6.1f} s ({args.rows / (v + c):7.0f} rows/s)"
            )
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
