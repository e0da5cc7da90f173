"""Shared setup for the benchmark scripts: a scratch database, never the developer's."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_HOST = "postgres://postgres@127.0.0.1:5432"


def recreate_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_HOST}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(data_dir: Path, postgres_name: str | None, *, fresh: bool = True) -> None:
    """Point Django at a scratch database (PostgreSQL `postgres_name`, or SQLite in `data_dir`),
    migrate it and create the personas."""
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["SHOUHU_DATA_DIR"] = str(data_dir)
    if postgres_name:
        if fresh:
            recreate_postgres(postgres_name)
        os.environ["SHOUHU_DATABASE_URL"] = f"{PG_HOST}/{postgres_name}"
    else:
        os.environ.pop("SHOUHU_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shouhu.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from shouhu.accounts.personas import ensure_personas

    call_command("migrate", verbosity=0)
    ensure_personas()


def ensure_generated_database(name: str, children: int, seed: int = 2026) -> None:
    """A PostgreSQL database holding `children` synthetic children (`shouhu demo generate`, fixed
    seed), built once and kept: later benchmarks copy it with CREATE DATABASE … TEMPLATE."""
    import subprocess

    import psycopg

    with psycopg.connect(f"{PG_HOST}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "SHOUHU_DATABASE_URL": f"{PG_HOST}/{name}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    shouhu = [sys.executable, "-m", "shouhu.cli"]
    print(f"building {name}: {children} children (seed {seed}) …", flush=True)
    for args in (
        ["migrate", "--noinput", "-v0"],
        ["demo", "generate", "--children", str(children), "--seed", str(seed)],
    ):
        subprocess.run([*shouhu, *args], env=env, cwd=ROOT, check=True)  # noqa: S603
    with psycopg.connect(f"{PG_HOST}/{name}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (0 on SQLite); read from
    /proc, so only when the server runs on this machine."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
