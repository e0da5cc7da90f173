"""Import runs: an uploaded roster through preview and commit for the UI and the background
tasks (`ImportRun`: uploaded → validating → previewed → committing → done, or failed). The CLI
(`shouhu children import`) calls `validation.validate_file` and `commit.commit_file` directly.

Nothing here reads an uploaded file in a web request: the upload view stores the file
(`import_run_create`) and queues the validation; the confirm view queues the commit
(`views/rosters.py`, with the registry's tasks, so the task module depends on these functions and
not the other way round). The worker runs `import_run_validate` and `import_run_commit`; the file
is checked (`core.office_guard`) and read in a memory-limited child process (`core.sandbox`) by
`reading.py`, and a file refused there, or one that runs out of memory or time, fails its run with
the reason — never a run left "validating".

Leases: the worker that takes a run to validate or commit it bumps `attempts` — its ticket — and
holds a lease (`IMPORT_RUN_LEASE_SECONDS`). Validation renews it with each progress report; every
write it makes names its ticket, so a process that lost the run (its lease ran out and the run was
taken again) stops and writes nothing more. A commit is one transaction that begins by locking the
run's row with its ticket and ends by marking the run done, so the children and the run's state
commit together or not at all; while it runs, its row lock (PostgreSQL) or the database's write lock
(SQLite) keeps the sweep off it. `recover_expired_runs` (the periodic
`registry.recover_import_runs`) takes a run whose lease ran out: a validation is checked again from
the start (it writes nothing but the run's own row), up to IMPORT_RUN_MAX_ATTEMPTS times; a commit
died with nothing written, so the run is failed with `retryable` set and the user confirms it again
(`import_run_confirm`) or cancels it.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from shouhu.access import Capability, may_handle_import_run, require
from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.core.dates import today

from ..models import ImportRun, ImportState
from .commit import CommitResult, ImportFailed, commit_file, queue_duplicates
from .reading import ImportFileError, detect_format, file_sha256
from .validation import validate_file

logger = logging.getLogger(__name__)
# A run never stays "validating" or "committing": whatever goes wrong ends it with this message
# (and the traceback in the log).
UNEXPECTED = "处理文件时出错，未写入任何数据；请检查文件后重新上传，或联系系统管理员"
ERROR_CAP = 1000  # errors kept on the ImportRun row (all are in its errors file)
UPDATE_CAP = 500  # updates listed in the stored preview
MAX_IMPORT_BYTES = 200 * 1024 * 1024
INTERRUPTED_COMMIT = (
    "导入在写入时中断（处理进程意外停止），未写入任何数据。可以点击「重新导入」再次导入（导入前会重新核对），"
    "或放弃这次导入。"
)

logger = logging.getLogger(__name__)


class LeaseLost(Exception):
    """This process no longer holds the run (its lease ran out and the run was taken again, or the
    user cancelled it): it stops and writes nothing more."""


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
    run.file.save(f"{today():%Y%m}/{sha[:16]}{Path(filename).suffix.lower()}", upload, save=False)
    run.save()
    audit.record(
        actor=actor,
        action="children.import_upload",
        target=run,
        summary=f"上传儿童名单 {run.original_name}",
        detail={"format": fmt, "size": run.size},
    )
    return run


def lease_from_now() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=settings.IMPORT_RUN_LEASE_SECONDS)


def _claim(run: ImportRun, *, expected: str, to: str, retryable: bool = False) -> bool:
    """Move a run from one state to the next in one conditional UPDATE (a second click or a second
    worker finds the state moved on and does nothing). Moving to validating or committing takes a
    new ticket (`attempts`) and a lease. `retryable`: only a run failed with `retryable` set."""
    taken = ImportRun.objects.filter(pk=run.pk, state=expected)
    if retryable:
        taken = taken.filter(retryable=True)
    fields: dict[str, Any] = {"state": to, "updated_at": timezone.now(), "retryable": False}
    if to in (ImportState.VALIDATING, ImportState.COMMITTING):
        fields |= {"attempts": F("attempts") + 1, "lease_expires_at": lease_from_now()}
    if not taken.update(**fields):
        return False
    run.refresh_from_db(fields=["state", "attempts", "lease_expires_at", "retryable"])
    return True


def _held(run: ImportRun) -> Any:
    """The run's row while this process holds it: same state, same ticket."""
    return ImportRun.objects.filter(pk=run.pk, state=run.state, attempts=run.attempts)


