"""The benchmark suite: each path beside the floor it cannot beat, in the same run.

    .venv/bin/python benchmarks/suite.py [--backend sqlite|postgresql] [--children 100000]
                                         [--import-rows 100000] [--runs 3] [--only import,screening,duplicates]

Builds its data with `shouhu demo generate` (fixed seed 2026) in a scratch database — PostgreSQL
`shouhu_bench` on 127.0.0.1:5432 (dropped and recreated) or a SQLite file in a temporary
directory — never the developer's var/ database. Prints one line per figure (median of --runs
runs, with the ratio to its floor) and writes them as JSON to benchmarks/results/<backend>-<n>.json.

- import: a .xlsx in the registry's layout (`exchange.layout_writing.LayoutWriter`) through the
  real path (`exchange.validation.validate_file` + `exchange.commit.commit_file` with the
  preview's sealed records, as `ImportRun` runs them: validation, duplicate check by blind index,
  encryption, audit) into an empty registry, vs. the floor: python-calamine reads the same file
  and the raw cells are bulk-inserted into a scratch table (COPY on PostgreSQL, executemany on SQLite).
- screening: `run_screening` over the county (every category and measure, results stored,
  changes computed; the result tables are emptied before each run) vs. (a) hand-written SQL,
  written from shared/design/policy-rules.md, computing all 33 rules' answers for the county in one
  statement — (a1) counted, (a2) with the same writes into copies of the result tables (same
  indexes, checks, foreign keys and triggers), one transaction; answers, results and changes must
  equal the engine's or the benchmark stops — and the earlier figure, hand SQL for five simple rules
  (T02, T06, T21, orphan, T15) scaled to 33; and (b) the in-memory evaluator (`situations()` +
  `RuleSet.decide`) on a 10,000-child sample, extrapolated to all children.
- duplicates: `duplicates.scan()` over the county (candidates emptied before each run), and again
  with every pair already queued (the daily job's usual case), vs. an exact-key GROUP BY (birth
  date, sex, name) on the same children. `benchmarks/province.py` runs the screening and
  duplicates figures on a copy of the 1,000,000-child database.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import ROOT, setup_django
from _setup import backend_cpu as server_cpu

SEED = 2026
IMPORT_SEED = 4242
AS_OF = datetime.date(2026, 1, 15)  # replaced by today in main(): `demo generate` records facts from today
RESULTS: list[dict[str, Any]] = []


def load() -> float:
    return os.getloadavg()[0]


def timed(fn: Callable[[], Any], runs: int, before: Callable[[], None] | None = None) -> tuple[float, Any]:
    """Median wall time of `runs` calls (`before` runs untimed before each); the last result."""
    times, result = [], None
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def report(name: str, seconds: float, items: int, floor: float | None = None, note: str = "") -> None:
    ratio = seconds / floor if floor else None
    row = {"figure": name, "seconds": round(seconds, 3), "items": items,
           "per_second": round(items / seconds) if seconds else None,
           "ratio_to_floor": round(ratio, 2) if ratio else None, "load": round(load(), 2), "note": note}  # fmt: skip
    RESULTS.append(row)
    extra = f"  {ratio:5.2f}× floor" if ratio else ""
    print(f"{name:52} {seconds:8.2f} s  {row['per_second'] or 0:>9}/s{extra}  (load {row['load']}) {note}", flush=True)


def raw(sql: str, params: list[Any] | dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall()) if cursor.description else []


def empty(*tables: str) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")


# -- import -----------------------------------------------------------------------------------


def timed_work(
    fn: Callable[[], Any], runs: int, before: Callable[[], None] | None = None
) -> tuple[float, float, str, Any]:
    """Like `timed`, plus the CPU seconds spent (this process + the database server's backend),
    median of the runs: on a machine shared with other work the CPU time says what the wall time
    cannot."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        if before is not None:
            before()
        started, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
        result = fn()
        walls.append(time.perf_counter() - started)
        cpus.append((time.process_time() - cpu, server_cpu() - server))
    python, backend = statistics.median(c[0] for c in cpus), statistics.median(c[1] for c in cpus)
    note = f"cpu {python + backend:.1f} s" + (f" (python {python:.1f} + server {backend:.1f})" if backend else "")
    return statistics.median(walls), python + backend, note, result


def write_roster(path: Path, rows: int) -> None:
    from shouhu.registry.exchange import layout_writing
    from shouhu.registry.exchange.format import record_to_dict
    from shouhu.registry.generator import ChildGenerator, ensure_villages

    generator = ChildGenerator(seed=IMPORT_SEED, villages=ensure_villages(), today=AS_OF)
    writer = layout_writing.LayoutWriter(str(path))
    for record in generator.records(rows):
        writer.write_row(layout_writing.dict_to_row(record_to_dict(record)))
    writer.close()


def import_floor(path: Path) -> int:
    """python-calamine reads the sheet; the raw cells go into a scratch table as text."""
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    from shouhu.registry.exchange import layout

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(layout.SHEET_NAME)
    rows = iter(sheet.iter_rows())
    width = len(next(rows))
    columns = ", ".join(f"c{i} text" for i in range(width))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_roster")
        cursor.execute(f"CREATE TABLE bench_raw_roster ({columns})")
        data = [tuple(None if v == "" else str(v) for v in row) for row in rows]
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY bench_raw_roster FROM STDIN") as copy:  # noqa: F541
                for row in data:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * width)
            cursor.executemany(f"INSERT INTO bench_raw_roster VALUES ({marks})", data)
    return len(data)


