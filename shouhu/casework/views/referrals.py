"""The units' referral screens (协同办理): the inbox with its saved filters and bulk accept, one
referral and the actions on it (steps, reassign, transfer, cooperate, resubmit).

Thin: forms check input, services write, the access layer decides scope and who may act (404
outside it)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shouhu.access import (
    AuthedRequest,
    Capability,
    access_handled_referral,
    access_referral,
    access_rule,
    access_saved_filter,
    can,
    may_see_intakes,
    may_take_intake,
    may_transfer_referral,
    referrals_handled_by,
)
from shouhu.core.dates import today
from shouhu.policy.models import Mode
from shouhu.registry import services as registry_services
from shouhu.web.forms import add_validation_errors
from shouhu.web.pagination import paginate, query_without_page

from .. import outcomes, selectors, services
from ..forms import (
    CooperateForm,
    InboxFilterForm,
    ReassignForm,
    ResubmitForm,
    SavedFilterForm,
    TransferForm,
    TransitionForm,
)
from ..models import Referral, ReferralState
from ..services import TRANSITIONS, ReferralChangedError
from ..timeline import EVENT_LABELS
from .common import labelled, mark_parts

# What the referral's page shows of it, loaded with it.
DETAIL_RELATED = ("child__region__parent", "department", "intake__township", "township", "assigned_to")


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
    page.object_list = labelled(page.object_list, measures)
    handleable, parts = selectors.actionable(request.user, [r.pk for r in page])
    mark_parts(page.object_list, parts)
    registry_services.children_shown(
        actor=request.user, page="转介收件箱", query=request.GET.urlencode(), child_ids=[r.child_id for r in page]
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
            "part_label": selectors.part_label(request.user),
            "unit": selectors.inbox_unit(request.user),
            "township_measures": selectors.township_measures(request.user),
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
    mine = {r.pk: r for r in referrals_handled_by(request.user).filter(pk__in=ids).select_related("child", "intake")}
    accepted, changed, refused = [], [], []
    names = selectors.measure_labels()
    for referral_id in ids:
        referral = mine.get(referral_id)
        if referral is None:
            refused.append(str(referral_id))
            continue
        raw = request.POST.get(f"version_{referral_id}", "")
        version = int(raw) if raw.isdigit() else referral.version
        label = f"{referral.intake.reference} {referral.child.name} {selectors.measure_label(referral.code, names)}"
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
            services.saved_filter_save(
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
    saved = access_saved_filter(request.user, filter_id)
    services.saved_filter_delete(actor=request.user, saved=saved)
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
    intake_measure = selectors.intake_measure_of(referral)
    kind = referral.outcome_kind or _measure_kind(referral, intake_measure)
    transition_forms = [
        (
            name,
            TRANSITIONS[name],
            bound.get(name) or TransitionForm(initial=version, prefix=name, kind=_kind(name, kind)),
        )
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
            "explanation": intake_measure.explanation if intake_measure else "",
            "intake_measure": intake_measure,
            "cooperations": selectors.cooperations(referral),
            "events": _events(referral),
            "measure_name": labels.get(referral.code, ""),
            "outcome_kind": outcomes.kind_label(kind),
            "mode_label": dict(Mode.choices).get(referral.mode, referral.mode),
            "may_inbox": can(user, Capability.HANDLE_REFERRALS),
            "may_children": can(user, Capability.VIEW_CHILDREN),
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
            "may_view_intake": may_see_intakes(user),
            "due": referral.accept_due if referral.state == ReferralState.SUBMITTED else referral.decide_due,
        },
        status=status,
    )


def _measure_kind(referral: Referral, intake_measure: Any) -> str:
    return intake_measure.measure_kind if intake_measure is not None else outcomes.kind_of(referral.code)


def _kind(action: str, kind: str) -> str:
    """Only completing asks for the outcome's fields."""
    return kind if action == "complete" else ""


def _events(referral: Referral) -> list[Any]:
    events = list(selectors.referral_events(referral))
    for event in events:
        event.label = EVENT_LABELS.get(event.action, event.action)  # type: ignore[attr-defined]
        state_label = ReferralState(event.to_state).label if event.to_state else ""
        event.state_label = "" if state_label == event.label else state_label  # type: ignore[attr-defined]
    return events


@access_rule(Capability.VIEW_REFERRALS)
def referral_detail(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = access_referral(request.user, referral_id, related=DETAIL_RELATED)
    registry_services.child_viewed(
        actor=request.user,
        child=referral.child,
        summary=f"查看转介 {referral.code}（儿童 {referral.child.name}）",
        detail={"via": "referral", "referral": referral.pk},
    )
    return _detail(request, referral)


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
    referral = access_handled_referral(request.user, referral_id)
    form = TransitionForm(request.POST, prefix=action, kind=_kind(action, outcomes.kind_of(referral.code)))

    def run(data: dict[str, Any]) -> None:
        services.referral_transition(
            actor=request.user,
            referral=referral,
            action=action,
            expected_version=data["version"],
            reason=data.get("reason") or "",
            outcome=data.get("outcome") or "",
            answer=form.answer(),
        )

    return _after(request, referral, form, action, run, f"已{TRANSITIONS[action].label}")


@require_POST
@access_rule(Capability.HANDLE_REFERRALS)
def referral_reassign(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = access_handled_referral(request.user, referral_id)
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
    if not may_transfer_referral(request.user, referral):
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
