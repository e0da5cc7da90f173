"""bulk_register alone: rows/s for N generated children on a fresh scratch database.

    .venv/bin/python benchmarks/bulk_register.py [--children 50000] [--postgres] [--database NAME]

The records are generated in memory first (not timed); only `bulk_register` is timed. SQLite:
a temporary file; PostgreSQL: the scratch database --database (default `shouhu_bench_bulk`) on
127.0.0.1 (dropped and recreated). Never the developer's database.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import backend_cpu, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--children", type=int, default=50_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--database", default="shouhu_bench_bulk")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="shouhu-bulk-"))
    setup_django(data_dir, args.database if args.postgres else None)
    import datetime

    from shouhu.registry.exchange.bulk import bulk_register
    from shouhu.registry.generator import ChildGenerator, ensure_villages

    today = datetime.date(2026, 1, 15)
    generator = ChildGenerator(seed=2026, villages=ensure_villages(), today=today)
    records = list(generator.records(args.children))
    server = backend_cpu()
    started, cpu = time.perf_counter(), time.process_time()
    ids = bulk_register(actor=None, records=records, effective=today, action="children.generate")
    elapsed, cpu, server = time.perf_counter() - started, time.process_time() - cpu, backend_cpu() - server
    assert len(ids) == args.children
    load = os.getloadavg()[0]
    vendor = "postgresql" if args.postgres else "sqlite"
    print(
        f"{vendor} bulk_register {args.children} rows: {elapsed:.1f} s, {args.children / elapsed:.0f} rows/s "
        f"(load {load:.2f}); cpu: python {cpu:.1f} s" + (f" + server {server:.1f} s" if args.postgres else "")
    )


if __name__ == "__main__":
    main()
