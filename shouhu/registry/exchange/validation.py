"""Validating a roster (the preview): nothing is written.

`validate_file` reads the stored file row by row (`reading.iter_source`), validates every row with
`format.parse_record` against the region codes loaded once, checks the importing user's
jurisdiction (`may_register_in`, once per region) and duplicate ID numbers within the file, and
looks up children already on record set-based: blind indexes of a chunk of rows, one query per
chunk (children found are then loaded with their circumstances for `services.planned_changes`).
No query per row. The result lists errors by row and field, the new rows and, for each update, its
changes. With `records=`, the valid records are also kept, sealed, for the commit
(`sealed_records`).
"""

from __future__ import annotations

import datetime
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from shouhu.access import Capability, children_in_scope, may_register_in, require
from shouhu.accounts.models import User
from shouhu.core import crypto
from shouhu.core.dates import today
from shouhu.regions.models import Level, Region

from ..facts import Fact, fact_valid_from, facts_from_record
from ..identity import mask_id_number
from ..labels import change_label
from ..models import Child, Kind
from ..record_keys import RECORD_KEY, county_code, parse_key
from ..services import planned_changes
from . import sealed_records
from .bulk import fewer_collections
from .format import ChildRecord, FieldError, parse_record
from .reading import WHOLE_ROW, SourceRow, iter_source, path_sha256

LOOKUP_CHUNK = 1000  # rows per existing-children query
PROGRESS_EVERY = 1000
KIND_PATHS = {
    "low_income": "household.low_income",
    "extreme_poverty": "household.extreme_poverty",
    "temporary_hardship": "household.temporary_hardship",
    "father": "parents.father.status",
    "mother": "parents.mother.status",
    "guardian": "guardian.relationship",
    "disability": "disability.type",
    "serious_illness": "serious_illness",
    "schooling": "schooling.stage",
    "living_arrangement": "living_arrangement",
    "migrant": "migrant",
    "left_behind": "left_behind",
    "abuse": "safety.abuse",
    "neglect": "safety.neglect",
    "abandoned": "safety.abandoned",
}
Progress = Callable[[int], None]


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        return f"第 {self.row} 行「{self.field}」：{self.message}"


@dataclass
class UpdatePlan:
    row: int
    child_id: int
    version: int
    name: str
    masked: str
    changes: list[dict[str, str]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "child_id": self.child_id,
            "version": self.version,
            "name": self.name,
            "masked": self.masked,
            "changes": self.changes,
        }


