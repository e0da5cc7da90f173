"""Keeping the task-division table current: recording departments' reorganisations (机构改革),
correcting their dates, and a unit's history. Thin views: `selectors` read, `services` write."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from shouhu.access import AuthedRequest, Capability, access_department, access_rule, can
from shouhu.accounts.models import Department, DepartmentKind

from ..explore.departments import department_choices
from ..explore.views import department_param
from ..models import Reorganisation, ReorganisationKind
from .selectors import department_lineage, reorganisation_list
from .services import NewUnit, Successor, reorganisation_correct_date, reorganisation_record


def _active_units() -> Any:
    return Department.objects.filter(dissolved_on__isnull=True).exclude(kind=DepartmentKind.TOWNSHIPS).order_by("pk")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


_NEW_UNIT_SPLIT = re.compile(r"[，,｜|\t]+")
_TASK_SPLIT = re.compile(r"[\s，,、；;]+")


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
    task_numbers = forms.CharField(
        label="划转的任务（序号）",
        max_length=200,
        required=False,
        help_text="分工表中的任务序号，用顿号或逗号分隔，如「7、8」；这些任务自生效日期起由新单位承担",
    )
    measure_codes = forms.MultipleChoiceField(
        label="只划转某项措施的转介",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="措施所属任务不整体划转、只有该措施的转介改由新单位办理时勾选",
    )
    note = forms.CharField(label="说明", max_length=300, required=False, help_text="如文件依据、待确认事项")

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        transfer_fields = ("task_numbers", "measure_codes")
        unused = {
            ReorganisationKind.RENAME: ("predecessors", "successors", "new_units", *transfer_fields),
            ReorganisationKind.MERGE: ("predecessor", "successors", "new_units", *transfer_fields),
            ReorganisationKind.SPLIT: ("predecessors", "successor", "new_name", "new_official_name", *transfer_fields),
            ReorganisationKind.TRANSFER: ("predecessors", "successors", "new_units"),
        }[kind]  # type: ignore[index]
        for name in unused:
            del self.fields[name]
        for name in ("predecessor", "predecessors", "successor", "successors"):
            if name in self.fields:
                self.fields[name].queryset = _active_units()  # type: ignore[attr-defined]
        if "measure_codes" in self.fields:
            from shouhu.eligibility.models import Rule, RuleKind

            self.fields["measure_codes"].choices = [  # type: ignore[attr-defined]
                (r.code, f"{r.code} {r.label}") for r in Rule.objects.filter(kind=RuleKind.MEASURE).order_by("code")
            ]

    def clean_task_numbers(self) -> list[int]:
        text = self.cleaned_data.get("task_numbers", "") or ""
        numbers: list[int] = []
        for part in _TASK_SPLIT.split(text.strip()):
            if not part:
                continue
            if not part.isdigit() or not 0 < int(part) < 1000:
                raise ValidationError(f"「划转的任务（序号）」中的「{part[:10]}」不是任务序号，应填写如「7、8」")
            numbers.append(int(part))
        return numbers

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
    "task_numbers": ("task_numbers",),
    "measure_codes": ("measure_codes",),
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
    ReorganisationKind.TRANSFER: "登记职能划转",
}
KIND_HELP = {
    ReorganisationKind.RENAME: "一个单位改名或职能整体划入另一个单位（如 县卫计局 → 县卫健局）。",
    ReorganisationKind.MERGE: "几个单位合并为一个（如 县国税局 + 县地税局 → 县税务局）。",
    ReorganisationKind.SPLIT: "一个单位拆分为几个；除另有规定外，每个新单位都承担原单位的全部任务。",
    ReorganisationKind.TRANSFER: "一个单位的部分职能划入另一个单位（如医疗救助由县民政局划入县医保局）："
    "只有所选任务或措施改由新单位承担，原单位照常存在。",
}


@access_rule(Capability.VIEW_POLICY)
def reorganisations(request: AuthedRequest) -> HttpResponse:
    department = department_param(request)
    items = list(reorganisation_list(department=department))
    if any(r.kind == ReorganisationKind.TRANSFER for r in items):
        from shouhu.eligibility.models import Rule, RuleKind

        labels = dict(Rule.objects.filter(kind=RuleKind.MEASURE).values_list("code", "label"))
        for r in items:
            r.scope = "、".join(  # type: ignore[attr-defined]
                [f"第 {n} 项任务" for n in r.task_numbers or ()]
                + [f"{c} {labels.get(c, '')}".strip() for c in r.measure_codes or ()]
            )
    return render(
        request,
        "policy/reorg_list.html",
        {
            "items": items,
            "department": department,
            "departments": department_choices(),
            "can_manage": can(request.user, Capability.MANAGE_POLICY),
            "kinds": [(k, KIND_TITLES[k]) for k in ReorganisationKind],  # type: ignore[index]
        },
    )


@access_rule(Capability.MANAGE_POLICY)
def reorganisation_new(request: AuthedRequest, kind: str) -> HttpResponse:
    if kind not in ReorganisationKind.values:
        raise Http404("没有这种机构改革类型")
    form = ReorganisationForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            item = reorganisation_record(
                actor=request.user,
                kind=kind,
                effective_on=form.cleaned_data["effective_on"],
                predecessors=form.predecessor_list(),
                successors=form.successor_list(),
                note=form.cleaned_data.get("note", ""),
                task_numbers=form.cleaned_data.get("task_numbers") or [],
                measure_codes=form.cleaned_data.get("measure_codes") or [],
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
            "kind": kind,
        },
    )


class CorrectDateForm(forms.Form):
    effective_on = forms.DateField(
        label="正确的生效日期", widget=DateInput(), error_messages={"invalid": "「生效日期」格式应为 YYYY-MM-DD"}
    )
    note = forms.CharField(label="说明", max_length=300, required=False)


@access_rule(Capability.MANAGE_POLICY)
def reorganisation_correct(request: AuthedRequest, reorganisation_id: int) -> HttpResponse:
    item = get_object_or_404(
        Reorganisation.objects.prefetch_related("predecessors", "successors"), pk=reorganisation_id
    )
    form = CorrectDateForm(request.POST or None, initial={"effective_on": item.effective_on, "note": item.note})
    if request.method == "POST" and form.is_valid():
        try:
            reorganisation_correct_date(
                actor=request.user,
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
def department_history(request: AuthedRequest, department_id: int) -> HttpResponse:
    department = access_department(request.user, department_id)
    return render(
        request,
        "policy/reorg_department.html",
        {
            "lineage": department_lineage(department),
            "can_manage": can(request.user, Capability.MANAGE_POLICY),
        },
    )
