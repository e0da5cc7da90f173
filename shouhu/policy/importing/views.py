"""Importing the task-division table (upload → preview → confirm) and its versions with
JSON / Excel downloads."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, F
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouhu.access import AuthedRequest, Capability, access_rule, can, departments_visible_to
from shouhu.web.pagination import paginate, query_without_page

from ..models import PolicyDocument
from .exporting import export_filename, export_json, export_xlsx
from .parsing import MAX_DOCUMENT_BYTES
from .preview import ImportPreview, PolicyImportError, policy_import_preview
from .services import policy_export_record, policy_import_commit
from .staging import discard_staged, read_parsed, read_staged, stage_upload, staged_age

SESSION_KEY = "policy_import"


class PolicyUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("分工表文件"),
        help_text=gettext_lazy("Word 表格导出的文本（.txt）、Word 文档（.docx）或 Excel 表格（.xlsx），不超过 20 MB"),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.docx,.xlsx"}),
    )
    title = forms.CharField(
        label=gettext_lazy("标题"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("留空则取文件中的标题，其次取文件名。同一标题的分工表按版本管理。"),
    )
    issuing_body = forms.CharField(label=gettext_lazy("印发机关"), max_length=200, required=False)
    issued_on = forms.DateField(
        label=gettext_lazy("印发日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(
                _("文件过大（%(size).1f MB），上限为 20 MB") % {"size": upload.size / (1024 * 1024)}
            )
        return upload


def _after_import_url() -> str:
    try:
        return reverse("policy:tasks")
    except NoReverseMatch:  # the task list lives in the explore part of the app
        return reverse("policy:import_versions")


@access_rule(Capability.MANAGE_POLICY)
def policy_import(request: AuthedRequest) -> HttpResponse:
    form = PolicyUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        previous = request.session.get(SESSION_KEY)
        if previous:
            discard_staged(previous.get("token", ""))
        upload = form.cleaned_data["file"]
        token = stage_upload(upload.read())
        _queue_parse(token, upload.name)
        issued_on = form.cleaned_data["issued_on"]
        request.session[SESSION_KEY] = {
            "token": token,
            "filename": upload.name,
            "title": form.cleaned_data["title"].strip(),
            "issuing_body": form.cleaned_data["issuing_body"].strip(),
            "issued_on": issued_on.isoformat() if issued_on else "",
        }
        return redirect("policy:import_preview")
    return render(request, "policy/import_upload.html", {"form": form})


# A table the worker has not read after this long: the worker is probably not running (or died
# reading it); the page says so and offers to read it again.
PARSE_PATIENCE_SECONDS = 120


def _queue_parse(token: str, filename: str) -> None:
    from ..tasks import parse_staged_table  # tasks import services and views never the reverse at import time

    parse_staged_table.enqueue(token=token, filename=filename)


def _staged_arguments(request: AuthedRequest) -> dict[str, Any] | None:
    meta = request.session.get(SESSION_KEY)
    if not meta:
        return None
    data = read_staged(meta.get("token", ""))
    if data is None:
        return None
    return {
        "actor": request.user,
        "data": data,
        "parsed": read_parsed(meta["token"]),
        "filename": meta["filename"],
        "title": meta["title"] or None,
        "issuing_body": meta["issuing_body"],
        "issued_on": datetime.date.fromisoformat(meta["issued_on"]) if meta["issued_on"] else None,
    }


def _choices_from_post(request: AuthedRequest) -> tuple[dict[str, int], list[str]]:
    aliases: dict[str, int] = {}
    create: list[str] = []
    for index, name in enumerate(request.POST.getlist("unknown")):
        if request.POST.get(f"create_{index}"):
            create.append(name)
        target = request.POST.get(f"map_{index}", "")
        if target.isdigit():
            aliases[name] = int(target)
    return aliases, create


@access_rule(Capability.MANAGE_POLICY)
def policy_import_preview_page(request: AuthedRequest) -> HttpResponse:
    arguments = _staged_arguments(request)
    if arguments is None:
        messages.error(request, _("预览已过期或尚未上传文件，请重新上传"))
        return redirect("policy:import")
    if request.method == "POST" and request.POST.get("cancel"):
        discard_staged(request.session.pop(SESSION_KEY)["token"])
        messages.info(request, _("已取消导入，未写入任何数据"))
        return redirect("policy:import")
    if arguments["parsed"] is None:
        return _still_parsing(request)
    if request.headers.get("HX-Request"):  # the parsing page's poll: the preview is ready, load it whole
        ready = HttpResponse("")
        ready["HX-Refresh"] = "true"
        return ready

    aliases: dict[str, int] = {}
    create: list[str] = []
    errors: list[str] = []
    if request.method == "POST":
        aliases, create = _choices_from_post(request)
        unchanged = policy_import_preview(**arguments, aliases=aliases, create_units=create).unchanged
        try:
            document = policy_import_commit(**arguments, aliases=aliases, create_units=create)
        except PolicyImportError as error:
            errors = error.errors
        else:
            discard_staged(request.session.pop(SESSION_KEY)["token"])
            if unchanged is not None:
                messages.info(
                    request,
                    _("内容与《%(title)s》第 %(version)s 版相同，未做任何更改")
                    % {"title": document.title, "version": document.version},
                )
            else:
                messages.success(
                    request,
                    _("已导入《%(title)s》第 %(version)s 版：%(tasks)s 项任务")
                    % {"title": document.title, "version": document.version, "tasks": document.tasks.count()},
                )
            return redirect(_after_import_url())

    # The unknown units are listed as they are before any choice, so every one keeps its row.
    preview = policy_import_preview(**arguments)
    return render(request, "policy/import_preview.html", _preview_context(request, preview, aliases, create, errors))


def _still_parsing(request: AuthedRequest) -> HttpResponse:
    """The worker has not read the table yet: a page that asks again every second (htmx) and, when
    the worker seems gone, says so and offers to queue the reading again."""
    meta = request.session[SESSION_KEY]
    waited = staged_age(meta["token"])
    if request.method == "POST" and request.POST.get("retry"):
        _queue_parse(meta["token"], meta["filename"])
        return redirect("policy:import_preview")
    context = {"filename": meta["filename"], "stalled": waited > PARSE_PATIENCE_SECONDS}
    if request.headers.get("HX-Request"):
        return render(request, "policy/_import_parsing.html", context)
    return render(request, "policy/import_parsing.html", context)


def _preview_context(
    request: AuthedRequest, preview: ImportPreview, aliases: dict[str, int], create: list[str], errors: list[str]
) -> dict[str, Any]:
    units = [
        {
            "name": unit.name,
            "rows": unit.rows,
            "numbers": unit.numbers,
            "mapped": aliases.get(unit.name),
            "create": unit.name in create,
        }
        for unit in preview.unknown_units
    ]
    return {
        "preview": preview,
        "unknown_units": units,
        "departments": departments_visible_to(request.user).order_by(F("dissolved_on").asc(nulls_first=True), "name"),
        "commit_errors": errors,
    }


@access_rule(Capability.VIEW_POLICY)
def policy_import_versions(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    documents = (
        PolicyDocument.objects.select_related("imported_by")
        .annotate(task_count=Count("tasks"))
        .order_by("title", "-version")
    )
    if query:
        documents = documents.filter(title__icontains=query)
    page = paginate(request, documents)
    return render(
        request,
        "policy/import_versions.html",
        {
            "page": page,
            "q": query,
            "query": query_without_page(request),
            "can_import": can(request.user, Capability.MANAGE_POLICY),
        },
    )


@access_rule(Capability.VIEW_POLICY)
def policy_import_export(request: AuthedRequest, pk: str, fmt: str) -> HttpResponse:
    document = PolicyDocument.objects.filter(pk=pk).first()
    if document is None:
        raise Http404(_("分工表不存在"))
    current_names = request.GET.get("current_names") == "1"
    policy_export_record(actor=request.user, document=document, fmt=fmt, current_names=current_names)
    filename = export_filename(document, fmt, current_names=current_names)
    if fmt == "json":
        body = json.dumps(export_json(document, current_names=current_names), ensure_ascii=False, indent=2)
        response = HttpResponse(body.encode(), content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(
            export_xlsx(document, current_names=current_names),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response