@dataclass
class Validation:
    fmt: str
    as_of: datetime.date
    rows: int = 0
    new: int = 0
    unchanged: list[int] = field(default_factory=list)
    updates: list[UpdatePlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors and self.rows > 0

    def plan(self) -> dict[str, Any]:
        return {
            "updates": {str(u.row): [u.child_id, u.version] for u in self.updates},
            "unchanged": self.unchanged,
        }

    def summary_lines(self) -> list[str]:
        lines = [
            f"数据行：{self.rows}；新增：{self.new}；更新：{len(self.updates)}；无变化：{len(self.unchanged)}；"
            f"有错误的行：{self.error_rows}"
        ]
        for update in self.updates:
            lines.append(f"第 {update.row} 行 更新 {update.name}（{update.masked}）：")
            lines.extend(f"  {c['field']}：{c['before']} → {c['after']}" for c in update.changes)
        lines.extend(str(e) for e in self.errors)
        return lines


class Scope:
    """What the importing user may write, loaded once: every region (code → Region), and whether
    the user may register a child in each (asked once per region)."""

    def __init__(self, actor: User | None) -> None:
        self.actor = actor
        self.regions = {r.code: r for r in Region.objects.all()}
        self._allowed: dict[str, bool] = {}

    def may_register(self, region: Region) -> bool:
        if self.actor is None:  # the system (CLI without --as): the whole county
            return True
        if region.code not in self._allowed:
            self._allowed[region.code] = may_register_in(self.actor, region)
        return self._allowed[region.code]

    def visible(self) -> QuerySet[Child]:
        return children_in_scope(self.actor)

    def region_errors(self, record: ChildRecord) -> list[FieldError]:
        region = self.regions[record.region_code]
        if region.level != Level.VILLAGE:
            return [FieldError("region_code", f"{region.name}（{region.code}）不是村（社区），请填写到村（社区）一级")]
        if not self.may_register(region):
            return [FieldError("region_code", f"{region.name}（{region.code}）不在您的辖区内，不能导入")]
        return []


def check_row(src: SourceRow, scope: Scope, on: datetime.date) -> tuple[ChildRecord | None, list[FieldError]]:
    """One row through the exchange validator and the scope checks; errors name the user's
    field (the column header, or the exchange path with its Chinese name)."""
    errors = list(src.errors)
    if src.obj is None:
        return None, errors
    record, problems = parse_record(src.obj, known_regions=scope.regions, today=on)
    if problems:
        named = {e.field for e in errors}
        for problem in problems:
            name = src.field_name(problem.field)
            if name not in named:  # the column was already reported when it was converted
                errors.append(FieldError(name, src.message(problem.message)))
    if record is not None and not errors:
        problems = scope.region_errors(record)
        if problems:  # the usual row has none: no generator to build
            errors.extend(FieldError(src.field_name(e.field), e.message) for e in problems)
    return (record if not errors else None), errors


def update_conflicts(child: Child, record: ChildRecord, on: datetime.date) -> list[tuple[str, str]]:
    """(kind, message) for changes `services.child_update` would refuse on `on`: a fact whose open
    record starts on or after the new one's start (e.g. changed twice on the same day)."""
    open_rows = {row.kind: row for row in child.circumstances.all() if row.valid_to is None}
    wanted = facts_from_record(record)
    conflicts = []
    for kind in Kind.values:
        row = open_rows.get(kind)
        new = wanted.get(kind)
        if row is None or Fact.of(row) == new:
            continue
        start = fact_valid_from(kind, new, on) if new else on
        if row.valid_from >= start:
            conflicts.append(
                (
                    kind,
                    f"已有 {row.valid_from} 起的记录，新情况的起始日期 {start} 必须晚于它；"
                    "如是原记录有误，请在儿童页面更正",
                )
            )
    return conflicts


class _SeenNumbers:
    """The file's ID numbers so far, for 「与第 N 行的身份证号重复」 with less memory: a set of the
    numbers packed into integers (17 digits and the check character) and each number's first row
    in two arrays — ~90 MB for a million rows against ~140 MB for a dictionary of the strings. The
    arrays are searched only when a number comes again (after many repeats, one dictionary of
    them all instead)."""

    REPEATS_BEFORE_INDEX = 1000

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.numbers = array("q")
        self.rows = array("q")
        self.repeats = 0
        self.first: dict[int, int] | None = None

    def first_row(self, number: str, row: int) -> int:
        """The row where `number` (a valid, normalised ID number) first came; `row` if new."""
        key = int(number[:17]) * 11 + (10 if number[17] == "X" else int(number[17]))
        if key not in self.seen:
            self.seen.add(key)
            self.numbers.append(key)
            self.rows.append(row)
            if self.first is not None:
                self.first[key] = row
            return row
        self.repeats += 1
        if self.first is None and self.repeats > self.REPEATS_BEFORE_INDEX:
            self.first = {}
            for k, r in zip(self.numbers, self.rows, strict=True):
                self.first.setdefault(k, r)
        if self.first is not None:
            return self.first[key]
        return self.rows[self.numbers.index(key)]


@dataclass
class _Pending:
    row: int
    record: ChildRecord
    src: SourceRow


def validate_file(
    path: Path,
    *,
    fmt: str,
    actor: User | None,
    on: datetime.date | None = None,
    on_progress: Progress | None = None,
    records: Path | None = None,
) -> Validation:
    """Validate a whole file without writing anything. Raises ImportFileError when the file cannot
    be read at all; row problems are in the result's `errors`.

    With `records`, the valid records are also kept there, sealed (sealed_records.py), for
    `commit_file(..., records=...)` to use instead of reading the file again; the file is removed
    again when any row has an error or the upload changed while it was read."""
    if actor is not None:
        require(actor, Capability.IMPORT_CHILDREN)
    on = on or today()
    scope = Scope(actor)
    result = Validation(fmt=fmt, as_of=on)
    seen = _SeenNumbers()
    pending: list[_Pending] = []
    sha = path_sha256(path) if records is not None else ""
    keep = sealed_records.RecordWriter(records, records_context(sha, fmt, on, actor)) if records is not None else None

    def add(row: int, errors: list[FieldError]) -> None:
        result.errors.extend(RowError(row, e.field, e.message) for e in errors)

    def flush() -> None:
        if pending:
            _classify(pending, scope, on, result, add)
            pending.clear()

    keyed = _KeyedRows(scope, on, result, add)

    with fewer_collections():  # many short-lived objects a row: see bulk.fewer_collections
        try:
            for src in iter_source(path, fmt):
                if src.is_header:
                    add(src.number, src.errors)
                    continue
                result.rows += 1
                record, errors = check_row(src, scope, on)
                if record is not None and record.id_number:
                    first = seen.first_row(record.id_number, src.number)
                    if first != src.number:
                        errors.append(FieldError(src.field_name("id_number"), f"与第 {first} 行的身份证号重复"))
                if errors or record is None:
                    add(src.number, errors)
                else:
                    if keep is not None and not result.errors:
                        keep.add(src.number, record)
                    key = src.obj.get(RECORD_KEY) if src.obj is not None else None
                    if key is not None:  # an exported record: update the child it names
                        keyed.take(src.number, str(key), record, src)
                        if len(keyed.items) >= LOOKUP_CHUNK:
                            keyed.flush()
                    elif record.id_number:
                        pending.append(_Pending(src.number, record, src))
                        if len(pending) >= LOOKUP_CHUNK:
                            flush()
                    else:
                        result.new += 1
                if on_progress is not None and result.rows % PROGRESS_EVERY == 0:
                    on_progress(result.rows)
            flush()
            keyed.flush()
        except BaseException:
            if keep is not None:
                keep.discard()
            raise
    if keep is not None:
        if result.errors or result.rows == 0 or path_sha256(path) != sha:
            keep.discard()
        else:
            keep.close()
    if result.rows == 0 and not result.errors:
        result.errors.append(RowError(1, WHOLE_ROW, "文件中没有数据行"))
    result.errors.sort(key=lambda e: e.row)
    result.updates.sort(key=lambda u: u.row)
    result.unchanged.sort()
    if on_progress is not None:
        on_progress(result.rows)
    return result


def records_context(sha: str, fmt: str, on: datetime.date, actor: User | None) -> bytes:
    return sealed_records.context(sha256=sha, fmt=fmt, as_of=on, actor_id=actor.pk if actor else None)


def _classify(
    pending: list[_Pending],
    scope: Scope,
    on: datetime.date,
    result: Validation,
    add: Callable[[int, list[FieldError]], None],
) -> None:
    """New or update, for a chunk of valid rows with ID numbers: one lookup by blind index."""
    cipher = crypto.current_cipher()
    by_index = {cipher.blind_index(p.record.id_number or ""): p for p in pending}
    found = registered(list(by_index))
    if not found:  # the usual case in a roster of new children: no model instances at all
        result.new += len(pending)
        return
    existing = list(Child.objects.filter(pk__in=found.values()).prefetch_related("circumstances"))
    visible = set(scope.visible().filter(pk__in=[c.pk for c in existing]).values_list("pk", flat=True))
    for child in existing:
        item = by_index[child.id_number_index or ""]
        src = item.src
        if child.pk not in visible:
            add(
                item.row,
                [FieldError(src.field_name("id_number"), "该身份证号已登记在您辖区以外的儿童名下，不能在此导入")],
            )
            continue
        conflicts = update_conflicts(child, item.record, on)
        if conflicts:
            add(item.row, [FieldError(src.field_name(KIND_PATHS[k]), m) for k, m in conflicts])
            continue
        changes = planned_changes(child, item.record, on=on)
        if not changes:
            result.unchanged.append(item.row)
            continue
        result.updates.append(
            UpdatePlan(
                row=item.row,
                child_id=child.pk,
                version=child.version,
                name=child.name,
                masked=child.id_number_masked,
                changes=[{"field": change_label(c.kind), "before": c.before, "after": c.after} for c in changes],
            )
        )
    result.new += len(pending) - len(existing)


class _KeyedRows:
    """Rows that carry an exported record's 登记编号 (`record_keys.py`): each updates the child it
    names — with or without an ID number — set-based, one query per chunk. A key of another county,
    a record the importing user may not see (or that does not exist: the same words, so nothing is
    revealed), a key twice in the file, or an ID number that belongs to another child is an error
    naming the row."""

    def __init__(
        self, scope: Scope, on: datetime.date, result: Validation, add: Callable[[int, list[FieldError]], None]
    ) -> None:
        self.scope, self.on, self.result, self.report = scope, on, result, add
        self.items: list[tuple[_Pending, str]] = []
        self.first_row: dict[int, int] = {}  # record id → the row that named it first
        self._county: str | None = None

    def take(self, row: int, key: str, record: ChildRecord, src: SourceRow) -> None:
        self.items.append((_Pending(row, record, src), key))

    @property
    def county(self) -> str:
        if self._county is None:
            self._county = county_code()
        return self._county

    def flush(self) -> None:
        if not self.items:
            return
        wanted: dict[int, tuple[_Pending, str]] = {}
        for item, key in self.items:
            field_name = item.src.field_name(RECORD_KEY)
            county, pk = parse_key(key) or ("", 0)
            if county != self.county:
                self.add_error(item.row, field_name, f"{key} 是其他县（区）系统的登记编号，不能在本县导入")
            elif pk in self.first_row or pk in wanted:
                first = self.first_row.get(pk) or wanted[pk][0].row
                self.add_error(item.row, field_name, f"与第 {first} 行的登记编号重复")
            else:
                wanted[pk] = (item, key)
        self.items.clear()
        if not wanted:
            return
        for pk, (item, _key) in wanted.items():
            self.first_row[pk] = item.row
        children = self.scope.visible().filter(pk__in=list(wanted)).prefetch_related("circumstances")
        found = {child.pk: child for child in children}
        by_number = registered(
            [crypto.blind_index(item.record.id_number) for item, _ in wanted.values() if item.record.id_number]
        )
        for pk, (item, key) in wanted.items():
            child = found.get(pk)
            if child is None:
                self.add_error(
                    item.row,
                    item.src.field_name(RECORD_KEY),
                    f"{key} 不在您的辖区内或不存在；新登记的儿童请将登记编号留空",
                )
                continue
            if item.record.id_number:
                owner = by_number.get(crypto.blind_index(item.record.id_number))
                if owner is not None and owner != child.pk:
                    self.add_error(item.row, item.src.field_name("id_number"), "该身份证号已属于另一名儿童")
                    continue
            self.plan(item, child)

    def add_error(self, row: int, field_name: str, message: str) -> None:
        self.report(row, [FieldError(field_name, message)])

    def plan(self, item: _Pending, child: Child) -> None:
        conflicts = update_conflicts(child, item.record, self.on)
        if conflicts:
            self.report(item.row, [FieldError(item.src.field_name(KIND_PATHS[k]), m) for k, m in conflicts])
            return
        changes = [
            {"field": change_label(c.kind), "before": c.before, "after": c.after}
            for c in planned_changes(child, item.record, on=self.on)
        ]
        if (item.record.id_number or None) != (child.id_number or None):
            changes.insert(
                0,
                {
                    "field": "身份证号",
                    "before": child.id_number_masked or "无",
                    "after": mask_id_number(item.record.id_number) if item.record.id_number else "无",
                },
            )
        if not changes:
            self.result.unchanged.append(item.row)
            return
        self.result.updates.append(
            UpdatePlan(
                row=item.row,
                child_id=child.pk,
                version=child.version,
                name=child.name,
                masked=child.id_number_masked,
                changes=changes,
            )
        )


def registered(indexes: list[str]) -> dict[str, int]:
    """Blind index → child id for the given indexes already on record: one query. PostgreSQL takes
    them as one array parameter (`= ANY(%s)`: one value to send and to parse, where a thousand
    placeholders cost the client and the server a parameter each); SQLite, written out (the ORM's
    `__in` prepares each of a thousand parameters on its own)."""
    if not indexes:
        return {}
    table = connection.ops.quote_name(Child._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT id_number_index, id FROM {table} WHERE id_number_index = ANY(%s)", [indexes])  # noqa: S608
        else:
            marks = ", ".join(["%s"] * len(indexes))
            cursor.execute(f"SELECT id_number_index, id FROM {table} WHERE id_number_index IN ({marks})", indexes)  # noqa: S608
        return dict(cursor.fetchall())
