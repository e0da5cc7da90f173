"""Importing rosters: JSON Lines (the exchange format), .xlsx and .csv (the column layout).

Two passes over a stored file, both streaming:

1. `validate_file` reads row by row (JSON Lines line by line, Excel through `xlsx_reader` —
   python-calamine, a fragment of the sheet at a time for large files — CSV through the csv
   module), converts the layout's cells (`xlsx_layout.RowReader`), validates every row with
   `exchange.parse_record` against the region codes loaded once, checks the importing user's
   jurisdiction (`may_register_in`, once per region) and duplicate ID numbers within the file,
   and looks up children already on record set-based: blind indexes of a chunk of rows, one query
   per chunk (children found are then loaded with their circumstances for
   `services.planned_changes`). No query per row. The result lists errors by row and field, the
   new rows and, for each update, its changes. With `records=`, the valid records are also kept,
   sealed, for the commit (`import_records`).
2. `commit_file` takes the rows from the preview's sealed records when they were made from these
   very bytes (SHA-256), on the same date, for the same user, by the same code — otherwise it
   reads and validates the file again — and checks again what may have changed since the preview
   (regions and jurisdiction, ID numbers registered since, versions of children to update).
   Inside one transaction: new children through `bulk.Registrar` in batches, updates through
   `services.child_update` with the version read at preview (a child changed since fails the
   whole import). Nothing is written unless everything is. Memory stays bounded whatever the
   file's size: rows stream through in batches.

`ImportRun` (models.py) wraps both for the UI and the background tasks (tasks.py); the CLI
(`shouhu children import`) calls the two functions directly.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import hashlib
import json
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from shouhu.access import Capability, children_visible_to, may_register_in, require
from shouhu.accounts.models import User
from shouhu.core import audit, crypto, dbstats
from shouhu.core.dates import today
from shouhu.regions.models import Level, Region

from . import import_records, xlsx_reader
from . import xlsx_layout as layout
from .bulk import BATCH_SIZE, Registrar, fewer_collections, write_cache
from .exchange import FIELD_LABELS, ChildRecord, FieldError, parse_record
from .facts import Fact, fact_valid_from, facts_from_record
from .identity import mask_id_number
from .models import Child, Circumstance, ImportRun, ImportState, Kind
from .services import ConcurrentEditError, child_update, planned_changes

FORMATS = ("jsonl", "xlsx", "csv")
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".xlsx": "xlsx", ".csv": "csv"}
LOOKUP_CHUNK = 1000  # rows per existing-children query
UPDATE_CHUNK = 500
PROGRESS_EVERY = 1000
# An import of this many rows refreshes the planner's statistics (core/dbstats: ~1 s at a million
# children, less than writing the rows took).
ANALYZE_FROM_ROWS = 1000
ERROR_CAP = 1000  # errors kept on the ImportRun row (all are in its errors file)
UPDATE_CAP = 500  # updates listed in the stored preview
MAX_IMPORT_BYTES = 200 * 1024 * 1024
WHOLE_ROW = "(整行)"
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


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, no sheet)."""


class ImportFailed(Exception):
    """The commit was refused; nothing was written."""


def detect_format(filename: str) -> str:
    fmt = EXTENSIONS.get(Path(filename).suffix.lower())
    if fmt is None:
        raise ImportFileError("只能导入 .jsonl（交换格式）、.xlsx 或 .csv 文件")
    return fmt


# -- reading ------------------------------------------------------------------------------


@dataclass
class SourceRow:
    number: int  # line of the file / row of the sheet
    obj: Any  # the exchange-format object (None when the row could not be read)
    errors: list[FieldError]  # reading and conversion errors, field already named for the user
    tabular: bool
    parent_roles: list[str] = field(default_factory=list)
    is_header: bool = False

    def field_name(self, path: str) -> str:
        if self.tabular:
            return layout.column_of(path, self.parent_roles)
        return jsonl_field(path)

    def message(self, text: str) -> str:
        return layout.chinese_message(text) if self.tabular else text


def jsonl_field(path: str) -> str:
    """`birth_date（出生日期）`: the exchange-format path with its Chinese name."""
    top = path.split(".")[0].split("[")[0]
    label = FIELD_LABELS.get(top)
    return f"{path}（{label}）" if label else path


