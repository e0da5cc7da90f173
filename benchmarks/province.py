"""Screening and the duplicate scan beside their floors at province size: suite.py's
figures on a copy of the 1,000,000-child database instead of a freshly generated one.

    .venv/bin/python benchmarks/province.py [--only screening,duplicates] [--template shouhu_1m]
                                            [--scratch NAME] [--runs 3] [--keep]

Copies the PostgreSQL database `--template` (built once with `shouhu demo generate --children
1000000 --seed 2026` when it does not exist) to `--scratch` with CREATE DATABASE … TEMPLATE (no other
session may be connected to the template then), migrates the copy and runs, in this order:
- `screening`: `suite.bench_screening` — the stored run (`run_screening`, one process, results
  emptied before each run), the run again with every result in place, the hand-SQL floors (a1:
  all 33 answers; a2: the same plus the same writes, checked against the engine's) and the
  in-memory evaluator on a 10,000-child sample, extrapolated;
- `duplicates`: `suite.bench_duplicates` — the exact-key GROUP BY floor, `duplicates.scan()` with
  the queue emptied before each run, and `scan()` again with every pair queued.
Drops the copy unless --keep (an existing scratch database is reused as it is). Writes
benchmarks/results/postgresql-<children>-<only>.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

import suite
from _setup import PG_HOST, ROOT, ensure_generated_database, setup_django


def admin(sql: str) -> None:
    with psycopg.connect(f"{PG_HOST}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def exists(database: str) -> bool:
    with psycopg.connect(f"{PG_HOST}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone() is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", default="screening,duplicates")
    parser.add_argument("--template", default="shouhu_1m")
    parser.add_argument("--children", type=int, default=1_000_000, help="when the template must be built")
    parser.add_argument("--scratch", default="shouhu_bench_province")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy afterwards")
    args = parser.parse_args()
    ensure_generated_database(args.template, args.children)
    if not exists(args.scratch):
        print(f"copying {args.template} to {args.scratch} …", flush=True)
        admin(f'CREATE DATABASE "{args.scratch}" TEMPLATE "{args.template}"')
    setup_django(Path(tempfile.mkdtemp(prefix="shouhu-bench-")), args.scratch, fresh=False)
    suite.raw("ANALYZE")
    only = [x.strip() for x in args.only.split(",") if x.strip()]
    print(f"postgresql {args.scratch}: {', '.join(only)}, median of {args.runs}; load {suite.load():.2f}", flush=True)
    try:
        if "screening" in only:
            from django.utils import timezone

            suite.AS_OF = timezone.localdate()
            suite.bench_screening(args.children, args.runs)
        if "duplicates" in only:
            suite.bench_duplicates(args.runs)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin(f'DROP DATABASE "{args.scratch}" WITH (FORCE)')
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    target = out / f"postgresql-{args.children}-{'-'.join(sorted(only))}.json"
    target.write_text(json.dumps({"backend": "postgresql", "children": args.children, "runs": args.runs,
                                  "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                                  "database": f"copy of {args.template}", "results": suite.RESULTS},
                                 ensure_ascii=False, indent=1))  # fmt: skip
    print(f"→ {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
