"""Screening: the registry (set-based, stored, with changes) and exchange-format files."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.core import audit, dbstats
from shouhu.regions.models import prefix_of_code
from shouhu.registry.exchange.format import ChildRecord, parse_record
from shouhu.registry.models import Child, ChildStatus, Circumstance

from .engine import Context, RuleSet
from .models import ChangeKind, Eligibility, EligibilityChange, RuleKind, RunState, ScreeningPart, ScreeningRun
from .rules import parameters_on, rule_versions_on, ruleset_on
from .vocabulary import fact_columns

Progress = Callable[[int, int], None]


def screened_codes(ruleset: RuleSet) -> list[str]:
    return sorted(code for code, rule in ruleset.rules.items() if rule.kind != RuleKind.BLOCK)


@transaction.atomic
def screening_request(*, actor: User | None, region_code: str, as_of: datetime.date) -> ScreeningRun:
    run = ScreeningRun.objects.create(
        as_of=as_of, region_code=region_code, region_prefix=prefix_of_code(region_code), requested_by=actor
    )
    audit.record(
        actor=actor, action="screening.request", target=run, summary=f"发起筛查：{region_code}，基准日 {as_of}"
    )
    return run


# ---------------------------------------------------------------------------------------------
# Runs in township-sized parts (issue 7)
#
# A run is split into parts, one per township under its region (or one, for a township or a
# village). Each part is screened in ONE transaction, entirely in SQL: one pass over the part's
# circumstances in force writes a facts row per child into a temporary table, one statement writes
# every rule's matching children into another (each rule compiled to an expression over the facts
# row, `RuleSet.row`), then three statements compare them with the open results — gained, lost,
# closed — so no child id crosses into Python. Parts may run in any worker at once; a part that dies
# rolls back and is taken again.

MATCH_TABLE = "shouhu_screening_match"
FACTS_TABLE = "shouhu_screening_facts"
TOWNSHIP_DIGITS = 9


def part_prefixes(region_prefix: str) -> list[str]:
    """The township prefixes under a region that have children on record (all children, not only
    active ones: a child who left still has open results to close)."""
    from django.db.models.functions import Substr

    if len(region_prefix) >= TOWNSHIP_DIGITS:
        return [region_prefix]
    return sorted(
        Child.objects.filter(region_code__startswith=region_prefix)
        .order_by()
        .annotate(township=Substr("region_code", 1, TOWNSHIP_DIGITS))
        .values_list("township", flat=True)
        .distinct()
    )


def plan_parts(run: ScreeningRun) -> list[ScreeningPart]:
    """Record the rules in force and split the run into parts (idempotent). A run with nothing on
    record under its region is finished at once."""
    with transaction.atomic():
        run = ScreeningRun.objects.select_for_update(no_key=True).get(pk=run.pk)  # see _complete_if_last
        if run.parts.exists() or run.state != RunState.QUEUED:
            return list(run.parts.all())
        prefixes = part_prefixes(run.region_prefix)
        # Every part is planned from the registry's statistics; a bulk write may have left them
        # stale (14.5 min instead of 40 s for 100,000 children: docs/performance.md).
        dbstats.analyze_stale([Child, Circumstance])
        run.rule_versions = {code: v.version for code, v in rule_versions_on(run.as_of).items()} | {
            f"${name}": value for name, value in parameters_on(run.as_of).items()
        }
        run.children_screened = Child.objects.filter(
            region_code__startswith=run.region_prefix, status=ChildStatus.ACTIVE
        ).count()
        run.state, run.started_at = RunState.RUNNING, timezone.now()
        run.progress_total, run.progress_done = len(prefixes), 0
        run.save()
        lease = _lease_from_now()
        parts = ScreeningPart.objects.bulk_create(
            [ScreeningPart(run=run, region_prefix=p, lease_expires_at=lease) for p in prefixes]
        )
        if not parts:
            _complete_if_last(run.pk)
        return parts


def screen_part(part_id: int) -> ScreeningRun | None:
    """Screen one part. Returns the run when this part was the last one (the run is then done),
    else None — also when another attempt already finished the part."""
    if not _claim(part_id):
        return None
    try:
        with transaction.atomic():
            # Held until commit: a second attempt at the same part waits here, then finds it done.
            # Only the part's row: locking the joined run too would make parallel parts wait in turn.
            part = ScreeningPart.objects.select_for_update(of=("self",)).select_related("run").get(pk=part_id)
            if part.state == RunState.DONE:
                return None
            counts, gained, lost = _screen_prefix(part.run, part.region_prefix)
            screened = Child.objects.filter(
                region_code__startswith=part.region_prefix, status=ChildStatus.ACTIVE
            ).count()
            ScreeningPart.objects.filter(pk=part.pk).update(
                state=RunState.DONE, counts=counts, gained=gained, lost=lost, children_screened=screened,
                error="", finished_at=timezone.now(),
            )  # fmt: skip
            return _complete_if_last(part.run_id)
    except Exception as e:
        _part_failed(part_id, e)
        raise


def run_screening(run: ScreeningRun, *, on_progress: Progress | None = None) -> ScreeningRun:
    """Screen the run's region as of its date with the rules in force then, part after part in
    this process (workers take the parts in parallel instead: `tasks.screen_region`). Idempotent:
    a rerun only records what differs from the open results."""
    parts = plan_parts(run)
    try:
        for done, part in enumerate(parts, start=1):
            screen_part(part.pk)
            if on_progress:
                on_progress(done, len(parts))
    except Exception as e:
        ScreeningRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED, error=str(e)[:2000], finished_at=timezone.now()
        )
        raise
    run.refresh_from_db()
    return run


def requeue_expired_parts(now: datetime.datetime | None = None) -> list[int]:
    """Parts whose lease ran out without finishing (their worker died or hangs) go back on the
    queue; after SCREENING_PART_MAX_ATTEMPTS the part and its run fail. Returns the requeued ids."""
    from django.conf import settings

    from .tasks import screen_part_task

    now = now or timezone.now()
    requeued = []
    expired = ScreeningPart.objects.filter(
        state__in=(RunState.QUEUED, RunState.RUNNING), lease_expires_at__lt=now, run__state=RunState.RUNNING
    )
    for part_id in expired.values_list("pk", flat=True):
        with transaction.atomic():
            part = _locked_part(part_id, skip_locked=True)
            if part is None or part.state == RunState.DONE or part.lease_expires_at >= now:  # type: ignore[operator]
                continue
            if part.attempts >= settings.SCREENING_PART_MAX_ATTEMPTS:
                _fail(part, f"{part.attempts} 次尝试均未完成")
                continue
            ScreeningPart.objects.filter(pk=part.pk).update(state=RunState.QUEUED, lease_expires_at=_lease_from_now())
            screen_part_task.enqueue(part.pk)
            requeued.append(part.pk)
    return requeued


def _lease_from_now() -> datetime.datetime:
    from django.conf import settings

    return timezone.now() + datetime.timedelta(seconds=settings.SCREENING_PART_LEASE_SECONDS)


def _locked_part(part_id: int, *, skip_locked: bool = False) -> ScreeningPart | None:
    """The part's row, locked until commit — only its row: the parts' default ordering joins their
    run, and FOR UPDATE would lock the run too, waiting for every part in progress (each holds the
    run FOR KEY SHARE while it writes results that name it)."""
    return ScreeningPart.objects.select_for_update(of=("self",), skip_locked=skip_locked).filter(pk=part_id).first()


def _claim(part_id: int) -> bool:
    """Mark the part taken (committed at once, so the lease is visible while the work runs)."""
    with transaction.atomic():
        part = _locked_part(part_id)
        if part is None or part.state in (RunState.DONE, RunState.FAILED):
            return False
        ScreeningPart.objects.filter(pk=part_id).update(
            state=RunState.RUNNING, attempts=part.attempts + 1, lease_expires_at=_lease_from_now()
        )
        return True


def _part_failed(part_id: int, error: Exception) -> None:
    from django.conf import settings

    with transaction.atomic():
        part = _locked_part(part_id)
        if part is None:
            return
        if part.attempts >= settings.SCREENING_PART_MAX_ATTEMPTS:
            _fail(part, str(error))
        else:  # taken again once the lease runs out
            ScreeningPart.objects.filter(pk=part_id).update(state=RunState.QUEUED, error=str(error)[:2000])


def _fail(part: ScreeningPart, error: str) -> None:
    ScreeningPart.objects.filter(pk=part.pk).update(state=RunState.FAILED, error=error[:2000])
    ScreeningRun.objects.filter(pk=part.run_id).update(
        state=RunState.FAILED, error=f"{part.region_prefix}：{error}"[:2000], finished_at=timezone.now()
    )


def _complete_if_last(run_id: int) -> ScreeningRun | None:
    """Count the finished parts; when all are done, add up their results and finish the run."""
    # FOR NO KEY UPDATE, not FOR UPDATE: every other part in progress holds the run FOR KEY SHARE
    # (its results' reference check, until it commits); FOR UPDATE waited for them, and two parts
    # finishing at once deadlocked. Parts finishing still take turns here.
    run = ScreeningRun.objects.select_for_update(no_key=True).get(pk=run_id)
    parts = list(run.parts.values("state", "counts", "gained", "lost"))
    done = [p for p in parts if p["state"] == RunState.DONE]
    run.progress_done = len(done)
    if len(done) < len(parts) or run.state != RunState.RUNNING:
        run.save(update_fields=["progress_done"])
        return None
    counts: dict[str, int] = {}
    for part in done:
        for code, n in part["counts"].items():
            counts[code] = counts.get(code, 0) + n
    if not parts:
        counts = {code: 0 for code in screened_codes(ruleset_on(run.as_of))}
    run.counts = dict(sorted(counts.items()))
    run.gained, run.lost = sum(p["gained"] for p in done), sum(p["lost"] for p in done)
    run.state, run.finished_at = RunState.DONE, timezone.now()
    run.save()
    return run


def _screen_prefix(run: ScreeningRun, prefix: str) -> tuple[dict[str, int], int, int]:
    """Screen every child under `prefix` with every rule, store what changed. Returns the number of
    children matching each code, and how many results were gained and lost."""
    from django.db import connection

    ruleset = ruleset_on(run.as_of)
    codes = screened_codes(ruleset)
    children = Child.objects.filter(region_code__startswith=prefix, status=ChildStatus.ACTIVE).order_by()
    eligibility, change = Eligibility._meta.db_table, EligibilityChange._meta.db_table
    child_table = Child._meta.db_table
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            # The rules compile to wide expressions (docs/performance.md): compiling them to machine
            # code costs more than running them over one township's rows.
            cursor.execute("SET LOCAL jit = off")
        fill_facts(cursor, children, run.as_of)
        _fresh_match_table(cursor)
        counts = match_facts(cursor, ruleset, codes, run.as_of)
        if postgres:
            cursor.execute(f"ANALYZE {MATCH_TABLE}")
        # The part's children (all of them: a child who left still has open results to close). On
        # PostgreSQL as an array: the results table's statistics are stale while a run fills it
        # (a first run starts from none), and with `IN (subquery)` the planner then walked every
        # open result of the county for each part (1.7 s a part at 100,000 children, against 50 ms
        # probing `eligibility_one_open_per_code` with the part's ids).
        part_children = f"(SELECT id FROM {child_table} WHERE region_code LIKE %s)"
        in_part = f"= ANY(ARRAY{part_children})" if postgres else f"IN {part_children}"
        open_here = f"e.until IS NULL AND e.code IN ({', '.join(['%s'] * len(codes))}) AND e.child_id {in_part}"
        open_params = [*codes, prefix + "%"]
        not_matched = f"NOT EXISTS (SELECT 1 FROM {MATCH_TABLE} m WHERE m.child_id = e.child_id AND m.code = e.code)"
        cursor.execute(
            f"INSERT INTO {change} (run_id, child_id, code, change) "
            f"SELECT %s, e.child_id, e.code, %s FROM {eligibility} e WHERE {open_here} AND {not_matched}",
            [run.pk, ChangeKind.LOST, *open_params],
        )
        lost = cursor.rowcount
        cursor.execute(
            f"UPDATE {eligibility} SET until = %s, ended_by_id = %s WHERE id IN "
            f"(SELECT e.id FROM {eligibility} e WHERE {open_here} AND {not_matched})",
            [run.as_of, run.pk, *open_params],
        )
        # What is left in the match table after this is what was gained. (Inserting into a table
        # while an anti-join reads it can make PostgreSQL rescan the new rows for every probe.)
        cursor.execute(
            f"DELETE FROM {MATCH_TABLE} WHERE EXISTS (SELECT 1 FROM {eligibility} e WHERE e.until IS NULL "
            f"AND e.child_id = {MATCH_TABLE}.child_id AND e.code = {MATCH_TABLE}.code AND e.child_id {in_part})",
            [prefix + "%"],
        )
        cursor.execute(
            f"INSERT INTO {change} (run_id, child_id, code, change) "
            f"SELECT %s, m.child_id, m.code, %s FROM {MATCH_TABLE} m",
            [run.pk, ChangeKind.GAINED],
        )
        gained = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {eligibility} (child_id, code, since, rule_version, found_by_id) "
            f"SELECT m.child_id, m.code, %s, m.rule_version, %s FROM {MATCH_TABLE} m",
            [run.as_of, run.pk],
        )
        _empty(cursor, MATCH_TABLE)
    return counts, gained, lost


def fill_facts(cursor: Any, children: QuerySet[Child], as_of: datetime.date) -> None:
    """The connection's facts table (TEMP), emptied, then one row per child of `children`: identity
    columns plus, per kind, the row in force on `as_of` — the latest (valid_from, id) of those in
    force, as `registry.facts.in_force` picks it — pivoted into columns (vocabulary.fact_columns)."""
    from django.db import connection

    columns = fact_columns(connection.vendor)
    definitions = ", ".join(f"{c.name} {c.type}" for c in columns)
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {FACTS_TABLE} "
        f"(id bigint NOT NULL, birth_date date NOT NULL, sex varchar(10) NOT NULL, {definitions})"
    )
    _empty(cursor, FACTS_TABLE)
    child_sql, child_params = children.order_by().values("id", "birth_date", "sex").query.sql_with_params()
    ids_sql, ids_params = children.order_by().values("id").query.sql_with_params()
    circumstance = Circumstance._meta.db_table
    cursor.execute(
        f"INSERT INTO {FACTS_TABLE} (id, birth_date, sex, {', '.join(c.name for c in columns)}) "
        f"SELECT ch.id, ch.birth_date, ch.sex, {', '.join(c.pivot for c in columns)} "
        f"FROM ({child_sql}) ch LEFT JOIN ("
        "  SELECT r.child_id, r.kind, r.flag, r.status, r.detail, r.grade, r.since, r.until,"
        "    ROW_NUMBER() OVER (PARTITION BY r.child_id, r.kind ORDER BY r.valid_from DESC, r.id DESC) AS latest"
        f"  FROM {circumstance} r WHERE r.child_id IN ({ids_sql})"
        "    AND r.valid_from <= %s AND (r.valid_to IS NULL OR r.valid_to >= %s)"
        ") c ON c.child_id = ch.id AND c.latest = 1 "
        "GROUP BY ch.id, ch.birth_date, ch.sex",
        [*child_params, *ids_params, as_of, as_of],
    )


def match_facts(cursor: Any, ruleset: RuleSet, codes: list[str], as_of: datetime.date) -> dict[str, int]:
    """Every code's matching children from the facts table into the match table, in one statement.
    Returns how many children match each code."""
    selects, params = [], []
    for code in codes:
        row = ruleset.row(code, as_of)
        selects.append(f"SELECT f.id, %s, %s FROM {FACTS_TABLE} f WHERE {row.sql}")
        params += [code, ruleset.rules[code].version, *row.params]
    cursor.execute(f"INSERT INTO {MATCH_TABLE} (child_id, code, rule_version) " + " UNION ALL ".join(selects), params)
    counts = dict.fromkeys(codes, 0)
    cursor.execute(f"SELECT code, COUNT(*) FROM {MATCH_TABLE} GROUP BY code")
    counts.update(dict(cursor.fetchall()))
    return counts


def screen_facts(
    ruleset: RuleSet, as_of: datetime.date, children: QuerySet[Child]
) -> dict[int, tuple[list[str], list[str]]]:
    """The facts-row target on its own, without storing anything: child id → (categories, measures),
    like `engine.screen_database` (for tests and benchmarks)."""
    from django.db import connection

    codes = screened_codes(ruleset)
    decided: dict[int, tuple[list[str], list[str]]] = {pk: ([], []) for pk in children.values_list("pk", flat=True)}
    with connection.cursor() as cursor:
        fill_facts(cursor, children, as_of)
        _fresh_match_table(cursor)
        match_facts(cursor, ruleset, codes, as_of)
        cursor.execute(f"SELECT child_id, code FROM {MATCH_TABLE} ORDER BY code")
        for pk, code in cursor.fetchall():
            decided[pk][0 if ruleset.rules[code].kind == RuleKind.CATEGORY else 1].append(code)
        _empty(cursor, MATCH_TABLE)
    return decided


def _fresh_match_table(cursor: Any) -> None:
    """The connection's own scratch table (TEMP: private to the connection, never logged)."""
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {MATCH_TABLE} "
        "(child_id bigint NOT NULL, code varchar(40) NOT NULL, rule_version integer NOT NULL)"
    )
    cursor.execute(f"CREATE INDEX IF NOT EXISTS {MATCH_TABLE}_key ON {MATCH_TABLE} (child_id, code)")
    _empty(cursor, MATCH_TABLE)


