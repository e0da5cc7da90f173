"""County civil affairs' screens: supervision of overdue referrals and the routing table; the
county admin's working-day calendar, each measure's deadlines and each measure's outcome kind."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shouhu.access import AuthedRequest, Capability, access_rule, can
from shouhu.core.dates import today
from shouhu.policy.models import Mode
from shouhu.web.forms import add_validation_errors
from shouhu.web.pagination import paginate, query_without_page

from .. import outcomes, selectors, services
from ..forms import CalendarDayForm, DeadlineForm, OutcomeKindForm
from ..models import CalendarDay, MeasureDeadline, MeasureOutcomeKind
from ..routing import RoutingError, routing_json
from .common import posted


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
    form = CalendarDayForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            day = services.calendar_day_set(
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
    services.calendar_day_remove(actor=request.user, day=day)
    messages.success(request, f"已删除 {day.date} 的调整")
    return redirect("referrals:calendar")


@require_POST
@access_rule(Capability.MANAGE_POLICY)
def deadline_set(request: AuthedRequest) -> HttpResponse:
    form = DeadlineForm(request.POST, auto_id=f"id_{request.POST.get('code', '')}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.measure_deadline_set(
                actor=request.user, code=data["code"], accept_days=data["accept_days"], decide_days=data["decide_days"]
            )
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, f"已保存 {data['code']} 的办理时限（适用于此后新转办的事项）")
            return redirect(f"{reverse('referrals:calendar')}#deadlines")
    return _calendar_page(request, CalendarDayForm(), bound=form)


@access_rule(Capability.MANAGE_POLICY)
def outcome_kinds(request: AuthedRequest) -> HttpResponse:
    """Each measure's outcome kind: what deciding a referral for it records. One form per measure;
    a POST saves one (and confirms a seeded default)."""
    bound = OutcomeKindForm(request.POST, auto_id=f"id_{request.POST.get('code', '')}_%s") if request.POST else None
    if bound is not None and bound.is_valid():
        data = bound.cleaned_data
        try:
            saved_row = services.measure_outcome_kind_set(actor=request.user, code=data["code"], kind=data["kind"])
        except ValidationError as e:
            add_validation_errors(bound, e)
        else:
            kind, code = saved_row.get_kind_display(), saved_row.code
            messages.success(request, f"已保存 {code} 的结果类型：{kind}（适用于此后办结的转介）")
            return redirect(f"{reverse('referrals:outcome_kinds')}#kind-{code}")
    saved = {row.code: row for row in MeasureOutcomeKind.objects.all()}
    rows = []
    for code, label in selectors.measure_labels().items():
        row = saved.get(code)
        form = (
            bound
            if bound is not None and bound.data.get("code") == code
            else OutcomeKindForm(
                initial={"code": code, "kind": row.kind if row else outcomes.DEFAULT_KIND}, auto_id=f"id_{code}_%s"
            )
        )
        rows.append((code, label, row, form))
    return render(
        request,
        "casework/outcome_kinds.html",
        {"rows": rows, "default_kind": outcomes.kind_label(outcomes.DEFAULT_KIND)},
    )
