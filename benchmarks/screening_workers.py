"""Screening with 1 and with 2 worker processes: the same run, split into township parts
that any `shouhu worker` takes, timed from enqueue to the run being done.

    .venv/bin/python benchmarks/screening_workers.py --template shouhu_1m [--workers 1,2] [--runs 1]

Each measurement copies the PostgreSQL database `--template` (built once with `shouhu demo generate
--children 1000000 --seed 2026` when it does not exist) to a scratch database with
`CREATE DATABASE … TEMPLATE`, so every run starts from no results; migrates it; enqueues one county run
(`screen_region`), starts N workers, and waits for the run to be done. Prints one line per
measurement and writes benchmarks/results/screening-workers-<n>.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ensure_generated_database

ROOT = Path(__file__).resolve().parent.parent
HOST = "postgres://postgres@127.0.0.1:5432"
SCRATCH = "shouhu_bench_workers"


def admin(sql: str) -> None:
    with psycopg.connect(f"{HOST}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def shouhu(args: list[str], url: str, **env: str) -> subprocess.Popen[str]:
    full = {**os.environ, "SHOUHU_DATABASE_URL": url, "SHOUHU_LOG_LEVEL": "WARNING", **env}
    return subprocess.Popen(  # noqa: S603  (our own interpreter and module)
        [sys.executable, "-m", "shouhu.cli", *args], env=full, text=True, cwd=ROOT
    )


def one(url: str, sql: str) -> object:
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        row = conn.execute(sql).fetchone()
        return row[0] if row else None


def measure(template: str, workers: int) -> dict[str, object]:
    admin(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{SCRATCH}" TEMPLATE "{template}"')
    url = f"{HOST}/{SCRATCH}"
    assert shouhu(["migrate", "--noinput", "-v0"], url).wait() == 0
    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("ANALYZE")
    children = one(url, "SELECT COUNT(*) FROM registry_child WHERE status = 'active'")
    # The periodic jobs' current periods are marked taken, so the workers do only the screening
    # (a fresh copy would otherwise start with the daily duplicate scan of every child).
    enqueue = (
        "from django.utils import timezone; from shouhu.core.periodic import registered_jobs; "
        "from shouhu.core.models import PeriodicJobRun; "
        "[PeriodicJobRun.objects.get_or_create(job_name=j.name, period_key=j.period_key(timezone.now()), "
        "defaults={'claimed_by': 'benchmark'}) for j in registered_jobs().values()]; "
        "from shouhu.eligibility.screening import screening_request; "
        "from shouhu.eligibility.tasks import screen_region; "
        "r = screening_request(actor=None, region_code='210522000000', as_of=timezone.localdate()); "
        "screen_region.enqueue(r.pk); print(r.pk)"
    )
    assert shouhu(["shell", "-c", enqueue], url).wait() == 0
    started = time.perf_counter()
    procs = [shouhu(["worker", "--interval", "0.2"], url) for _ in range(workers)]
    try:
        while one(url, "SELECT state FROM eligibility_screeningrun ORDER BY id DESC LIMIT 1") not in ("done", "failed"):
            time.sleep(0.5)
        # Not waited for: the suggestions the finishing worker drafts afterwards (docs/performance.md).
    finally:
        for p in procs:  # the finishing worker may be drafting suggestions: not measured here
            p.kill()
        for p in procs:
            p.wait(timeout=60)
    seconds = time.perf_counter() - started
    state = one(url, "SELECT state FROM eligibility_screeningrun ORDER BY id DESC LIMIT 1")
    screened = one(
        url,
        "SELECT extract(epoch FROM finished_at - started_at) FROM eligibility_screeningrun ORDER BY id DESC LIMIT 1",
    )
    results = one(url, "SELECT COUNT(*) FROM eligibility_eligibility WHERE until IS NULL")
    row = {"workers": workers, "children": children, "state": state, "seconds": round(seconds, 1),
           "run_seconds": round(float(screened or 0), 1), "open_results": results,
           "load": round(os.getloadavg()[0], 2)}  # fmt: skip
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--template", default="shouhu_1m")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--children", type=int, default=1_000_000, help="when --template must be built")
    args = parser.parse_args()
    ensure_generated_database(args.template, args.children)
    rows = [measure(args.template, int(w)) for w in args.workers.split(",") for _ in range(args.runs)]
    admin(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    n = rows[0]["children"] if rows else 0
    (out / f"screening-workers-{n}.json").write_text(json.dumps({
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"), "template": args.template,
        "results": rows}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
