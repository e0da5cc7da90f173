"""Exploring the task-division table and keeping it current (reorganisations). Thin views:
reads come from shouhu.policy.explore / reorganisation selectors, writes go through the
reorganisation services."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from shouhu.access import Capability, access_department, access_rule, can
from shouhu.accounts.models import Department, DepartmentKind, Role, User

from . import explore
from .models import Reorganisation, ReorganisationKind
from .reorganisation import (
    NewUnit,
    Successor,
    department_lineage,
    reorganisation_correct_date,
    reorganisation_list,
    reorganisation_record,
)
from .selectors import ReorganisationGraph, document_versions, today


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _department_param(request: HttpRequest) -> Department | None:
    raw = request.GET.get("department", "").strip()
    if not raw.isdigit():
        return None
    return Department.objects.filter(pk=int(raw)).first()


def _common(request: HttpRequest) -> dict[str, Any]:
    """Version, names view, area and department filters shared by the list and the matrix."""
    document = explore.document_for(request.GET.get("version"))
    view, date_error = explore.parse_name_view(request.GET)
    area = request.GET.get("area", "").strip()
    department = _department_param(request)
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
        "can_manage": can(_user(request), Capability.MANAGE_POLICY),
        "import_url": explore.import_url(),
    }
    if document is not None:
        context["areas"] = explore.areas_of(document)
        context["versions"] = list(document_versions(document))
        context["is_current"] = context["versions"][0].pk == document.pk
        context["departments"] = explore.department_choices()
    return context


@access_rule(Capability.VIEW_POLICY)
def task_list(request: HttpRequest) -> HttpResponse:
    context = _common(request)
    q = request.GET.get("q", "").strip()[:100]
    context["q"] = q
    document = context["document"]
    if document is not None:
        groups = explore.task_groups(
            document, q=q, area=context["area"], department=context["department"], view=context["view"]
        )
        context["groups"] = groups
        context["count"] = sum(len(g.rows) for g in groups)
        context["total"] = document.tasks.count()
    user = _user(request)
    if user.role in {Role.TOWNSHIP_SUPERVISOR, Role.VILLAGE_DIRECTOR}:
        context["own_township"] = explore.township_of(user)
    if user.role == Role.DEPARTMENT_OFFICER and user.department_id:
        context["own_department"] = user.department
    context["filtered"] = bool(q or context["area"] or context["department"])
    return render(request, "policy/explore_tasks.html", context)


@access_rule(Capability.VIEW_POLICY)
def task_detail(request: HttpRequest, number: int) -> HttpResponse:
    document = explore.document_for(request.GET.get("version"))
    if document is None:
        raise Http404("尚未导入任务分工表")
    task = explore.task_for(document, number)
    graph = ReorganisationGraph()
    neighbours = list(document.tasks.filter(number__in=[number - 1, number + 1]).values_list("number", flat=True))
    return render(
        request,
        "policy/explore_task_detail.html",
        {
            "document": document,
            "task": task,
            "written": explore.units_as_written(task),
            "today_units": explore.units_on(task, today(), graph),
            "today": today(),
            "history": explore.task_history(task, graph),
            "previous": number - 1 if number - 1 in neighbours else None,
            "next": number + 1 if number + 1 in neighbours else None,
            "version_query": f"?version={document.version}" if request.GET.get("version") else "",
        },
    )


@access_rule(Capability.VIEW_POLICY)
def matrix(request: HttpRequest) -> HttpResponse:
    context = _common(request)
    document = context["document"]
    if document is not None:
        context["matrix"] = explore.build_matrix(
            document, area=context["area"], department=context["department"], view=context["view"]
        )
    context["export_query"] = urlencode({**context["keep"], **context["view"].params()})
    return render(request, "policy/explore_matrix.html", context)


@access_rule(Capability.VIEW_POLICY)
def matrix_xlsx(request: HttpRequest) -> HttpResponse:
    context = _common(request)
    document = context["document"]
    if document is None:
        raise Http404("尚未导入任务分工表")
    data = explore.matrix_export(
        actor=_user(request),
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
def township(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    region = explore.access_township(user, code)
    document = explore.document_for(request.GET.get("version"))
    return render(
        request,
        "policy/explore_township.html",
        {
            "region": region,
            "document": document,
            "rows": explore.township_tasks(document) if document is not None else [],
            "townships": explore.townships_visible_to(user),
            "can_manage": can(user, Capability.MANAGE_POLICY),
            "import_url": explore.import_url(),
        },
    )


# ---------------------------------------------------------------------------
# Reorganisations
# ---------------------------------------------------------------------------


def _active_units() -> Any:
    return Department.objects.filter(dissolved_on__isnull=True).exclude(kind=DepartmentKind.TOWNSHIPS).order_by("pk")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


_NEW_UNIT_SPLIT = re.compile(r"[，,｜|\t]+")


class ReorganisationForm(forms.Form):
    """One form for the three kinds; the fields a kind does not use are removed."""

    effective_on = forms.DateField(
        label="生效日期", widget=DateInput(), error_messages={"invalid": "「生效日期」格式应为 YYYY-MM-DD"}
    )
    predecessor = forms.ModelChoiceField(label="原单位", queryset=Department.objects.none())
    predecessors = forms.ModelMultipleChoiceField(
        label="原单位（至少两个）", queryset=Department.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    successor = forms.ModelChoiceField(
        label="新单位：已有单位",
        queryset=Department.objects.none(),
        required=False,
        help_text="新单位已在系统中（如合并到已有的单位）时选择；否则在下面填写新单位的名称",
    )
    new_name = forms.CharField(label="新单位：简称", max_length=100, required=False, help_text="表中写法，如 县卫健局")
    new_official_name = forms.CharField(
        label="新单位：全称", max_length=100, required=False, help_text="如 县卫生健康局"
    )
    successors = forms.ModelMultipleChoiceField(
        label="新单位：已有单位",
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    new_units = forms.CharField(
        label="新单位：新设单位",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一个：简称，全称（全称可省略），如「县医保局，县医疗保障局」",
    )
    note = forms.CharField(label="说明", max_length=300, required=False, help_text="如文件依据、待确认事项")

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        unused = {
            ReorganisationKind.RENAME: ("predecessors", "successors", "new_units"),
            ReorganisationKind.MERGE: ("predecessor", "successors", "new_units"),
            ReorganisationKind.SPLIT: ("predecessors", "successor", "new_name", "new_official_name"),
        }[kind]  # type: ignore[index]
        for name in unused:
            del self.fields[name]
        for name in ("predecessor", "predecessors", "successor", "successors"):
            if name in self.fields:
                self.fields[name].queryset = _active_units()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "new_name" in self.fields:
            has_existing, has_new = data.get("successor") is not None, bool(data.get("new_name", "").strip())
            if has_existing == has_new:
                raise ValidationError("新单位：请选择一个已有单位，或填写新单位的简称（二选一）")
        if "new_units" in self.fields:
            for index, line in enumerate(data.get("new_units", "").splitlines(), start=1):
                parts = [p.strip() for p in _NEW_UNIT_SPLIT.split(line.strip()) if p.strip()]
                if len(parts) > 2:
                    self.add_error("new_units", f"第 {index} 行「{line.strip()[:30]}」：应为“简称，全称”两项")
        return data

    def predecessor_list(self) -> list[Department]:
        data = self.cleaned_data
        return list(data["predecessors"]) if "predecessors" in data else [data["predecessor"]]

    def successor_list(self) -> list[Successor]:
        data = self.cleaned_data
        if "new_name" in self.fields:
            if data.get("successor") is not None:
                return [data["successor"]]
            return [NewUnit(data["new_name"].strip(), data.get("new_official_name", "").strip())]
        result: list[Successor] = list(data.get("successors") or [])
        for line in data.get("new_units", "").splitlines():
            parts = [p.strip() for p in _NEW_UNIT_SPLIT.split(line.strip()) if p.strip()]
            if parts:
                result.append(NewUnit(parts[0], parts[1] if len(parts) > 1 else ""))
        return result


FIELD_FOR_ERROR = {
    "predecessors": ("predecessors", "predecessor"),
    "successors": ("successors", "successor", "new_name", "new_units"),
    "effective_on": ("effective_on",),
}


def _add_service_errors(form: forms.Form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages_ in error.message_dict.items():
        target = next((f for f in FIELD_FOR_ERROR.get(key, ()) if f in form.fields), None)
        form.add_error(target, messages_)


KIND_TITLES = {
    ReorganisationKind.RENAME: "登记更名",
    ReorganisationKind.MERGE: "登记合并",
    ReorganisationKind.SPLIT: "登记拆分",
}
KIND_HELP = {
    ReorganisationKind.RENAME: "一个单位改名或职能整体划入另一个单位（如 县卫计局 → 县卫健局）。",
    ReorganisationKind.MERGE: "几个单位合并为一个（如 县国税局 + 县地税局 → 县税务局）。",
    ReorganisationKind.SPLIT: "一个单位拆分为几个；除另有规定外，每个新单位都承担原单位的全部任务。",
}


@access_rule(Capability.VIEW_POLICY)
def reorganisations(request: HttpRequest) -> HttpResponse:
    department = _department_param(request)
    items = list(reorganisation_list(department=department))
    return render(
        request,
        "policy/reorg_list.html",
        {
            "items": items,
            "department": department,
            "departments": explore.department_choices(),
            "can_manage": can(_user(request), Capability.MANAGE_POLICY),
            "kinds": [(k, KIND_TITLES[k]) for k in ReorganisationKind],  # type: ignore[index]
        },
    )


@access_rule(Capability.MANAGE_POLICY)
def reorganisation_new(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in ReorganisationKind.values:
        raise Http404("没有这种机构改革类型")
    form = ReorganisationForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            item = reorganisation_record(
                actor=_user(request),
                kind=kind,
                effective_on=form.cleaned_data["effective_on"],
                predecessors=form.predecessor_list(),
                successors=form.successor_list(),
                note=form.cleaned_data.get("note", ""),
            )
        except ValidationError as e:
            _add_service_errors(form, e)
        else:
            messages.success(
                request,
                f"已登记{item.get_kind_display()}（{item.effective_on:%Y-%m-%d} 起）。"
                "任务分工按现名称显示时已随之更新。",
            )
            return redirect("policy:reorganisations")
    return render(
        request,
        "policy/reorg_form.html",
        {
            "form": form,
            "title": KIND_TITLES[ReorganisationKind(kind)],
            "help": KIND_HELP[ReorganisationKind(kind)],
        },
    )


class CorrectDateForm(forms.Form):
    effective_on = forms.DateField(
        label="正确的生效日期", widget=DateInput(), error_messages={"invalid": "「生效日期」格式应为 YYYY-MM-DD"}
    )
    note = forms.CharField(label="说明", max_length=300, required=False)


@access_rule(Capability.MANAGE_POLICY)
def reorganisation_correct(request: HttpRequest, reorganisation_id: int) -> HttpResponse:
    item = get_object_or_404(
        Reorganisation.objects.prefetch_related("predecessors", "successors"), pk=reorganisation_id
    )
    form = CorrectDateForm(request.POST or None, initial={"effective_on": item.effective_on, "note": item.note})
    if request.method == "POST" and form.is_valid():
        try:
            reorganisation_correct_date(
                actor=_user(request),
                reorganisation=item,
                effective_on=form.cleaned_data["effective_on"],
                note=form.cleaned_data.get("note", ""),
            )
        except ValidationError as e:
            _add_service_errors(form, e)
        else:
            messages.success(request, "日期已更正")
            return redirect("policy:reorganisations")
    return render(request, "policy/reorg_correct.html", {"form": form, "item": item})


@access_rule(Capability.VIEW_POLICY)
def department_history(request: HttpRequest, department_id: int) -> HttpResponse:
    department = access_department(_user(request), department_id)
    return render(
        request,
        "policy/reorg_department.html",
        {
            "lineage": department_lineage(department),
            "can_manage": can(_user(request), Capability.MANAGE_POLICY),
        },
    )
