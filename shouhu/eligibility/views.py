"""The eligibility screens: rules and parameters (read, edit with a preview), screening runs
(start, progress, results and changes), counts by region, the 待补充信息 worklist, and one
child's eligibility.

Thin: selectors read (already scoped), services.py (rules, parameters) and the screening package
(runs) write, exports in exporting.py. Scope: `shouhu.access` loaders raise 404 outside the user's
jurisdiction."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from shouhu.access import (
    AuthedRequest,
    Capability,
    access_child,
    access_counting_region,
    access_rule,
    access_run,
    can,
    children_visible_to,
    counting_regions_visible_to,
    run_within_scope,
)
from shouhu.core.dates import today
from shouhu.registry import services as registry_services
from shouhu.registry.identity import age_on
from shouhu.registry.models import ChildStatus
from shouhu.web.forms import add_validation_errors
from shouhu.web.pagination import paginate, query_without_page
from shouhu.web.rows import url_for_id

from . import exporting, selectors
from .forms import ChangeFilterForm, CountsFilterForm, ParameterForm, PendingFilterForm, RuleForm, RunStartForm
from .models import PendingFacts, RuleKind, RunState
from .rules import propose_parameter, propose_rule, rule_versions_on, ruleset_on
from .screening import screening_start
from .services import child_eligibility_viewed, parameter_save, rule_save
from .tasks import screen_region
from .templatetags.rule_labels import parameter_label

KIND_TITLES: dict[str, str] = {"category": "类别", "measure": "措施", "block": "构件（供其他规则引用）"}


SUBNAV = [
    ("runs", "筛查", "eligibility:runs", Capability.VIEW_ELIGIBILITY),
    ("counts", "人数统计", "eligibility:counts", Capability.VIEW_ELIGIBILITY),
    ("rules", "规则", "eligibility:rules", Capability.VIEW_POLICY),
    ("parameters", "参数", "eligibility:parameters", Capability.VIEW_POLICY),
    ("pending", "待补充信息", "eligibility:pending", Capability.REGISTER_CHILDREN),
]


def _page(request: AuthedRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Render an eligibility page with the sub-navigation the user may follow."""
    subnav = [(key, label, reverse(name)) for key, label, name, cap in SUBNAV if can(request.user, cap)]
    return render(request, template, {**context, "subnav": subnav}, status=status)


def _date_param(request: AuthedRequest, name: str = "on") -> tuple[datetime.date | None, str]:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None, ""
    try:
        return datetime.date.fromisoformat(raw), ""
    except ValueError:
        return None, f"日期 {raw} 无效（应为 YYYY-MM-DD）"


def _vocabulary() -> dict[str, Any]:
    from . import docs_rules

    return {
        "fields": docs_rules.field_docs(),
        "blocks": docs_rules.block_docs(),
        "parameters": docs_rules.parameter_docs(),
    }


# -- rules -----------------------------------------------------------------------------------


@access_rule(Capability.VIEW_POLICY)
def rule_list(request: AuthedRequest) -> HttpResponse:
    on, problem = _date_param(request)
    on = on or today()
    groups = selectors.rule_rows(on)
    return _page(
        request,
        "eligibility/rule_list.html",
        {
            "on": on,
            "is_today": on == today(),
            "date_problem": problem,
            "groups": [(kind, KIND_TITLES[kind], groups[kind]) for kind in RuleKind.values if groups.get(kind)],
            "may_manage": can(request.user, Capability.MANAGE_RULES),
            "active": "rules",
        },
    )


@access_rule(Capability.VIEW_POLICY)
def rule_detail(request: AuthedRequest, code: str) -> HttpResponse:
    rule = selectors.rule_or_404(code)
    page = selectors.rule_page(rule, today())
    return _page(
        request,
        "eligibility/rule_detail.html",
        {"page": page, "rule": rule, "may_manage": can(request.user, Capability.MANAGE_RULES), "active": "rules"},
    )


