"""The window's intake (一门受理): find the child, take an application with screening's proposals,
confirm or cancel a screening suggestion, the intake list, an intake and its receipt.

Thin: forms check input, services write, the access layer decides scope (404 outside it)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from shouhu.access import (
    AuthedRequest,
    Capability,
    access_child,
    access_intake,
    access_rule,
    access_window_intake,
    can,
    may_take_intake,
)
from shouhu.core.dates import today
from shouhu.eligibility.rules import ruleset_on
from shouhu.registry import services as registry_services
from shouhu.registry.models import Child, ChildStatus
from shouhu.registry.selectors import situation_on
from shouhu.web.forms import add_validation_errors, show_refusal
from shouhu.web.pagination import paginate, query_without_page

from .. import selectors, services
from ..forms import CancelForm, ChildPickForm, IntakeForm
from ..models import IntakeKind, IntakeState
from ..routing import RoutingError
from .common import files, labelled, posted


def _proposals(child: Child) -> dict[str, str]:
    """What screening proposes for the child today: measure → explanation."""
    on = today()
    decision = ruleset_on(on).decide(situation_on(child, on), on)
    return {code: decision.explanations.get(code, "") for code in decision.measures}


@access_rule(Capability.TAKE_INTAKE)
def intake_new(request: AuthedRequest) -> HttpResponse:
    child_id = request.GET.get("child", "")
    if not child_id.isdigit():
        pick = ChildPickForm(request.GET or None)
        q = pick.cleaned_data.get("q", "") if pick.is_valid() else ""
        children = list(selectors.pick_children(request.user, q)) if q else []
        if q:
            shown = [c.pk for c in children]
            registry_services.children_shown(
                actor=request.user, page="受理：查找儿童", query=request.GET.urlencode(), child_ids=shown
            )
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
    child = access_child(request.user, int(child_id), related=("region__parent",))
    if child.status != ChildStatus.ACTIVE:
        messages.error(request, f"{child.name} 的档案已销档，不能受理；如需继续，请先恢复档案。")
        return redirect(reverse("intake:new"))
    if request.method != "POST":
        registry_services.child_viewed(
            actor=request.user, child=child, summary=f"受理申请时查看儿童 {child.name}", detail={"via": "intake"}
        )
    proposals = _proposals(child)
    labels = selectors.measure_labels()
    form = IntakeForm(
        posted(request), files(request), proposals=proposals, labels=labels, in_hand=selectors.codes_in_hand(child)
    )
    if request.method == "POST" and form.is_valid():
        try:
            intake, referrals = services.intake_take(
                actor=request.user, child=child, proposals=proposals, **form.answers()
            )
        except (ValidationError, RoutingError, PermissionDenied) as e:
            show_refusal(form, e)
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
    registry_services.children_shown(
        actor=request.user, page="受理登记", query=request.GET.urlencode(), child_ids=[i.child_id for i in page]
    )
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
        intake.proposed = labelled(intake.measures.all(), labels)  # type: ignore[attr-defined]
    registry_services.children_shown(
        actor=request.user, page="筛查建议", query=request.GET.urlencode(), child_ids=[i.child_id for i in page]
    )
    return render(request, "casework/suggestion_list.html", {"page": page, "query": query_without_page(request)})


@access_rule(Capability.VIEW_REFERRALS)
def intake_detail(request: AuthedRequest, intake_id: int) -> HttpResponse:
    intake = access_intake(request.user, intake_id, related=("child__region__parent", "township", "received_by"))
    referrals = intake.referrals.select_related("department", "township", "assigned_to").order_by("code", "id")
    labels = selectors.measure_labels()
    registry_services.child_viewed(
        actor=request.user,
        child=intake.child,
        summary=f"查看受理 {intake.reference}（儿童 {intake.child.name}）",
        detail={"via": "intake", "intake": intake.pk},
    )
    return render(
        request,
        "casework/intake_detail.html",
        {
            "intake": intake,
            "measures": labelled(intake.measures.order_by("-proposed", "code"), labels),
            "referrals": labelled(referrals, labels),
            "summary": selectors.child_summary(intake.child),
            "may_act": intake.state == IntakeState.DRAFT and may_take_intake(request.user, intake.child),
            "may_view_child": can(request.user, Capability.VIEW_CHILDREN),
            "may_list": can(request.user, Capability.TAKE_INTAKE),
        },
    )


@access_rule(Capability.VIEW_REFERRALS)
def intake_receipt(request: AuthedRequest, intake_id: int) -> HttpResponse:
    intake = access_intake(request.user, intake_id, related=("child", "township", "received_by"))
    if intake.state != IntakeState.CONFIRMED:
        messages.info(request, "受理确认转办后才能打印回执。")
        return redirect("intake:detail", intake_id=intake.pk)
    referrals = intake.referrals.select_related("department", "township").order_by("code", "id")
    window_name, window = selectors.intake_window(intake)
    registry_services.child_viewed(
        actor=request.user,
        child=intake.child,
        summary=f"打印受理回执 {intake.reference}（儿童 {intake.child.name}）",
        detail={"via": "receipt", "intake": intake.pk},
    )
    return render(
        request,
        "casework/intake_receipt.html",
        {
            "intake": intake,
            "referrals": labelled(referrals),
            "window_name": window_name,
            "window": window,
            "printed": today(),
        },
    )


@access_rule(Capability.TAKE_INTAKE)
def intake_confirm(request: AuthedRequest, intake_id: int) -> HttpResponse:
    intake = access_window_intake(request.user, intake_id, related=("child__region__parent", "township"))
    if intake.state != IntakeState.DRAFT:
        messages.info(request, f"受理 {intake.reference} 已{intake.get_state_display()}。")
        return redirect("intake:detail", intake_id=intake.pk)
    if request.method != "POST":
        registry_services.child_viewed(
            actor=request.user,
            child=intake.child,
            summary=f"确认筛查建议 {intake.reference} 时查看儿童 {intake.child.name}",
            detail={"via": "intake_confirm", "intake": intake.pk},
        )
    proposals = {m.code: m.explanation for m in intake.measures.filter(proposed=True).order_by("code")}
    initial = {
        "facts": intake.facts,
        "applicant_name": intake.applicant_name,
        "applicant_relationship": intake.applicant_relationship,
        "applicant_phone": intake.applicant_phone,
    }
    form = IntakeForm(
        posted(request),
        files(request),
        proposals=proposals,
        labels=selectors.measure_labels(),
        initial=initial,
        in_hand=selectors.codes_in_hand(intake.child),
    )
    if request.method == "POST" and form.is_valid():
        try:
            referrals = services.intake_confirm_draft(actor=request.user, intake=intake, **form.answers())
        except (ValidationError, RoutingError, PermissionDenied) as e:
            show_refusal(form, e)
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
    intake = access_window_intake(request.user, intake_id, related=("child__region__parent", "township"))
    if intake.state != IntakeState.DRAFT:
        messages.info(request, f"受理 {intake.reference} 已{intake.get_state_display()}，不能撤销。")
        return redirect("intake:detail", intake_id=intake.pk)
    form = CancelForm(posted(request))
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
        {"intake": intake, "form": form, "measures": labelled(intake.measures.order_by("code"))},
    )
