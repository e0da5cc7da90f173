"""Rosters in and out: upload → check (progress) → preview → confirm → import (progress) → done,
the template, the annotated error workbook, and the export. Thin: the exchange package does the
work (`exchange.runs`, `exchange.exporting`); an import run is only ever shown to the user who
uploaded it (`access_import_run`). No file is read in the request: validating and committing are
queued here, with the registry's tasks (so the services never import the task module), and the
page polls the run's progress."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouhu.access import (
    AuthedRequest,
    Capability,
    access_import_run,
    access_region,
    access_rule,
    import_runs_visible_to,
    regions_in_jurisdiction,
)
from shouhu.regions.models import Level
from shouhu.web.pagination import paginate

from .. import tasks
from ..exchange import runs
from ..exchange.error_workbook import write_error_workbook
from ..exchange.exporting import CONTENT_TYPES, FORMATS, export_children, export_filename
from ..exchange.layout_writing import write_template
from ..exchange.reading import ImportFileError
from ..forms.imports import UploadForm
from ..models import ImportRun, ImportState

ACTIVE_STATES = (ImportState.UPLOADED, ImportState.VALIDATING, ImportState.COMMITTING)
ERRORS_SHOWN = 200
XLSX = CONTENT_TYPES["xlsx"]


def _queue_validation(run: ImportRun) -> None:
    tasks.validate_import.enqueue(run_id=run.pk)


def _queue_commit(run: ImportRun) -> None:
    tasks.commit_import.enqueue(run_id=run.pk)


@access_rule(Capability.IMPORT_CHILDREN)
def import_upload(request: AuthedRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = runs.import_run_create(actor=request.user, upload=upload, filename=upload.name)
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            _queue_validation(run)  # read only by the worker (exchange/runs.py)
            return redirect("registry:import_run", run_id=run.pk)
    page = paginate(request, import_runs_visible_to(request.user), per_page=20)
    return render(request, "registry/io_import.html", {"form": form, "page": page})


@access_rule(Capability.IMPORT_CHILDREN)
def import_template(request: AuthedRequest) -> HttpResponse:
    out = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
    write_template(out)
    out.seek(0)
    response = FileResponse(out, as_attachment=True, filename="儿童名单导入模板.xlsx", content_type=XLSX)
    return response  # type: ignore[return-value]  # streamed; access_rule types plain responses


def _progress_context(run: ImportRun) -> dict[str, Any]:
    done = runs.current_progress(run)
    return {
        "run": run,
        "active": run.state in ACTIVE_STATES,
        "done_rows": done,
        "percent": min(100, round(100 * done / run.total_rows)) if run.total_rows else None,
    }


@access_rule(Capability.IMPORT_CHILDREN)
def import_run(request: AuthedRequest, run_id: int) -> HttpResponse:
    run = access_import_run(request.user, run_id)
    preview = run.preview or {}
    context = {
        **_progress_context(run),
        "updates": preview.get("updates", []),
        "updates_more": max(0, run.updated_count - len(preview.get("updates", []))),
        "errors": run.errors[:ERRORS_SHOWN],
        "errors_total": preview.get("error_total", len(run.errors)),
        "may_confirm": run.state == ImportState.PREVIEWED and not run.error_count and run.total_rows > 0,
    }
    return render(request, "registry/io_run.html", context)


@access_rule(Capability.IMPORT_CHILDREN)
def import_progress(request: AuthedRequest, run_id: int) -> HttpResponse:
    """The progress bar, polled by htmx every second; once the run has moved on the page reloads."""
    run = access_import_run(request.user, run_id)
    response = render(request, "registry/_io_progress.html", _progress_context(run))
    if run.state not in ACTIVE_STATES and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@access_rule(Capability.IMPORT_CHILDREN)
@require_POST
def import_confirm(request: AuthedRequest, run_id: int) -> HttpResponse:
    run = access_import_run(request.user, run_id)
    try:
        runs.import_run_confirm(actor=request.user, run=run)
    except (ValidationError, PermissionDenied) as error:
        text = "；".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
        return redirect("registry:import_run", run_id=run.pk)
    _queue_commit(run)
    return redirect("registry:import_run", run_id=run.pk)


@access_rule(Capability.IMPORT_CHILDREN)
@require_POST
def import_cancel(request: AuthedRequest, run_id: int) -> HttpResponse:
    run = access_import_run(request.user, run_id)
    try:
        runs.import_run_cancel(actor=request.user, run=run)
    except (ValidationError, PermissionDenied) as error:
        text = "；".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
        return redirect("registry:import_run", run_id=run.pk)
    messages.info(request, _("已取消导入，未写入任何数据"))
    return redirect("registry:import")


@access_rule(Capability.IMPORT_CHILDREN)
def import_errors(request: AuthedRequest, run_id: int) -> HttpResponse:
    """The annotated workbook: the original rows, an extra 错误 column, bad cells highlighted."""
    run = access_import_run(request.user, run_id)
    if not run.error_count:
        raise Http404("该导入没有错误")
    out = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
    write_error_workbook(Path(run.file.path), fmt=run.file_format, errors=runs.all_errors(run), out=out)
    out.seek(0)
    name = f"{Path(run.original_name).stem}-错误标注.xlsx"
    response = FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)
    return response  # type: ignore[return-value]  # streamed; access_rule types plain responses


@access_rule(Capability.EXPORT_CHILDREN)
def export(request: AuthedRequest) -> HttpResponse:
    """`?format=jsonl|xlsx&region=CODE` downloads what the user may see; without a format, the form."""
    fmt = request.GET.get("format", "")
    code = request.GET.get("region", "").strip()
    region = access_region(request.user, code) if code else None  # 404 outside the jurisdiction
    if fmt not in FORMATS:
        regions = regions_in_jurisdiction(request.user).order_by("code")
        context = {"regions": regions, "region": region, "format_error": bool(fmt), "level_village": Level.VILLAGE}
        return render(request, "registry/io_export.html", context)
    out = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
    count = export_children(actor=request.user, fmt=fmt, out=out, region_code=code)
    out.seek(0)
    response = FileResponse(out, as_attachment=True, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, export_filename(fmt, code)) or ""
    response["X-Export-Count"] = str(count)
    return response  # type: ignore[return-value]  # streamed; access_rule types plain responses
