"""Reviewing potential duplicates: the open pairs side by side; merge (with confirmation) or
dismiss. Scope: pairs where both children are visible to the reviewer."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shouhu.access import AuthedRequest, Capability, access_duplicate, access_rule, duplicates_visible_to
from shouhu.core import dates
from shouhu.web.pagination import paginate, query_without_page

from ..facts import Fact, describe, in_force
from ..identity import shown_birth
from ..merge import duplicate_dismiss, duplicate_merge, duplicate_pair_viewed, plan_merge
from ..models import Child, Circumstance, DuplicateState
from ..services import ConcurrentEditError, children_shown

PAIRS_PER_PAGE = 20


def _facts_today(child: Child) -> list[str]:
    return [
        describe(kind, Fact.of(row)) for kind, row in sorted(in_force(child.circumstances.all(), dates.today()).items())
    ]


def _card(child: Child, survivor_id: int | None = None) -> dict[str, Any]:
    return {
        "child": child,
        "birth": shown_birth(child.birth_date, dates.today(), masked=bool(child.id_number_masked)),
        "facts": _facts_today(child),
        "survivor": child.pk == survivor_id,
    }


@access_rule(Capability.REVIEW_DUPLICATES)
def duplicate_list(request: AuthedRequest) -> HttpResponse:
    state = request.GET.get("state", DuplicateState.OPEN)
    if state not in DuplicateState.values:
        state = DuplicateState.OPEN
    today = dates.today()
    circumstances = Prefetch(
        "circumstances", queryset=Circumstance.objects.filter(valid_from__lte=today).exclude(valid_to__lt=today)
    )
    pairs = (
        duplicates_visible_to(request.user)
        .filter(state=state)
        .select_related("reviewed_by", "survivor")
        .prefetch_related(
            Prefetch("child_a", queryset=Child.objects.select_related("region").prefetch_related(circumstances)),
            Prefetch("child_b", queryset=Child.objects.select_related("region").prefetch_related(circumstances)),
        )
        .order_by("-created_at", "-id")
    )
    page = paginate(request, pairs, PAIRS_PER_PAGE)
    rows = [{"pair": pair, "a": _card(pair.child_a), "b": _card(pair.child_b)} for pair in page]
    pair_ids = [child_id for pair in page for child_id in (pair.child_a_id, pair.child_b_id)]
    children_shown(actor=request.user, page="疑似重复核查", query=request.GET.urlencode(), child_ids=pair_ids)
    counts = dict(
        duplicates_visible_to(request.user)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    states = [(value, label, counts.get(value, 0)) for value, label in DuplicateState.choices]
    return render(
        request,
        "registry/review_list.html",
        {
            "page": page,
            "rows": rows,
            "state": state,
            "states": states,
            "query": query_without_page(request),
        },
    )


@access_rule(Capability.REVIEW_DUPLICATES)
def duplicate_merge_view(request: AuthedRequest, candidate_id: int) -> HttpResponse:
    candidate = access_duplicate(request.user, candidate_id)
    if candidate.state != DuplicateState.OPEN:
        messages.info(request, f"这对记录已处理（{candidate.get_state_display()}）")
        return redirect("registry:duplicates")
    chosen = request.POST.get("survivor") or request.GET.get("survivor") or str(candidate.child_a_id)
    try:
        survivor_id = int(chosen)
        plan = plan_merge(candidate, survivor_id)
    except (ValueError, ValidationError):
        survivor_id = candidate.child_a_id
        plan = plan_merge(candidate, survivor_id)
    error = ""
    if request.method == "POST" and request.POST.get("confirm") == "1":
        try:
            versions = {
                candidate.child_a_id: int(request.POST.get("version_a", "")),
                candidate.child_b_id: int(request.POST.get("version_b", "")),
            }
        except ValueError:
            error = "缺少档案版本，请刷新页面后重试"
        else:
            try:
                done = duplicate_merge(
                    actor=request.user, candidate=candidate, survivor_id=survivor_id, expected_versions=versions
                )
            except ConcurrentEditError as e:
                error = str(e)
            except ValidationError as e:
                error = "；".join(e.messages)
            else:
                messages.success(
                    request,
                    f"已将 #{done.merged.pk} {done.merged.name} 合并到 #{done.survivor.pk} {done.survivor.name}",
                )
                return redirect("registry:duplicates")
    duplicate_pair_viewed(actor=request.user, candidate=candidate)
    return render(
        request,
        "registry/review_merge.html",
        {
            "pair": candidate,
            "plan": plan,
            "error": error,
            "survivor_id": survivor_id,
            "a": _card(candidate.child_a, survivor_id),
            "b": _card(candidate.child_b, survivor_id),
            "moved": [plan.describe(r) for r in plan.moved],
            "already_held": [plan.describe(r) for r in plan.already_held],
            "conflicts": [plan.describe(r) for r in plan.conflicts],
            "identity": [
                {"id_number": "身份证号", "phone": "联系电话", "address": "详细住址", "hukou_region_code": "户籍地"}[n]
                for n in plan.identity
            ],
        },
    )


@access_rule(Capability.REVIEW_DUPLICATES)
@require_POST
def duplicate_dismiss_view(request: AuthedRequest, candidate_id: int) -> HttpResponse:
    candidate = access_duplicate(request.user, candidate_id)
    try:
        duplicate_dismiss(actor=request.user, candidate=candidate, note=request.POST.get("note", ""))
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        messages.success(request, f"已标记为不是重复：{candidate.child_a.name} / {candidate.child_b.name}")
    return redirect("registry:duplicates")
