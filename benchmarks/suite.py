"""The benchmark suite: each path beside the floor it cannot beat, in the same run.

    .venv/bin/python benchmarks/suite.py [--backend sqlite|postgresql] [--children 100000]
                                         [--import-rows 100000] [--runs 3] [--only import,screening,duplicates]

Builds its data with `shouhu demo generate` (fixed seed 2026) in a scratch database — PostgreSQL
`shouhu_bench` on 127.0.0.1:5432 (dropped and recreated) or a SQLite file in a temporary
directory — never the developer's var/ database. Prints one line per figure (median of --runs
runs, with the ratio to its floor) and writes them as JSON to benchmarks/results/<backend>-<n>.json.

- import: a .xlsx in the registry's layout (`xlsx_layout.LayoutWriter`) through the real path
  (`importing.validate_file` + `commit_file` with the preview's sealed records, as `ImportRun`
  runs them: validation, duplicate check by blind index, encryption, audit) into an empty
  registry, vs. the floor: python-calamine reads the same file and the raw cells are
  bulk-inserted into a scratch table (COPY on PostgreSQL, executemany on SQLite).
- screening: `run_screening` over the county (every category and measure, results stored,
  changes computed; the result tables are emptied before each run) vs. (a) hand-written SQL for
  five representative rules (T02, T06, T21, orphan, T15) against the engine's query for the same
  rules (answers compared), and (b) the in-memory evaluator (`situations()` + `RuleSet.decide`) on a
  10,000-child sample, extrapolated to all children.
- duplicates: `duplicates.scan()` over the county (candidates emptied before each run), and again
  with every pair already queued (the daily job's usual case), vs. an exact-key GROUP BY (birth
  date, sex, name) on the same children. `benchmarks/duplicates_province.py` runs the same on a
  copy of the 1,000,000-child database.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import ROOT, setup_django
from _setup import backend_cpu as server_cpu

SEED = 2026
IMPORT_SEED = 4242
AS_OF = datetime.date(2026, 1, 15)  # replaced by today in main(): `demo generate` records facts from today
RESULTS: list[dict[str, Any]] = []


def load() -> float:
    return os.getloadavg()[0]


def timed(fn: Callable[[], Any], runs: int, before: Callable[[], None] | None = None) -> tuple[float, Any]:
    """Median wall time of `runs` calls (`before` runs untimed before each); the last result."""
    times, result = [], None
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def report(name: str, seconds: float, items: int, floor: float | None = None, note: str = "") -> None:
    ratio = seconds / floor if floor else None
    row = {"figure": name, "seconds": round(seconds, 3), "items": items,
           "per_second": round(items / seconds) if seconds else None,
           "ratio_to_floor": round(ratio, 2) if ratio else None, "load": round(load(), 2), "note": note}  # fmt: skip
    RESULTS.append(row)
    extra = f"  {ratio:5.2f}× floor" if ratio else ""
    print(f"{name:52} {seconds:8.2f} s  {row['per_second'] or 0:>9}/s{extra}  (load {row['load']}) {note}", flush=True)


def raw(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall()) if cursor.description else []


def empty(*tables: str) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")


# -- import -----------------------------------------------------------------------------------


def timed_work(
    fn: Callable[[], Any], runs: int, before: Callable[[], None] | None = None
) -> tuple[float, float, str, Any]:
    """Like `timed`, plus the CPU seconds spent (this process + the database server's backend),
    median of the runs: on a machine shared with other work the CPU time says what the wall time
    cannot."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        if before is not None:
            before()
        started, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
        result = fn()
        walls.append(time.perf_counter() - started)
        cpus.append((time.process_time() - cpu, server_cpu() - server))
    python, backend = statistics.median(c[0] for c in cpus), statistics.median(c[1] for c in cpus)
    note = f"cpu {python + backend:.1f} s" + (f" (python {python:.1f} + server {backend:.1f})" if backend else "")
    return statistics.median(walls), python + backend, note, result


def write_roster(path: Path, rows: int) -> None:
    from shouhu.registry import xlsx_layout
    from shouhu.registry.exchange import record_to_dict
    from shouhu.registry.generator import ChildGenerator, ensure_villages

    generator = ChildGenerator(seed=IMPORT_SEED, villages=ensure_villages(), today=AS_OF)
    writer = xlsx_layout.LayoutWriter(str(path))
    for record in generator.records(rows):
        writer.write_row(xlsx_layout.dict_to_row(record_to_dict(record)))
    writer.close()


def import_floor(path: Path) -> int:
    """python-calamine reads the sheet; the raw cells go into a scratch table as text."""
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    from shouhu.registry import xlsx_layout

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(xlsx_layout.SHEET_NAME)
    rows = iter(sheet.iter_rows())
    width = len(next(rows))
    columns = ", ".join(f"c{i} text" for i in range(width))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_roster")
        cursor.execute(f"CREATE TABLE bench_raw_roster ({columns})")
        data = [tuple(None if v == "" else str(v) for v in row) for row in rows]
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY bench_raw_roster FROM STDIN") as copy:  # noqa: F541
                for row in data:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * width)
            cursor.executemany(f"INSERT INTO bench_raw_roster VALUES ({marks})", data)
    return len(data)