def bench_import(data_dir: Path, rows: int, runs: int) -> None:
    from shouhu.registry.exchange.commit import commit_file
    from shouhu.registry.exchange.validation import validate_file

    path = data_dir / "roster.xlsx"
    records = data_dir / "roster.xlsx.records"  # the preview's sealed records, as ImportRun keeps them
    started = time.perf_counter()
    write_roster(path, rows)
    size, took = path.stat().st_size / 1e6, time.perf_counter() - started
    print(f"wrote {rows} rows to {path.name} ({size:.1f} MB) in {took:.0f} s")
    floor, floor_cpu, floor_note, n = timed_work(lambda: import_floor(path), runs)
    assert n == rows, n
    report("import floor: calamine + raw bulk insert", floor, rows, note=floor_note)

    def clear() -> None:
        empty("registry_circumstance", "registry_duplicatecandidate", "registry_child", "core_auditevent")

    def validate() -> Any:
        result = validate_file(path, fmt="xlsx", actor=None, on=AS_OF, records=records)
        assert result.ok and result.new == rows, (result.new, result.errors[:3])
        return result

    v_time, v_cpu, v_note, validation = timed_work(validate, runs, before=clear)
    report("import: validate (preview)", v_time, rows, floor, note=v_note)

    def commit(kept: Path | None) -> Any:
        outcome = commit_file(path, fmt="xlsx", actor=None, plan=validation.plan(), as_of=AS_OF, records=kept)
        assert len(outcome.created) == rows and outcome.from_preview == (kept is not None)
        return outcome

    c_time, c_cpu, c_note, _ = timed_work(lambda: commit(records), runs, before=clear)
    report("import: commit (preview's records, rechecked, written)", c_time, rows, floor, note=c_note)
    work = v_cpu + c_cpu
    report("import: validate + commit (whole path)", v_time + c_time, rows, floor,
           note=f"cpu {work:.1f} s = {work / floor_cpu:.2f}× the floor's cpu {floor_cpu:.1f} s")  # fmt: skip
    r_time, _, r_note, _ = timed_work(lambda: commit(None), runs, before=clear)
    report("import: commit reading and validating the file again", r_time, rows, floor,
           note=f"{r_note}; what the commit costs without the preview's records")  # fmt: skip
    clear()


# -- screening --------------------------------------------------------------------------------

FATHER_GONE = "('deceased', 'declared_dead', 'unknown')"


def _in_force(alias: str, kind: str) -> str:
    return (f"{alias}.child_id = c.id AND {alias}.kind = '{kind}' AND {alias}.valid_from <= %(d)s "
            f"AND ({alias}.valid_to IS NULL OR {alias}.valid_to >= %(d)s)")  # fmt: skip