def iter_jsonl(path: Path) -> Iterator[SourceRow]:
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            line = raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except UnicodeDecodeError:
                yield SourceRow(number, None, [FieldError(WHOLE_ROW, "不是 UTF-8 编码的文字")], tabular=False)
                continue
            except json.JSONDecodeError as error:
                message = f"不是有效的 JSON（第 {error.colno} 个字符附近：{error.msg}）"
                yield SourceRow(number, None, [FieldError(WHOLE_ROW, message)], tabular=False)
                continue
            yield SourceRow(number, obj, [], tabular=False)


def xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """(sheet row number, cells) of the 儿童名单 sheet (or the first sheet), streamed with bounded
    memory (xlsx_reader: large sheets are read a fragment at a time)."""
    try:
        names = xlsx_reader.sheet_names(str(path))
        if not names:
            raise ImportFileError("Excel 文件中没有工作表")
        yield from xlsx_reader.iter_sheet(str(path), layout.SHEET_NAME if layout.SHEET_NAME in names else names[0])
    except xlsx_reader.SheetError as error:  # calamine's errors for damaged or non-xlsx files
        raise ImportFileError(f"无法读取 Excel 文件：{error}") from None


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or GB18030, from the first 64 KB."""
    with path.open("rb") as f:
        head = f.read(65536)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    encoding = detect_encoding(path)
    try:
        with path.open(encoding=encoding, newline="") as f:
            reader = csv.reader(f)
            line = 0
            for cells in reader:
                first, line = line + 1, reader.line_num
                yield first, [_csv_cell(c) for c in cells]
    except UnicodeDecodeError:
        raise ImportFileError("CSV 文件的编码无法识别，请另存为 UTF-8 或 GB18030 编码") from None
    except csv.Error as error:
        raise ImportFileError(f"CSV 文件格式有误：{error}") from None


def _csv_cell(text: str) -> str:
    # A leading ' keeps spreadsheets from running text as a formula; it is not part of the value.
    return text[1:] if text[:1] == "'" and text[1:2] in layout.FORMULA_STARTS else text


def iter_table(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[SourceRow]:
    first = next(rows, None)
    if first is None:
        return
    number, headers = first
    index, errors = layout.check_headers(headers)
    if errors:
        yield SourceRow(number, None, errors, tabular=True, is_header=True)
        if any(e.field == "表头" for e in errors):
            return  # columns are missing: the rows cannot be read safely
    reader = layout.RowReader(index)
    blank = layout._blank
    for number, cells in rows:
        if all(blank(c) for c in cells):
            continue
        flat = reader.read(cells)
        yield SourceRow(number, flat.obj, flat.errors, tabular=True, parent_roles=flat.parent_roles)


def iter_source(path: Path, fmt: str) -> Iterator[SourceRow]:
    if fmt == "jsonl":
        return iter_jsonl(path)
    if fmt == "xlsx":
        return iter_table(xlsx_rows(path))
    if fmt == "csv":
        return iter_table(csv_rows(path))
    raise ImportFileError(f"未知格式：{fmt}")


# -- validation ---------------------------------------------------------------------------


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


def change_label(kind: str) -> str:
    return str(Kind(kind).label) if kind in Kind.values else FIELD_LABELS.get(kind, kind)


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
        return Child.objects.all() if self.actor is None else children_visible_to(self.actor)

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

    With `records`, the valid records are also kept there, sealed (import_records.py), for
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
    keep = import_records.RecordWriter(records, _records_context(sha, fmt, on, actor)) if records is not None else None

    def add(row: int, errors: list[FieldError]) -> None:
        result.errors.extend(RowError(row, e.field, e.message) for e in errors)

    def flush() -> None:
        if pending:
            _classify(pending, scope, on, result, add)
            pending.clear()

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
                    if record.id_number:
                        pending.append(_Pending(src.number, record, src))
                        if len(pending) >= LOOKUP_CHUNK:
                            flush()
                    else:
                        result.new += 1
                if on_progress is not None and result.rows % PROGRESS_EVERY == 0:
                    on_progress(result.rows)
            flush()
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


def _records_context(sha: str, fmt: str, on: datetime.date, actor: User | None) -> bytes:
    return import_records.context(sha256=sha, fmt=fmt, as_of=on, actor_id=actor.pk if actor else None)


def path_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return file_sha256(f)


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


# -- commit -------------------------------------------------------------------------------


@dataclass
class CommitResult:
    created: list[int]
    updated: int
    from_preview: bool = False  # the rows came from the preview's sealed records, not a second reading


def commit_file(
    path: Path,
    *,
    fmt: str,
    actor: User | None,
    plan: dict[str, Any],
    as_of: datetime.date,
    source_name: str = "",
    on_progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    records: Path | None = None,
) -> CommitResult:
    """Write a validated file, all or nothing. `plan` is `Validation.plan()` from the preview:
    rows to update with the child and version read then. Raises ImportFailed (nothing written).

    Every row is validated again, or — when `records` holds the preview's sealed records for this
    very file, date, user and code (import_records.py) — taken from there; either way what may have
    changed since the preview is checked here: each region still exists, is a village and is in the
    user's jurisdiction; no new row's ID number has been registered since; each child to update
    still has the version read then. The rows are written in batches inside one transaction."""
    if actor is not None:
        require(actor, Capability.IMPORT_CHILDREN)
    updates = {int(row): (int(cid), int(version)) for row, (cid, version) in plan.get("updates", {}).items()}
    unchanged = set(plan.get("unchanged", []))
    scope = Scope(actor)
    kept = None
    if records is not None:
        kept = import_records.open_records(records, _records_context(path_sha256(path), fmt, as_of, actor))
    rows = _rechecked(kept, scope, fmt) if kept is not None else _validated_rows(path, fmt, scope, as_of)
    created: list[int] = []
    updated = 0
    processed = 0
    new_rows: list[tuple[int, ChildRecord]] = []
    update_rows: list[tuple[int, ChildRecord, int, int]] = []

    def flush_new(registrar: Registrar) -> None:
        indexes = [registrar.blind_index(r.id_number) if r.id_number else None for _, r in new_rows]
        by_index = {index: item for index, item in zip(indexes, new_rows, strict=True) if index}
        for index in list(registered(list(by_index)))[:1]:
            row, record = by_index[index]
            raise ImportFailed(
                f"第 {row} 行（{record.name}）：身份证号 {mask_id_number(record.id_number or '')} 在预览后已被登记。"
                "导入已全部取消，未写入任何数据；请重新上传以更新预览。"
            )
        created.extend(registrar.write([r for _, r in new_rows], indexes))
        new_rows.clear()

    def flush_updates() -> None:
        nonlocal updated
        children = Child.objects.in_bulk([cid for _, _, cid, _ in update_rows])
        for row, record, cid, version in update_rows:
            child = children.get(cid)
            if child is None:
                raise ImportFailed(
                    f"第 {row} 行（{record.name}）的儿童档案在预览后已被删除。导入已全部取消，未写入任何数据。"
                )
            try:
                child_update(actor=actor, child=child, record=record, expected_version=version, effective=as_of)
            except ConcurrentEditError:
                raise ImportFailed(
                    f"第 {row} 行（{record.name}）的档案在预览后已被他人修改。导入已全部取消，未写入任何数据；"
                    "请重新上传，查看最新的变化后再确认。"
                ) from None
            except (ValidationError, PermissionDenied) as error:
                text = "；".join(error.messages) if isinstance(error, ValidationError) else str(error)
                raise ImportFailed(f"第 {row} 行（{record.name}）：{text}。导入已全部取消，未写入任何数据。") from None
            updated += 1
        update_rows.clear()

    with fewer_collections(), transaction.atomic(), write_cache():
        registrar = Registrar(actor=actor, effective=as_of)
        try:
            for number, record in rows:
                processed += 1
                if number in unchanged:
                    pass
                elif number in updates:
                    cid, version = updates[number]
                    update_rows.append((number, record, cid, version))
                    if len(update_rows) >= UPDATE_CHUNK:
                        flush_updates()
                else:
                    new_rows.append((number, record))
                    if len(new_rows) >= batch_size:
                        flush_new(registrar)
                if on_progress is not None and processed % PROGRESS_EVERY == 0:
                    on_progress(processed)
        except import_records.RecordsChanged:
            raise ImportFailed("导入的中间结果在确认期间被改动。导入已全部取消，未写入任何数据；请重新上传。") from None
        if new_rows:
            flush_new(registrar)
        if update_rows:
            flush_updates()
        audit.record(
            actor=actor,
            action="children.import_file",
            object_type="registry.child",
            summary=f"导入儿童名单 {source_name}：新增 {len(created)}，更新 {updated}",
            detail={
                "file": source_name,
                "format": fmt,
                "rows": processed,
                "new": len(created),
                "updated": updated,
                "as_of": as_of.isoformat(),
            },
        )
    if len(created) + updated >= ANALYZE_FROM_ROWS:
        dbstats.analyze([Child, Circumstance])  # before anyone plans a screening over the new rows
    if on_progress is not None:
        on_progress(processed)
    return CommitResult(created=created, updated=updated, from_preview=kept is not None)


def _validated_rows(path: Path, fmt: str, scope: Scope, as_of: datetime.date) -> Iterator[tuple[int, ChildRecord]]:
    """Every row read and validated again; the first problem fails the commit."""
    for src in iter_source(path, fmt):
        if src.is_header:
            if src.errors:
                raise ImportFailed("文件表头有误，请重新上传并预览。未写入任何数据。")
            continue
        record, errors = check_row(src, scope, as_of)
        if errors or record is None:
            raise ImportFailed(_changed_row(src.number, errors))
        yield src.number, record


def _rechecked(kept: Iterator[tuple[int, ChildRecord]], scope: Scope, fmt: str) -> Iterator[tuple[int, ChildRecord]]:
    """The preview's records, with the checks that depend on more than the file done again: the
    region (as `parse_record` and `Scope.region_errors` check it), once per region."""
    tabular = fmt != "jsonl"
    verdicts: dict[str, list[FieldError]] = {}
    for number, record in kept:
        errors = verdicts.get(record.region_code)
        if errors is None:
            if record.region_code not in scope.regions:
                errors = [FieldError("region_code", f"区划代码 {record.region_code} 不存在")]
            else:
                errors = scope.region_errors(record)
            errors = verdicts[record.region_code] = [
                FieldError(layout.column_of(e.field) if tabular else jsonl_field(e.field), e.message) for e in errors
            ]
        if errors:
            raise ImportFailed(_changed_row(number, errors))
        yield number, record


def _changed_row(number: int, errors: list[FieldError]) -> str:
    detail = "；".join(str(e) for e in errors) or "无法读取"
    return f"第 {number} 行：{detail}。文件或数据在预览后发生了变化，请重新上传。未写入任何数据。"


def queue_duplicates(child_ids: list[int]) -> None:
    """Duplicate detection for newly imported children: set-based when available."""
    from . import duplicates

    scan = getattr(duplicates, "scan", None)
    if scan is not None:
        scan(child_ids=child_ids)
        return
    for start in range(0, len(child_ids), 1000):
        for child in Child.objects.filter(pk__in=child_ids[start : start + 1000]).only(
            "id", "name", "name_pinyin", "id_number_index", "birth_date", "sex", "region_code"
        ):
            duplicates.queue_duplicates_of(child)


# -- the annotated error workbook ---------------------------------------------------------


def errors_by_row(errors: list[dict[str, Any]]) -> dict[int, list[tuple[str, str]]]:
    rows: dict[int, list[tuple[str, str]]] = {}
    for e in errors:
        rows.setdefault(int(e["row"]), []).append((str(e["field"]), str(e["message"])))
    return rows


MAX_COMMENTS = 5000


def write_error_workbook(path: Path, *, fmt: str, errors: list[dict[str, Any]], out: str | IO[bytes]) -> None:
    """The original rows with an extra 错误 column, bad cells highlighted and commented (.xlsx
    and .csv); for JSON Lines the bad lines with their errors."""
    by_row = errors_by_row(errors)
    if fmt == "jsonl":
        _write_jsonl_errors(path, by_row, out)
        return
    raw = xlsx_rows(path) if fmt == "xlsx" else csv_rows(path)
    first = next(raw, None)
    index, header_errors = layout.check_headers(first[1] if first else [])
    writer = layout.LayoutWriter(out, extra_headers=(layout.ROW_HEADER,), tail_headers=(layout.ERROR_HEADER,))
    header_row = first[0] if first else 1
    if header_row in by_row:
        text = "；".join(f"「{f}」{m}" for f, m in by_row[header_row])
        writer.write_row([None] * len(layout.HEADERS), extra=[header_row], tail=[text])
    if any(e.field == "表头" for e in header_errors):
        writer.close()
        return
    comments = 0
    for number, cells in raw:
        if all(layout._blank(c) for c in cells):
            continue
        values = [cells[index[h]] if index[h] < len(cells) else None for h in layout.HEADERS]
        values = [None if layout._blank(v) else v for v in values]
        problems = by_row.get(number, [])
        bad = {layout.HEADERS.index(f) + 1 for f, _ in problems if f in layout.BY_HEADER}
        text = "；".join(f"「{f}」{m}" for f, m in problems)
        row_index = writer.row
        writer.write_row(values, extra=[number], bad=bad, tail=[text] if text else [])
        for f, m in problems:
            if f in layout.BY_HEADER and comments < MAX_COMMENTS:
                writer.sheet.write_comment(row_index, layout.HEADERS.index(f) + 1, m, {"x_scale": 2})
                comments += 1
    writer.close()


def _write_jsonl_errors(path: Path, by_row: dict[int, list[tuple[str, str]]], out: str | IO[bytes]) -> None:
    workbook = xlsxwriter.Workbook(
        out,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
    )
    sheet = workbook.add_worksheet("错误")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    bad = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "text_wrap": True})
    for i, (title, width) in enumerate(
        ((layout.ROW_HEADER, 8), ("字段", 28), (layout.ERROR_HEADER, 60), ("原始内容", 80))
    ):
        sheet.write_string(0, i, title, bold)
        sheet.set_column(i, i, width)
    r = 1
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            for field_name, message in by_row.get(number, []):
                sheet.write_number(r, 0, number)
                sheet.write_string(r, 1, field_name, bad)
                sheet.write_string(r, 2, message, bad)
                sheet.write_string(r, 3, raw.decode("utf-8", errors="replace").strip()[:32000])
                r += 1
    workbook.close()


# -- import runs (the UI and background tasks) -------------------------------------------


def file_sha256(f: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: f.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


@transaction.atomic
def import_run_create(*, actor: User | None, upload: File, filename: str) -> ImportRun:  # type: ignore[type-arg]
    """Store an uploaded roster under MEDIA_ROOT and open an import run for it."""
    if actor is not None:
        require(actor, Capability.IMPORT_CHILDREN)
    fmt = detect_format(filename)
    if upload.size is not None and upload.size > MAX_IMPORT_BYTES:
        raise ImportFileError(f"文件过大，上限为 {MAX_IMPORT_BYTES // (1024 * 1024)} MB")
    upload.seek(0)
    sha = file_sha256(upload)  # type: ignore[arg-type]
    upload.seek(0)
    run = ImportRun(
        original_name=Path(filename).name[:255], file_format=fmt, sha256=sha, size=upload.size or 0, created_by=actor
    )
    run.file.save(f"{timezone.localdate():%Y%m}/{sha[:16]}{Path(filename).suffix.lower()}", upload, save=False)
    run.save()
    audit.record(
        actor=actor,
        action="children.import_upload",
        target=run,
        summary=f"上传儿童名单 {run.original_name}",
        detail={"format": fmt, "size": run.size},
    )
    return run


def _claim(run: ImportRun, *, expected: str, to: str) -> bool:
    """Move a run from one state to the next in one conditional UPDATE (a second click or a second
    worker finds the state moved on and does nothing)."""
    moved = ImportRun.objects.filter(pk=run.pk, state=expected).update(state=to, updated_at=timezone.now())
    if moved:
        run.state = to
    return bool(moved)


def _check_file(run: ImportRun) -> Path:
    path = Path(run.file.path)
    with path.open("rb") as f:
        if file_sha256(f) != run.sha256:
            raise ImportFailed("导入文件在上传后被改动，请重新上传")
    return path


def import_run_validate(run: ImportRun) -> ImportRun:
    """uploaded → validating → previewed (or failed when the file cannot be read)."""
    if not _claim(run, expected=ImportState.UPLOADED, to=ImportState.VALIDATING):
        return run

    def progress(rows: int) -> None:
        ImportRun.objects.filter(pk=run.pk).update(progress=rows)

    try:
        result = validate_file(
            _check_file(run),
            fmt=run.file_format,
            actor=run.created_by,
            on_progress=progress,
            records=records_path(run),
        )
    except (ImportFileError, ImportFailed, PermissionDenied) as error:
        return _fail(run, str(error))
    errors = [e.as_dict() for e in result.errors]
    if errors:
        run.errors_file.save(
            f"{Path(run.file.name).stem}.errors.json",
            ContentFile(json.dumps(errors, ensure_ascii=False).encode()),
            save=False,
        )
    run.as_of = result.as_of
    run.total_rows, run.new_count, run.updated_count = result.rows, result.new, len(result.updates)
    run.unchanged_count, run.error_count, run.progress = len(result.unchanged), result.error_rows, result.rows
    run.errors = errors[:ERROR_CAP]
    run.preview = {"updates": [u.as_dict() for u in result.updates[:UPDATE_CAP]], "error_total": len(errors)}
    run.plan = result.plan()
    run.state = ImportState.PREVIEWED
    run.validated_at = timezone.now()
    run.save()
    return run


def all_errors(run: ImportRun) -> list[dict[str, Any]]:
    if run.errors_file:
        with run.errors_file.open("rb") as f:
            return list(json.load(f))
    return list(run.errors)


def import_run_confirm(*, actor: User, run: ImportRun) -> ImportRun:
    """The user confirms the preview: previewed → committing."""
    require(actor, Capability.IMPORT_CHILDREN)
    if run.created_by_id != actor.pk:
        raise PermissionDenied("只能确认自己上传的导入")
    if run.state != ImportState.PREVIEWED:
        raise ValidationError("该导入不在待确认状态")
    if run.error_count or not run.total_rows:
        raise ValidationError("文件有错误，不能导入；请修改后重新上传")
    if not _claim(run, expected=ImportState.PREVIEWED, to=ImportState.COMMITTING):
        raise ValidationError("该导入已在进行中")
    return run


def progress_path(run: ImportRun) -> Path:
    """During the commit, progress is written to a small file: the commit's transaction keeps
    the ImportRun row's updates invisible to the page polling it until the end."""
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{run.pk}"