def bench_import(data_dir: Path, rows: int, runs: int) -> None:
    from shouhu.registry.importing import commit_file, validate_file

    path = data_dir / "roster.xlsx"
    records = data_dir / "roster.xlsx.records"  # the preview's sealed records, as ImportRun keeps them
    started = time.perf_counter()
    write_roster(path, rows)
    size, took = path.stat().st_size / 1e6, time.perf_counter() - started
    print(f"wrote {rows} rows to {path.name} ({size:.1f} MB) in {took:.0f} s")
    floor, floor_cpu, floor_note, n = timed_work(lambda: import_floor(path), runs)
    assert n == rows, n
    report("import floor: calamine + raw bulk insert", floor, rows, note=floor_note)

    def clear() -> None:
        empty("registry_circumstance", "registry_duplicatecandidate", "registry_child", "core_auditevent")

    def validate() -> Any:
        result = validate_file(path, fmt="xlsx", actor=None, on=AS_OF, records=records)
        assert result.ok and result.new == rows, (result.new, result.errors[:3])
        return result

    v_time, v_cpu, v_note, validation = timed_work(validate, runs, before=clear)
    report("import: validate (preview)", v_time, rows, floor, note=v_note)

    def commit(kept: Path | None) -> Any:
        outcome = commit_file(path, fmt="xlsx", actor=None, plan=validation.plan(), as_of=AS_OF, records=kept)
        assert len(outcome.created) == rows and outcome.from_preview == (kept is not None)
        return outcome

    c_time, c_cpu, c_note, _ = timed_work(lambda: commit(records), runs, before=clear)
    report("import: commit (preview's records, rechecked, written)", c_time, rows, floor, note=c_note)
    work = v_cpu + c_cpu
    report("import: validate + commit (whole path)", v_time + c_time, rows, floor,
           note=f"cpu {work:.1f} s = {work / floor_cpu:.2f}× the floor's cpu {floor_cpu:.1f} s")  # fmt: skip
    r_time, _, r_note, _ = timed_work(lambda: commit(None), runs, before=clear)
    report("import: commit reading and validating the file again", r_time, rows, floor,
           note=f"{r_note}; what the commit costs without the preview's records")  # fmt: skip
    clear()


# -- screening --------------------------------------------------------------------------------

FATHER_GONE = "('deceased', 'declared_dead', 'unknown')"


def _in_force(alias: str, kind: str) -> str:
    return (f"{alias}.child_id = c.id AND {alias}.kind = '{kind}' AND {alias}.valid_from <= %(d)s "
            f"AND ({alias}.valid_to IS NULL OR {alias}.valid_to >= %(d)s)")  # fmt: skip