@access_rule(Capability.MANAGE_RULES)
def rule_edit(request: AuthedRequest, code: str) -> HttpResponse:
    rule = selectors.rule_or_404(code)
    day = today()
    versions = list(rule.versions.order_by("-version"))
    current = rule_versions_on(day).get(code) or (versions[0] if versions else None)
    initial = {"expression": current.expression if current else "", "effective_from": day}
    form = RuleForm(request.POST or None, initial=initial)
    rows, as_of = None, None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            proposal = propose_rule(code=code, expression=data["expression"], effective_from=data["effective_from"])
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            if "save" in request.POST:
                try:
                    version = rule_save(
                        actor=request.user,
                        code=code,
                        expression=data["expression"],
                        effective_from=data["effective_from"],
                        note=data["note"],
                    )
                except ValidationError as e:
                    add_validation_errors(form, e)
                else:
                    messages.success(
                        request, f"已保存规则 {code} 第 {version.version} 版，{version.effective_from} 起生效"
                    )
                    return redirect("eligibility:rule", code=code)
            as_of = data["effective_from"]
            rows = selectors.preview(
                before=ruleset_on(data["effective_from"]),
                after=proposal.ruleset,
                codes=proposal.affected,
                as_of=data["effective_from"],
                children=children_visible_to(request.user),
            )
    return _page(
        request,
        "eligibility/rule_edit.html",
        {
            "rule": rule,
            "current": current,
            "form": form,
            "rows": rows,
            "active": "rules",
            "vocabulary": _vocabulary(),
            "as_of": as_of,
        },
    )


@access_rule(Capability.VIEW_POLICY)
def parameter_list(request: AuthedRequest) -> HttpResponse:
    return _page(
        request,
        "eligibility/parameter_list.html",
        {
            "rows": selectors.parameter_rows(today()),
            "may_manage": can(request.user, Capability.MANAGE_RULES),
            "active": "parameters",
        },
    )


@access_rule(Capability.MANAGE_RULES)
def parameter_edit(request: AuthedRequest, name: str) -> HttpResponse:
    parameter = selectors.parameter_or_404(name)
    day = today()
    current_value = selectors.parameter_values_on(day).get(name)
    form = ParameterForm(request.POST or None, initial={"value": current_value, "effective_from": day})
    rows, as_of = None, None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            proposal = propose_parameter(name=name, value=data["value"], effective_from=data["effective_from"])
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            if "save" in request.POST:
                try:
                    version = parameter_save(
                        actor=request.user,
                        name=name,
                        value=data["value"],
                        effective_from=data["effective_from"],
                        note=data["note"],
                    )
                except ValidationError as e:
                    add_validation_errors(form, e)
                else:
                    messages.success(
                        request,
                        f"已保存参数「{parameter_label(name)}」= {version.value}（第 {version.version} 版），"
                        f"{version.effective_from} 起生效",
                    )
                    return redirect("eligibility:parameters")
            as_of = data["effective_from"]
            rows = selectors.preview(
                before=ruleset_on(data["effective_from"]),
                after=proposal.ruleset,
                codes=proposal.affected,
                as_of=data["effective_from"],
                children=children_visible_to(request.user),
            )
    return _page(
        request,
        "eligibility/parameter_edit.html",
        {
            "parameter": parameter,
            "current_value": current_value,
            "versions": parameter.versions.select_related("created_by").order_by("-version"),
            "form": form,
            "rows": rows,
            "active": "parameters",
            "as_of": as_of,
        },
    )


# -- screening runs --------------------------------------------------------------------------


def _start_form(request: AuthedRequest, data: Any = None) -> RunStartForm | None:
    if not can(request.user, Capability.RUN_SCREENING):
        return None
    return RunStartForm(data, choices=selectors.run_region_choices(request.user), today=today())


def _run_list(request: AuthedRequest, form: RunStartForm | None, status: int = 200) -> HttpResponse:
    runs = selectors.run_list(request.user)
    page = paginate(request, runs)
    return _page(
        request,
        "eligibility/run_list.html",
        {
            "page": page,
            "rows": selectors.run_rows(request.user, list(page)),
            "form": form,
            "query": query_without_page(request),
            "active": "runs",
        },
        status=status,
    )


