"""The casework screens: the window's intake (一门受理), the units' referral inbox and actions
(协同办理), county supervision, routing, the working-day calendar, and the child's timeline.

Thin: forms check input, services write, the access layer decides scope (404 outside it)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shouhu.access import (
    AuthedRequest,
    Capability,
    access_child,
    access_intake,
    access_referral,
    access_rule,
    can,
    may_handle_referral,
    may_take_intake,
)
from shouhu.accounts.models import User
from shouhu.core.dates import today
from shouhu.eligibility.rules import ruleset_on
from shouhu.policy.models import Mode
from shouhu.registry.models import Child, ChildStatus
from shouhu.registry.selectors import situation_on
from shouhu.web.forms import add_validation_errors
from shouhu.web.pagination import paginate, query_without_page

from . import admin_services, selectors, services
from .forms import (
    CalendarDayForm,
    CancelForm,
    ChildPickForm,
    CooperateForm,
    DeadlineForm,
    InboxFilterForm,
    IntakeForm,
    ReassignForm,
    ResubmitForm,
    SavedFilterForm,
    TransferForm,
    TransitionForm,
)
from .models import (
    CalendarDay,
    Intake,
    IntakeKind,
    IntakeState,
    MeasureDeadline,
    Referral,
    ReferralState,
    SavedFilter,
)
from .routing import RoutingError, routing_json
from .services import TRANSITIONS, ReferralChangedError
from .timeline import EVENT_LABELS, access_timeline_child, timeline_for


def _posted(request: HttpRequest) -> Any:
    """The POST data of a POST (even an empty one, so it shows its errors); None for a GET."""
    return request.POST if request.method == "POST" else None


def _files(request: HttpRequest) -> Any:
    return request.FILES if request.method == "POST" else None


def _labelled(items: Any, labels: dict[str, str] | None = None) -> list[Any]:
    """Give each row with a measure `code` its Chinese name as `.label`."""
    labels = labels if labels is not None else selectors.measure_labels()
    rows = list(items)
    for row in rows:
        row.label = labels.get(row.code, "")
    return rows


# == intake ===================================================================================


def _proposals(child: Child) -> dict[str, str]:
    """What screening proposes for the child today: measure → explanation."""
    on = today()
    decision = ruleset_on(on).decide(situation_on(child, on), on)
    return {code: decision.explanations.get(code, "") for code in decision.measures}


def _intake_for_window(user: User, intake_id: int) -> Intake:
    """An intake this user may act on as the window (404 otherwise)."""
    intake = access_intake(user, intake_id)
    if not may_take_intake(user, intake.child):
        raise Http404("受理不存在或您无权办理")
    return intake


@access_rule(Capability.TAKE_INTAKE)
def intake_new(request: AuthedRequest) -> HttpResponse:
    child_id = request.GET.get("child", "")
    if not child_id.isdigit():
        pick = ChildPickForm(request.GET or None)
        q = pick.cleaned_data.get("q", "") if pick.is_valid() else ""
        children = list(selectors.pick_children(request.user, q)) if q else []
        return render(
            request,
            "casework/intake_pick.html",
            {
                "pick": pick,
                "q": q,
                "children": children,
                "may_register": can(request.user, Capability.REGISTER_CHILDREN),
            },
        )
    child = access_child(request.user, int(child_id))
    if child.status != ChildStatus.ACTIVE:
        messages.error(request, f"{child.name} 的档案已销档，不能受理；如需继续，请先恢复档案。")
        return redirect(reverse("intake:new"))
    proposals = _proposals(child)
    labels = selectors.measure_labels()
    form = IntakeForm(
        _posted(request), _files(request), proposals=proposals, labels=labels, in_hand=selectors.codes_in_hand(child)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            intake, referrals = services.intake_take(
                actor=request.user,
                child=child,
                proposals=proposals,
                confirmed=form.confirmed_codes(),
                reasons=form.reasons(),
                facts=data["facts"],
                applicant_name=data["applicant_name"],
                applicant_relationship=data["applicant_relationship"],
                applicant_phone=data["applicant_phone"],
                documents=form.documents_to_attach(),
            )
        except (ValidationError, RoutingError, PermissionDenied) as e:
            if isinstance(e, ValidationError):
                add_validation_errors(form, e)
            else:
                form.add_error(None, str(e))
        else:
            messages.success(request, f"已受理 {intake.reference}，转办 {len(referrals)} 件")
            return redirect("intake:detail", intake_id=intake.pk)
    return render(
        request,
        "casework/intake_form.html",
        {
            "form": form,
            "child": child,
            "summary": selectors.child_summary(child),
            "intake": None,
            "title": f"受理申请：{child.name}",
        },
    )


@access_rule(Capability.TAKE_INTAKE)
def intake_list(request: AuthedRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in IntakeState.values else ""
    q = request.GET.get("q", "").strip()[:50]
    intakes = selectors.intake_rows(request.user, state=state, q=q)
    page = paginate(request, intakes)
    return render(
        request,
        "casework/intake_list.html",
        {
            "page": page,
            "state": state,
            "q": q,
            "states": IntakeState.choices,
            "query": query_without_page(request),
            "suggestions": selectors.suggestions_for(request.user).count(),
            "labels": selectors.measure_labels(),
        },
    )


@access_rule(Capability.TAKE_INTAKE)
def suggestion_list(request: AuthedRequest) -> HttpResponse:
    page = paginate(request, selectors.suggestions_for(request.user))
    labels = selectors.measure_labels()
    for intake in page:
        intake.proposed = _labelled(intake.measures.all(), labels)  # type: ignore[attr-defined]
    return render(request, "casework/suggestion_list.html", {"page": page, "query": query_without_page(request)})


@access_rule(Capability.VIEW_REFERRALS)
def intake_detail(request: AuthedRequest, intake_id: int) -> HttpResponse:
    intake = access_intake(request.user, intake_id)
    referrals = intake.referrals.select_related("department", "township", "assigned_to").order_by("code", "id")
    return render(
        request,
        "casework/intake_detail.html",
        {
            "intake": intake,
            "measures": _labelled(intake.measures.order_by("-proposed", "code")),
            "referrals": _labelled(referrals),
            "summary": selectors.child_summary(intake.child),
            "may_act": intake.state == IntakeState.DRAFT and may_take_intake(request.user, intake.child),
            "may_view_child": can(request.user, Capability.VIEW_CHILDREN),
            "may_list": can(request.user, Capability.TAKE_INTAKE),
        },
    )


@access_rule(Capability.VIEW_REFERRALS)
def intake_receipt(request: AuthedRequest, intake_id: int) -> HttpResponse:
    intake = access_intake(request.user, intake_id)
    if intake.state != IntakeState.CONFIRMED:
        messages.info(request, "受理确认转办后才能打印回执。")
        return redirect("intake:detail", intake_id=intake.pk)
    referrals = intake.referrals.select_related("department", "township").order_by("code", "id")
    return render(
        request,
        "casework/intake_receipt.html",
        {
            "intake": intake,
            "referrals": _labelled(referrals),
            "window": intake.received_by,
            "printed": today(),
        },
    )


@access_rule(Capability.TAKE_INTAKE)
def intake_confirm(request: AuthedRequest, intake_id: int) -> HttpResponse:
    intake = _intake_for_window(request.user, intake_id)
    if intake.state != IntakeState.DRAFT:
        messages.info(request, f"受理 {intake.reference} 已{intake.get_state_display()}。")
        return redirect("intake:detail", intake_id=intake.pk)
    proposals = {m.code: m.explanation for m in intake.measures.filter(proposed=True).order_by("code")}
    initial = {
        "facts": intake.facts,
        "applicant_name": intake.applicant_name,
        "applicant_relationship": intake.applicant_relationship,
        "applicant_phone": intake.applicant_phone,
    }
    form = IntakeForm(
        _posted(request),
        _files(request),
        proposals=proposals,
        labels=selectors.measure_labels(),
        initial=initial,
        in_hand=selectors.codes_in_hand(intake.child),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referrals = services.intake_confirm_draft(
                actor=request.user,
                intake=intake,
                confirmed=form.confirmed_codes(),
                reasons=form.reasons(),
                facts=data["facts"],
                applicant_name=data["applicant_name"],
                applicant_relationship=data["applicant_relationship"],
                applicant_phone=data["applicant_phone"],
                documents=form.documents_to_attach(),
            )
        except (ValidationError, RoutingError, PermissionDenied) as e:
            if isinstance(e, ValidationError):
                add_validation_errors(form, e)
            else:
                form.add_error(None, str(e))
        else:
            messages.success(request, f"已确认 {intake.reference}，转办 {len(referrals)} 件")
            return redirect("intake:detail", intake_id=intake.pk)
    return render(
        request,
        "casework/intake_form.html",
        {
            "form": form,
            "child": intake.child,
            "summary": selectors.child_summary(intake.child),
            "intake": intake,
            "title": f"确认筛查建议：{intake.child.name}",
        },
    )


@access_rule(Capability.TAKE_INTAKE)
def intake_cancel(request: AuthedRequest, intake_id: int) -> HttpResponse:
    intake = _intake_for_window(request.user, intake_id)
    if intake.state != IntakeState.DRAFT:
        messages.info(request, f"受理 {intake.reference} 已{intake.get_state_display()}，不能撤销。")
        return redirect("intake:detail", intake_id=intake.pk)
    form = CancelForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.intake_cancel(actor=request.user, intake=intake, reason=form.cleaned_data["reason"])
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, f"已撤销 {intake.reference}")
            back = "intake:suggestions" if intake.kind == IntakeKind.SUGGESTION else "intake:list"
            return redirect(back)
    return render(
        request,
        "casework/intake_cancel.html",
        {"intake": intake, "form": form, "measures": _labelled(intake.measures.order_by("code"))},
    )


# == the inbox ================================================================================


@access_rule(Capability.HANDLE_REFERRALS)
def inbox(request: AuthedRequest) -> HttpResponse:
    tab = request.GET.get("tab", "new")
    tab = tab if tab in selectors.TABS else "new"
    measures = selectors.measure_labels()
    filters = InboxFilterForm(
        request.GET or None, measures=measures, townships=selectors.township_choices(request.user)
    )
    values = filters.values()
    referrals = selectors.inbox(request.user, tab=tab, **values)
    page = paginate(request, referrals)
    page.object_list = _labelled(page.object_list, measures)
    handleable = set(
        selectors.handleable(request.user).filter(pk__in=[r.pk for r in page]).values_list("pk", flat=True)
    )
    filter_query = urlencode({k: v for k, v in values.items() if v})
    return render(
        request,
        "casework/inbox.html",
        {
            "tab": tab,
            "tabs": selectors.TABS,
            "counts": selectors.tab_counts(request.user, **values),
            "filters": filters,
            "filter_query": filter_query,
            "page": page,
            "query": query_without_page(request),
            "handleable": handleable,
            "labels": measures,
            "today": today(),
            "saved": selectors.saved_filters(request.user),
            "save_form": SavedFilterForm(initial={"query": request.GET.urlencode()}),
        },
    )


@require_POST
@access_rule(Capability.HANDLE_REFERRALS)
def bulk_accept(request: AuthedRequest) -> HttpResponse:
    """Accept each ticked referral on its own: report which were accepted, which had changed."""
    ids = [int(v) for v in request.POST.getlist("referral") if v.isdigit()]
    mine = {r.pk: r for r in selectors.handleable(request.user).filter(pk__in=ids).select_related("child", "intake")}
    accepted, changed, refused = [], [], []
    for referral_id in ids:
        referral = mine.get(referral_id)
        if referral is None:
            refused.append(str(referral_id))
            continue
        raw = request.POST.get(f"version_{referral_id}", "")
        version = int(raw) if raw.isdigit() else referral.version
        label = f"{referral.intake.reference} {referral.child.name} {referral.code}"
        try:
            services.referral_transition(
                actor=request.user, referral=referral, action="accept", expected_version=version
            )
        except ReferralChangedError:
            changed.append(label)
        except (ValidationError, PermissionDenied):
            refused.append(label)
        else:
            accepted.append(label)
    if not ids:
        messages.error(request, "请先勾选要受理的转介。")
    if accepted:
        messages.success(request, f"已受理 {len(accepted)} 件：{'；'.join(accepted)}")
    if changed:
        messages.error(request, f"{len(changed)} 件已被他人处理，未受理：{'；'.join(changed)}。请刷新后查看。")
    if refused:
        messages.error(request, f"{len(refused)} 件不能由您受理：{'；'.join(refused)}")
    back = request.POST.get("back", "")
    return redirect(f"{reverse('referrals:inbox')}?{back}" if back and "//" not in back else reverse("referrals:inbox"))


@require_POST
@access_rule(Capability.HANDLE_REFERRALS)
def filter_save(request: AuthedRequest) -> HttpResponse:
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        try:
            admin_services.saved_filter_save(
                actor=request.user, name=form.cleaned_data["name"], query=form.cleaned_data["query"]
            )
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
        else:
            messages.success(request, f"已保存筛选「{form.cleaned_data['name'].strip()}」")
    else:
        messages.error(request, "；".join(str(m) for errors in form.errors.values() for m in errors))
    query = form.cleaned_data.get("query", "") if form.is_valid() else ""
    return redirect(f"{reverse('referrals:inbox')}?{query}" if query else reverse("referrals:inbox"))


@require_POST
@access_rule(Capability.HANDLE_REFERRALS)
def filter_delete(request: AuthedRequest, filter_id: int) -> HttpResponse:
    saved = get_object_or_404(SavedFilter, pk=filter_id, user=request.user)
    admin_services.saved_filter_delete(actor=request.user, saved=saved)
    messages.success(request, f"已删除筛选「{saved.name}」")
    return redirect("referrals:inbox")


# == one referral =============================================================================


def _detail(
    request: AuthedRequest,
    referral: Referral,
    *,
    bound: dict[str, Form] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    actions = selectors.actions_for(user, referral)
    bound = bound or {}
    version = {"version": referral.version}
    transition_forms = [
        (name, TRANSITIONS[name], bound.get(name) or TransitionForm(initial=version, prefix=name))
        for name in actions.transitions
    ]
    labels = selectors.measure_labels()
    return render(
        request,
        "casework/referral_detail.html",
        {
            "referral": referral,
            "summary": selectors.child_summary(referral.child),
            "labels": labels,
            "explanation": referral.intake.measures.filter(code=referral.code)
            .values_list("explanation", flat=True)
            .first()
            or "",
            "intake_measure": referral.intake.measures.filter(code=referral.code).first(),
            "cooperations": selectors.cooperations(referral),
            "events": _events(referral),
            "measure_name": labels.get(referral.code, ""),
            "mode_label": dict(Mode.choices).get(referral.mode, referral.mode),
            "may_inbox": can(user, Capability.HANDLE_REFERRALS),
            "actions": actions,
            "transition_forms": transition_forms,
            "reassign_form": bound.get("reassign")
            or ReassignForm(initial=version, choices=selectors.reassign_choices(referral)),
            "transfer_form": bound.get("transfer")
            or TransferForm(initial=version, choices=selectors.transfer_choices(referral)),
            "cooperate_form": bound.get("cooperate") or CooperateForm(),
            "resubmit_form": bound.get("resubmit") or ResubmitForm(initial=version),
            "error": error,
            "today": today(),
            "may_view_intake": can(user, Capability.VIEW_CHILDREN) or can(user, Capability.MANAGE_REFERRALS),
            "due": referral.accept_due if referral.state == ReferralState.SUBMITTED else referral.decide_due,
        },
        status=status,
    )


def _events(referral: Referral) -> list[Any]:
    events = list(selectors.referral_events(referral))
    for event in events:
        event.label = EVENT_LABELS.get(event.action, event.action)  # type: ignore[attr-defined]
        state_label = ReferralState(event.to_state).label if event.to_state else ""
        event.state_label = "" if state_label == event.label else state_label  # type: ignore[attr-defined]
    return events


def _handled(user: User, referral_id: int) -> Referral:
    """A referral this user may act on as its handling unit (404 otherwise)."""
    referral = access_referral(user, referral_id)
    if not may_handle_referral(user, referral):
        raise Http404("转介不存在或不由您办理")
    return referral


@access_rule(Capability.VIEW_REFERRALS)
def referral_detail(request: AuthedRequest, referral_id: int) -> HttpResponse:
    return _detail(request, access_referral(request.user, referral_id))


def _after(request: AuthedRequest, referral: Referral, form: Form, key: str, run: Any, done: str) -> HttpResponse:
    """Run a service for a bound form; a stale form shows who-changed-it, bad input the errors."""
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except ReferralChangedError as e:
            referral.refresh_from_db()
            return _detail(request, referral, error=str(e), status=409)
        except ValidationError as e:
            add_validation_errors(form, e)
        except PermissionDenied as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, done)
            return redirect("referrals:detail", referral_id=referral.pk)
    return _detail(request, referral, bound={key: form}, error="请检查填写的内容")


@require_POST
@access_rule(Capability.HANDLE_REFERRALS)
def referral_act(request: AuthedRequest, referral_id: int, action: str) -> HttpResponse:
    if action not in TRANSITIONS or action == "resubmit":
        raise Http404("未知操作")
    referral = _handled(request.user, referral_id)
    form = TransitionForm(request.POST, prefix=action)

    def run(data: dict[str, Any]) -> None:
        services.referral_transition(
            actor=request.user,
            referral=referral,
            action=action,
            expected_version=data["version"],
            reason=data.get("reason") or "",
            outcome=data.get("outcome") or "",
            outcome_detail=data.get("outcome_detail") or "",
        )

    return _after(request, referral, form, action, run, f"已{TRANSITIONS[action].label}")


@require_POST
@access_rule(Capability.HANDLE_REFERRALS)
def referral_reassign(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = _handled(request.user, referral_id)
    form = ReassignForm(request.POST, choices=selectors.reassign_choices(referral))

    def run(data: dict[str, Any]) -> None:
        services.referral_reassign(
            actor=request.user, referral=referral, assignee=data["assignee"], expected_version=data["version"]
        )

    return _after(request, referral, form, "reassign", run, "已改派")


@require_POST
@access_rule(Capability.VIEW_REFERRALS)
def referral_transfer(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = access_referral(request.user, referral_id)
    if not (may_handle_referral(request.user, referral) or can(request.user, Capability.MANAGE_REFERRALS)):
        raise Http404("转介不存在或您不能移交")
    form = TransferForm(request.POST, choices=selectors.transfer_choices(referral))

    def run(data: dict[str, Any]) -> None:
        services.referral_transfer(
            actor=request.user,
            referral=referral,
            department=data["department"],
            reason=data["reason"],
            expected_version=data["version"],
        )

    return _after(request, referral, form, "transfer", run, "已移交")


@require_POST
@access_rule(Capability.HANDLE_REFERRALS)
def referral_cooperate(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = access_referral(request.user, referral_id)
    if not selectors.actions_for(request.user, referral).cooperate:
        raise Http404("转介不存在或您不是配合单位")
    form = CooperateForm(request.POST)

    def run(data: dict[str, Any]) -> None:
        services.cooperation_note(actor=request.user, referral=referral, note=data["note"])

    return _after(request, referral, form, "cooperate", run, "已填写配合情况")


@require_POST
@access_rule(Capability.TAKE_INTAKE)
def referral_resubmit(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = access_referral(request.user, referral_id)
    if not may_take_intake(request.user, referral.child):
        raise Http404("转介不存在或不是您受理的")
    form = ResubmitForm(request.POST)

    def run(data: dict[str, Any]) -> None:
        services.referral_transition(
            actor=request.user, referral=referral, action="resubmit", expected_version=data["version"]
        )

    return _after(request, referral, form, "resubmit", run, "已补充后重新提交")


# == county supervision, routing, calendar ====================================================


@access_rule(Capability.MANAGE_REFERRALS)
def supervision(request: AuthedRequest) -> HttpResponse:
    data = selectors.supervision(request.user)
    states = [value for value, _label in data["states"]]
    for line in data["lines"]:
        line.cells = [line.counts.get(state, 0) for state in states]
    return render(
        request,
        "casework/supervision.html",
        {
            **data,
            "today": today(),
            "perms_calendar": can(request.user, Capability.MANAGE_POLICY),
        },
    )


@access_rule(Capability.MANAGE_REFERRALS)
def routing(request: AuthedRequest) -> HttpResponse:
    as_written = request.GET.get("as_written") == "1"
    try:
        table = routing_json(as_written=as_written)
        problem = ""
    except RoutingError as e:
        table, problem = {}, str(e)
    labels = selectors.measure_labels()
    rows = [(code, labels.get(code, ""), route) for code, route in table.items()]
    return render(
        request,
        "casework/routing.html",
        {"rows": rows, "as_written": as_written, "problem": problem, "modes": dict(Mode.choices)},
    )


def _deadline_rows(bound: DeadlineForm | None = None) -> list[tuple[str, str, Any, DeadlineForm]]:
    from django.conf import settings

    saved = {row.code: row for row in MeasureDeadline.objects.all()}
    rows = []
    for code, label in selectors.measure_labels().items():
        row = saved.get(code)
        initial = {
            "code": code,
            "accept_days": row.accept_days if row else settings.REFERRAL_ACCEPT_DAYS,
            "decide_days": row.decide_days if row else settings.REFERRAL_DECIDE_DAYS,
        }
        form = (
            bound
            if bound is not None and bound.data.get("code") == code
            else DeadlineForm(initial=initial, auto_id=f"id_{code}_%s")
        )
        rows.append((code, label, row, form))
    return rows


def _calendar_page(
    request: AuthedRequest, form: CalendarDayForm, bound: DeadlineForm | None = None, status: int = 200
) -> HttpResponse:
    from django.conf import settings

    year = request.GET.get("year", "")
    days = CalendarDay.objects.all()
    if year.isdigit():
        days = days.filter(date__year=int(year))
    years = sorted({d.year for d in CalendarDay.objects.dates("date", "year")}, reverse=True)
    return render(
        request,
        "casework/calendar.html",
        {
            "form": form,
            "page": paginate(request, days.order_by("-date")),
            "query": query_without_page(request),
            "years": years,
            "year": year,
            "deadlines": _deadline_rows(bound),
            "default_accept": settings.REFERRAL_ACCEPT_DAYS,
            "default_decide": settings.REFERRAL_DECIDE_DAYS,
        },
        status=status,
    )


@access_rule(Capability.MANAGE_POLICY)
def calendar(request: AuthedRequest) -> HttpResponse:
    form = CalendarDayForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            day = admin_services.calendar_day_set(
                actor=request.user, date=data["date"], is_working=data["is_working"], note=data["note"]
            )
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, f"已设置 {day.date}：{'调休上班' if day.is_working else '休息'}")
            return redirect("referrals:calendar")
    return _calendar_page(request, form)


@require_POST
@access_rule(Capability.MANAGE_POLICY)
def calendar_day_delete(request: AuthedRequest, day_id: int) -> HttpResponse:
    day = get_object_or_404(CalendarDay, pk=day_id)
    admin_services.calendar_day_remove(actor=request.user, day=day)
    messages.success(request, f"已删除 {day.date} 的调整")
    return redirect("referrals:calendar")


@require_POST
@access_rule(Capability.MANAGE_POLICY)
def deadline_set(request: AuthedRequest) -> HttpResponse:
    form = DeadlineForm(request.POST, auto_id=f"id_{request.POST.get('code', '')}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            admin_services.measure_deadline_set(
                actor=request.user, code=data["code"], accept_days=data["accept_days"], decide_days=data["decide_days"]
            )
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, f"已保存 {data['code']} 的办理时限（适用于此后新转办的事项）")
            return redirect(f"{reverse('referrals:calendar')}#deadlines")
    return _calendar_page(request, CalendarDayForm(), bound=form)


# == the child's timeline =====================================================================


@access_rule(Capability.VIEW_REFERRALS)
def child_timeline(request: AuthedRequest, child_id: int) -> HttpResponse:
    child = access_timeline_child(request.user, child_id)
    entries = timeline_for(request.user, child)
    kinds = {e.kind: e.kind_label for e in entries}
    kind = request.GET.get("kind", "")
    shown = [e for e in entries if e.kind == kind] if kind in kinds else entries
    return render(
        request,
        "casework/timeline.html",
        {
            "child": child,
            "summary": selectors.child_summary(child),
            "entries": shown,
            "kinds": kinds,
            "kind": kind,
            "may_view_child": can(request.user, Capability.VIEW_CHILDREN),
            "may_take_intake": may_take_intake(request.user, child) and child.status == ChildStatus.ACTIVE,
        },
    )
