"""Moving a child between townships: ask (the destination's director or supervisor), see the
requests, and decide (the child's current township, or the county). Thin: the forms parse,
`transfers.py` writes, `shouhu/access/transfers.py` decides who may see and do what."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shouhu.access import (
    AuthedRequest,
    Capability,
    access_rule,
    access_transfer,
    access_transfer_decision,
    can,
    may_decide_transfer,
    may_see_transfer_origin,
)
from shouhu.regions.models import Region
from shouhu.web.forms import add_validation_errors

from .. import selectors, services, transfers
from ..forms.transfers import TransferDecisionForm, TransferRequestForm

PREFILLED = ("id_number", "name", "to_region", "address")
# The registration form's fields behind each request field, in PREFILLED's order.
PREFILL_SOURCES = ("id_number", "name", "region_code", "address")


@access_rule(Capability.REQUEST_TRANSFER)
def transfer_request(request: AuthedRequest) -> HttpResponse:
    """The request form; the registration page's 申请迁入 button posts what was typed there with
    `prefill=1`, which fills the form in without checking it."""
    if request.method == "POST" and request.POST.get("prefill") == "1":
        initial = {name: request.POST.get(source, "") for name, source in zip(PREFILLED, PREFILL_SOURCES, strict=True)}
        form = TransferRequestForm(initial=initial, user=request.user)
    else:
        form = TransferRequestForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                transfers.transfer_request(
                    actor=request.user,
                    id_number=data["id_number"],
                    name=data["name"],
                    to_region=Region.objects.get(code=data["to_region"]),
                    address=data["address"],
                    reason=data.get("reason") or "",
                )
            except ValidationError as e:
                add_validation_errors(form, e)
            except PermissionDenied as e:
                form.add_error("to_region", str(e))
            else:
                messages.success(request, "已提交迁入申请，等待儿童现居住地的乡镇（街道）确认")
                return redirect("registry:transfers")
    return render(request, "registry/transfer_request.html", {"form": form})


@access_rule(Capability.VIEW_TRANSFERS)
def transfer_list(request: AuthedRequest) -> HttpResponse:
    limit = selectors.TRANSFER_LIST_LIMIT
    waiting = list(selectors.transfers_waiting(request.user)[: limit + 1])
    asked = (
        list(selectors.transfers_asked(request.user)[: limit + 1])
        if can(request.user, Capability.REQUEST_TRANSFER)
        else []
    )
    shown = [t.child_id for t in (*waiting[:limit], *asked[:limit])]
    services.children_shown(actor=request.user, page="儿童迁入", query=request.GET.urlencode(), child_ids=shown)
    return render(
        request,
        "registry/transfer_list.html",
        {
            "waiting": waiting[:limit],
            "asked": asked[:limit],
            "more": len(waiting) > limit or len(asked) > limit,
            "limit": limit,
            "may_decide": can(request.user, Capability.DECIDE_TRANSFERS),
            "may_request": can(request.user, Capability.REQUEST_TRANSFER),
        },
    )


@access_rule(Capability.VIEW_TRANSFERS)
def transfer_detail(request: AuthedRequest, transfer_id: int) -> HttpResponse:
    transfer = access_transfer(request.user, transfer_id)
    decide = may_decide_transfer(request.user, transfer)
    services.child_viewed(
        actor=request.user,
        child=transfer.child,
        summary=f"查看儿童 {transfer.child.name} 的迁入申请",
        detail={"via": "transfer", "transfer": transfer.pk},
    )
    return render(
        request,
        "registry/transfer_detail.html",
        {
            "transfer": transfer,
            "origin": may_see_transfer_origin(request.user, transfer),
            "form": TransferDecisionForm() if decide else None,
        },
    )


@require_POST
@access_rule(Capability.DECIDE_TRANSFERS)
def transfer_decide(request: AuthedRequest, transfer_id: int) -> HttpResponse:
    transfer = access_transfer_decision(request.user, transfer_id)
    form = TransferDecisionForm(request.POST)
    if form.is_valid():
        confirm = form.cleaned_data["decision"] == "confirm"
        try:
            transfers.transfer_decide(
                actor=request.user, transfer=transfer, confirm=confirm, note=form.cleaned_data.get("note") or ""
            )
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            if confirm:
                messages.success(request, f"已确认：{transfer.child.name} 迁入 {transfer.to_region.name}")
                for line in transfer.follow_ups:
                    messages.info(request, line)
            else:
                messages.success(request, f"已答复：不同意 {transfer.child.name} 迁入 {transfer.to_region.name}")
            return redirect("registry:transfers")
    return render(
        request,
        "registry/transfer_detail.html",
        {"transfer": transfer, "origin": True, "form": form},
        status=200,
    )