HAND_SQL = {
    "T02": "EXISTS (SELECT 1 FROM registry_circumstance f WHERE " + _in_force("f", "low_income") + " AND f.flag)",
    "T06": "EXISTS (SELECT 1 FROM registry_circumstance f WHERE " + _in_force("f", "disability")
    + " AND f.detail IN ('hearing', 'speech'))",
    "T21": "c.birth_date > %(rehab)s AND EXISTS (SELECT 1 FROM registry_circumstance f WHERE "
    + _in_force("f", "disability")
    + " AND f.detail IN ('vision', 'hearing', 'speech', 'intellectual', 'physical', 'autism'))",
    # Both parents recorded as gone (a parent without a row is not recorded: not an orphan, rules v2).
    "orphan": " AND ".join(
        "EXISTS (SELECT 1 FROM registry_circumstance f WHERE " + _in_force("f", role)
        + f" AND f.status IN {FATHER_GONE}) AND NOT EXISTS (SELECT 1 FROM registry_circumstance f WHERE "
        + _in_force("f", role) + f" AND f.status NOT IN {FATHER_GONE})" for role in ("father", "mother")
    ),
}  # fmt: skip
HAND_SQL["T15"] = HAND_SQL["orphan"]


def hand_sql(code: str) -> set[int]:
    from django.db import connection

    from shouhu.registry.generator import _years_before

    sql = (
        "SELECT c.id FROM registry_child c WHERE c.region_code LIKE '210522%%' AND c.status = 'active' "
        "AND c.birth_date > %(adult)s AND " + HAND_SQL[code]
    )
    params = {"d": AS_OF, "adult": _years_before(AS_OF, 18), "rehab": _years_before(AS_OF, 7)}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


# -- screening: the full-width floor ----------------------------------------------------------
#
# Written by hand from shared/design/policy-rules.md — deliberately not generated from
# shouhu/eligibility, so a mistake in the vocabulary cannot hide in the floor too. Every category
# and measure for every active child of the county as of the run date, in one statement: the row
# in force per kind, one row of facts per child, the building blocks, the categories, the measures.

FLAG_KINDS_BY_HAND = ("low_income", "extreme_poverty", "temporary_hardship", "serious_illness", "migrant",
                      "left_behind", "abuse", "neglect", "abandoned")  # fmt: skip
PARENT_COLUMNS_BY_HAND = ("status", "detail", "grade", "since", "until")
# (code, condition over the row of `measures` below): 12 categories and 21 measures.
RULES_BY_HAND = (
    ("orphan", "orphan"),
    ("de_facto_unsupported", "de_facto_unsupported"),
    ("low_income", "low_income"),
    ("extreme_poverty", "extreme_poverty"),
    ("temporary_hardship", "temporary_hardship"),
    ("seriously_ill", "seriously_ill"),
    ("severely_disabled", "severely_disabled"),
    ("disabled", "disabled"),
    ("guardianship_at_risk", "guardianship_at_risk"),
    ("migrant", "migrant"),
    ("left_behind", "left_behind"),
    ("in_difficulty", "in_difficulty"),
    ("T01", "orphan OR de_facto_unsupported"),
    ("T02", "low_income"),
    ("T03", "temporary_hardship"),
    ("T04", "in_difficulty AND NOT (orphan OR de_facto_unsupported OR low_income OR temporary_hardship)"),
    ("T05", "(seriously_ill OR severely_disabled) AND econ_difficult"),
    ("T06", "COALESCE(disability_type IN ('hearing', 'speech'), FALSE)"),
    ("T07", "low_income OR severely_disabled"),
    ("T09", "econ_difficult AND in_school"),
    ("T10", "disabled AND econ_difficult AND in_school AND stage IN ('primary', 'junior', 'senior', 'vocational')"),
    ("T11", "migrant AND age >= 6"),
    ("T12", "disabled AND age BETWEEN 3 AND 6"),
    ("T14", "in_difficulty AND age BETWEEN 6 AND 15 AND NOT in_school"),
    ("T15", "orphan"),
    ("T16", "NOT father_alive AND NOT mother_alive AND NOT orphan AND NOT guardian_able"),
    ("T17", "abuse OR neglect OR abandoned"),
    ("T18", "father_status = 'detained' OR mother_status = 'detained'"),
    ("T19", "(father_status IN ('imprisoned', 'drug_rehab') OR mother_status IN ('imprisoned', 'drug_rehab'))"
            " AND NOT father_alive AND NOT mother_alive AND NOT guardian_able"),
    ("T20", "living = 'adopted'"),
    ("T21", "age <= 6 AND COALESCE(disability_type IN "
            "('vision', 'hearing', 'speech', 'intellectual', 'physical', 'autism'), FALSE)"),
    ("T22", "orphan AND disabled AND living <> 'institution'"),
    ("T24", "disabled"),
)  # fmt: skip


