"""Helpers for tests that run the product in real processes (workers, the web server)."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings

SHOUHU = [sys.executable, "-m", "shouhu.cli"]


def _postgres() -> tuple[str, str, Any]:
    """The suite's PostgreSQL server: (its URL without a database name, a DSN for maintenance, psycopg)."""
    import psycopg

    db = settings.DATABASES["default"]
    host, port, user = db["HOST"] or "127.0.0.1", db["PORT"] or 5432, db["USER"]
    return f"postgres://{user}@{host}:{port}", f"host={host} port={port} user={user} dbname=postgres", psycopg


def _is_sqlite() -> bool:
    return "sqlite" in settings.DATABASES["default"]["ENGINE"]


# One migrated database per test process, made the first time a test asks for one (`migrate` in
# a process of its own costs seconds; a file copy or CREATE DATABASE ... TEMPLATE, a fraction).
_migrated: dict[str, str] = {}


def migrated_sqlite_file() -> Path:
    """A SQLite file `shouhu migrate` made, for this process; copy it, do not change it."""
    if "sqlite" not in _migrated:
        folder = Path(tempfile.mkdtemp(prefix=f"shouhu-migrated-{os.getpid()}-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "migrated.sqlite3"
        shouhu_run(["migrate", "--noinput", "-v0"], f"sqlite:///{path}", SHOUHU_DATA_DIR=str(folder / "data"))
        import sqlite3

        with sqlite3.connect(path) as conn:  # WAL: everything into the main file, which is what is copied
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        _migrated["sqlite"] = str(path)
    return Path(_migrated["sqlite"])


def _migrated_postgres_template() -> str:
    if "postgresql" not in _migrated:
        server, dsn, psycopg = _postgres()
        name = f"shouhu_migrated_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        atexit.register(drop)
        shouhu_run(["migrate", "--noinput", "-v0"], f"{server}/{name}")
        _migrated["postgresql"] = name
    return _migrated["postgresql"]


@contextmanager
def scratch_database(tmp_path: Path, *, migrated: bool = False) -> Iterator[str]:
    """A fresh database of the suite's kind (SQLite file or PostgreSQL database) that separate
    processes can share; dropped afterwards. `migrated=True`: a copy of one this process migrated
    once (the same tables and reference data `shouhu migrate` leaves), instead of an empty one."""
    if _is_sqlite():
        path = tmp_path / "scratch.sqlite3"
        if migrated:
            shutil.copyfile(migrated_sqlite_file(), path)
        yield f"sqlite:///{path}"
        return
    server, dsn, psycopg = _postgres()
    name = f"shouhu_scratch_{uuid.uuid4().hex[:8]}"
    template = f' TEMPLATE "{_migrated_postgres_template()}"' if migrated else ""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for attempt in range(20):  # the migrating process's session may take a moment to end
            try:
                conn.execute(f'CREATE DATABASE "{name}"{template}')
                break
            except psycopg.errors.ObjectInUse:
                if attempt == 19:
                    raise
                time.sleep(0.25)
    try:
        yield f"{server}/{name}"
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


class Watcher:
    """Plain SQL on a scratch database from the test's side, outside the product (to watch and
    check what the processes do, fast enough to catch them mid-way): one connection, autocommit."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            import sqlite3

            self.conn: Any = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60, isolation_level=None)
        else:
            import psycopg

            self.conn = psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(sql).fetchall())

    def one(self, sql: str) -> Any:
        return self.rows(sql)[0][0]

    def close(self) -> None:
        self.conn.close()


def kill_at_once(process: subprocess.Popen[str]) -> None:
    """Stop a process where it is (SIGSTOP: no further step, whatever it was doing), then SIGKILL it."""
    process.send_signal(signal.SIGSTOP)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.02) -> Any:
    """Poll `check` until it returns something true (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")
