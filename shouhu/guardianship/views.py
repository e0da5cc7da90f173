"""The guardianship screens: the list of interventions in scope; starting one on a safety case;
taking a step (its form lives in the case page's 监护干预 section, `panels.py`; a refused or stale
form comes back on a page of its own, a stale one with 409 and both values); a step's document.
Thin: parse, call a selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shouhu.access import (
    AuthedRequest,
    Capability,
    access_case_to_start,
    access_intervention,
    access_intervention_document,
    access_rule,
)
from shouhu.safeguarding.selectors import townships
from shouhu.web.forms import add_validation_errors
from shouhu.web.pagination import paginate, query_without_page

from . import selectors, services
from .forms import FIELD_NAMES, FilterForm, StepForm
from .models import GuardianshipIntervention
from .transitions import STEPS


def case_url(intervention: GuardianshipIntervention) -> str:
    return reverse("safety:case", args=[intervention.case_id]) + "#guardianship"


@access_rule(Capability.VIEW_SAFETY_CASES)
def intervention_list(request: AuthedRequest) -> HttpResponse:
    form = FilterForm(request.GET or None, townships=townships())
    filters = selectors.Filters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.Filters(state=data["state"], township=data["township"], follow_up_due=data["follow_up_due"])
    page = paginate(request, selectors.intervention_list(request.user, filters))
    rows = list(page.object_list)
    services.interventions_listed(
        actor=request.user,
        detail={
            "cases": [row.case.reference for row in rows],
            "children": [row.child_id for row in rows],
            "state": filters.state,
            "township": filters.township,
        },
    )
    return render(
        request,
        "guardianship/list.html",
        {"form": form, "page": page, "rows": rows, "query": query_without_page(request)},
    )


@access_rule(Capability.HANDLE_SAFETY_CASES)
@require_POST
def intervention_start(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = access_case_to_start(request.user, case_id)
    try:
        services.intervention_open(actor=request.user, case=case)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        messages.success(request, "已启动监护干预")
    return redirect(reverse("safety:case", args=[case.pk]) + "#guardianship")


def _as_form_errors(error: ValidationError) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({FIELD_NAMES.get(k, k): v for k, v in error.message_dict.items()})


@access_rule(Capability.HANDLE_SAFETY_CASES)
@require_POST
def step_take(request: AuthedRequest, intervention_id: int, action: str) -> HttpResponse:
    step = STEPS.get(action)
    if step is None:
        raise Http404("没有这个步骤")
    intervention = access_intervention(
        request.user, intervention_id, related=("case", "child", "township"), acting_as=step.party
    )
    form = StepForm(request.POST, request.FILES, step=step)
    error, status = "", 200
    if form.is_valid():
        try:
            services.step_take(
                actor=request.user,
                intervention=intervention,
                data=form.step_input(),
                expected_version=form.cleaned_data["version"],
                expected_state=form.cleaned_data["state"] or None,
            )
        except services.InterventionChangedError as e:
            error, status = str(e), 409
        except ValidationError as e:
            add_validation_errors(form, _as_form_errors(e))
        else:
            messages.success(request, f"已记录：{step.label}")
            return redirect(case_url(intervention))
    intervention.refresh_from_db(fields=["state", "version"])
    context = {"intervention": intervention, "step": step, "form": form, "error": error, "back": case_url(intervention)}
    return render(request, "guardianship/step.html", context, status=status)


@access_rule(Capability.VIEW_SAFETY_CASES)
def document_download(request: AuthedRequest, document_id: int) -> HttpResponse:
    document = access_intervention_document(request.user, document_id)
    try:
        handle = services.document_open(actor=request.user, document=document)
    except FileNotFoundError:
        raise Http404("文件不存在") from None
    response = FileResponse(handle, as_attachment=True, filename=document.original_name)
    response["Content-Type"] = document.content_type
    response["Cache-Control"] = "private, no-store"
    return response  # type: ignore[return-value]  # streamed; access_rule types plain responses