def _empty(cursor: Any, table: str) -> None:
    """Empty a scratch table. On PostgreSQL by TRUNCATE: a DELETE leaves the dead rows (and index
    entries) behind, nothing vacuums temporary tables, and every later part of the connection would
    scan and probe them all again. SQLite's DELETE without WHERE truncates already."""
    from django.db import connection

    cursor.execute(f"{'TRUNCATE' if connection.vendor == 'postgresql' else 'DELETE FROM'} {table}")


# ---------------------------------------------------------------------------------------------
# Exchange-format files (`shouhu screen --input`)


@dataclass(frozen=True)
class FileLine:
    line: int
    record: ChildRecord | None
    errors: list[str]


def read_lines(lines: Iterable[str], *, known_regions: set[str] | None) -> Iterator[FileLine]:
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            yield FileLine(number, None, [f"不是有效的 JSON：{e.msg}（第 {e.colno} 列）"])
            continue
        record, errors = parse_record(obj, known_regions=known_regions)
        yield FileLine(number, record, [str(e) for e in errors])


def explain_codes(ruleset: RuleSet, record: ChildRecord, as_of: datetime.date, codes: Iterable[str]) -> dict[str, str]:
    ctx = Context(record, as_of, ruleset.params)
    memo: dict[str, bool] = {}
    return {code: ruleset.explanation(code, ctx, memo) for code in codes}