def _age_sql(vendor: str) -> str:
    """Completed years on the as-of date %(d)s (a birthday on that date counts as reached)."""
    if vendor == "postgresql":
        return "DATE_PART('year', AGE(%(d)s::timestamp, c.birth_date::timestamp))::integer"
    return ("CAST(strftime('%%Y', %(d)s) AS INTEGER) - CAST(strftime('%%Y', c.birth_date) AS INTEGER)"
            " - (strftime('%%m-%%d', %(d)s) < strftime('%%m-%%d', c.birth_date))")  # fmt: skip


def _six_months_after(vendor: str, column: str) -> str:
    """`column` + 6 calendar months, clamped to the month's end (2024-08-31 → 2025-02-28)."""
    if vendor == "postgresql":
        return f"({column} + INTERVAL '6 months')::date"  # PostgreSQL clamps by itself
    day = f"CAST(strftime('%%d', {column}) AS INTEGER) - 1"
    return (f"MIN(date({column}, 'start of month', '+6 months', '+' || ({day}) || ' days'),"
            f" date({column}, 'start of month', '+7 months', '-1 day'))")  # fmt: skip


def _parent_blocks(vendor: str, p: str) -> str:
    """parent_gone, parent_away_or_missing, parent_alive and parent_unable of one parent; each NULL
    (undetermined) when the parent was not recorded (status NULL)."""
    after = _six_months_after(vendor, f"{p}_since")
    return f"""
    {p}_status IN ('deceased', 'declared_dead', 'unknown') AS {p}_gone,
    {p}_status IN ('deceased', 'declared_dead', 'unknown', 'declared_missing') AS {p}_away_or_missing,
    {p}_status = 'alive' AS {p}_alive,
    CASE WHEN {p}_status IS NULL THEN NULL ELSE COALESCE(
      ({p}_status = 'severe_disability' AND ({p}_grade BETWEEN 1 AND 2
        OR ({p}_grade BETWEEN 3 AND 4 AND {p}_detail IN ('intellectual', 'mental'))))
      OR {p}_status IN ('serious_illness', 'guardianship_revoked', 'deported')
      OR ({p}_status IN ('imprisoned', 'drug_rehab', 'detained') AND ({p}_until IS NULL OR {p}_until >= {after}))
      OR ({p}_status = 'lost_contact' AND %(d)s >= {after}),
    FALSE) END AS {p}_unable"""


