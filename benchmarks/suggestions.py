"""Drafting a first run's suggestions: one draft intake per child newly eligible for a
measure, for a county screened for the first time.

    .venv/bin/python benchmarks/suggestions.py [--backend sqlite|postgresql] [--children 20000] [--runs 3]

Builds `--children` children with `shouhu demo generate` (seed 2026) in a scratch database (SQLite in
a temporary directory, or PostgreSQL `shouhu_bench_suggestions`, recreated), screens the county once
(`run_screening`), then times `create_suggestions` for that run — the intakes, their measures and
intakes and their measures are emptied before each timed run (the audit log is append-only:
its rows stay). Prints intakes per second and the CPU seconds of the
process (and of the PostgreSQL backend).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import backend_cpu, setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="shouhu-bench-suggestions-"))
    setup_django(data_dir, "shouhu_bench_suggestions" if args.backend == "postgresql" else None)

    from django.core.management import call_command
    from django.utils import timezone

    from shouhu.casework.models import Intake, IntakeMeasure
    from shouhu.casework.suggestions import create_suggestions
    from shouhu.eligibility.screening import run_screening, screening_request
    from shouhu.registry.generator import COUNTY_CODE

    call_command("demo", "generate", "--children", str(args.children), "--seed", "2026", verbosity=0)
    run = run_screening(screening_request(actor=None, region_code=COUNTY_CODE, as_of=timezone.localdate()))

    times, cpus, made = [], [], 0
    for _ in range(args.runs):
        IntakeMeasure.objects.all().delete()
        Intake.objects.all().delete()
        load = Path("/proc/loadavg").read_text().split()[0]
        wall, cpu, server = time.perf_counter(), time.process_time(), backend_cpu()
        made = create_suggestions(run)
        wall, cpu, server = time.perf_counter() - wall, time.process_time() - cpu, backend_cpu() - server
        times.append(wall)
        cpus.append(cpu + server)
        rate = made / wall
        print(
            f"{made} suggestions in {wall:.1f} s ({rate:,.0f}/s), cpu {cpu:.1f} s + server {server:.1f} s, load {load}"
        )
    median = statistics.median(times)
    print(
        f"median: {median:.1f} s, {made / median:,.0f} suggestions/s, cpu {statistics.median(cpus):.1f} s "
        f"({args.backend}, {args.children} children)"
    )


if __name__ == "__main__":
    main()