def _renew(run: ImportRun, **fields: Any) -> None:
    """Renew the lease (with any fields to write); raises LeaseLost when the run was taken away."""
    if not _held(run).update(lease_expires_at=lease_from_now(), **fields):
        raise LeaseLost


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
        _renew(run, progress=rows)

    try:
        result = validate_file(
            _check_file(run),
            fmt=run.file_format,
            actor=run.created_by,
            on_progress=progress,
            records=records_path(run),
        )
    except LeaseLost:
        run.refresh_from_db()
        return run
    except (ImportFileError, ImportFailed, PermissionDenied) as error:
        return _fail(run, str(error))
    except Exception:
        logger.exception("import run %s: validation failed", run.pk)
        return _fail(run, UNEXPECTED)
    errors = [e.as_dict() for e in result.errors]
    if errors:
        run.errors_file.save(
            f"{Path(run.file.name).stem}.errors.json",
            ContentFile(json.dumps(errors, ensure_ascii=False).encode()),
            save=False,
        )
    # Written only if this process still holds the run (else another attempt writes its own).
    _held(run).update(
        as_of=result.as_of,
        total_rows=result.rows,
        new_count=result.new,
        updated_count=len(result.updates),
        unchanged_count=len(result.unchanged),
        error_count=result.error_rows,
        progress=result.rows,
        errors=errors[:ERROR_CAP],
        errors_file=run.errors_file.name or "",
        preview={"updates": [u.as_dict() for u in result.updates[:UPDATE_CAP]], "error_total": len(errors)},
        plan=result.plan(),
        state=ImportState.PREVIEWED,
        validated_at=timezone.now(),
        lease_expires_at=None,
        updated_at=timezone.now(),
    )
    run.refresh_from_db()
    return run


def all_errors(run: ImportRun) -> list[dict[str, Any]]:
    if run.errors_file:
        with run.errors_file.open("rb") as f:
            return list(json.load(f))
    return list(run.errors)


@transaction.atomic
def import_run_confirm(*, actor: User, run: ImportRun) -> ImportRun:
    """The user confirms the preview: previewed → committing (audited: who decided to write what
    the preview showed; the commit audits what it wrote). Also the retry of a commit that was
    interrupted (failed with `retryable`: nothing was written; the commit checks everything again)."""
    require(actor, Capability.IMPORT_CHILDREN)
    if not may_handle_import_run(actor, run):
        raise PermissionDenied("只能确认自己上传的导入")
    retry = run.state == ImportState.FAILED and run.retryable
    if run.state != ImportState.PREVIEWED and not retry:
        raise ValidationError("该导入不在待确认状态")
    if run.error_count or not run.total_rows:
        raise ValidationError("文件有错误，不能导入；请修改后重新上传")
    expected = ImportState.FAILED if retry else ImportState.PREVIEWED
    if not _claim(run, expected=expected, to=ImportState.COMMITTING, retryable=retry):
        raise ValidationError("该导入已在进行中")
    if retry:
        ImportRun.objects.filter(pk=run.pk).update(message="", finished_at=None)
        run.message, run.finished_at = "", None
    audit.record(
        actor=actor,
        action="children.import_retry" if retry else "children.import_confirm",
        target=run,
        summary=f"{'重新导入（上次中断）' if retry else '确认导入'} {run.original_name}："
        f"新增 {run.new_count}，更新 {run.updated_count}",
        detail={"rows": run.total_rows, "new": run.new_count, "updated": run.updated_count},
    )
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
    """committing → done (or failed, nothing written). The run is marked done inside the commit's
    transaction; the commit starts by locking the run's row under this process's ticket."""
    if run.state != ImportState.COMMITTING:
        return run
    try:
        _renew(run)  # the lease covers the checks before the transaction
    except LeaseLost:
        run.refresh_from_db()
        return run
    marker = progress_path(run)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("0")

    def progress(rows: int) -> None:
        marker.write_text(str(rows))

    def hold() -> None:
        # Held until the commit ends: the sweep skips a locked row (PostgreSQL); on SQLite the
        # transaction holds the database's write lock, which keeps the sweep waiting instead.
        if not list(_held(run).select_for_update().values_list("pk", flat=True)):
            raise LeaseLost

    def finish(result: CommitResult) -> None:
        _held(run).update(
            state=ImportState.DONE,
            new_count=len(result.created),
            updated_count=result.updated,
            progress=run.total_rows,
            finished_at=timezone.now(),
            message=f"已导入：新增 {len(result.created)} 名，更新 {result.updated} 名",
            lease_expires_at=None,
            updated_at=timezone.now(),
        )

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
            hold=hold,
            finish=finish,
        )
    except LeaseLost:
        marker.unlink(missing_ok=True)
        run.refresh_from_db()
        return run
    except (ImportFailed, ImportFileError, PermissionDenied) as error:
        marker.unlink(missing_ok=True)
        return _fail(run, str(error))
    except Exception:
        logger.exception("import run %s: commit failed", run.pk)
        marker.unlink(missing_ok=True)
        return _fail(run, UNEXPECTED)
    marker.unlink(missing_ok=True)
    records_path(run).unlink(missing_ok=True)
    run.refresh_from_db()
    queue_duplicates(result.created)
    return run


