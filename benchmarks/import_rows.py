"""Roster import speed and memory: a generated roster (JSON Lines and/or .xlsx in the column
layout) validated and committed the way `ImportRun` does it (the preview keeps its sealed
records, the commit uses them), into an empty registry on a scratch database, as the system user.

    .venv/bin/python benchmarks/import_rows.py [--rows 50000] [--formats jsonl,xlsx] [--postgres]
        [--database shouhu_bench_import] [--roster-dir DIR] [--measure-memory] [--floor] [--runs 1]

`--floor` also times the floor in the same run (as `suite.py`'s import floor: python-calamine
reads the .xlsx, the raw cells go into a scratch table with one COPY / `executemany`), so the
ratio compares figures taken under the same load. `--runs 3` repeats everything and prints the
medians. Beside each wall time: the CPU seconds of the importing process and of its PostgreSQL
backend (from /proc), the figures to compare when the machine is shared. The imports run with
`SHOUHU_DEBUG=0`, as in production (`--debug`: Django's DEBUG on, as `suite.py` runs; at
100,000 rows it made no difference beyond the noise: the import sends few queries).

Each format's import runs in a fresh child process (`python -c` of this file's `import_one`), so
`--measure-memory` can report the import's own peak resident memory (the child's maxrss; the
PostgreSQL server's memory is not in it). The goals (docs/performance.md) ask for a 1,000,000-row
.xlsx under 500 MB:

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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import ROOT, backend_cpu, setup_django

SEED = 4242


def write_rosters(directory: Path, rows: int, formats: list[str], as_of: datetime.date) -> dict[str, Path]:
    from shouhu.registry.exchange import layout_writing
    from shouhu.registry.exchange.format import record_to_dict
    from shouhu.registry.generator import ChildGenerator

    paths = {fmt: directory / f"roster-{rows}-{as_of:%Y%m%d}.{fmt}" for fmt in formats}
    missing = [fmt for fmt, path in paths.items() if not path.exists()]
    if not missing:
        return paths
    started = time.perf_counter()
    generator = ChildGenerator(seed=SEED, villages=_villages(), today=as_of)
    writer = layout_writing.LayoutWriter(str(paths["xlsx"]) + ".part") if "xlsx" in missing else None
    jsonl = open(str(paths["jsonl"]) + ".part", "w", encoding="utf-8") if "jsonl" in missing else None  # noqa: SIM115
    for record in generator.records(rows):
        obj = record_to_dict(record)
        if writer is not None:
            writer.write_row(layout_writing.dict_to_row(obj))
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


def _phase() -> tuple[float, float, float]:
    return time.perf_counter(), time.process_time(), backend_cpu()


def _spent(start: tuple[float, float, float]) -> list[float]:
    """[wall, python cpu, server cpu] since `start`."""
    return [now - then for now, then in zip(_phase(), start, strict=True)]


def import_one(path: str, fmt: str, rows: int, as_of: str) -> None:
    """In the child process: validate (keeping the records) and commit; prints one JSON line."""
    import django

    django.setup()
    from shouhu.registry.exchange.commit import commit_file
    from shouhu.registry.exchange.validation import validate_file

    day = datetime.date.fromisoformat(as_of)
    records = Path(path + ".records")
    started = _phase()
    result = validate_file(Path(path), fmt=fmt, actor=None, on=day, records=records)
    validated = _spent(started)
    assert result.ok and result.new == rows, (result.new, [str(e) for e in result.errors[:5]])
    peak_validate = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = _phase()
    outcome = commit_file(Path(path), fmt=fmt, actor=None, plan=result.plan(), as_of=day, records=records)
    committed = _spent(started)
    assert len(outcome.created) == rows and outcome.from_preview
    records.unlink()
    print(json.dumps({"validate": validated, "commit": committed, "peak_validate_kib": peak_validate}), flush=True)


def floor_one(path: str, rows: int) -> None:
    """In the child process: `suite.py`'s import floor itself, timed; prints one JSON line."""
    import django

    django.setup()
    from django.db import connection
    from suite import import_floor

    started = _phase()
    written = import_floor(Path(path))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_roster")
    spent = _spent(started)
    assert written == rows, written
    print(json.dumps({"floor": spent}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--formats", default="jsonl,xlsx")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--database", default="shouhu_bench_import")
    parser.add_argument("--roster-dir", help="where rosters are written and reused (default: a temporary directory)")
    parser.add_argument("--measure-memory", action="store_true", help="report each import's peak resident memory")
    parser.add_argument("--floor", action="store_true", help="also time the floor (.xlsx only) in the same run")
    parser.add_argument("--runs", type=int, default=1, help="repeat and print medians")
    parser.add_argument("--debug", action="store_true", help="run the imports with Django's DEBUG on")
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
    here = str(Path(__file__).resolve().parent)
    for fmt in formats:
        size = paths[fmt].stat().st_size / 1e6
        runs: list[dict[str, Any]] = []
        for _ in range(args.runs):
            figures: dict[str, Any] = {}
            if args.floor and fmt == "xlsx":
                call = f"import_rows.floor_one({str(paths[fmt])!r}, {args.rows})"
                figures.update(_in_child(here, call, args.debug)[0])
            call = f"import_rows.import_one({str(paths[fmt])!r}, {fmt!r}, {args.rows}, {as_of.isoformat()!r})"
            found, peak, loads = _in_child(here, call, args.debug)
            figures.update(found, peak=peak, loads=loads)
            runs.append(figures)
            _print(vendor, fmt, args, size, figures, "run")
            with connection.cursor() as cursor:  # the next run starts from an empty registry again
                for table in ("registry_circumstance", "registry_duplicatecandidate", "registry_child",
                              "core_auditevent"):  # fmt: skip
                    cursor.execute(f"DELETE FROM {table}")
        if args.runs > 1:
            median = {key: [statistics.median(r[key][i] for r in runs) for i in range(3)]
                      for key in ("floor", "validate", "commit") if key in runs[0]}  # fmt: skip
            loads = [load for r in runs for load in r["loads"]]
            median.update(peak=max(r["peak"] for r in runs), loads=[min(loads), max(loads)])
            _print(vendor, fmt, args, size, median, f"median of {args.runs}")


def _in_child(here: str, call: str, debug: bool) -> tuple[dict[str, Any], float, list[float]]:
    """Runs `import_rows.<call>` in a fresh Python; its JSON line, peak RSS (MB) and the load before/after."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SHOUHU_DEBUG": "1" if debug else "0"}
    code = f"import sys; sys.path.insert(0, {here!r}); import import_rows; {call}"
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage (maxrss in KiB)
        out.seek(0)
        text = out.read()
    if os.waitstatus_to_exitcode(status) != 0:
        print(text, file=sys.stderr)
        raise SystemExit(f"{call} failed")
    return json.loads(text.strip().splitlines()[-1]), usage.ru_maxrss / 1024, [load_before, os.getloadavg()[0]]


def _print(vendor: str, fmt: str, args: argparse.Namespace, size: float, f: dict[str, Any], what: str) -> None:
    def one(name: str, figure: list[float]) -> str:
        wall, python, server = figure
        cpu = f"cpu {python:.1f}" + (f"+{server:.1f}" if server else "")
        return f"{name} {wall:6.1f} s ({args.rows / wall:6.0f} rows/s, {cpu})"

    v, c = f["validate"], f["commit"]
    total = [a + b for a, b in zip(v, c, strict=True)]
    parts = [one("validate", v), one("commit", c), one("total", total)]
    if "floor" in f:
        floor = f["floor"]
        parts.insert(0, one("floor", floor))
        parts.append(f"ratio {total[0] / floor[0]:.2f}× (cpu {sum(total[1:]) / sum(floor[1:]):.2f}×)")
    if args.measure_memory:
        parts.append(f"peak RSS {f['peak']:.0f} MB")
    loads = f["loads"]
    parts.append(f"load {loads[0]:.2f} → {loads[1]:.2f}")
    print(f"[{what}] {vendor} {fmt} {args.rows} rows ({size:.0f} MB): " + "  ".join(parts), flush=True)


if __name__ == "__main__":
    main()
