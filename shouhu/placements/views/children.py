"""A child's placements over time; recording one (or matching the child to an approved family
first); ending one, after a confirmation; the adopters' assessment (task 20); and temporary care
(临时监护) recorded from a safety case."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shouhu.access import (
    AuthedRequest,
    Capability,
    access_family,
    access_placement,
    access_placement_child,
    access_rule,
    access_safety_case,
    may_assess_adopters,
    may_manage_placements_of,
    may_record_temporary_care,
    may_see_placement_history,
)
from shouhu.registry.models import Child
from shouhu.web.forms import add_validation_errors

from .. import selectors, services
from ..forms import AdoptiveAssessmentForm, EndForm, MatchFilterForm, PlacementForm, TemporaryCareForm
from ..models import Family, Placement, PlacementKind


@access_rule(Capability.VIEW_PLACEMENTS)
def child(request: AuthedRequest, child_id: int) -> HttpResponse:
    kid = access_placement_child(request.user, child_id)
    history = may_see_placement_history(request.user)
    services.child_placements_viewed(actor=request.user, child=kid, history=history)
    placements = selectors.child_placements(request.user, kid)
    context = {
        "child": kid,
        "placements": placements,
        "history": history,
        "open": next((p for p in placements if p.valid_to is None), None),
        "may_manage": may_manage_placements_of(request.user, kid),
        "may_assess": may_assess_adopters(request.user, kid),
        "assessments": selectors.adoptive_assessments(kid) if history else [],
    }
    return render(request, "placements/child.html", context)


def _family_from(request: AuthedRequest) -> Family | None:
    raw = request.GET.get("family") or request.POST.get("family") or ""
    return access_family(request.user, int(raw)) if raw.isdigit() else None


def _manageable_child(request: AuthedRequest, child_id: int) -> Child:
    kid = access_placement_child(request.user, child_id)
    if not may_manage_placements_of(request.user, kid):
        raise Http404("儿童不存在或不在您的辖区内")
    return kid


@access_rule(Capability.MANAGE_PLACEMENTS)
def placement_new(request: AuthedRequest, child_id: int) -> HttpResponse:
    kid = _manageable_child(request, child_id)
    family = _family_from(request)
    units = selectors.deciding_units()
    assessments = [a for a in selectors.adoptive_assessments(kid) if a.result == "qualified"]
    form = PlacementForm(
        request.POST if request.method == "POST" else None,
        units=units,
        assessments=assessments,
        family_name=family.name if family else "",
    )
    current = selectors.open_placement(kid)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            placement = services.placement_start(
                actor=request.user,
                child=kid,
                kind=data["kind"],
                valid_from=data["valid_from"],
                decided_by_unit=form.unit(),
                decided_by_person=data["decided_by_person"],
                decision_number=data["decision_number"],
                decision_basis=data["decision_basis"],
                family=family,
                caregiver_name=data.get("caregiver_name", ""),
                caregiver_relationship=data.get("caregiver_relationship", ""),
                place=data.get("place", ""),
                ground=data.get("ground", ""),
                adoptive_assessment=form.assessment() if "adoptive_assessment" in form.fields else None,
                planned_end=data["planned_end"],
                end_current=data["end_current"],
            )
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, f"已记录安置：{placement.get_kind_display()}（{placement.caregiver}）")
            return redirect("placements:child", child_id=kid.pk)
    context = {"child": kid, "form": form, "family": family, "current": current}
    return render(request, "placements/placement_form.html", context)


@access_rule(Capability.MANAGE_PLACEMENTS)
def match(request: AuthedRequest, child_id: int) -> HttpResponse:
    kid = _manageable_child(request, child_id)
    form = MatchFilterForm(request.GET or None, townships=selectors.townships())
    filters = selectors.MatchFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.MatchFilters(township=form.cleaned_data["township"], q=form.cleaned_data["q"].strip())
    families = selectors.match_families(request.user, kid, filters)
    services.families_matched(actor=request.user, child=kid, detail={"families": [f.reference for f in families]})
    context = {"child": kid, "form": form, "families": families, "township": kid.region_code[:9]}
    return render(request, "placements/match.html", context)


def _end_page(request: AuthedRequest, placement: Placement, form: EndForm, error: str = "", status: int = 200) -> Any:
    context = {"placement": placement, "child": placement.child, "form": form, "error": error}
    return render(request, "placements/placement_end.html", context, status=status)


@access_rule(Capability.MANAGE_PLACEMENTS)
def placement_end(request: AuthedRequest, placement_id: int) -> HttpResponse:
    placement = access_placement(request.user, placement_id, for_write=True)
    if request.method != "POST":
        return _end_page(request, placement, EndForm(initial={"version": placement.version}))
    form = EndForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.placement_end(
                actor=request.user,
                placement=placement,
                valid_to=data["valid_to"],
                outcome=data["outcome"],
                note=data["note"],
                expected_version=data["version"],
            )
        except services.PlacementChangedError as e:
            fresh = access_placement(request.user, placement_id, for_write=True)
            return _end_page(request, fresh, form, error=str(e), status=409)
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, "安置已结束")
            return redirect("placements:child", child_id=placement.child_id)
    return _end_page(request, placement, form)


@access_rule(Capability.MANAGE_FAMILIES)
def adoptive_assessment_new(request: AuthedRequest, child_id: int) -> HttpResponse:
    kid = access_placement_child(request.user, child_id)
    form = AdoptiveAssessmentForm(request.POST if request.method == "POST" else None, units=selectors.deciding_units())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = services.adoptive_assessment_record(
                actor=request.user,
                child=kid,
                adopters=data["adopters"],
                assessed_on=data["assessed_on"],
                result=data["result"],
                unit=form.chosen_unit(),
                assessor=data["assessor"],
                notes=data["notes"],
            )
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, f"已记录收养能力评估：{assessment.get_result_display()}")
            return redirect("placements:child", child_id=kid.pk)
    return render(request, "placements/adoptive_assessment_form.html", {"child": kid, "form": form})


@access_rule(Capability.MANAGE_PLACEMENTS)
@require_POST
def temporary_care(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access_safety_case(request.user, case_id, related=("township", "child"))
    form = TemporaryCareForm(request.POST, units=selectors.deciding_units(), prefix="tc")
    if case.child is None:
        form.is_valid()
        form.add_error(None, "该儿童尚未在儿童名册登记：请先登记并与本个案关联，再记录临时监护")
    elif not may_record_temporary_care(request.user, case):
        form.is_valid()
        form.add_error(None, "该儿童的档案不在您的辖区：请由县民政局或儿童所在乡镇记录临时监护")
    elif form.is_valid():
        data = form.cleaned_data
        try:
            services.placement_start(
                actor=request.user,
                child=case.child,
                kind=PlacementKind.TEMPORARY_CARE,
                valid_from=data["valid_from"],
                decided_by_unit=form.unit(),
                decided_by_person=data["decided_by_person"],
                decision_number=data["decision_number"],
                decision_basis="《中华人民共和国未成年人保护法》第九十二条",
                caregiver_name=data["caregiver_name"],
                caregiver_relationship=data["caregiver_relationship"],
                place=data["place"],
                ground=data["ground"],
                source_case=case,
            )
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, "已记录临时监护")
            return redirect("safety:case", case_id=case.pk)
    return render(request, "placements/temporary_care.html", {"case": case, "form": form}, status=200)
