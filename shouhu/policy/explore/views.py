"""Exploring the task-division table: the task list, one task, the department × task matrix
(and its Excel export) and a township's tasks. Thin views: reads come from the explore modules,
the one write (the export's audit row) from `services`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render

from shouhu.access import (
    AuthedRequest,
    Capability,
    access_rule,
    access_township,
    can,
    departments_visible_to,
    township_of,
    townships_visible_to,
)
from shouhu.accounts.models import Department, Role
from shouhu.core.dates import today

from ..selectors import ReorganisationGraph, document_versions
from . import services
from .departments import department_choices
from .matrix import build_matrix
from .task_list import areas_of, document_for, import_url, task_for, task_groups, task_history
from .townships import township_tasks
from .units import parse_name_view, units_as_written, units_on


def department_param(request: AuthedRequest) -> Department | None:
    """The `?department=` filter: a unit the user may see, or None."""
    raw = request.GET.get("department", "").strip()
    if not raw.isdigit():
        return None
    return departments_visible_to(request.user).filter(pk=int(raw)).first()


def _common(request: AuthedRequest) -> dict[str, Any]:
    """Version, names view, area and department filters shared by the list and the matrix."""
    document = document_for(request.GET.get("version"))
    view, date_error = parse_name_view(request.GET)
    area = request.GET.get("area", "").strip()
    department = department_param(request)
    keep = {k: v for k, v in request.GET.items() if k in {"version", "q", "area", "department"} and v}
    written_link = "?" + urlencode(keep)
    current_link = "?" + urlencode({**keep, "names": "current"})
    context: dict[str, Any] = {
        "document": document,
        "view": view,
        "date_error": date_error,
        "area": area,
        "department": department,
        "keep": keep,
        "written_link": written_link,
        "current_link": current_link,
        "can_manage": can(request.user, Capability.MANAGE_POLICY),
        "import_url": import_url(),
    }
    if document is not None:
        context["areas"] = areas_of(document)
        context["versions"] = list(document_versions(document))
        context["is_current"] = context["versions"][0].pk == document.pk
        context["departments"] = department_choices()
    return context


@access_rule(Capability.VIEW_POLICY)
def task_list(request: AuthedRequest) -> HttpResponse:
    context = _common(request)
    q = request.GET.get("q", "").strip()[:100]
    context["q"] = q
    document = context["document"]
    if document is not None:
        groups = task_groups(
            document, q=q, area=context["area"], department=context["department"], view=context["view"]
        )
        context["groups"] = groups
        context["count"] = sum(len(g.rows) for g in groups)
        context["total"] = document.tasks.count()
    user = request.user
    if user.role in {Role.TOWNSHIP_SUPERVISOR, Role.VILLAGE_DIRECTOR}:
        context["own_township"] = township_of(user)
    if user.role == Role.DEPARTMENT_OFFICER and user.department_id:
        context["own_department"] = user.department
    context["filtered"] = bool(q or context["area"] or context["department"])
    return render(request, "policy/explore_tasks.html", context)


@access_rule(Capability.VIEW_POLICY)
def task_detail(request: AuthedRequest, number: int) -> HttpResponse:
    document = document_for(request.GET.get("version"))
    if document is None:
        raise Http404("尚未导入任务分工表")
    task = task_for(document, number)
    graph = ReorganisationGraph()
    neighbours = list(document.tasks.filter(number__in=[number - 1, number + 1]).values_list("number", flat=True))
    return render(
        request,
        "policy/explore_task_detail.html",
        {
            "document": document,
            "task": task,
            "written": units_as_written(task),
            "today_units": units_on(task, today(), graph),
            "today": today(),
            "history": task_history(task, graph),
            "previous": number - 1 if number - 1 in neighbours else None,
            "next": number + 1 if number + 1 in neighbours else None,
            "version_query": f"?version={document.version}" if request.GET.get("version") else "",
        },
    )


@access_rule(Capability.VIEW_POLICY)
def matrix(request: AuthedRequest) -> HttpResponse:
    context = _common(request)
    document = context["document"]
    if document is not None:
        context["matrix"] = build_matrix(
            document, area=context["area"], department=context["department"], view=context["view"]
        )
    context["export_query"] = urlencode({**context["keep"], **context["view"].params()})
    return render(request, "policy/explore_matrix.html", context)


@access_rule(Capability.VIEW_POLICY)
def matrix_xlsx(request: AuthedRequest) -> HttpResponse:
    context = _common(request)
    document = context["document"]
    if document is None:
        raise Http404("尚未导入任务分工表")
    data = services.matrix_export(
        actor=request.user,
        document=document,
        view=context["view"],
        area=context["area"],
        department=context["department"],
    )
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"policy-matrix-v{document.version}-{today():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@access_rule(Capability.VIEW_POLICY)
def township(request: AuthedRequest, code: str) -> HttpResponse:
    user = request.user
    region = access_township(user, code)
    document = document_for(request.GET.get("version"))
    return render(
        request,
        "policy/explore_township.html",
        {
            "region": region,
            "document": document,
            "rows": township_tasks(document) if document is not None else [],
            "townships": townships_visible_to(user),
            "can_manage": can(user, Capability.MANAGE_POLICY),
            "import_url": import_url(),
        },
    )
