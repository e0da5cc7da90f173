"""A screening killed part-way and carried on loses no suggestion and drafts none twice: each part
drafts its township's suggestions inside its own transaction, so a part is done with its drafts or
not at all. Real processes (`shouhu screen --all`, killed with SIGKILL, then run again) on the
suite's database (SQLite or PostgreSQL)."""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shouhu.core.testing.processes import scratch_database, shouhu_process, shouhu_run


class Database:
    """Plain SQL on a scratch database from outside the product (the test watches the processes)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite:///")

    def connect(self) -> Any:
        if self.sqlite:
            return sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=60, isolation_level=None)
        import psycopg

        return psycopg.connect(self.url.replace("postgres://", "postgresql://"), autocommit=True)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        conn = self.connect()
        try:
            return list(conn.execute(sql).fetchall())
        finally:
            conn.close()

    def one(self, sql: str) -> Any:
        return self.rows(sql)[0][0]


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


MEASURE_RESULTS = (
    "SELECT DISTINCT e.child_id FROM eligibility_eligibility e JOIN eligibility_rule r ON r.code = e.code "
    "WHERE e.until IS NULL AND r.kind = 'measure'"
)


def test_a_screening_killed_after_some_parts_and_carried_on_drafts_every_suggestion_once(tmp_path: Path) -> None:
    with scratch_database(tmp_path, migrated=True) as url:
        data = str(tmp_path / "data")
        shouhu_run(["demo", "generate", "--children", "3000", "--seed", "7"], url, SHOUHU_DATA_DIR=data)
        db = Database(url)
        done_parts = "SELECT COUNT(*) FROM eligibility_screeningpart WHERE state = 'done'"
        first = shouhu_process(["screen", "--all"], url, SHOUHU_DATA_DIR=data)
        watcher = db.connect()
        try:
            wait_for(lambda: watcher.execute(done_parts).fetchone()[0] >= 3, 120, "three parts done", every=0.005)
        finally:
            watcher.close()
        # Stopped at once wherever it is (most likely inside the next part), then killed.
        first.send_signal(signal.SIGSTOP)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert first.returncode == -signal.SIGKILL
        run_id, state, total = db.rows("SELECT id, state, progress_total FROM eligibility_screeningrun")[0]
        done = db.one(done_parts)
        assert state == "running" and 3 <= done < total == 13
        # What is done is done with its drafts; nothing of a part that is not done was drafted.
        drafted = db.one(f"SELECT COUNT(*) FROM casework_intake WHERE screening_run_id = {int(run_id)}")  # noqa: S608
        assert drafted == db.one("SELECT SUM(suggested) FROM eligibility_screeningpart WHERE state = 'done'") > 0
        assert not db.rows(
            "SELECT i.id FROM casework_intake i JOIN registry_child c ON c.id = i.child_id "
            "WHERE NOT EXISTS (SELECT 1 FROM eligibility_screeningpart p WHERE p.state = 'done' "
            "AND c.region_code LIKE p.region_prefix || '%')"
        )

        out = shouhu_run(["screen", "--all"], url, SHOUHU_DATA_DIR=data)
        assert f"继续未完成的筛查 #{run_id}" in out
        assert db.rows("SELECT id, state FROM eligibility_screeningrun") == [(run_id, "done")]
        eligible = {row[0] for row in db.rows(MEASURE_RESULTS)}
        suggestions = db.rows(
            "SELECT child_id, COUNT(*) FROM casework_intake WHERE kind = 'suggestion' GROUP BY child_id"
        )
        assert len(eligible) > 100
        assert {child for child, _ in suggestions} == eligible
        assert {count for _, count in suggestions} == {1}
        assert f"已为 {len(eligible)} 名儿童生成受理建议" in out
