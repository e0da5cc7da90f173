"""The duty map pages: every measure's map (list), one measure's versions (history), and the
administrator's edit form, which shows what will change and asks to confirm before saving."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from shouhu.access import AuthedRequest, Capability, access_rule, can
from shouhu.accounts.models import Department, DepartmentKind
from shouhu.core.dates import today
from shouhu.eligibility.models import Rule, RuleKind
from shouhu.eligibility.rules import ruleset_on

from ..models import Mode
from ..selectors import current_document, reorganisation_graph, responsible_on
from .selectors import assignments_of, duty_history, duty_maps_on, measure_categories
from .services import DutyInput, duty_map_set


def _measures() -> dict[str, Rule]:
    return {r.code: r for r in Rule.objects.filter(kind=RuleKind.MEASURE).order_by("code")}


def _modes() -> dict[int, Any]:
    document = current_document()
    return {t.number: t for t in document.tasks.prefetch_related("responsibilities__department")} if document else {}


def _measure(code: str) -> tuple[Rule, Any]:
    rule = _measures().get(code)
    task = _modes().get(rule.task_number) if rule is not None and rule.task_number else None
    if rule is None or task is None or task.mode != Mode.EACH_BY_DUTY:
        raise Http404("该措施不是按职责分别落实的措施")
    return rule, task


def _category_names() -> dict[str, str]:
    return dict(Rule.objects.filter(kind=RuleKind.CATEGORY).values_list("code", "label"))


@access_rule(Capability.VIEW_POLICY)
def duty_list(request: AuthedRequest) -> HttpResponse:
    tasks, maps, names = _modes(), duty_maps_on(), _category_names()
    graph = reorganisation_graph()
    rows = []
    for code, rule in _measures().items():
        task = tasks.get(rule.task_number or 0)
        if task is None or task.mode != Mode.EACH_BY_DUTY:
            continue
        version = maps.get(code)
        assignments = assignments_of(version)
        handling = {a.department.pk for a in assignments}
        units = [r.department for r in responsible_on(task, today(), graph, measure=code)]
        rows.append(
            {
                "code": code,
                "label": rule.label,
                "task": task,
                "version": version,
                "duties": [(names.get(a.category, a.category), a) for a in assignments],
                "guiding": [d for d in units if d.pk not in handling] if assignments else [],
            }
        )
    return render(
        request, "policy/duty_list.html", {"rows": rows, "can_manage": can(request.user, Capability.MANAGE_POLICY)}
    )


@access_rule(Capability.VIEW_POLICY)
def duty_measure_history(request: AuthedRequest, code: str) -> HttpResponse:
    rule, task = _measure(code)
    names = _category_names()
    versions = [(v, [(names.get(a.category, a.category), a) for a in assignments_of(v)]) for v in duty_history(code)]
    current = duty_maps_on().get(code)
    return render(
        request,
        "policy/duty_history.html",
        {
            "rule": rule,
            "task": task,
            "versions": versions,
            "current": current,
            "can_manage": can(request.user, Capability.MANAGE_POLICY),
        },
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DutyForm(forms.Form):
    """One unit (or none) per category the measure's rule reads, each confirmed or 待确认."""

    effective_from = forms.DateField(
        label="生效日期", widget=DateInput(), error_messages={"invalid": "「生效日期」格式应为 YYYY-MM-DD"}
    )
    note = forms.CharField(label="修改说明", max_length=300, required=False, help_text="如县里确认的文件、会议")

    def __init__(self, *args: Any, categories: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = categories
        units = Department.objects.filter(dissolved_on__isnull=True).exclude(kind=DepartmentKind.TOWNSHIPS)
        for code, name in categories.items():
            self.fields[f"unit_{code}"] = forms.ModelChoiceField(
                label=f"{name}：办理单位",
                queryset=units.order_by("pk"),
                required=False,
                empty_label="（不按此类别转介）",
            )
            self.fields[f"confirmed_{code}"] = forms.BooleanField(
                label=f"{name}：已经县里确认", required=False, help_text="不勾选则显示为“待确认”"
            )

    def duties(self) -> list[DutyInput]:
        data = self.cleaned_data
        return [
            DutyInput(code, data[f"unit_{code}"], bool(data.get(f"confirmed_{code}")))
            for code in self.categories
            if data.get(f"unit_{code}") is not None
        ]


@access_rule(Capability.MANAGE_POLICY)
def duty_edit(request: AuthedRequest, code: str) -> HttpResponse:
    rule, task = _measure(code)
    names = _category_names()
    categories = {c: names.get(c, c) for c in measure_categories(ruleset_on(today()), code)}
    current = duty_maps_on().get(code)
    initial: dict[str, Any] = {"effective_from": today()}
    for assignment in assignments_of(current):
        initial.setdefault(f"unit_{assignment.category}", assignment.department)
        initial.setdefault(f"confirmed_{assignment.category}", assignment.confirmed)
    form = DutyForm(request.POST or None, categories=categories, initial=initial)
    context: dict[str, Any] = {"rule": rule, "task": task, "form": form, "current": current, "confirming": False}
    if request.method == "POST" and form.is_valid():
        duties = form.duties()
        if request.POST.get("confirm") == "1":
            try:
                version = duty_map_set(
                    actor=request.user,
                    measure=code,
                    measure_label=rule.label,
                    duties=duties,
                    categories=categories,
                    effective_from=form.cleaned_data["effective_from"],
                    note=form.cleaned_data.get("note", ""),
                )
            except ValidationError as e:
                for key, texts in e.message_dict.items():
                    form.add_error("effective_from" if key == "effective_from" else None, texts)
            else:
                messages.success(request, f"已保存{rule.label}的职责分工第 {version.version} 版。")
                return redirect("policy:duty_history", code=code)
        elif not duties:
            form.add_error(None, "请至少为一个儿童类别指定办理单位")
        else:
            context.update(
                confirming=True,
                new=[(categories[d.category], d) for d in duties],
                old=[(names.get(a.category, a.category), a) for a in assignments_of(current)],
            )
    return render(request, "policy/duty_form.html", context)