def hand_answers_sql(vendor: str) -> str:
    """(child_id, code) for every category and measure a child of the county meets on %(d)s, in
    three-valued logic (policy rules v2): a parent, the guardian or school attendance without a row
    in force (or with a NULL flag) is not recorded, NULL here, and `WHERE` keeps only what is true."""

    def has(kind: str, condition: str = "") -> str:
        return f"MAX(CASE WHEN f.kind = '{kind}'{condition} THEN 1 ELSE 0 END) = 1"

    def value(kind: str, column: str) -> str:
        return f"MAX(CASE WHEN f.kind = '{kind}' THEN f.{column} END)"

    flags = ",\n    ".join(f"{has(k, ' AND f.flag')} AS {k}" for k in FLAG_KINDS_BY_HAND)
    parents = ",\n    ".join(
        value(p, c) + f" AS {p}_{c}" for p in ("father", "mother") for c in PARENT_COLUMNS_BY_HAND
    )  # a parent without a row in force is not recorded: NULL
    # 1 / 0 / NULL: yes, no, not recorded ("none": nobody cares; stage none: not in school).
    guardian_able = (
        "MAX(CASE WHEN f.kind = 'guardian' THEN CASE WHEN f.status = 'none' THEN 0"
        " WHEN f.flag THEN 1 WHEN NOT f.flag THEN 0 END END) = 1"
    )
    enrolled = ("MAX(CASE WHEN f.kind = 'schooling' THEN CASE WHEN f.detail = 'none' THEN 0"
                " WHEN f.flag THEN 1 WHEN NOT f.flag THEN 0 END END) = 1")  # fmt: skip
    (first, condition), *rest = RULES_BY_HAND
    codes = "\nUNION ALL ".join(
        [f"SELECT id AS child_id, '{first}' AS code FROM measures WHERE {condition}"]
        + [f"SELECT id, '{code}' FROM measures WHERE {rule}" for code, rule in rest]
    )
    return f"""
WITH children AS (
  SELECT c.id, {_age_sql(vendor)} AS age
  FROM registry_child c WHERE c.region_code LIKE '210522%%' AND c.status = 'active'
),
valid AS (  -- circumstances valid on the date (facts below keeps the county's children's)
  SELECT * FROM registry_circumstance r WHERE r.valid_from <= %(d)s AND (r.valid_to IS NULL OR r.valid_to >= %(d)s)
),
in_force AS (  -- per child and kind, the valid row; of overlapping ones (a correction) the latest started
  SELECT * FROM valid r WHERE NOT EXISTS (
    SELECT 1 FROM valid later WHERE later.child_id = r.child_id AND later.kind = r.kind
      AND (later.valid_from > r.valid_from OR (later.valid_from = r.valid_from AND later.id > r.id))
  )
),
facts AS (  -- one row per child; a kind without a row in force has its default, or is not recorded
  SELECT c.id, c.age,
    {flags},
    {parents},
    {guardian_able} AS guardian_able,
    {has("disability")} AS disabled,
    {value("disability", "detail")} AS disability_type,
    {value("disability", "grade")} AS disability_grade,
    {value("schooling", "detail")} AS stage,
    {enrolled} AS enrolled,
    COALESCE({value("living_arrangement", "status")}, 'family') AS living
  FROM children c LEFT JOIN in_force f ON f.child_id = c.id
  GROUP BY c.id, c.age
),
blocks AS (
  SELECT *,{_parent_blocks(vendor, "father")},{_parent_blocks(vendor, "mother")},
    enrolled AND stage <> 'none' AS in_school
  FROM facts
),
categories AS (
  SELECT *,
    father_gone AND mother_gone AS orphan,
    NOT (father_gone AND mother_gone) AND ((father_unable AND mother_unable)
      OR (father_away_or_missing AND mother_unable) OR (father_unable AND mother_away_or_missing))
      AS de_facto_unsupported,
    serious_illness AS seriously_ill,
    COALESCE(disability_grade BETWEEN 1 AND 2, FALSE) AS severely_disabled,
    abuse OR neglect OR abandoned
      OR ((father_status IN ('imprisoned', 'drug_rehab', 'detained') OR mother_status IN
        ('imprisoned', 'drug_rehab', 'detained')) AND NOT father_alive AND NOT mother_alive AND NOT guardian_able)
      AS guardianship_at_risk
  FROM blocks
),
measures AS (  -- every category and measure requires age < 18
  SELECT *,
    orphan OR de_facto_unsupported OR low_income OR extreme_poverty OR temporary_hardship OR seriously_ill
      OR disabled OR guardianship_at_risk AS in_difficulty,
    low_income OR extreme_poverty OR temporary_hardship OR orphan OR de_facto_unsupported AS econ_difficult
  FROM categories WHERE age < 18
)
{codes}"""


def _result_tables_like_the_products() -> dict[str, str]:
    """Empty copies of the results tables (eligibility, eligibilitychange) with the same columns,
    indexes, checks, foreign keys and triggers as the database has them now, for the floor to write into.
    Returns product table → copy."""
    from django.db import connection

    copies = {
        "eligibility_eligibility": "bench_eligibility",
        "eligibility_eligibilitychange": "bench_eligibilitychange",
    }
    with connection.cursor() as cursor:
        for source, target in copies.items():
            cursor.execute(f"DROP TABLE IF EXISTS {target}")
            if connection.vendor == "postgresql":
                cursor.execute(f"CREATE TABLE {target} (LIKE {source} INCLUDING ALL)")  # not the foreign keys:
                cursor.execute(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f'",
                    [source],
                )
                for (definition,) in cursor.fetchall():
                    cursor.execute(f"ALTER TABLE {target} ADD {definition}")
                # ...nor the triggers (on PostgreSQL the references are checked per statement by triggers).
                cursor.execute(
                    "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass "
                    "AND NOT tgisinternal",
                    [source],
                )
                for name, definition in cursor.fetchall():
                    definition = re.sub(rf" ON (public\.)?{source} ", f" ON {target} ", definition)
                    cursor.execute(definition.replace(f"TRIGGER {name} ", f"TRIGGER bench_{name} ", 1))
            else:
                cursor.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL "
                               "ORDER BY type DESC", [source])  # fmt: skip
                for kind, name, sql in cursor.fetchall():
                    sql = sql.replace(f'"{source}"', f'"{target}"')
                    cursor.execute(sql.replace(f'"{name}"', f'"bench_{name}"') if kind == "index" else sql)
    return copies


