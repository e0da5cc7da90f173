"""Helpers for tests that run the product in real processes (workers, the web server)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

SHOUHU = [sys.executable, "-m", "shouhu.cli"]


@contextmanager
def scratch_database(tmp_path: Path) -> Iterator[str]:
    """A fresh database of the suite's kind (SQLite file or PostgreSQL database) that separate
    processes can share; dropped afterwards."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if "sqlite" in engine:
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    import psycopg

    db = settings.DATABASES["default"]
    host, port, user = db["HOST"] or "127.0.0.1", db["PORT"] or 5432, db["USER"]
    name = f"shouhu_scratch_{uuid.uuid4().hex[:8]}"
    dsn = f"host={host} port={port} user={user} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{user}@{host}:{port}/{name}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def shouhu_process(args: list[str], database_url: str, **env: str) -> subprocess.Popen[str]:
    full_env = {**os.environ, "SHOUHU_DATABASE_URL": database_url, "SHOUHU_LOG_LEVEL": "WARNING", **env}
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.Popen(  # noqa: S603  (our own interpreter and module)
        [*SHOUHU, *args], env=full_env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def shouhu_run(args: list[str], database_url: str, timeout: float = 300, **env: str) -> str:
    proc = shouhu_process(args, database_url, **env)
    out, _ = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"shouhu {' '.join(args)} failed ({proc.returncode}):\n{out}")
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