def output_object(
    ruleset: RuleSet, record: ChildRecord, as_of: datetime.date, categories: list[str], measures: list[str]
) -> dict[str, Any]:
    return {
        "id_number": record.id_number,
        "as_of": as_of.isoformat(),
        "categories": sorted(categories),
        "measures": sorted(measures),
        "explanations": explain_codes(ruleset, record, as_of, sorted(measures)),
    }


# ---------------------------------------------------------------------------------------------
# Additions for the screening UI. New functions only.

STALE_AFTER = datetime.timedelta(hours=2)


def screening_start(*, actor: User, region_code: str, as_of: datetime.date) -> ScreeningRun:
    """Start a background screening of a region in the actor's jurisdiction: the run and its task
    are written in one transaction (the task queue lives in the database, so there is never a run
    without its task or a task without its run). Refused while an overlapping run is unfinished."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from shouhu.access import Capability, jurisdiction, require
    from shouhu.regions.models import Region

    from .tasks import screen_region

    require(actor, Capability.RUN_SCREENING)
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise ValidationError({"region_code": f"「范围」：区划代码 {region_code} 不存在"})
    scope = jurisdiction(actor)
    if scope is None or not region.code.startswith(scope.prefix):
        raise PermissionDenied("只能筛查您辖区内的儿童")
    with transaction.atomic():
        busy = ScreeningRun.objects.select_for_update(no_key=True).filter(  # see _complete_if_last
            state__in=(RunState.QUEUED, RunState.RUNNING), created_at__gte=timezone.now() - STALE_AFTER
        )
        for other in busy:
            if other.region_prefix.startswith(region.prefix) or region.prefix.startswith(other.region_prefix):
                raise ValidationError(f"筛查 #{other.pk}（{other.region_code}）尚未完成，请等它完成后再发起")
        run = screening_request(actor=actor, region_code=region.code, as_of=as_of)
        screen_region.enqueue(run.pk)
    return run
