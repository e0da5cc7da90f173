"""Roster import speed and memory: a generated roster (JSON Lines and/or .xlsx in the column
layout) validated and committed the way `ImportRun` does it (the preview keeps its sealed
records, the commit uses them), into an empty registry on a scratch database, as the system user.

    .venv/bin/python benchmarks/import_rows.py [--rows 50000] [--formats jsonl,xlsx] [--postgres]
        [--database shouhu_bench_import] [--roster-dir DIR] [--measure-memory]

Each format's import runs in a fresh child process (`python -c` of this file's `import_one`), so
`--measure-memory` can report the import's own peak resident memory (the child's maxrss; the
PostgreSQL server's memory is not in it). Issue 7 asks for a 1,000,000-row .xlsx under 500 MB:

    .venv/bin/python benchmarks/import_rows.py --rows 1000000 --formats xlsx --postgres \\
        --roster-dir /work/scratch/import --measure-memory

Rosters are written once to --roster-dir (`roster-<rows>.xlsx` / `.jsonl`, from ChildGenerator
with a fixed seed) and reused when they are there: a million-row .xlsx takes ~10 minutes to
write. SQLite: a temporary file; PostgreSQL: the scratch database --database on 127.0.0.1 (dropped
and recreated). Never the developer's database. Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import ROOT, setup_django

SEED = 4242


def write_rosters(directory: Path, rows: int, formats: list[str], as_of: datetime.date) -> dict[str, Path]:
    from shouhu.registry import xlsx_layout
    from shouhu.registry.exchange import record_to_dict
    from shouhu.registry.generator import ChildGenerator

    paths = {fmt: directory / f"roster-{rows}-{as_of:%Y%m%d}.{fmt}" for fmt in formats}
    missing = [fmt for fmt, path in paths.items() if not path.exists()]
    if not missing:
        return paths
    started = time.perf_counter()
    generator = ChildGenerator(seed=SEED, villages=_villages(), today=as_of)
    writer = xlsx_layout.LayoutWriter(str(paths["xlsx"]) + ".part") if "xlsx" in missing else None
    jsonl = open(str(paths["jsonl"]) + ".part", "w", encoding="utf-8") if "jsonl" in missing else None  # noqa: SIM115
    for record in generator.records(rows):
        obj = record_to_dict(record)
        if writer is not None:
            writer.write_row(xlsx_layout.dict_to_row(obj))
        if jsonl is not None:
            jsonl.write(json.dumps(obj, ensure_ascii=False) + "\n")
    if writer is not None:
        writer.close()
    if jsonl is not None:
        jsonl.close()
    for fmt in missing:
        Path(str(paths[fmt]) + ".part").rename(paths[fmt])
    print(f"wrote {rows} rows as {', '.join(missing)} in {time.perf_counter() - started:.0f} s", flush=True)
    return paths


def _villages() -> list[str]:
    from shouhu.registry.generator import ensure_villages

    return ensure_villages()


def import_one(path: str, fmt: str, rows: int, as_of: str) -> None:
    """In the child process: validate (keeping the records) and commit; prints one JSON line."""
    import django

    django.setup()
    from shouhu.registry.importing import commit_file, validate_file

    day = datetime.date.fromisoformat(as_of)
    records = Path(path + ".records")
    started = time.perf_counter()
    result = validate_file(Path(path), fmt=fmt, actor=None, on=day, records=records)
    validated = time.perf_counter()
    assert result.ok and result.new == rows, (result.new, [str(e) for e in result.errors[:5]])
    peak_validate = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcome = commit_file(Path(path), fmt=fmt, actor=None, plan=result.plan(), as_of=day, records=records)
    committed = time.perf_counter()
    assert len(outcome.created) == rows and outcome.from_preview
    records.unlink()
    print(json.dumps({"validate": validated - started, "commit": committed - validated,
                      "peak_validate_kib": peak_validate}), flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--formats", default="jsonl,xlsx")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--database", default="shouhu_bench_import")
    parser.add_argument("--roster-dir", help="where rosters are written and reused (default: a temporary directory)")
    parser.add_argument("--measure-memory", action="store_true", help="report each import's peak resident memory")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="shouhu-import-bench-"))
    try:
        run(args, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run(args: argparse.Namespace, data_dir: Path) -> None:
    formats = args.formats.split(",")
    setup_django(data_dir, args.database if args.postgres else None)
    from django.db import connection
    from django.utils import timezone

    as_of = timezone.localdate()
    roster_dir = Path(args.roster_dir) if args.roster_dir else data_dir
    roster_dir.mkdir(parents=True, exist_ok=True)
    _villages()
    paths = write_rosters(roster_dir, args.rows, formats, as_of)
    vendor = connection.vendor
    connection.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for fmt in formats:
        code = f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); import import_rows; " \
               f"import_rows.import_one({str(paths[fmt])!r}, {fmt!r}, {args.rows}, {as_of.isoformat()!r})"  # fmt: skip
        load_before = os.getloadavg()[0]
        with tempfile.TemporaryFile("w+") as out:
            child = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
            _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage (maxrss in KiB)
            child.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            text = out.read()
        if child.returncode != 0:
            print(text, file=sys.stderr)
            raise SystemExit(f"{fmt} import failed")
        figures = json.loads(text.strip().splitlines()[-1])
        v, c = figures["validate"], figures["commit"]
        peak = usage.ru_maxrss / 1024
        size = paths[fmt].stat().st_size / 1e6
        print(
            f"{vendor} {fmt:5} {args.rows} rows ({size:.0f} MB): validate {v:7.1f} s ({args.rows / v:6.0f} rows/s)  "
            f"commit {c:7.1f} s ({args.rows / c:6.0f} rows/s)  total {v + c:7.1f} s ({args.rows / (v + c):6.0f} rows/s)"
            + (f"  peak RSS {peak:.0f} MB (validate {figures['peak_validate_kib'] / 1024:.0f} MB)"
               if args.measure_memory else "")
            + f"  load {load_before:.2f} → {os.getloadavg()[0]:.2f}",
            flush=True,
        )  # fmt: skip
        with connection.cursor() as cursor:  # the next format starts from an empty registry again
            for table in ("registry_circumstance", "registry_duplicatecandidate", "registry_child", "core_auditevent"):
                cursor.execute(f"DELETE FROM {table}")


if __name__ == "__main__":
    main()