def _drop(*tables: str) -> None:
    for table in tables:
        raw(f"DROP TABLE IF EXISTS {table}")


def hand_counts() -> dict[str, int]:
    """Floor (a1): every rule's answers for the county, counted per code (nothing stored)."""
    from django.db import connection

    answers = hand_answers_sql(connection.vendor)
    return dict(raw(f"SELECT code, COUNT(*) FROM ({answers}) a GROUP BY code", {"d": AS_OF}))


def hand_store(copies: dict[str, str], run_id: int) -> int:
    """Floor (a2): the same answers, and the writes screening does, in one transaction: results no
    longer found are closed (a change `lost`), results newly found are opened (a change `gained`)."""
    from django.db import connection, transaction

    eligibility, change = copies["eligibility_eligibility"], copies["eligibility_eligibilitychange"]
    params: dict[str, Any] = {"d": AS_OF, "run": run_id}
    found = "SELECT 1 FROM bench_answers a WHERE a.child_id = e.child_id AND a.code = e.code"
    not_found = f"e.until IS NULL AND NOT EXISTS ({found})"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE bench_answers AS {hand_answers_sql(connection.vendor)}", params)
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE bench_answers")  # a new table has no statistics
        cursor.execute(
            f"INSERT INTO {change} (run_id, child_id, code, change) "
            f"SELECT %(run)s, e.child_id, e.code, 'lost' FROM {eligibility} e WHERE {not_found}",
            params,
        )
        cursor.execute(
            f"UPDATE {eligibility} SET until = %(d)s, ended_by_id = %(run)s "
            f"WHERE id IN (SELECT e.id FROM {eligibility} e WHERE {not_found})",
            params,
        )
        # What is left is what was gained. (Not `INSERT … WHERE NOT EXISTS` on the table being
        # written: PostgreSQL would read every row the statement had added so far for each probe.)
        cursor.execute(
            f"DELETE FROM bench_answers WHERE EXISTS (SELECT 1 FROM {eligibility} e WHERE e.until IS NULL "
            "AND e.child_id = bench_answers.child_id AND e.code = bench_answers.code)"
        )
        cursor.execute(
            f"INSERT INTO {change} (run_id, child_id, code, change) "
            f"SELECT %(run)s, a.child_id, a.code, 'gained' FROM bench_answers a",
            params,
        )
        cursor.execute(
            f"INSERT INTO {eligibility} (child_id, code, since, rule_version, found_by_id) "
            f"SELECT a.child_id, a.code, %(d)s, 1, %(run)s FROM bench_answers a",
            params,
        )
        gained = cursor.rowcount
        cursor.execute("DROP TABLE bench_answers")
    return gained


def _differences(ours: str, theirs: str, columns: str = "child_id, code") -> list[tuple[Any, ...]]:
    """Rows of one query missing from the other, both ways (at most 10 each), marked by side."""

    def missing(a: str, b: str, side: str) -> str:
        return (f"SELECT * FROM (SELECT '{side}', {columns} FROM (SELECT {columns} FROM ({a}) a "
                f"EXCEPT SELECT {columns} FROM ({b}) b) d LIMIT 10) {side.replace(' ', '_')}")  # fmt: skip

    return raw(f"{missing(ours, theirs, 'floor only')} UNION ALL {missing(theirs, ours, 'engine only')}", {"d": AS_OF})


def check_floor_agrees(copies: dict[str, str], run_id: int) -> None:
    """The floor's answers and writes must be the engine's, row for row: else the benchmark stops."""
    from django.db import connection

    stored = "SELECT child_id, code FROM eligibility_eligibility WHERE until IS NULL"
    problems = {
        "answers": _differences(hand_answers_sql(connection.vendor), stored),
        "results stored": _differences(f"SELECT child_id, code FROM {copies['eligibility_eligibility']}", stored),
        "changes stored": _differences(
            f"SELECT child_id, code, change FROM {copies['eligibility_eligibilitychange']}",
            f"SELECT child_id, code, change FROM eligibility_eligibilitychange WHERE run_id = {int(run_id)}",
            "child_id, code, change",
        ),
    }
    wrong = {what: rows for what, rows in problems.items() if rows}
    if wrong:
        raise SystemExit(f"screening floor and engine disagree (first rows): {wrong}")