def current_progress(run: ImportRun) -> int:
    if run.state == ImportState.COMMITTING:
        with contextlib.suppress(OSError, ValueError):
            return int(progress_path(run).read_text())
        return 0
    return run.progress


def import_run_commit(run: ImportRun) -> ImportRun:
    """committing → done (or failed, nothing written)."""
    if run.state != ImportState.COMMITTING:
        return run
    marker = progress_path(run)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("0")

    def progress(rows: int) -> None:
        marker.write_text(str(rows))

    try:
        result = commit_file(
            _check_file(run),
            fmt=run.file_format,
            actor=run.created_by,
            plan=run.plan,
            as_of=run.as_of or today(),
            source_name=run.original_name,
            on_progress=progress,
            records=records_path(run),
        )
    except (ImportFailed, ImportFileError, PermissionDenied) as error:
        marker.unlink(missing_ok=True)
        return _fail(run, str(error))
    marker.unlink(missing_ok=True)
    records_path(run).unlink(missing_ok=True)
    run.state = ImportState.DONE
    run.new_count, run.updated_count = len(result.created), result.updated
    run.progress = run.total_rows
    run.finished_at = timezone.now()
    run.message = f"已导入：新增 {len(result.created)} 名，更新 {result.updated} 名"
    run.save()
    queue_duplicates(result.created)
    return run


