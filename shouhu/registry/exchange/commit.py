"""Committing a previewed roster, all or nothing.

`commit_file` takes the rows from the preview's sealed records when they were made from these very
bytes (SHA-256), on the same date, for the same user, by the same code — otherwise it reads and
validates the file again — and checks again what may have changed since the preview (regions and
jurisdiction, ID numbers registered since, versions of children to update). Inside one
transaction: new children through `bulk.Registrar` in batches, updates through
`services.child_update` with the version read at preview (a child changed since fails the whole
import). Nothing is written unless everything is. Memory stays bounded whatever the file's size:
rows stream through in batches.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from shouhu.access import Capability, require
from shouhu.accounts.models import User
from shouhu.core import audit, dbstats

from .. import duplicates
from ..identity import mask_id_number
from ..models import Child, Circumstance
from ..services import ConcurrentEditError, child_update
from . import layout, sealed_records
from .bulk import BATCH_SIZE, Registrar, fewer_collections, write_cache
from .format import ChildRecord, FieldError
from .reading import iter_source, jsonl_field, path_sha256
from .validation import PROGRESS_EVERY, Progress, Scope, check_row, records_context, registered

UPDATE_CHUNK = 500
# An import of this many rows refreshes the planner's statistics (core/dbstats: ~1 s at a million
# children, less than writing the rows took).
ANALYZE_FROM_ROWS = 1000


class ImportFailed(Exception):
    """The commit was refused; nothing was written."""


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
    hold: Callable[[], None] | None = None,
    finish: Callable[[CommitResult], None] | None = None,
) -> CommitResult:
    """Write a validated file, all or nothing. `plan` is `Validation.plan()` from the preview:
    rows to update with the child and version read then. Raises ImportFailed (nothing written).

    Every row is validated again, or — when `records` holds the preview's sealed records for this
    very file, date, user and code (sealed_records.py) — taken from there; either way what may have
    changed since the preview is checked here: each region still exists, is a village and is in the
    user's jurisdiction; no new row's ID number has been registered since; each child to update
    still has the version read then. The rows are written in batches inside one transaction.

    `hold` is called first inside that transaction (the import run locks its row there and checks
    it still holds the run: exchange.runs), `finish` last with the result (the run is marked done
    in the same transaction, so the rows and the run's state commit together or not at all)."""
    if actor is not None:
        require(actor, Capability.IMPORT_CHILDREN)
    updates = {int(row): (int(cid), int(version)) for row, (cid, version) in plan.get("updates", {}).items()}
    unchanged = set(plan.get("unchanged", []))
    scope = Scope(actor)
    kept = None
    if records is not None:
        kept = sealed_records.open_records(records, records_context(path_sha256(path), fmt, as_of, actor))
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
        if hold is not None:
            hold()
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
        except sealed_records.RecordsChanged:
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
        result = CommitResult(created=created, updated=updated, from_preview=kept is not None)
        if finish is not None:
            finish(result)
    if len(created) + updated >= ANALYZE_FROM_ROWS:
        dbstats.analyze([Child, Circumstance])  # before anyone plans a screening over the new rows
    if on_progress is not None:
        on_progress(processed)
    return result


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
    """Duplicate detection for newly imported children, set-based (`duplicates.scan`)."""
    duplicates.scan(child_ids=child_ids)