def bench_screening(children_count: int, runs: int) -> None:
    from shouhu.eligibility.rules import ruleset_on
    from shouhu.eligibility.screening import run_screening, screened_codes, screening_request
    from shouhu.registry.generator import COUNTY_CODE
    from shouhu.registry.models import Child, ChildStatus
    from shouhu.registry.selectors import situations

    ruleset = ruleset_on(AS_OF)
    children = Child.objects.filter(region_code__startswith="210522", status=ChildStatus.ACTIVE)
    n = children.count()
    codes = screened_codes(ruleset)
    assert sorted(code for code, _ in RULES_BY_HAND) == codes, "the floor names other codes than the rules in force"

    def clear() -> None:
        from django.db import connection

        empty("eligibility_eligibilitychange", "eligibility_eligibility")
        if connection.vendor == "postgresql":
            # Else every run after the first scans the dead rows of the runs before (nothing
            # autovacuums between runs): the benchmark would measure the bloat it made.
            raw("VACUUM ANALYZE eligibility_eligibilitychange, eligibility_eligibility")

    def screen() -> Any:
        return run_screening(screening_request(actor=None, region_code=COUNTY_CODE, as_of=AS_OF))

    full, full_cpu, full_note, run = timed_work(screen, runs, before=clear)
    report(f"screening: run_screening, {len(codes)} rules, stored", full, n,
           note=f"{sum(run.counts.values())} results; {full_note}")  # fmt: skip
    first_run_id = run.pk
    # The usual case afterwards: the same run again, every result already open, nothing changes.
    again, _, again_note, rerun = timed_work(screen, runs)
    report("screening: run_screening again (results in place)", again, n,
           note=f"gained {rerun.gained}, lost {rerun.lost}; {again_note}")  # fmt: skip

    # Floor (a): hand-written SQL for all 33 rules — (a1) the answers only, (a2) with the same writes
    # into tables shaped like the product's (emptied before each run, as the product's are).
    a1, a1_cpu, a1_note, hand = timed_work(hand_counts, runs)
    if hand != {code: count for code, count in run.counts.items() if count}:
        raise SystemExit(f"screening floor counts differ from the run's: {hand} vs {run.counts}")
    report(f"screening floor (a1): hand SQL, all {len(codes)} rules, counted", a1, n,
           note=f"{sum(hand.values())} answers; {a1_note}")  # fmt: skip
    copies = _result_tables_like_the_products()

    def clear_copies() -> None:
        empty(*reversed(copies.values()))
        from django.db import connection

        if connection.vendor == "postgresql":
            raw(f"VACUUM ANALYZE {', '.join(copies.values())}")

    try:  # the copies use the product's trigger functions: never leave them behind
        a2, a2_cpu, a2_note, stored = timed_work(lambda: hand_store(copies, first_run_id), runs, before=clear_copies)
        check_floor_agrees(copies, first_run_id)
    finally:
        _drop(*copies.values())
    report(f"screening floor (a2): hand SQL, all {len(codes)} rules, + same writes", a2, n,
           note=f"{stored} results and as many changes written; {a2_note}")  # fmt: skip
    report("screening: run_screening vs floor (a1), answers only", full, n, a1,
           note=f"cpu {full_cpu / a1_cpu:.2f}× the floor's")  # fmt: skip
    report("screening: run_screening vs floor (a2), same writes", full, n, a2,
           note=f"cpu {full_cpu / a2_cpu:.2f}× the floor's")  # fmt: skip

    # The figure of earlier sessions, kept for continuity: five simple rules by hand, scaled to 33.
    picked = [c for c in HAND_SQL if c in ruleset.rules]
    hand5, _, hand_note, answers = timed_work(lambda: {c: hand_sql(c) for c in picked}, runs)
    engine, _, engine_note, engine_answers = timed_work(
        lambda: {c: set(ruleset.matching(c, AS_OF, children).values_list("pk", flat=True)) for c in picked}, runs
    )
    agree = all(answers[c] == engine_answers[c] for c in picked)
    counts = ", ".join(f"{c}={len(answers[c])}" for c in picked)
    report(f"screening floor (old): hand SQL for {', '.join(picked)}", hand5, n, note=f"{counts}; {hand_note}")
    report("screening: engine EXISTS queries for the same rules", engine, n, hand5,
           note=f"answers agree: {agree}; {engine_note}")  # fmt: skip
    scaled = hand5 / len(picked) * len(codes)
    report(f"screening: run_screening vs 5-rule hand SQL scaled to {len(codes)}", full, n, scaled,
           note=f"floor {scaled:.1f} s = {hand5:.2f} s / {len(picked)} × {len(codes)}")  # fmt: skip

    sample = min(10_000, n)

    def in_memory() -> int:
        done = 0
        for _, record in situations(
            children.filter(pk__in=list(children.values_list("pk", flat=True)[:sample])), AS_OF
        ):
            ruleset.decide(record, AS_OF)
            done += 1
        return done

    memory, _, memory_note, done = timed_work(in_memory, runs)
    extrapolated = memory / done * n
    report(f"screening (b): in-memory evaluator, {done} sampled → {n}", extrapolated, n, full,
           note=f"sample {memory:.1f} s ({memory_note}), extrapolated; ratio = in-memory / run_screening")  # fmt: skip


