"""The safety screens: a reporter's form, their reports and one report (status only, their
supplements and attachments, the questions put to them with the answer forms); the county's case
list and a case with its clocks, attachments, questions, timeline and steps; an attachment's
download (access-checked, audited); the clock parameters. Thin: parse, call a selector or
service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
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
    AssessmentForm,
    CaseFilterForm,
    ChildLinkForm,
    ChildRegisterForm,
    ClockSettingForm,
    PlanActionForm,
    QuestionForm,
    ReportForm,
    ReviewForm,
    StepForm,
    SupplementForm,
    as_form_errors,
)
from .models import CaseState, ReportSource, SafetyCase, SafetyReport
from .notify import unit_name
from .sections import case_sections
from .transitions import (
    ASSESSABLE_STATES,
    OPEN_STATES,
    PLAN_EDITABLE_STATES,
    TRANSITIONS,
    allowed_from,
    report_status,
)


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


def _measures() -> list[tuple[str, str]]:
    return [(code, f"{code} {label}") for code, label in services.measure_labels().items()]


def _case_page(
    request: AuthedRequest,
    case: SafetyCase,
    *,
    forms: dict[str, Any] | None = None,
    question_form: QuestionForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    services.case_viewed(actor=request.user, case=case)
    forms = forms or {}
    may_act = may_handle_safety_case(request.user, case)
    steps = []
    # Steps with their own form (the assessment, the review) are drawn in their sections.
    for step in [t for t in allowed_from(case.state) if not t.form] if may_act else []:
        form = forms.get(step.action) or StepForm(
            prefix=step.action, initial={"version": case.version, "state": case.state}
        )
        form.fields["note"].label = step.note_label
        form.fields["note"].required = step.needs_note
        steps.append((step, form))
    clocks = sorted(case.clocks.all(), key=lambda c: (c.due_at, c.pk))
    for clock in clocks:
        clock.unit_name = unit_name(clock)  # type: ignore[attr-defined]
    assessments = selectors.assessments_of(case)
    latest = assessments[0].number if assessments else 0
    seen = {"version": case.version, "assessment": latest}
    plan = selectors.plan_of(case)
    labels = services.measure_labels() if plan else {}
    for action in plan:
        action.code_label = labels.get(action.code, "")  # type: ignore[attr-defined]
        action.referral_rows = [  # type: ignore[attr-defined]
            (r, selectors.referral_unit(r)) for r in sorted(action.intake.referrals.all(), key=lambda r: r.pk)
        ]
    editable = may_act and case.state in PLAN_EDITABLE_STATES
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
        "assessments": assessments,
        "reviews": selectors.reviews_of(case),
        "plan": plan,
        "show_plan": case.state in (*PLAN_EDITABLE_STATES, CaseState.CLOSED) and (plan or editable),
        "assessment_form": (forms.get("assess") or AssessmentForm(prefix="assess", initial=seen))
        if may_act and case.state in ASSESSABLE_STATES
        else None,
        "review_form": (forms.get("review") or ReviewForm(prefix="review", initial=seen))
        if may_act and case.state == CaseState.PLANNED
        else None,
        "action_form": (forms.get("action") or PlanActionForm(prefix="action", measures=_measures()))
        if editable and case.child_id
        else None,
        "link_form": (forms.get("link") or ChildLinkForm(prefix="link")) if editable and not case.child_id else None,
        "register_form": (
            forms.get("register") or ChildRegisterForm(prefix="register", initial={"region": case.region_code})
        )
        if editable and not case.child_id and can(request.user, Capability.REGISTER_CHILDREN)
        else None,
    }
    return render(request, "safeguarding/case_detail.html", context, status=status)


@access_rule(Capability.VIEW_SAFETY_CASES)
def case_detail(request: AuthedRequest, case_id: int) -> HttpResponse:
    return _case_page(request, selectors.case_detail(request.user, case_id))


@access_rule(Capability.HANDLE_SAFETY_CASES)
@require_POST
def case_act(request: AuthedRequest, case_id: int, action: str) -> HttpResponse:
    case = access_safety_case(request.user, case_id)
    if action not in TRANSITIONS or TRANSITIONS[action].form:
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


def _handled(request: AuthedRequest, case: SafetyCase, key: str, form: Any, write: Any, done: str) -> HttpResponse:
    """Run a case write from a valid form: a stale one answers 409 with both values, a refusal
    shows at its fields, success goes back to the case."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except services.SafetyCaseChangedError as e:
            return _case_page(request, selectors.case_detail(request.user, case.pk), error=str(e), status=409)
        except ValidationError as e:
            add_validation_errors(form, e)
        except PermissionDenied as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, done)
            return redirect("safety:case", case_id=case.pk)
    return _case_page(request, selectors.case_detail(request.user, case.pk), forms={key: form})