@access_rule(Capability.VIEW_ELIGIBILITY)
def run_list(request: AuthedRequest) -> HttpResponse:
    return _run_list(request, _start_form(request))


@require_POST
@access_rule(Capability.RUN_SCREENING)
def run_start(request: AuthedRequest) -> HttpResponse:
    form = _start_form(request, request.POST)
    assert form is not None
    if form.is_valid():
        try:
            run = screening_start(
                actor=request.user,
                region_code=form.cleaned_data["region_code"],
                as_of=form.cleaned_data["as_of"],
                enqueue=screen_region.enqueue,
            )
        except ValidationError as e:
            add_validation_errors(form, e)
        except PermissionDenied as e:
            form.add_error("region_code", str(e))
        else:
            messages.success(request, f"已发起筛查 #{run.pk}，正在后台进行")
            return redirect("eligibility:run", run_id=run.pk)
    return _run_list(request, form)


@access_rule(Capability.VIEW_ELIGIBILITY)
def run_detail(request: AuthedRequest, run_id: int) -> HttpResponse:
    run = access_run(request.user, run_id)
    labels = selectors.code_labels()
    filters = ChangeFilterForm(request.GET or None, codes=labels)
    may_see_children = can(request.user, Capability.VIEW_CHILDREN)
    page = None
    if may_see_children and run.state == RunState.DONE:
        changes = selectors.run_changes(request.user, run, code=filters.value("code"), change=filters.value("change"))
        page = paginate(request, changes)
        _shown(request, "筛查结果的变化", [c.child_id for c in page])
    day = today()
    return _page(
        request,
        "eligibility/run_detail.html",
        {
            "run": run,
            "region_name": selectors.region_names({run.region_code}).get(run.region_code, run.region_code),
            "whole": run_within_scope(request.user, run),
            "counts": selectors.run_counts(request.user, run) if run.state == RunState.DONE else [],
            "labels": labels,
            "filters": filters,
            "page": page,
            "changes": [(c, age_on(c.child.birth_date, day), labels.get(c.code, (c.code, ""))[0]) for c in page]
            if page
            else [],
            "may_see_children": may_see_children,
            "parameters": selectors.run_parameters(run),
            "query": query_without_page(request),
            "active": "runs",
        },
    )


@access_rule(Capability.VIEW_ELIGIBILITY)
def run_progress(request: AuthedRequest, run_id: int) -> HttpResponse:
    """The progress bar, polled by htmx while the run is queued or running; once it has finished
    the page reloads to show the results."""
    run = access_run(request.user, run_id)
    response = render(request, "eligibility/_run_progress.html", {"run": run})
    if run.state in (RunState.DONE, RunState.FAILED) and getattr(request, "htmx", False):
        response["HX-Refresh"] = "true"
    return response


# -- counts by region ------------------------------------------------------------------------


def _counts_context(request: AuthedRequest) -> dict[str, Any]:
    regions = counting_regions_visible_to(request.user)
    choices = [(r.code, r.name) for r in regions.order_by("code")]
    filters = CountsFilterForm(request.GET or None, regions=choices)
    region = access_counting_region(request.user, request.GET.get("region", "").strip())
    kind = filters.value("kind")
    return {"filters": filters, "region": region, "kind": kind, "table": selectors.counts_table(region, kind=kind)}


@access_rule(Capability.VIEW_ELIGIBILITY)
def counts(request: AuthedRequest) -> HttpResponse:
    context = _counts_context(request)
    latest = selectors.latest_runs(request.user)
    return _page(
        request,
        "eligibility/counts.html",
        {
            **context,
            "latest": latest[0] if latest else None,
            "has_results": bool(latest) or any(row[4] for row in context["table"].rows),
            "may_list": can(request.user, Capability.VIEW_CHILDREN),
            "query": request.GET.urlencode(),
            "active": "counts",
        },
    )


