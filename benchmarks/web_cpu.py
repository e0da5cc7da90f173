"""CPU per request of the web benchmark's pages, in-process (docs/performance.md, "Web under load").

    .venv/bin/python benchmarks/web_cpu.py [--database shouhu_web] [--requests 20] [--only search,…]
        [--profile PAGE] [--output NAME]

The same pages and targets as benchmarks/web_load.py (picked from the data the same way), each
requested through Django's test client with production settings (DEBUG off, static files from a
collected manifest, the request marked as behind the TLS proxy) and the persona's session. For
each page: 2 requests to warm the process, then `--requests` requests, reporting the median CPU
seconds of this Python process and of the PostgreSQL backend serving it (from /proc, so only on
the same machine), wall time, and the number of queries; and the wall time of a request after
the process's cache is cleared (`cold`: what one request per process pays each minute, when the
large counts it remembers expire). These figures move much less with the
machine's load than wrk's do. `--profile PAGE` prints a cProfile of that page's requests.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import json
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from web_load import DEV_ENCRYPTION_KEY, PG, load1, pages_for, pick_targets  # noqa: E402

STATIC_DIR = Path(tempfile.gettempdir()) / "shouhu-web-cpu"


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a local PostgreSQL backend."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def setup(database: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.web_floor",
            "SHOUHU_DEBUG": "0",
            "SHOUHU_SECRET_KEY": "web-cpu-benchmark-" + "x" * 40,
            "SHOUHU_ENCRYPTION_KEY": os.environ.get("SHOUHU_ENCRYPTION_KEY", DEV_ENCRYPTION_KEY),
            "SHOUHU_ALLOWED_HOSTS": "testserver,127.0.0.1",
            "SHOUHU_LOG_LEVEL": "WARNING",
        }
    )
    env = {**os.environ, "SHOUHU_DATABASE_URL": f"{PG}/{database}", "SHOUHU_DATA_DIR": str(STATIC_DIR)}
    if not (STATIC_DIR / "static" / "staticfiles.json").exists():
        subprocess.run(  # noqa: S603
            [str(ROOT / ".venv" / "bin" / "shouhu"), "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )


def measure(client: Any, path: str, requests: int, profile: cProfile.Profile | None) -> dict[str, Any]:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        response = client.get(path, secure=True)
        assert response.status_code == 200, f"{path}: {response.status_code}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    cpu, server, wall = [], [], []
    for _ in range(requests):
        c0, s0, w0 = time.process_time(), backend_cpu(pid), time.perf_counter()
        if profile is not None:
            profile.enable()
        client.get(path, secure=True)
        if profile is not None:
            profile.disable()
        cpu.append(time.process_time() - c0)
        server.append(backend_cpu(pid) - s0)
        wall.append(time.perf_counter() - w0)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, secure=True)
    queries = len(ctx.captured_queries)  # now: the next request's request_started empties the log
    cold = []
    for _ in range(3):  # what one request in each process pays when the remembered counts expire
        cache.clear()
        w0 = time.perf_counter()
        client.get(path, secure=True)
        cold.append(time.perf_counter() - w0)
    return {
        "cold_wall_ms": round(statistics.median(cold) * 1000, 1),
        "cpu_ms": round(statistics.median(cpu) * 1000, 1),
        "server_cpu_ms": round(statistics.mean(server) * 1000, 1),  # clock ticks: a mean is finer
        "wall_ms": round(statistics.median(wall) * 1000, 1),
        "queries": queries,
        "bytes": len(response.content),
    }


def deep_link(client: Any, targets: dict[str, Any]) -> str:
    base = f"/eligibility/counts/children/?region={targets['township']}&code={targets['category']}"
    body = client.get(f"{base}&page={targets['deep_page'] - 1}", secure=True).content
    import html

    found = re.search(rb'href="\?([^"]*)">[^<]*</a>\s*</nav>', body)
    assert found, "没有下一页链接"
    return "/eligibility/counts/children/?" + html.unescape(found.group(1).decode())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database", default="shouhu_web")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--only", default="")
    parser.add_argument("--profile", default="", help="page name to profile with cProfile")
    parser.add_argument("--profile-lines", type=int, default=45)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--output", default="", help="write JSON to benchmarks/results/<output>.json")
    args = parser.parse_args()
    setup(args.database)
    targets = pick_targets(f"{PG}/{args.database}", STATIC_DIR)

    from django.test import Client

    from shouhu.accounts.models import User
    from shouhu.core.testing.signin import sign_in

    clients: dict[str, Any] = {}

    def client_for(persona: str) -> Any:
        if persona not in clients:
            client = Client()
            if persona:
                # Signed in as the sign-in pages leave it (past the second factor for the roles
                # that need one): a bare force_login is signed out by the two-factor middleware.
                sign_in(client, User.objects.get(username=persona))
            clients[persona] = client
        return clients[persona]

    if targets["deep_page"] > 1:
        targets["deep_link"] = deep_link(client_for("caseworker"), targets)
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    rows = []
    print(f"load {load1()}", flush=True)
    for page in pages_for(targets):
        if only and page["name"] not in only:
            continue
        profile = cProfile.Profile() if page["name"] == args.profile else None
        row = {"name": page["name"], **measure(client_for(page["persona"]), page["path"], args.requests, profile)}
        rows.append(row)
        print(
            f"{page['name']:<26} cpu {row['cpu_ms']:>6.1f} ms  server {row['server_cpu_ms']:>5.1f} ms"
            f"  wall {row['wall_ms']:>6.1f} ms  cold {row['cold_wall_ms']:>7.1f} ms  queries {row['queries']:>3}"
            f"  {row['bytes']:>7} B",
            flush=True,
        )
        if profile is not None:
            pstats.Stats(profile).strip_dirs().sort_stats(args.sort).print_stats(args.profile_lines)
    print(f"load {load1()}", flush=True)
    if args.output:
        out = ROOT / "benchmarks" / "results" / f"{args.output}.json"
        out.write_text(
            json.dumps(
                {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"), "pages": rows},
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