@access_rule(Capability.HANDLE_SAFETY_CASES)
@require_POST
def case_assess(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access_safety_case(request.user, case_id)

    def write(data: dict[str, Any]) -> None:
        services.assessment_record(
            actor=request.user,
            case=case,
            expected_version=data["version"],
            expected_assessment=data["assessment"],
            level=data["level"],
            factors=data["factors"],
            other_factors=data["other_factors"],
            summary=data["summary"],
        )

    return _handled(request, case, "assess", AssessmentForm(request.POST, prefix="assess"), write, "风险评估已保存")


@access_rule(Capability.HANDLE_SAFETY_CASES)
@require_POST
def case_review(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access_safety_case(request.user, case_id)

    def write(data: dict[str, Any]) -> None:
        services.case_review(
            actor=request.user,
            case=case,
            expected_version=data["version"],
            note=data["note"],
            reassess=data["reassess"],
            expected_assessment=data["assessment"],
            level=data["level"],
            factors=data["factors"],
            other_factors=data["other_factors"],
        )

    return _handled(
        request, case, "review", ReviewForm(request.POST, prefix="review"), write, "复查已记录，复查时限重新起算"
    )


@access_rule(Capability.HANDLE_SAFETY_CASES)
@require_POST
def plan_action_add(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access_safety_case(request.user, case_id)
    form = PlanActionForm(request.POST, prefix="action", measures=_measures())

    def write(data: dict[str, Any]) -> None:
        services.plan_action_add(actor=request.user, case=case, what=data["what"], code=data["code"], due=data["due"])

    return _handled(request, case, "action", form, write, "帮扶措施已添加，并已转介承办单位")


@access_rule(Capability.HANDLE_SAFETY_CASES)
@require_POST
def child_link(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access_safety_case(request.user, case_id)

    def write(data: dict[str, Any]) -> None:
        services.case_child_link(actor=request.user, case=case, id_number=data["id_number"])

    return _handled(request, case, "link", ChildLinkForm(request.POST, prefix="link"), write, "已关联儿童名册")


@access_rule(Capability.HANDLE_SAFETY_CASES)
@require_POST
def child_register(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access_safety_case(request.user, case_id)

    def write(data: dict[str, Any]) -> None:
        try:
            _register(data)
        except ValidationError as e:
            raise as_form_errors(e, {"region_code": "region"}) from None

    def _register(data: dict[str, Any]) -> None:
        services.case_child_register(
            actor=request.user,
            case=case,
            name=data["name"],
            sex=data["sex"],
            birth_date=data["birth_date"],
            id_number=data["id_number"],
            no_id_reason=data["no_id_reason"],
            region_code=data["region"],
        )

    form = ChildRegisterForm(request.POST, prefix="register")
    return _handled(request, case, "register", form, write, "儿童已登记到名册，并已关联本个案")


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
                value=data["value"],
                valid_on=data["valid_on"],
                note=data["note"],
            )
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, "处置时限已保存；已开始计时的环节仍按开始时的时限计算")
            return redirect("safety:clocks")
    return _clocks_page(request, form)