HAND_SQL = {
    "T02": "EXISTS (SELECT 1 FROM registry_circumstance f WHERE " + _in_force("f", "low_income") + " AND f.flag)",
    "T06": "EXISTS (SELECT 1 FROM registry_circumstance f WHERE " + _in_force("f", "disability")
    + " AND f.detail IN ('hearing', 'speech'))",
    "T21": "c.birth_date > %(rehab)s AND EXISTS (SELECT 1 FROM registry_circumstance f WHERE "
    + _in_force("f", "disability")
    + " AND f.detail IN ('vision', 'hearing', 'speech', 'intellectual', 'physical', 'autism'))",
    "orphan": " AND ".join(
        "NOT EXISTS (SELECT 1 FROM registry_circumstance f WHERE " + _in_force("f", role)
        + f" AND f.status NOT IN {FATHER_GONE})" for role in ("father", "mother")
    ),
    "T15": " AND ".join(
        "NOT EXISTS (SELECT 1 FROM registry_circumstance f WHERE " + _in_force("f", role)
        + f" AND f.status NOT IN {FATHER_GONE})" for role in ("father", "mother")
    ),
}  # fmt: skip


def hand_sql(code: str) -> set[int]:
    from django.db import connection

    from shouhu.registry.generator import _years_before

    sql = (
        "SELECT c.id FROM registry_child c WHERE c.region_code LIKE '210522%%' AND c.status = 'active' "
        "AND c.birth_date > %(adult)s AND " + HAND_SQL[code]
    )
    params = {"d": AS_OF, "adult": _years_before(AS_OF, 18), "rehab": _years_before(AS_OF, 7)}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def bench_screening(children_count: int, runs: int) -> None:
    from shouhu.eligibility.rules import ruleset_on
    from shouhu.eligibility.screening import run_screening, screened_codes, screening_request
    from shouhu.registry.generator import COUNTY_CODE
    from shouhu.registry.models import Child, ChildStatus
    from shouhu.registry.selectors import situations

    ruleset = ruleset_on(AS_OF)
    children = Child.objects.filter(region_code__startswith="210522", status=ChildStatus.ACTIVE)
    n = children.count()
    codes = screened_codes(ruleset)

    def clear() -> None:
        from django.db import connection

        empty("eligibility_eligibilitychange", "eligibility_eligibility")
        if connection.vendor == "postgresql":
            # Else every run after the first scans the dead rows of the runs before (nothing
            # autovacuums between runs): the benchmark would measure the bloat it made.
            raw("VACUUM ANALYZE eligibility_eligibilitychange, eligibility_eligibility")

    def screen() -> Any:
        return run_screening(screening_request(actor=None, region_code=COUNTY_CODE, as_of=AS_OF))

    full, _, full_note, run = timed_work(screen, runs, before=clear)
    report(f"screening: run_screening, {len(codes)} rules, stored", full, n,
           note=f"{sum(run.counts.values())} results; {full_note}")  # fmt: skip
    # The usual case afterwards: the same run again, every result already open, nothing changes.
    again, _, again_note, rerun = timed_work(screen, runs)
    report("screening: run_screening again (results in place)", again, n,
           note=f"gained {rerun.gained}, lost {rerun.lost}; {again_note}")  # fmt: skip

    picked = [c for c in HAND_SQL if c in ruleset.rules]
    hand, _, hand_note, answers = timed_work(lambda: {c: hand_sql(c) for c in picked}, runs)
    engine, _, engine_note, engine_answers = timed_work(
        lambda: {c: set(ruleset.matching(c, AS_OF, children).values_list("pk", flat=True)) for c in picked}, runs
    )
    agree = all(answers[c] == engine_answers[c] for c in picked)
    counts = ", ".join(f"{c}={len(answers[c])}" for c in picked)
    report(f"screening floor: hand SQL for {', '.join(picked)}", hand, n, note=f"{counts}; {hand_note}")
    report("screening: engine EXISTS queries for the same rules", engine, n, hand,
           note=f"answers agree: {agree}; {engine_note}")  # fmt: skip
    # The whole run beside the floor scaled to every rule: the hand SQL's mean time per rule for these
    # five simple rules, times the number of rules — an estimate, not hand SQL for every rule.
    scaled = hand / len(picked) * len(codes)
    report(f"screening: run_screening vs hand SQL scaled to {len(codes)} rules", full, n, scaled,
           note=f"floor {scaled:.1f} s = {hand:.2f} s / {len(picked)} × {len(codes)}")  # fmt: skip

    sample = min(10_000, n)

    def in_memory() -> int:
        done = 0
        for _, record in situations(
            children.filter(pk__in=list(children.values_list("pk", flat=True)[:sample])), AS_OF
        ):
            ruleset.decide(record, AS_OF)
            done += 1
        return done

    memory, _, memory_note, done = timed_work(in_memory, runs)
    extrapolated = memory / done * n
    report(f"screening (b): in-memory evaluator, {done} sampled → {n}", extrapolated, n, full,
           note=f"sample {memory:.1f} s ({memory_note}), extrapolated; ratio = in-memory / run_screening")  # fmt: skip