def records_path(run: ImportRun) -> Path:
    """The preview's sealed records (sealed_records.py), beside the upload until the commit."""
    path = Path(run.file.path)
    return path.with_name(f"{path.name}.records")


def _fail(run: ImportRun, message: str) -> ImportRun:
    """The process holding the run ends it as failed (nothing written)."""
    if _held(run).update(
        state=ImportState.FAILED, message=message[:500], finished_at=timezone.now(), lease_expires_at=None
    ):
        records_path(run).unlink(missing_ok=True)
    run.refresh_from_db()
    return run


def import_run_cancel(*, actor: User, run: ImportRun) -> ImportRun:
    """Abandon a preview, or a commit that was interrupted (nothing was written either way); the
    sealed records are removed."""
    if not may_handle_import_run(actor, run):
        raise PermissionDenied("只能取消自己上传的导入")
    # The state change and its audit row are one transaction; the sealed records go once it is.
    with transaction.atomic():
        retry = run.state == ImportState.FAILED and run.retryable
        expected = ImportState.FAILED if retry else ImportState.PREVIEWED
        if not _claim(run, expected=expected, to=ImportState.FAILED, retryable=retry):
            raise ValidationError("该导入已不能取消")
        run.message = "已取消，未写入任何数据"
        run.finished_at = timezone.now()
        run.save(update_fields=["message", "finished_at", "updated_at"])
        audit.record(actor=actor, action="children.import_cancel", target=run, summary=f"取消导入 {run.original_name}")
    records_path(run).unlink(missing_ok=True)
    return run


RecoverEnqueue = Callable[[int], object]


def recover_expired_runs(now: datetime.datetime | None = None, *, enqueue_validation: RecoverEnqueue) -> dict[str, int]:
    """Runs whose lease ran out while being checked or written (the process holding them died):
    a check is queued again (`enqueue_validation`, called in the transaction that puts the run
    back: the task is queued exactly when the run is) until IMPORT_RUN_MAX_ATTEMPTS, then failed;
    a commit left nothing written, so the run fails with `retryable` set, for the user to retry or
    cancel from the import page. Each is audited. A commit still in progress is never touched: its
    row is locked (skipped here) or, on SQLite, the database is (the sweep stops and waits for its
    next period). Returns how many runs were requeued and failed."""
    now = now or timezone.now()
    outcome = {"requeued": 0, "failed": 0}
    stuck = (ImportState.VALIDATING, ImportState.COMMITTING)
    candidates = list(
        ImportRun.objects.filter(state__in=stuck, lease_expires_at__lt=now).order_by("pk").values_list("pk", flat=True)
    )
    for pk in candidates:
        try:
            with transaction.atomic():
                run = (
                    ImportRun.objects.select_for_update(skip_locked=True)
                    .filter(pk=pk, state__in=stuck, lease_expires_at__lt=now)
                    .first()
                )
                if run is None:
                    continue
                outcome[_recover(run, enqueue_validation)] += 1
        except OperationalError as error:  # SQLite: a commit in progress holds the database
            logger.info("import runs' sweep stopped, the database is busy: %s", error)
            break
    return outcome


def _recover(run: ImportRun, enqueue_validation: RecoverEnqueue) -> str:
    at = timezone.now()
    if run.state == ImportState.VALIDATING and run.attempts < settings.IMPORT_RUN_MAX_ATTEMPTS:
        ImportRun.objects.filter(pk=run.pk).update(state=ImportState.UPLOADED, lease_expires_at=None, updated_at=at)
        enqueue_validation(run.pk)
        summary, kind = f"名单检查中断（第 {run.attempts} 次），已重新排队检查：{run.original_name}", "requeued"
    elif run.state == ImportState.VALIDATING:
        message = f"检查 {run.attempts} 次均因处理进程停止而未完成，未写入任何数据；请重新上传。"
        ImportRun.objects.filter(pk=run.pk).update(
            state=ImportState.FAILED, message=message, finished_at=at, lease_expires_at=None, updated_at=at
        )
        records_path(run).unlink(missing_ok=True)
        summary, kind = f"名单检查中断，已停止：{run.original_name}", "failed"
    else:
        ImportRun.objects.filter(pk=run.pk).update(
            state=ImportState.FAILED,
            retryable=True,
            message=INTERRUPTED_COMMIT,
            finished_at=at,
            lease_expires_at=None,
            updated_at=at,
        )
        progress_path(run).unlink(missing_ok=True)
        summary, kind = f"名单导入在写入时中断，未写入任何数据，待导入人重新导入或放弃：{run.original_name}", "failed"
    audit.record(
        actor=None,
        action="children.import_interrupted",
        target=run,
        summary=summary,
        detail={"state": run.state, "attempts": run.attempts},
    )
    return kind
