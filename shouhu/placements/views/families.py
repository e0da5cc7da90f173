"""The family register: the list (search, state, township; paged), an application, a family's page
with its history, and its steps, trainings and reviews (county caseworkers)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shouhu.access import AuthedRequest, Capability, access_family, access_rule, may_manage_families
from shouhu.web.forms import add_validation_errors
from shouhu.web.pagination import paginate, query_without_page

from .. import selectors, services
from ..forms import (
    ApproveForm,
    AssessForm,
    FamilyFilterForm,
    FamilyForm,
    ReviewForm,
    StepForm,
    TrainingForm,
)
from ..models import Family
from ..transitions import NOTE_STEPS, STEPS, allowed_from


@access_rule(Capability.VIEW_FAMILIES)
def family_list(request: AuthedRequest) -> HttpResponse:
    townships = selectors.townships()
    form = FamilyFilterForm(request.GET or None, townships=townships)
    filters = selectors.FamilyFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.FamilyFilters(q=data["q"].strip(), state=data["state"], township=data["township"])
    page = paginate(request, selectors.family_list(request.user, filters))
    rows = list(page.object_list)
    services.families_listed(
        actor=request.user, detail={"families": [f.reference for f in rows], "q": filters.q, "state": filters.state}
    )
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query_without_page(request),
        "may_manage": may_manage_families(request.user),
    }
    return render(request, "placements/family_list.html", context)


@access_rule(Capability.MANAGE_FAMILIES)
def family_new(request: AuthedRequest) -> HttpResponse:
    form = FamilyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            family = services.family_apply(
                actor=request.user,
                data=services.FamilyInput(
                    name=data["name"],
                    region_code=data["region"],
                    address=data["address"],
                    members=data["members"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    applied_on=data["applied_on"],
                ),
            )
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(
                request, f"已登记 {family.name} 的申请，编号 {family.reference}。下一步：入户调查与能力评估"
            )
            return redirect("placements:family", family_id=family.pk)
    return render(request, "placements/family_form.html", {"form": form})


def _versioned(family: Family) -> dict[str, Any]:
    return {"version": family.version, "state": family.state}


def family_page(
    request: AuthedRequest, family: Family, *, forms: dict[str, Any] | None = None, error: str = "", status: int = 200
) -> HttpResponse:
    page = selectors.family_page(request.user, family)
    services.family_viewed(actor=request.user, family=family, address=page.address_shown)
    forms = forms or {}
    actions: list[tuple[Any, Any]] = []
    if may_manage_families(request.user):
        for step in allowed_from(family.state):
            if step.action == "assess":
                form = forms.get("assess") or AssessForm(prefix="assess", initial=_versioned(family))
            elif step.action == "approve":
                latest = page.assessments[0] if page.assessments else None
                initial = {**_versioned(family), "capacity": latest.capacity if latest else None}
                form = forms.get("approve") or ApproveForm(prefix="approve", initial=initial)
            else:
                form = forms.get(step.action) or StepForm(prefix=step.action, initial=_versioned(family))
                form.fields["note"].label = step.note_label
                form.fields["note"].required = step.needs_note
            actions.append((step, form))
    context = {
        "page": page,
        "family": family,
        "actions": actions,
        "training_form": forms.get("training") or TrainingForm(prefix="training"),
        "review_form": forms.get("review") or ReviewForm(prefix="review"),
        "may_manage": may_manage_families(request.user),
        "error": error,
    }
    return render(request, "placements/family_detail.html", context, status=status)


@access_rule(Capability.VIEW_FAMILIES)
def family_detail(request: AuthedRequest, family_id: int) -> HttpResponse:
    return family_page(request, access_family(request.user, family_id))


@access_rule(Capability.MANAGE_FAMILIES)
@require_POST
def family_act(request: AuthedRequest, family_id: int, action: str) -> HttpResponse:
    family = access_family(request.user, family_id)
    if action not in STEPS:
        raise Http404("没有这个操作")
    step = STEPS[action]
    form: Any
    if action == "assess":
        form = AssessForm(request.POST, prefix=action)
    elif action == "approve":
        form = ApproveForm(request.POST, prefix=action)
    else:
        form = StepForm(request.POST, prefix=action)
        form.fields["note"].required = step.needs_note
        form.fields["note"].label = step.note_label
    if form.is_valid():
        data = form.cleaned_data
        seen = {"expected_version": data["version"], "expected_state": data["state"] or None}
        try:
            if action == "assess":
                services.family_assess(
                    actor=request.user,
                    family=family,
                    assessed_on=data["assessed_on"],
                    assessor=data["assessor"],
                    result=data["result"],
                    capacity=data["capacity"],
                    notes=data["notes"],
                    **seen,
                )
            elif action == "approve":
                services.family_approve(
                    actor=request.user,
                    family=family,
                    approved_on=data["approved_on"],
                    approval_number=data["approval_number"],
                    capacity=data["capacity"],
                    **seen,
                )
            elif action in NOTE_STEPS:
                services.family_step(actor=request.user, family=family, action=action, note=data["note"], **seen)
        except services.FamilyChangedError as e:
            return family_page(request, access_family(request.user, family_id), error=str(e), status=409)
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, f"已记录：{step.label}")
            return redirect("placements:family", family_id=family.pk)
    return family_page(request, access_family(request.user, family_id), forms={action: form})


def _record_on_family(
    request: AuthedRequest, family_id: int, prefix: str, form_class: type[Any], record: Any, done: str
) -> HttpResponse:
    """A training or a review recorded on the family's page: the form's fields are the service's
    keyword arguments; refusals go back to the form, on the family's page."""
    family = access_family(request.user, family_id)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            record(actor=request.user, family=family, **form.cleaned_data)
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, done)
            return redirect("placements:family", family_id=family.pk)
    return family_page(request, family, forms={prefix: form})


@access_rule(Capability.MANAGE_FAMILIES)
@require_POST
def family_training(request: AuthedRequest, family_id: int) -> HttpResponse:
    return _record_on_family(request, family_id, "training", TrainingForm, services.family_training_add, "已记录培训")


@access_rule(Capability.MANAGE_FAMILIES)
@require_POST
def family_review(request: AuthedRequest, family_id: int) -> HttpResponse:
    return _record_on_family(request, family_id, "review", ReviewForm, services.family_review_add, "已记录复核")
