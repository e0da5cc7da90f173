"""The notice screens: the form for 县公安局 and 县司法局 officers, the list in scope, a notice
with its children and the release form. Thin: parse, call a selector or service, render."""

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
    access_custody_notice,
    access_rule,
    custody_kinds_for,
    may_record_custody_release,
    may_see_custody_child,
    may_see_custody_notices,
)
from shouhu.web.forms import add_validation_errors
from shouhu.web.pagination import paginate, query_without_page

from . import selectors, services
from .forms import CHILD_BLOCKS, NoticeFilterForm, NoticeForm, ReleaseForm, child_formset, notice_input, show_errors
from .models import CustodyNotice


def _blocks(request: AuthedRequest) -> int:
    raw = request.POST.get("child-TOTAL_FORMS") or request.GET.get("children") or ""
    return int(raw) if raw.isdigit() else CHILD_BLOCKS


@access_rule(Capability.RECORD_CUSTODY_NOTICES)
def notice_new(request: AuthedRequest) -> HttpResponse:
    kinds = custody_kinds_for(request.user)
    if not kinds:
        raise Http404("只有县公安局、县司法局的经办人登记拘留、服刑通知")
    posted = request.method == "POST"
    form = NoticeForm(request.POST if posted else None, kinds=kinds)
    formset = child_formset(request.POST if posted else None, _blocks(request))
    if posted and form.is_valid() & formset.is_valid():
        try:
            notice = services.notice_record(actor=request.user, data=notice_input(form, formset))
        except ValidationError as e:
            show_errors(form, formset, e)
        else:
            messages.success(request, f"通知已登记，编号 {notice.reference}。儿童的情况已通知民政部门和所在乡镇。")
            return redirect("custody:notice", notice_id=notice.pk)
    more = min(_blocks(request) + 2, 10)
    return render(request, "custody/notice_form.html", {"form": form, "formset": formset, "more": more}, status=200)


@access_rule(Capability.VIEW_CUSTODY_NOTICES)
def notice_list(request: AuthedRequest) -> HttpResponse:
    if not may_see_custody_notices(request.user):
        raise Http404("拘留、服刑通知只由公安、司法、民政和儿童所在乡镇查看")
    form = NoticeFilterForm(request.GET or None)
    filters = selectors.NoticeFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.NoticeFilters(kind=data["kind"], state=data["state"], township=data["township"])
    page = paginate(request, selectors.notice_list(request.user, filters))
    rows = list(page.object_list)
    services.notices_listed(
        actor=request.user,
        detail={
            "notices": [n.reference for n in rows],
            "children": [c.child_id for n in rows for c in n.shown_children],  # type: ignore[attr-defined]
            "kind": filters.kind,
            "state": filters.state,
        },
    )
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query_without_page(request),
        "may_record": bool(custody_kinds_for(request.user)),
    }
    return render(request, "custody/notice_list.html", context)


def _notice_page(
    request: AuthedRequest,
    notice: CustodyNotice,
    *,
    form: ReleaseForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    services.notice_viewed(actor=request.user, notice=notice)
    children: list[Any] = notice.shown_children  # type: ignore[attr-defined]
    for entry in children:
        entry.linked = may_see_custody_child(request.user, entry.child)
    may_release = notice.released_on is None and may_record_custody_release(request.user, notice)
    context = {
        "notice": notice,
        "children": children,
        "release_form": (form or ReleaseForm(initial={"version": notice.version})) if may_release else None,
        "error": error,
    }
    return render(request, "custody/notice_detail.html", context, status=status)


@access_rule(Capability.VIEW_CUSTODY_NOTICES)
def notice_detail(request: AuthedRequest, notice_id: int) -> HttpResponse:
    return _notice_page(request, selectors.notice_detail(request.user, notice_id))


@access_rule(Capability.RECORD_CUSTODY_NOTICES)
@require_POST
def notice_release(request: AuthedRequest, notice_id: int) -> HttpResponse:
    notice = access_custody_notice(request.user, notice_id)
    if not may_record_custody_release(request.user, notice):
        raise Http404("只有登记该通知的单位可以登记释放（解除）")
    form = ReleaseForm(request.POST)
    if form.is_valid():
        try:
            services.release_record(
                actor=request.user,
                notice=notice,
                released_on=form.cleaned_data["released_on"],
                expected_version=form.cleaned_data["version"],
            )
        except services.NoticeChangedError as e:
            return _notice_page(request, selectors.notice_detail(request.user, notice_id), error=str(e), status=409)
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, "已登记释放（解除），儿童所在乡镇已收到通知")
            return redirect("custody:notice", notice_id=notice.pk)
    return _notice_page(request, selectors.notice_detail(request.user, notice_id), form=form)
