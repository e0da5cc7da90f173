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
"""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone

from shouhu.access import Capability, may_handle_import_run, require
from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.core.dates import today

from ..models import ImportRun, ImportState
from .commit import ImportFailed, commit_file, queue_duplicates
from .reading import ImportFileError, detect_format, file_sha256
from .validation import validate_file

logger = logging.getLogger(__name__)
# A run never stays "validating" or "committing": whatever goes wrong ends it with this message
# (and the traceback in the log).
UNEXPECTED = "处理文件时出错，未写入任何数据；请检查文件后重新上传，或联系系统管理员"
ERROR_CAP = 1000  # errors kept on the ImportRun row (all are in its errors file)
UPDATE_CAP = 500  # updates listed in the stored preview
MAX_IMPORT_BYTES = 200 * 1024 * 1024


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


@transaction.atomic
def import_run_confirm(*, actor: User, run: ImportRun) -> ImportRun:
    """The user confirms the preview: previewed → committing (audited: who decided to write what
    the preview showed; the commit audits what it wrote)."""
    require(actor, Capability.IMPORT_CHILDREN)
    if not may_handle_import_run(actor, run):
        raise PermissionDenied("只能确认自己上传的导入")
    if run.state != ImportState.PREVIEWED:
        raise ValidationError("该导入不在待确认状态")
    if run.error_count or not run.total_rows:
        raise ValidationError("文件有错误，不能导入；请修改后重新上传")
    if not _claim(run, expected=ImportState.PREVIEWED, to=ImportState.COMMITTING):
        raise ValidationError("该导入已在进行中")
    audit.record(
        actor=actor,
        action="children.import_confirm",
        target=run,
        summary=f"确认导入 {run.original_name}：新增 {run.new_count}，更新 {run.updated_count}",
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
    except Exception:
        logger.exception("import run %s: commit failed", run.pk)
        marker.unlink(missing_ok=True)
        return _fail(run, UNEXPECTED)
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
    """The preview's sealed records (sealed_records.py), beside the upload until the commit."""
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
    if not may_handle_import_run(actor, run):
        raise PermissionDenied("只能取消自己上传的导入")
    # The state change and its audit row are one transaction; the sealed records go once it is.
    with transaction.atomic():
        if not _claim(run, expected=ImportState.PREVIEWED, to=ImportState.FAILED):
            raise ValidationError("该导入已不能取消")
        run.message = "已取消，未写入任何数据"
        run.finished_at = timezone.now()
        run.save(update_fields=["message", "finished_at", "updated_at"])
        audit.record(actor=actor, action="children.import_cancel", target=run, summary=f"取消导入 {run.original_name}")
    records_path(run).unlink(missing_ok=True)
    return run