@access_rule(Capability.VIEW_ELIGIBILITY)
def counts_export(request: AuthedRequest) -> HttpResponse:
    context = _counts_context(request)
    data = exporting.counts_export(actor=request.user, table=context["table"], on=today())
    response = HttpResponse(data, content_type=exporting.XLSX)
    filename = f"eligibility-counts-{context['region'].code}-{today():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _list_target(request: AuthedRequest) -> tuple[Any, str, str]:
    region = access_counting_region(request.user, request.GET.get("region", "").strip())
    code = request.GET.get("code", "").strip()
    labels = selectors.code_labels()
    if code not in labels:
        raise Http404("类别或措施不存在")
    return region, code, labels[code][0]


# What the eligible-children list shows (and orders by): 50 full rows with their children, regions
# and timestamps cost more to load than to show, and the child's encrypted fields are decrypted on load.
LIST_COLUMNS = (
    "child_id",
    "since",
    "found_by_id",
    "rule_version",
    "child__name",
    "child__name_pinyin",
    "child__id_number_masked",
    "child__sex",
    "child__birth_date",
    "child__region_code",
    "child__region__name",
    "child__region__parent__name",
)


def _list_row_html(row: Any, age: int, child_url: Callable[[Any], str], run_url: Callable[[Any], str]) -> str:
    """One row of the eligible-children list (what its template rendered per row; shouhu/web/rows.py)."""
    child = row.child
    parent = child.region.parent
    return format_html(
        '<tr>\n    <td><a href="{}">{}</a><br><small class="muted mono">{}</small></td>\n'
        "    <td>{} · {}</td>\n"
        "    <td>{}{}</td>\n"
        "    <td>{}</td>\n"
        '    <td><a href="{}">{}</a></td>\n  </tr>',
        child_url(row.child_id),
        child.name,
        child.id_number_masked or "无身份证号",
        child.get_sex_display(),
        gettext("%(age)s 岁") % {"age": age},
        child.region.name,
        format_html('<br><small class="muted">{}</small>', parent.name) if parent else "",
        row.since.strftime("%Y-%m-%d") if row.since else "",
        run_url(row.found_by_id),
        gettext("第 %(v)s 版（筛查 #%(n)s）") % {"v": row.rule_version, "n": row.found_by_id},
    )


@access_rule(Capability.VIEW_CHILDREN)
def counts_list(request: AuthedRequest) -> HttpResponse:
    region, code, label = _list_target(request)
    page = paginate(
        request,
        selectors.eligible_children(request.user, region, code).only(*LIST_COLUMNS),
        keys=("child__region_code", "child__name_pinyin", "child_id"),  # its order; one open row per child
    )
    day = today()
    rows = [(row, age_on(row.child.birth_date, day)) for row in page]
    _shown(request, f"符合「{label}」的儿童", [row.child_id for row, _ in rows])
    child_url, run_url = url_for_id("eligibility:child"), url_for_id("eligibility:run")
    return _page(
        request,
        "eligibility/counts_list.html",
        {
            "region": region,
            "code": code,
            "label": label,
            "page": page,
            "rows": rows,
            "rows_html": mark_safe("".join(_list_row_html(row, age, child_url, run_url) for row, age in rows)),  # noqa: S308  (format_html escaped each value)
            "query": query_without_page(request),
            "may_export": can(request.user, Capability.EXPORT_CHILDREN),
            "active": "counts",
        },
    )


@access_rule(Capability.EXPORT_CHILDREN)
def counts_list_export(request: AuthedRequest) -> HttpResponse:
    region, code, label = _list_target(request)
    data, _count = exporting.list_export(actor=request.user, region=region, code=code, label=label, on=today())
    response = HttpResponse(data, content_type=exporting.XLSX)
    filename = f"eligibility-{code}-{region.code}-{today():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# -- the 待补充信息 worklist --------------------------------------------------------------------

# What the worklist shows (and orders by): no timestamps, no encrypted fields (decrypted on load).
PENDING_COLUMNS = (
    "codes",
    *PendingFacts.FACT_FIELDS.values(),
    "as_of",
    "child__name",
    "child__name_pinyin",
    "child__sex",
    "child__birth_date",
    "child__region_code",
    "child__region__name",
    "child__region__parent__name",
)