# -- duplicates -------------------------------------------------------------------------------


def bench_duplicates(runs: int) -> None:
    from shouhu.registry import duplicates
    from shouhu.registry.models import Child

    n = Child.objects.filter(region_code__startswith="210522", status="active").count()

    def floor() -> int:
        return len(raw(
            "SELECT birth_date, sex, name, COUNT(*) FROM registry_child WHERE region_code LIKE %s "
            "AND status = 'active' GROUP BY birth_date, sex, name HAVING COUNT(*) > 1", ["210522%"],
        ))  # fmt: skip

    f_time, f_cpu, f_note, groups = timed_work(floor, runs)
    report("duplicates floor: exact-key GROUP BY", f_time, n, note=f"{groups} groups; {f_note}")
    # A first scan: the queue emptied before each run, so every pair found is written.
    s_time, s_cpu, s_note, queued = timed_work(
        duplicates.scan, runs, before=lambda: empty("registry_duplicatecandidate")
    )
    report("duplicates: scan()", s_time, n, f_time,
           note=f"{queued} pairs queued; {s_note}; cpu {s_cpu / f_cpu:.1f}× the floor's")  # fmt: skip
    # The daily job afterwards: the same pairs found again, all already queued.
    r_time, r_cpu, r_note, again = timed_work(duplicates.scan, runs)
    report("duplicates: scan() again (pairs already queued)", r_time, n, f_time,
           note=f"{again} new; {r_note}; cpu {r_cpu / f_cpu:.1f}× the floor's")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="import,screening,duplicates")
    parser.add_argument("--database", default=os.environ.get("SHOUHU_BENCH_DATABASE", "shouhu_bench"),
                        help="scratch PostgreSQL database (dropped and recreated); default shouhu_bench")  # fmt: skip
    args = parser.parse_args()
    only = set(args.only.split(","))
    data_dir = Path(tempfile.mkdtemp(prefix="shouhu-bench-"))
    setup_django(data_dir, args.database if args.backend == "postgresql" else None)
    import django
    from django.core.management import call_command
    from django.utils import timezone

    global AS_OF
    AS_OF = timezone.localdate()

    print(f"{args.backend}: {args.children} children, {args.import_rows} import rows, median of {args.runs}; "
          f"data in {data_dir}; load {load():.2f}; Django {django.get_version()}")  # fmt: skip
    if "import" in only:
        bench_import(data_dir, args.import_rows, args.runs)
    if only & {"screening", "duplicates"}:
        started = time.perf_counter()
        call_command("demo", "generate", children=args.children, seed=SEED)
        report("setup: shouhu demo generate", time.perf_counter() - started, args.children)
        raw("ANALYZE")
    if "screening" in only:
        bench_screening(args.children, args.runs)
    if "duplicates" in only:
        bench_duplicates(args.runs)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    parts = "" if only >= {"import", "screening", "duplicates"} else "-" + "-".join(sorted(only))
    target = out / f"{args.backend}-{args.children}{parts}.json"
    target.write_text(json.dumps({"backend": args.backend, "children": args.children, "runs": args.runs,
                                  "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                                  "results": RESULTS}, ensure_ascii=False, indent=1))  # fmt: skip
    print(f"→ {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
