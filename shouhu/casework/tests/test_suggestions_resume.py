"""A screening killed part-way and carried on loses no suggestion and drafts none twice: each part
drafts its township's suggestions inside its own transaction, so a part is done with its drafts or
not at all. Real processes (`shouhu screen --all`, killed with SIGKILL, then run again) on the
suite's database (SQLite or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from shouhu.core.testing.processes import (
    Watcher,
    kill_at_once,
    scratch_database,
    shouhu_process,
    shouhu_run,
    wait_for,
)

MEASURE_RESULTS = (
    "SELECT DISTINCT e.child_id FROM eligibility_eligibility e JOIN eligibility_rule r ON r.code = e.code "
    "WHERE e.until IS NULL AND r.kind = 'measure'"
)


def test_a_screening_killed_after_some_parts_and_carried_on_drafts_every_suggestion_once(tmp_path: Path) -> None:
    with scratch_database(tmp_path, migrated=True) as url:
        data = str(tmp_path / "data")
        shouhu_run(["demo", "generate", "--children", "3000", "--seed", "7"], url, SHOUHU_DATA_DIR=data)
        db = Watcher(url)
        done_parts = "SELECT COUNT(*) FROM eligibility_screeningpart WHERE state = 'done'"
        first = shouhu_process(["screen", "--all"], url, SHOUHU_DATA_DIR=data)
        try:
            wait_for(lambda: db.one(done_parts) >= 3, 120, "three parts done", every=0.005)
        finally:
            kill_at_once(first)  # wherever it is: most likely inside the next part
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
        db.close()
