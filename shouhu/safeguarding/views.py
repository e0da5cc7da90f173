"""The safety screens: a reporter's form, their reports and one report (status only, their
supplements and attachments, the questions put to them with the answer forms); the county's case
list and a case with its clocks, attachments, questions, timeline and steps; an attachment's
download (access-checked, audited); the clock parameters. Thin: parse, call a selector or
service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shouhu.access import (
    AuthedRequest,
    Capability,
    access_own_safety_question,
    access_own_safety_report,
    access_rule,
    access_safety_attachment,
    access_safety_case,
    can,
    may_handle_safety_case,
)
from shouhu.accounts.models import Role
from shouhu.web.forms import add_validation_errors
from shouhu.web.pagination import paginate, query_without_page

from . import selectors, services
from .forms import (
    AnswerForm,
    CaseFilterForm,
    ClockSettingForm,
    QuestionForm,
    ReportForm,
    StepForm,
    SupplementForm,
    as_form_errors,
)
from .models import ReportSource, SafetyCase, SafetyReport
from .notify import unit_name
from .sections import case_sections
from .transitions import OPEN_STATES, TRANSITIONS, allowed_from, report_status


@access_rule(Capability.FILE_SAFETY_REPORTS)
def report_new(request: AuthedRequest) -> HttpResponse:
    by_phone = request.user.role != Role.MANDATORY_REPORTER
    posted = request.method == "POST"
    form = ReportForm(request.POST if posted else None, request.FILES if posted else None, by_phone=by_phone)
    if posted and form.is_valid():
        try:
            report = services.report_file(
                actor=request.user, data=form.report_input(), attachments=form.cleaned_data["attachments"]
            )
        except ValidationError as e:
            add_validation_errors(form, as_form_errors(e))
        else:
            messages.success(request, f"报告已提交，报告编号 {report.reference}。相关单位已收到，正在处理。")
            if by_phone:
                return redirect("safety:case", case_id=report.case.pk)
            return redirect("safety:report", report_id=report.pk)
    return render(request, "safeguarding/report_form.html", {"form": form, "by_phone": by_phone})


@access_rule(Capability.FOLLOW_SAFETY_REPORTS)
def my_reports(request: AuthedRequest) -> HttpResponse:
    page = paginate(request, selectors.my_reports(request.user))
    rows = list(page.object_list)
    for report in rows:
        report.status = report_status(report.case.state)
    services.reports_listed(actor=request.user)
    return render(request, "safeguarding/my_reports.html", {"page": page, "rows": rows})


@access_rule(Capability.FOLLOW_SAFETY_REPORTS)
def report_detail(request: AuthedRequest, report_id: int) -> HttpResponse:
    report = access_own_safety_report(request.user, report_id)
    return _report_page(request, report, SupplementForm())


def _report_page(
    request: AuthedRequest,
    report: SafetyReport,
    form: SupplementForm,
    status: int = 200,
    answer_forms: dict[int, AnswerForm] | None = None,
) -> HttpResponse:
    services.report_viewed(actor=request.user, report=report)
    questions = selectors.report_questions(report)
    for question in questions:
        question.form = (answer_forms or {}).get(question.pk) or AnswerForm(prefix=f"q{question.pk}")  # type: ignore[attr-defined]
    context = {
        "report": report,
        "status": report_status(report.case.state),
        "attachments": selectors.report_attachments(report),
        "supplements": list(report.supplements.prefetch_related("attachments").order_by("added_at", "id")),
        "questions": questions,
        "form": form,
    }
    return render(request, "safeguarding/report_detail.html", context, status=status)


@access_rule(Capability.FOLLOW_SAFETY_REPORTS)
@require_POST
def report_supplement(request: AuthedRequest, report_id: int) -> HttpResponse:
    report = access_own_safety_report(request.user, report_id)
    form = SupplementForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.report_supplement(
                actor=request.user,
                report=report,
                text=form.cleaned_data["text"],
                attachments=form.cleaned_data["attachments"],
            )
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, "补充内容已提交")
            return redirect("safety:report", report_id=report.pk)
    return _report_page(request, report, form)


@access_rule(Capability.FOLLOW_SAFETY_REPORTS)
@require_POST
def question_answer(request: AuthedRequest, report_id: int, question_id: int) -> HttpResponse:
    report = access_own_safety_report(request.user, report_id)
    question = access_own_safety_question(request.user, report, question_id)
    form = AnswerForm(request.POST, prefix=f"q{question.pk}")
    if form.is_valid():
        try:
            services.question_answer(actor=request.user, question=question, text=form.cleaned_data["text"])
        except services.QuestionAnsweredError as e:
            messages.error(request, str(e))
            return redirect("safety:report", report_id=report.pk)
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, "回答已提交，处理单位已收到")
            return redirect("safety:report", report_id=report.pk)
    return _report_page(request, report, SupplementForm(), answer_forms={question.pk: form})


@access_rule(Capability.READ_SAFETY_REPORTS)
def attachment_download(request: AuthedRequest, attachment_id: int) -> HttpResponse:
    attachment = access_safety_attachment(request.user, attachment_id)
    try:
        handle = services.attachment_open(actor=request.user, attachment=attachment)
    except FileNotFoundError:
        raise Http404("文件不存在") from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name)
    response["Content-Type"] = attachment.content_type
    response["Cache-Control"] = "private, no-store"
    return response  # type: ignore[return-value]  # streamed; access_rule types plain responses


@access_rule(Capability.VIEW_SAFETY_CASES)
def case_list(request: AuthedRequest) -> HttpResponse:
    townships = selectors.townships()
    form = CaseFilterForm(request.GET or None, townships=townships)
    filters = selectors.CaseFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.CaseFilters(state=data["state"], overdue=data["overdue"], township=data["township"])
    page = paginate(request, selectors.case_list(request.user, filters))
    rows = list(page.object_list)
    services.cases_listed(
        actor=request.user,
        detail={"cases": [c.reference for c in rows], "state": filters.state, "overdue": filters.overdue},
    )
    return render(
        request,
        "safeguarding/case_list.html",
        {"form": form, "page": page, "rows": rows, "query": query_without_page(request)},
    )


def _case_page(
    request: AuthedRequest,
    case: SafetyCase,
    *,
    forms: dict[str, StepForm] | None = None,
    question_form: QuestionForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    services.case_viewed(actor=request.user, case=case)
    may_act = may_handle_safety_case(request.user, case)
    steps = []
    for step in allowed_from(case.state) if may_act else []:
        form = (forms or {}).get(step.action) or StepForm(
            prefix=step.action, initial={"version": case.version, "state": case.state}
        )
        form.fields["note"].label = step.note_label
        form.fields["note"].required = step.needs_note
        steps.append((step, form))
    clocks = sorted(case.clocks.all(), key=lambda c: (c.due_at, c.pk))
    for clock in clocks:
        clock.unit = unit_name(clock)  # type: ignore[attr-defined]
    context = {
        "case": case,
        "report": case.report,
        "units": sorted(case.units.all(), key=lambda u: (u.role != "lead", u.role, u.department.name)),
        "clocks": clocks,
        "events": list(case.events.all()),
        "steps": steps,
        "error": error,
        "status_for_reporter": report_status(case.state),
        "attachments": selectors.report_attachments(case.report, with_supplements=True),
        "questions": selectors.report_questions(case.report, with_asker=True),
        # A handler asks a reporter with an account (not a telephone report's caller) while the case is open.
        "question_form": (question_form or QuestionForm())
        if may_act and case.report.source == ReportSource.REPORTER and case.state in OPEN_STATES
        else None,
        "sections": case_sections(request, case),
    }
    return render(request, "safeguarding/case_detail.html", context, status=status)


@access_rule(Capability.VIEW_SAFETY_CASES)
def case_detail(request: AuthedRequest, case_id: int) -> HttpResponse:
    return _case_page(request, selectors.case_detail(request.user, case_id))


@access_rule(Capability.HANDLE_SAFETY_CASES)
@require_POST
def case_act(request: AuthedRequest, case_id: int, action: str) -> HttpResponse:
    case = access_safety_case(request.user, case_id)
    if action not in TRANSITIONS:
        raise Http404("没有这个操作")
    step = TRANSITIONS[action]
    form = StepForm(request.POST, prefix=action)
    form.fields["note"].required = step.needs_note
    form.fields["note"].label = step.note_label
    if form.is_valid():
        try:
            services.case_transition(
                actor=request.user,
                case=case,
                action=action,
                expected_version=form.cleaned_data["version"],
                expected_state=form.cleaned_data["state"] or None,
                note=form.cleaned_data["note"],
            )
        except services.SafetyCaseChangedError as e:
            return _case_page(request, selectors.case_detail(request.user, case_id), error=str(e), status=409)
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, f"已记录：{step.label}")
            return redirect("safety:case", case_id=case.pk)
    return _case_page(request, selectors.case_detail(request.user, case_id), forms={action: form})


@access_rule(Capability.HANDLE_SAFETY_CASES)
@require_POST
def case_ask(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access_safety_case(request.user, case_id)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_ask(actor=request.user, case=case, text=form.cleaned_data["text"])
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, "追问已发给报告人")
            return redirect("safety:case", case_id=case.pk)
    return _case_page(request, selectors.case_detail(request.user, case_id), question_form=form)


def _clocks_page(request: AuthedRequest, form: ClockSettingForm | None = None) -> HttpResponse:
    may_set = can(request.user, Capability.MANAGE_SAFETY_CLOCKS)
    context = {
        "parameters": selectors.clock_parameters(),
        "form": (form or ClockSettingForm()) if may_set else None,
    }
    return render(request, "safeguarding/clocks.html", context)


@access_rule(Capability.VIEW_SAFETY_CASES)
def clocks(request: AuthedRequest) -> HttpResponse:
    return _clocks_page(request)


@access_rule(Capability.MANAGE_SAFETY_CLOCKS)
@require_POST
def clock_set(request: AuthedRequest) -> HttpResponse:
    form = ClockSettingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.clock_setting_set(
                actor=request.user,
                parameter=data["parameter"],
                hours=data["hours"],
                valid_on=data["valid_on"],
                note=data["note"],
            )
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, "处置时限已保存；已立案的个案仍按立案时的时限计算")
            return redirect("safety:clocks")
    return _clocks_page(request, form)