def records_path(run: ImportRun) -> Path:
    """The preview's sealed records (import_records.py), beside the upload until the commit."""
    path = Path(run.file.path)
    return path.with_name(f"{path.name}.records")


def _fail(run: ImportRun, message: str) -> ImportRun:
    records_path(run).unlink(missing_ok=True)
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportState.FAILED, message=message[:500], finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


def import_run_cancel(*, actor: User, run: ImportRun) -> ImportRun:
    """Abandon a preview (nothing was written); the stored file is removed."""
    if run.created_by_id != actor.pk:
        raise PermissionDenied("只能取消自己上传的导入")
    if not _claim(run, expected=ImportState.PREVIEWED, to=ImportState.FAILED):
        raise ValidationError("该导入已不能取消")
    records_path(run).unlink(missing_ok=True)
    with transaction.atomic():
        run.message = "已取消，未写入任何数据"
        run.finished_at = timezone.now()
        run.save(update_fields=["message", "finished_at", "updated_at"])
        audit.record(actor=actor, action="children.import_cancel", target=run, summary=f"取消导入 {run.original_name}")
    return run


def sync_limit() -> int:
    """Files up to this size are validated and committed during the request (same code path)."""
    return int(getattr(settings, "SHOUHU_IMPORT_SYNC_BYTES", 256 * 1024))


def start_validation(run: ImportRun) -> ImportRun:
    if run.size <= sync_limit():
        return import_run_validate(run)
    from .tasks import validate_import

    validate_import.enqueue(run_id=run.pk)
    return run


def start_commit(run: ImportRun) -> ImportRun:
    if run.size <= sync_limit():
        return import_run_commit(run)
    from .tasks import commit_import

    commit_import.enqueue(run_id=run.pk)
    return run


def runs_of(user: User) -> QuerySet[ImportRun]:
    """A user's own import runs (the files hold children's data: nobody else sees them)."""
    return ImportRun.objects.filter(created_by=user)