# -- duplicates -------------------------------------------------------------------------------


def bench_duplicates(runs: int) -> None:
    from shouhu.registry import duplicates
    from shouhu.registry.models import Child

    n = Child.objects.filter(region_code__startswith="210522", status="active").count()

    def floor() -> int:
        return len(raw(
            "SELECT birth_date, sex, name, COUNT(*) FROM registry_child WHERE region_code LIKE %s "
            "AND status = 'active' GROUP BY birth_date, sex, name HAVING COUNT(*) > 1", ["210522%"],
        ))  # fmt: skip

    f_time, f_cpu, f_note, groups = timed_work(floor, runs)
    report("duplicates floor: exact-key GROUP BY", f_time, n, note=f"{groups} groups; {f_note}")
    # A first scan: the queue emptied before each run, so every pair found is written.
    s_time, s_cpu, s_note, queued = timed_work(
        duplicates.scan, runs, before=lambda: empty("registry_duplicatecandidate")
    )
    report("duplicates: scan()", s_time, n, f_time,
           note=f"{queued} pairs queued; {s_note}; cpu {s_cpu / f_cpu:.1f}× the floor's")  # fmt: skip
    # The daily job afterwards: the same pairs found again, all already queued.
    r_time, r_cpu, r_note, again = timed_work(duplicates.scan, runs)
    report("duplicates: scan() again (pairs already queued)", r_time, n, f_time,
           note=f"{again} new; {r_note}; cpu {r_cpu / f_cpu:.1f}× the floor's")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="import,screening,duplicates")
    parser.add_argument("--database", default=os.environ.get("SHOUHU_BENCH_DATABASE", "shouhu_bench"),
                        help="scratch PostgreSQL database (dropped and recreated); default shouhu_bench")  # fmt: skip
    args = parser.parse_args()
    only = set(args.only.split(","))
    data_dir = Path(tempfile.mkdtemp(prefix="shouhu-bench-"))
    setup_django(data_dir, args.database if args.backend == "postgresql" else None)
    import django
    from django.core.management import call_command
    from django.utils import timezone

    global AS_OF
    AS_OF = timezone.localdate()

    print(f"{args.backend}: {args.children} children, {args.import_rows} import rows, median of {args.runs}; "
          f"data in {data_dir}; load {load():.2f}; Django {django.get_version()}")  # fmt: skip
    if "import" in only:
        bench_import(data_dir, args.import_rows, args.runs)
    if only & {"screening", "duplicates"}:
        started = time.perf_counter()
        call_command("demo", "generate", children=args.children, seed=SEED)
        report("setup: shouhu demo generate", time.perf_counter() - started, args.children)
        raw("ANALYZE")
    if "screening" in only:
        bench_screening(args.children, args.runs)
    if "duplicates" in only:
        bench_duplicates(args.runs)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    parts = "" if only >= {"import", "screening", "duplicates"} else "-" + "-".join(sorted(only))
    target = out / f"{args.backend}-{args.children}{parts}.json"
    target.write_text(json.dumps({"backend": args.backend, "children": args.children, "runs": args.runs,
                                  "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                                  "results": RESULTS}, ensure_ascii=False, indent=1))  # fmt: skip
    print(f"→ {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
