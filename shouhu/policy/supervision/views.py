"""Supervision (督办) pages: the matrix, my unit's obligations, reporting, review, evidence,
report frequency and Excel exports. Thin: forms parse, selectors read, services write."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import escape_uri_path
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from shouhu.access import (
    AuthedRequest,
    Capability,
    access_department,
    access_evidence,
    access_progress_report,
    access_rule,
    can,
    can_open_report,
    departments_visible_to,
    may_export_county,
    may_export_department,
    reports_for_unit,
)
from shouhu.accounts.models import Department, Role, User
from shouhu.core.dates import today
from shouhu.regions.models import Region
from shouhu.web.forms import add_validation_errors
from shouhu.web.pagination import paginate, query_without_page

from ..models import PolicyTask, ProgressStatus, ReportFrequency, ReviewState
from ..selectors import current_document
from . import reports, services
from . import selectors as sel
from .evidence import ALLOWED_EVIDENCE_EXTENSIONS, MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES_PER_SUBMISSION
from .periods import Period, current_period, parse_period, recent_periods, report_due_days

MATRIX_QUARTERS = 8  # how many quarters the period picker offers
MATRIX_YEARS = 2
REPORT_FORM_PERIODS = 4  # the reporting form offers the current period and the three before it


def _period_choices(selected: str) -> list[tuple[str, str]]:
    quarters = recent_periods(ReportFrequency.QUARTERLY, MATRIX_QUARTERS)
    years = recent_periods(ReportFrequency.YEARLY, MATRIX_YEARS)
    choices = [("", "本期（各任务当前报告期）")] + [(p.key, p.label) for p in quarters + years]
    if selected and selected not in {key for key, _ in choices}:
        try:
            period = parse_period(selected)
        except ValidationError:
            return choices
        choices.append((period.key, period.label))
    return choices


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


# --- the matrix ------------------------------------------------------------------------------


class MatrixFilterForm(forms.Form):
    period = forms.ChoiceField(label="报告期", required=False)
    area = forms.ChoiceField(label="项目", required=False)
    department = forms.ChoiceField(label="责任单位", required=False)
    township = forms.ChoiceField(label="乡镇（街道）", required=False)

    def __init__(
        self, *args: Any, areas: list[str], departments: list[Department], townships: list[Region], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "period").choices = _period_choices(str(self.data.get("period", "")))
        _choice_field(self, "area").choices = [("", "全部项目"), *[(a, a) for a in areas]]
        _choice_field(self, "department").choices = [("", "全部单位"), *[(str(d.pk), d.name) for d in departments]]
        _choice_field(self, "township").choices = [("", "全部乡镇（街道）"), *[(t.code, t.name) for t in townships]]


class TaskChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number}. {obj.text[:40]}（{obj.get_report_frequency_display()}）"


class FrequencyForm(forms.Form):
    task = TaskChoiceField(label="任务", queryset=PolicyTask.objects.none())
    frequency = forms.ChoiceField(label="报告周期", choices=ReportFrequency.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        document = current_document()
        field: forms.ModelChoiceField = self.fields["task"]  # type: ignore[assignment]
        field.queryset = document.tasks.order_by("number") if document else PolicyTask.objects.none()


def _responsible_departments(items: list[sel.Obligation]) -> list[Department]:
    found = {o.department.pk: o.department for o in items}
    return sorted(found.values(), key=lambda d: (d.is_townships, d.pk))


@access_rule(Capability.VIEW_SUPERVISION)
def supervision(request: AuthedRequest) -> HttpResponse:
    user = request.user
    document = current_document()
    own_township = user.region if user.role == Role.TOWNSHIP_SUPERVISOR else None
    townships = sel.county_townships()
    all_items = sel.obligations_for_period(None, document=document) if document else []
    form = MatrixFilterForm(
        request.GET or None,
        areas=sel.task_areas(document),
        departments=_responsible_departments(all_items),
        townships=townships,
    )
    data = form.cleaned_data if form.is_valid() else {}
    chosen = parse_period(data["period"]) if data.get("period") else None
    department = departments_visible_to(user).filter(pk=data["department"]).first() if data.get("department") else None
    township = next((t for t in townships if t.code == data.get("township")), None)
    if own_township is not None:
        # A township supervisor sees the obligations of their own township only.
        township, department = own_township, None
    filters: dict[str, Any] = {"area": data.get("area", ""), "department": department, "township": township}
    if chosen is None and not any(filters.values()):
        items = all_items  # no filter: the obligations already built for the form's choices
    else:
        items = sel.obligations_for_period(chosen, document=document, **filters) if document else []
    matrix = sel.supervision_matrix(user, items, township_columns=township is not None)
    # 本期 (no period chosen): what earlier periods still owe is listed and counted here too, where
    # it is overdue (the matrix shows the current period, which is never overdue yet).
    earlier = sel.obligations_outstanding_earlier(document=document, **filters) if document and chosen is None else []
    earlier.sort(key=lambda o: (not o.overdue, o.due, o.task.number, o.unit.label))
    counts = matrix.counts + Counter(o.state for o in earlier)
    county_export = may_export_county(user)
    own_department = user.department if user.role == Role.DEPARTMENT_OFFICER else None
    export_query = urlencode({"period": chosen.key}) if chosen else ""
    return render(
        request,
        "policy/supervision_matrix.html",
        {
            "document": document,
            "form": form,
            "matrix": matrix,
            "chosen": chosen,
            "state_counts": [(s, label, counts[s]) for s, label in sel.ObligationState.LABELS.items()],
            "total": matrix.total + len(earlier),
            "reported": matrix.reported,
            "earlier": [
                (
                    o,
                    reports_for_unit(user, o.department, o.township),
                    bool(o.report and can_open_report(user, o.report)),
                )
                for o in earlier
            ],
            "current_label": current_period().label,
            "own_township": own_township,
            "frequency_form": FrequencyForm() if can(user, Capability.MANAGE_POLICY) and document else None,
            "can_review": can(user, Capability.REVIEW_PROGRESS),
            "can_report": can(user, Capability.REPORT_PROGRESS),
            "county_export": county_export,
            "export_query": export_query,
            "own_department": own_department,
            "export_departments": _responsible_departments(all_items) if county_export else [],
            "due_days": report_due_days(),
        },
    )


@require_POST
@access_rule(Capability.MANAGE_POLICY)
def supervision_frequency(request: AuthedRequest) -> HttpResponse:
    form = FrequencyForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "请选择任务和报告周期：" + "；".join(str(e) for errs in form.errors.values() for e in errs)
        )
        return redirect("policy:supervision")
    task = form.cleaned_data["task"]
    try:
        services.task_set_report_frequency(actor=request.user, task=task, frequency=form.cleaned_data["frequency"])
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        messages.success(request, f"任务 {task.number} 改为{task.get_report_frequency_display()}报告")
    return redirect("policy:supervision")


# --- my unit's obligations -------------------------------------------------------------------


@access_rule(Capability.REPORT_PROGRESS)
def supervision_mine(request: AuthedRequest) -> HttpResponse:
    user = request.user
    mine = sel.my_obligations(user)
    unit = user.region if user.role == Role.TOWNSHIP_SUPERVISOR else user.department
    return render(
        request,
        "policy/supervision_mine.html",
        {
            "mine": mine,
            "unit": unit,
            "today": today(),
            "document": current_document(),
        },
    )


# --- reporting -------------------------------------------------------------------------------


class ReportForm(forms.Form):
    period = forms.ChoiceField(label="报告期")
    status = forms.ChoiceField(label="进展状态", choices=ProgressStatus.choices, widget=forms.RadioSelect)
    narrative = forms.CharField(
        label="进展情况",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text="做了什么、取得了什么成效、存在什么困难、下一步打算",
    )

    def __init__(self, *args: Any, task: PolicyTask, requested: Period | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        periods = recent_periods(task.report_frequency, REPORT_FORM_PERIODS)
        if requested is not None and requested not in periods and requested.frequency == task.report_frequency:
            periods.append(requested)  # e.g. resubmitting an older report that was returned
        _choice_field(self, "period").choices = [(p.key, f"{p.label}（{p.due:%Y-%m-%d} 前报告）") for p in periods]


@access_rule(Capability.REPORT_PROGRESS)
def supervision_report(request: AuthedRequest, task_id: int, department_id: int) -> HttpResponse:
    user = request.user
    township_code = request.GET.get("township", "") or request.POST.get("township", "")
    task, department, township = sel.obligation_for_report(
        user, task_id=task_id, department_id=department_id, township_code=township_code
    )
    period_key = request.POST.get("period") or request.GET.get("period") or current_period(task.report_frequency).key
    try:
        period = parse_period(period_key)
    except ValidationError:
        period = current_period(task.report_frequency)
    found = sel.build_obligations(
        periods_for=lambda t: [period], task_ids=[task.pk], department=department, township=township
    )
    obligation = found[0] if found else None
    existing = obligation.report if obligation else None
    initial: dict[str, Any] = {"period": period.key}
    if existing is not None:
        initial.update(status=existing.status, narrative=existing.narrative)
    requested = period if period.start <= today() else None
    form = ReportForm(request.POST or None, initial=initial, task=task, requested=requested)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.progress_report_submit(
                actor=user,
                task=task,
                department=department,
                township=township,
                period=form.cleaned_data["period"],
                status=form.cleaned_data["status"],
                narrative=form.cleaned_data["narrative"],
                files=request.FILES.getlist("files"),
            )
        except ValidationError as e:
            add_validation_errors(form, e)
        except PermissionDenied:
            raise Http404("该任务不由您所在单位报告") from None
        else:
            messages.success(
                request, f"已提交任务 {task.number} 的{parse_period(report.period).label}进展报告，等待审核"
            )
            return redirect("policy:supervision_report_detail", report_id=report.pk)
    locked = existing is not None and existing.review_state in (ReviewState.SUBMITTED, ReviewState.ACCEPTED)
    return render(
        request,
        "policy/supervision_report_form.html",
        {
            "task": task,
            "department": department,
            "township": township,
            "period": period,
            "form": form,
            "obligation": obligation,
            "existing": existing,
            "locked": locked,
            "allowed_types": "、".join(ALLOWED_EVIDENCE_EXTENSIONS),
            "max_mb": MAX_EVIDENCE_BYTES // 1024 // 1024,
            "max_files": MAX_EVIDENCE_FILES_PER_SUBMISSION,
            "accept": ",".join(f".{ext}" for ext in ALLOWED_EVIDENCE_EXTENSIONS),
        },
    )


@access_rule(Capability.VIEW_SUPERVISION)
def supervision_report_detail(request: AuthedRequest, report_id: int) -> HttpResponse:
    user = request.user
    report = access_progress_report(user, report_id)
    period = parse_period(report.period)
    can_review = can(user, Capability.REVIEW_PROGRESS) and report.review_state == ReviewState.SUBMITTED
    can_resubmit = report.review_state == ReviewState.RETURNED and reports_for_unit(
        user, report.department, report.township
    )
    resubmit_url = ""
    if can_resubmit:
        params = {"period": report.period, **({"township": report.township.code} if report.township else {})}
        resubmit_url = (
            reverse(
                "policy:supervision_report", kwargs={"task_id": report.task_id, "department_id": report.department_id}
            )
            + "?"
            + urlencode(params)
        )
    return render(
        request,
        "policy/supervision_report_detail.html",
        {
            "report": report,
            "period": period,
            "evidence": sel.report_evidence(report),
            "history": sel.report_history(report),
            "can_review": can_review,
            "resubmit_url": resubmit_url,
            "overdue": report.review_state == ReviewState.RETURNED and today() > period.due,
        },
    )


# --- review ----------------------------------------------------------------------------------


@require_POST
@access_rule(Capability.REVIEW_PROGRESS)
def supervision_review(request: AuthedRequest, report_id: int) -> HttpResponse:
    user = request.user
    report = access_progress_report(user, report_id)
    decision = request.POST.get("decision", "")
    try:
        services.progress_report_review(
            actor=user, report=report, decision=decision, comment=request.POST.get("comment", "")
        )
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
        return redirect("policy:supervision_report_detail", report_id=report.pk)
    messages.success(request, "报告已通过" if decision == "accept" else "报告已退回，报告单位会收到通知")
    return redirect("policy:supervision_queue")


class QueueFilterForm(forms.Form):
    department = forms.ChoiceField(label="责任单位", required=False)
    area = forms.ChoiceField(label="项目", required=False)
    period = forms.CharField(
        label="报告期", required=False, max_length=10, widget=forms.TextInput(attrs={"placeholder": "如 2026Q4"})
    )

    def __init__(self, *args: Any, user: User, areas: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = departments_visible_to(user).filter(progress_reports__isnull=False).distinct().order_by("id")
        _choice_field(self, "department").choices = [("", "全部单位"), *[(str(d.pk), d.name) for d in departments]]
        _choice_field(self, "area").choices = [("", "全部项目"), *[(a, a) for a in areas]]

    def clean_period(self) -> str:
        value = str(self.cleaned_data.get("period") or "").strip()
        return parse_period(value).key if value else ""


@access_rule(Capability.REVIEW_PROGRESS)
def supervision_queue(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = QueueFilterForm(request.GET or None, user=user, areas=sel.task_areas())
    data = form.cleaned_data if form.is_valid() else {}
    department = departments_visible_to(user).filter(pk=data["department"]).first() if data.get("department") else None
    queue = sel.review_queue(user, department=department, area=data.get("area", ""), period=data.get("period", ""))
    return render(
        request,
        "policy/supervision_queue.html",
        {
            "form": form,
            "page": paginate(request, queue),
            "query": query_without_page(request),
            "filtered": bool(data and any(data.values())),
        },
    )


# --- evidence --------------------------------------------------------------------------------


@access_rule(Capability.VIEW_SUPERVISION)
def supervision_evidence(request: AuthedRequest, evidence_id: int) -> HttpResponse:
    user = request.user
    evidence = access_evidence(user, evidence_id)
    try:
        handle = services.evidence_open(actor=user, evidence=evidence)
    except PermissionDenied:
        raise Http404("佐证材料不存在或您无权查看") from None
    except FileNotFoundError:
        raise Http404("佐证材料文件已丢失，请联系管理员") from None
    # A streaming response (evidence may be up to MAX_EVIDENCE_BYTES); access_rule types plain ones.
    return FileResponse(  # type: ignore[return-value]
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
    )


# --- Excel exports ---------------------------------------------------------------------------


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response


@access_rule(Capability.VIEW_SUPERVISION)
def supervision_export_county(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not may_export_county(user):
        raise Http404("全县督办报表仅供县民政局和县领导下载")
    chosen = None
    if request.GET.get("period"):
        try:
            chosen = parse_period(request.GET["period"])
        except ValidationError:
            raise Http404("报告期格式不正确") from None
    data, filename = services.county_report_xlsx(actor=user, chosen=chosen)
    return _xlsx(data, filename)


@access_rule(Capability.VIEW_SUPERVISION)
def supervision_export_department(request: AuthedRequest, department_id: int) -> HttpResponse:
    user = request.user
    department = access_department(user, department_id)
    if not may_export_department(user, department):
        raise Http404("您只能下载本单位的督办报表")
    try:
        periods = min(
            max(int(request.GET.get("periods", reports.DEPARTMENT_REPORT_PERIODS)), 1),
            reports.MAX_DEPARTMENT_REPORT_PERIODS,
        )
    except ValueError:
        periods = reports.DEPARTMENT_REPORT_PERIODS
    data, filename = services.department_report_xlsx(actor=user, department=department, periods=periods)
    return _xlsx(data, filename)
