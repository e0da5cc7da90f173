"""Real workers killed with SIGKILL in the middle of an import run, on the suite's database (SQLite
or PostgreSQL): a check is taken again by another worker once its lease runs out; a commit leaves
nothing written and its run is failed for its user to import again, which then imports every row
once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shouhu.core.testing.processes import (
    Watcher,
    kill_at_once,
    scratch_database,
    shouhu_process,
    shouhu_run,
    wait_for,
)

from .io_helpers import varied_lines, write_jsonl

ROWS = 12000
LEASE = "4"


class Site:
    """A scratch database and data folder that the worker processes and this test share."""

    def __init__(self, url: str, data: Path) -> None:
        self.url, self.data = url, data
        self.db = Watcher(url)

    def env(self) -> dict[str, str]:
        return {"SHOUHU_DATA_DIR": str(self.data), "SHOUHU_IMPORT_LEASE_SECONDS": LEASE}

    def shell(self, code: str) -> str:
        return shouhu_run(["shell", "-c", code], self.url, 300, **self.env()).strip().splitlines()[-1]

    def worker(self) -> Any:
        return shouhu_process(["worker", "--interval", "0.2"], self.url, **self.env())

    def run_state(self, run_id: int) -> tuple[str, int, int, bool]:
        sql = f"SELECT state, progress, attempts, retryable FROM registry_importrun WHERE id = {int(run_id)}"  # noqa: S608
        state, progress, attempts, retryable = self.db.rows(sql)[0]
        return state, progress, attempts, bool(retryable)

    def count(self, table: str, where: str = "1 = 1") -> int:
        return int(self.db.one(f"SELECT COUNT(*) FROM {table} WHERE {where}"))  # noqa: S608


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with scratch_database(tmp_path, migrated=True) as url:
        site = Site(url, tmp_path / "data")
        yield site
        site.db.close()


def new_run(site: Site, tmp_path: Path, *, validate: bool) -> int:
    """The supervisor of 东关镇 uploads a roster of ROWS new children (checked here when `validate`)."""
    roster = write_jsonl(tmp_path / "roster.jsonl", varied_lines(ROWS))
    then = "runs.import_run_validate(run); " if validate else ""
    return int(
        site.shell(
            "from django.core.files import File; from shouhu.accounts.personas import ensure_personas; "
            "from shouhu.registry.exchange import runs; "
            "user = ensure_personas()['supervisor_a']; "
            f"upload = File(open({str(roster)!r}, 'rb')); "
            "run = runs.import_run_create(actor=user, upload=upload, filename='名单.jsonl'); "
            f"{then}print(run.pk)"
        )
    )


def test_a_worker_killed_while_checking_is_replaced_by_another(site: Site, tmp_path: Path) -> None:
    run_id = new_run(site, tmp_path, validate=False)
    site.shell(f"from shouhu.registry.tasks import validate_import; validate_import.enqueue(run_id={run_id})")
    first = site.worker()
    try:
        wait_for(
            lambda: site.run_state(run_id)[0] == "validating" and site.run_state(run_id)[1] > 0,
            120,
            "a check under way",
            every=0.005,
        )
    finally:
        kill_at_once(first)
    state, progress, attempts, _ = site.run_state(run_id)
    assert (state, attempts) == ("validating", 1) and 0 < progress < ROWS
    second = site.worker()
    try:
        wait_for(lambda: site.run_state(run_id)[0] == "previewed", 180, "another worker to check it again")
    finally:
        second.terminate()
        second.communicate(timeout=60)
    state, progress, attempts, _ = site.run_state(run_id)
    assert (state, progress, attempts) == ("previewed", ROWS, 2)
    assert site.count("registry_importrun", f"new_count = {ROWS} AND error_count = 0") == 1
    assert site.count("core_auditevent", "action = 'children.import_interrupted'") == 1
    assert site.count("registry_child") == 0


def test_a_worker_killed_while_committing_leaves_nothing_and_the_user_imports_again(site: Site, tmp_path: Path) -> None:
    run_id = new_run(site, tmp_path, validate=True)
    assert site.run_state(run_id)[0] == "previewed"
    confirm = (
        "from shouhu.accounts.models import User; from shouhu.registry.exchange import runs; "
        "from shouhu.registry.models import ImportRun; "
        f"run = runs.import_run_confirm(actor=User.objects.get(username='supervisor_a'), "
        f"run=ImportRun.objects.get(pk={run_id})); "
    )
    site.shell(confirm + "from shouhu.registry.tasks import commit_import; commit_import.enqueue(run_id=run.pk)")
    progress_file = site.data / "media" / "imports" / "progress" / str(run_id)
    first = site.worker()
    try:
        wait_for(
            lambda: progress_file.is_file() and progress_file.read_text() not in ("", "0"),
            120,
            "rows written",
            every=0.005,
        )
    finally:
        kill_at_once(first)  # inside the commit's transaction: rows written, not committed
    assert site.run_state(run_id)[0] == "committing"
    assert site.count("registry_child") == 0
    second = site.worker()
    try:
        wait_for(lambda: site.run_state(run_id)[0] == "failed", 120, "the sweep to fail the interrupted commit")
    finally:
        second.terminate()
        second.communicate(timeout=60)
    state, _, attempts, retryable = site.run_state(run_id)
    assert (state, attempts, retryable) == ("failed", 2, True)
    assert site.count("registry_child") == 0
    assert site.count("core_auditevent", "action = 'children.import_interrupted'") == 1
    # The user imports it again (from the import page, the same service): every row once.
    out = site.shell(confirm + "run = runs.import_run_commit(run); print(run.state, run.new_count)")
    assert out == f"done {ROWS}"
    assert site.count("registry_child") == ROWS
    assert site.count("core_auditevent", "action = 'children.import_retry'") == 1