def _pending_row_html(
    row: Any, age: int, item: selectors.PendingItem, child_url: Callable[[Any], str], change_url: Callable[[Any], str]
) -> str:
    """One child of the worklist, a card that reads the same on a phone (shouhu/web/rows.py)."""
    child = row.child
    parent = child.region.parent
    return format_html(
        '<li data-child="{}">\n  <p class="who"><a href="{}">{}</a> <small class="muted">{} · {} · {}{}</small></p>\n'
        '  <p class="pending-facts">{}{}</p>\n'
        '  <p class="pending-follow"><small>{}{}</small></p>\n'
        '  <a role="button" class="secondary outline small" href="{}" data-testid="record-facts">{}</a>\n</li>',
        row.child_id,
        child_url(row.child_id),
        child.name,
        child.get_sex_display(),
        gettext("%(age)s 岁") % {"age": age},
        child.region.name,
        format_html("（{}）", parent.name) if parent else "",
        gettext("待补充："),
        format_html_join("", '<span class="badge fact">{}</span> ', ((label,) for label in item.facts)),
        gettext("补充后可能符合："),
        item.could_follow_text,
        item.change_url(change_url(row.child_id)),
        gettext("去补充信息"),
    )


@access_rule(Capability.REGISTER_CHILDREN)
def pending_list(request: AuthedRequest) -> HttpResponse:
    """Children whose categories or measures wait for facts, for those who may record them (each
    within their scope), by township / village and by fact, each with a link to the change form
    at the fields to fill."""
    filters = PendingFilterForm(request.GET or None, user=request.user)
    if filters.is_bound and not filters.is_valid() and "region" in filters.errors:
        raise Http404("区划不存在或不在您的辖区内")
    region, fact = filters.value("region"), filters.value("fact")
    rows = selectors.pending_children(request.user, region_code=region, fact=fact).only(*PENDING_COLUMNS)
    page = paginate(request, rows, keys=selectors.PENDING_KEYS)
    labels, day = selectors.code_labels(), today()
    items = [(row, age_on(row.child.birth_date, day), selectors.pending_item(row, labels)) for row in page]
    _shown(request, "待补充信息", [row.child_id for row in page])
    child_url, change_url = url_for_id("registry:detail"), url_for_id("registry:change")
    return _page(
        request,
        "eligibility/pending_list.html",
        {
            "filters": filters,
            "filtered": bool(region or fact),
            "page": page,
            "rows": items,
            "rows_html": mark_safe("".join(_pending_row_html(*item, child_url, change_url) for item in items)),  # noqa: S308  (format_html escaped each value)
            "query": query_without_page(request),
            "active": "pending",
        },
    )


def _shown(request: AuthedRequest, page: str, child_ids: list[int]) -> None:
    registry_services.children_shown(actor=request.user, page=page, query=request.GET.urlencode(), child_ids=child_ids)


# -- one child -------------------------------------------------------------------------------


@access_rule(Capability.VIEW_CHILDREN)
def child_eligibility(request: AuthedRequest, child_id: int) -> HttpResponse:
    child = access_child(request.user, child_id, related=("region", "pending_facts"))
    on, problem = _date_param(request)
    info = selectors.child_eligibility(child, on)
    pending = selectors.pending_of(child, info.labels)
    may_record = can(request.user, Capability.REGISTER_CHILDREN)
    child_eligibility_viewed(actor=request.user, child=child)
    decision = info.decision
    return _page(
        request,
        "eligibility/child.html",
        {
            "child": child,
            "info": info,
            "date_problem": problem,
            "categories": [
                (c, info.labels.get(c, (c, ""))[0], decision.category_explanations.get(c, ""))
                for c in decision.categories
            ]
            if decision
            else [],
            "measures": [
                (c, info.labels.get(c, (c, ""))[0], decision.explanations.get(c, "")) for c in decision.measures
            ]
            if decision
            else [],
            "age": age_on(child.birth_date, info.as_of),
            "registry_url": reverse("registry:detail", args=[child.pk]),
            "pending": pending,
            "record_url": pending.change_url(reverse("registry:change", args=[child.pk]))
            if pending and may_record and child.status == ChildStatus.ACTIVE
            else "",
            "active": "",
        },
    )
