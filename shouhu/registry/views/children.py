"""The registry's screens: find, register, read, change, correct, close and reopen a child, and
the child's documents. Thin: forms validate through the exchange format, services write,
`access_child` decides scope (404 outside it)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from shouhu.access import AuthedRequest, Capability, access_child, access_rule, can, may_see_child
from shouhu.core import dates
from shouhu.core.models import AuditEvent
from shouhu.web.forms import add_validation_errors, show_refusal
from shouhu.web.pagination import paginate, query_without_page
from shouhu.web.rows import url_for_id

from .. import documents, selectors, services, transfers
from ..exchange.format import record_to_dict
from ..facts import Fact, describe, in_force
from ..forms.child import ChildForm, initial_from_record
from ..forms.correction import CorrectionForm
from ..forms.documents import DocumentForm
from ..forms.filters import ChildFilterForm
from ..forms.status import CloseForm, ReopenForm
from ..identity import age_on, mask_phone, shown_birth
from ..labels import change_label
from ..models import FLAG_KINDS, Child, ChildStatus, Circumstance, Kind

# Audit rows that record someone looking, not a change: left out of the child's change trail.
READ_ACTIONS = (
    "children.view",
    "children.reveal",
    "children.document_download",
    "children.export",
    "children.register_elsewhere",  # an attempt refused, not a change
)
TRAIL_LENGTH = 100


# -- the list --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildRow:
    child: Child
    age: int
    situation: list[str]


KIND_ORDER = {kind: position for position, kind in enumerate(Kind.values)}


def _short_situation(facts: list[Circumstance]) -> list[str]:
    labels = []
    for row in sorted(facts, key=lambda r: KIND_ORDER.get(r.kind, len(KIND_ORDER))):
        if row.kind in FLAG_KINDS:
            labels.append(str(Kind(row.kind).label))
        elif row.kind == Kind.DISABILITY:
            labels.append(f"残疾{row.grade}级")
    return labels


def _row_html(row: ChildRow, detail_url: Callable[[Any], str], single_region: bool) -> str:
    """One row of the children list (what its template rendered per row; shouhu/web/rows.py)."""
    child = row.child
    closed = format_html(' <span class="badge">{}</span>', gettext("已销档")) if child.status == "closed" else ""
    region = ""
    if not single_region:
        parent = child.region.parent
        below = format_html('<br><small class="muted">{}</small>', parent.name) if parent else ""
        region = format_html("<td>{}{}</td>", child.region.name, below)
    situation = (
        format_html_join("", '<span class="badge">{}</span> ', ((label,) for label in row.situation))
        if row.situation
        else mark_safe('<span class="muted">—</span>')
    )
    return format_html(
        '<tr>\n    <td><a href="{}">{}</a>{}\n      <br><small class="muted mono">{}</small></td>\n'
        '    <td class="nowrap">{} · {}</td>\n    {}\n    <td>{}</td>\n  </tr>',
        detail_url(child.pk),
        child.name,
        closed,
        child.id_number_masked or gettext("无身份证号"),
        child.get_sex_display(),  # type: ignore[attr-defined]
        gettext("%(age)s 岁") % {"age": row.age},
        region,
        situation,
    )


LIST_KEYS = ("region_code", "name_pinyin", "id")  # the list's order (Child.Meta.ordering), id last
LIST_COLUMNS: tuple[str, ...] = (*LIST_KEYS, "name", "status", "id_number_masked", "sex", "birth_date")
LIST_COLUMNS += ("region__name", "region__parent__name")


@access_rule(Capability.VIEW_CHILDREN)
def child_list(request: AuthedRequest) -> HttpResponse:
    today = dates.today()
    filters = ChildFilterForm(request.GET or None, user=request.user)
    children = selectors.search_children(request.user, on=today, **filters.search_arguments())
    parents = filters.cleaned_data.get("parents") if filters.is_bound and filters.is_valid() else ""
    if parents:
        children = selectors.filter_parent_situation(children, parents, on=today)
    in_force_today = Circumstance.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today), valid_from__lte=today
    ).only("child_id", "kind", "grade")  # what the short situation reads
    children = (
        children.select_related("region__parent")
        .prefetch_related(Prefetch("circumstances", queryset=in_force_today, to_attr="facts_today"))
        .only(*LIST_COLUMNS)  # what the list shows: no timestamps, no encrypted fields (150 decryptions a page)
    )
    page = paginate(request, children, keys=LIST_KEYS)
    rows = [ChildRow(c, age_on(c.birth_date, today), _short_situation(c.facts_today)) for c in page]  # type: ignore[attr-defined]
    searching = bool(request.GET.get("q")) or filters.has_advanced()
    services.children_shown(
        actor=request.user,
        page="查找儿童" if searching else "儿童名册",
        query=request.GET.urlencode(),
        child_ids=[row.child.pk for row in rows],
    )
    detail_url = url_for_id("registry:detail")
    return render(
        request,
        "registry/child_list.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "rows_html": mark_safe("".join(_row_html(row, detail_url, filters.single_region) for row in rows)),  # noqa: S308  (format_html escaped each value)
            "query": query_without_page(request),
            "searching": searching,
            "may_register": can(request.user, Capability.REGISTER_CHILDREN),
        },
    )


# -- registering -----------------------------------------------------------------------------


@access_rule(Capability.REGISTER_CHILDREN)
def child_create(request: AuthedRequest) -> HttpResponse:
    form = ChildForm(request.POST or None, request.FILES or None, user=request.user)
    existing = None
    elsewhere = False
    if request.method == "POST" and form.is_valid() and form.record is not None:
        data = form.cleaned_data
        attached = [(data["doc_type"], data["document"])] if data.get("document") else []
        try:
            child = documents.child_register_with_documents(
                actor=request.user,
                record=form.record,
                phone=data.get("phone") or "",
                address=data.get("address") or "",
                documents=attached,
                effective=data.get("effective"),
                announce=True,
            )
        except ValidationError as e:
            add_validation_errors(form, e)
            if form.record.id_number:
                found = services.find_by_id_number(form.record.id_number)
                if found is not None and may_see_child(request.user, found):
                    existing = found
                elif found is not None:
                    # On record outside the user's jurisdiction: one sentence and a way to ask for
                    # the child to move here; nothing about the child (transfers.py). Audited.
                    transfers.registration_elsewhere(actor=request.user, child=found)
                    form.errors["id_number"] = form.error_class([transfers.REGISTERED_ELSEWHERE])
                    elsewhere = True
        except PermissionDenied as e:
            form.add_error("region_code", str(e))
        else:
            messages.success(request, f"已登记儿童 {child.name}")
            _show_follow_ups(request, child)
            return redirect("registry:detail", child_id=child.pk)
    return render(
        request,
        "registry/child_form.html",
        {
            "form": form,
            "title": "登记儿童",
            "existing": existing,
            "multipart": True,
            "elsewhere": elsewhere,
            "may_request_transfer": elsewhere and can(request.user, Capability.REQUEST_TRANSFER),
        },
    )


# -- the child's page ------------------------------------------------------------------------


def _as_of(request: AuthedRequest) -> tuple[datetime.date, str]:
    raw = request.GET.get("on", "").strip()
    if not raw:
        return dates.today(), ""
    try:
        return datetime.date.fromisoformat(raw), ""
    except ValueError:
        return dates.today(), f"日期 {raw} 无效，显示的是今天的情况"


def _situation(facts: dict[str, Circumstance]) -> list[tuple[str, str, Circumstance | None]]:
    """(label, description, the row in force) for each part of the situation on a date."""

    def line(label: str, kind: str) -> tuple[str, str, Circumstance | None]:
        row = facts.get(kind)
        return label, _describe(kind, row), row

    def flags(label: str, kinds: tuple[str, ...], none: str) -> tuple[str, str, Circumstance | None]:
        held = [str(Kind(k).label) for k in kinds if k in facts]
        return label, "、".join(held) or none, None

    return [
        flags("家庭经济", (Kind.LOW_INCOME, Kind.EXTREME_POVERTY, Kind.TEMPORARY_HARDSHIP), "无低保、特困或临时困难"),
        line("父亲", Kind.FATHER),
        line("母亲", Kind.MOTHER),
        line("实际监护人", Kind.GUARDIAN),
        line("残疾", Kind.DISABILITY),
        flags("重病", (Kind.SERIOUS_ILLNESS,), "无"),
        line("就学", Kind.SCHOOLING),
        line("生活安置", Kind.LIVING_ARRANGEMENT),
        flags("流动与留守", (Kind.MIGRANT, Kind.LEFT_BEHIND), "否"),
        flags("安全情况", (Kind.ABUSE, Kind.NEGLECT, Kind.ABANDONED), "未发现虐待、忽视或遗弃"),
    ]


def _describe(kind: str, row: Circumstance | None) -> str:
    """A fact in words, without repeating the label the page already shows beside it."""
    return _strip_label(kind, describe(kind, Fact.of(row) if row else None))


def _shown_change(child: Child, change: dict[str, Any]) -> tuple[str, str]:
    """A recorded change as the child's page shows it: a birth date beside a masked ID number to
    the month (docs/security.md, "ID masks")."""
    before, after = str(change.get("before", "")), str(change.get("after", ""))
    if change.get("kind") == "birth_date" and child.id_number_masked:
        return before[:7], after[:7]
    return before, after


@access_rule(Capability.VIEW_CHILDREN)
def child_detail(request: AuthedRequest, child_id: int) -> HttpResponse:
    child = access_child(request.user, child_id)
    on, date_problem = _as_of(request)
    rows = list(selectors.history(child))
    history = [(row, _describe(row.kind, row)) for row in rows]
    services.child_viewed(actor=request.user, child=child, summary=f"查看儿童 {child.name} 的档案")
    trail = list(
        AuditEvent.objects.filter(object_type="registry.child", object_id=str(child.pk))
        .exclude(action__in=READ_ACTIONS)
        .select_related("actor")[:TRAIL_LENGTH]
    )
    for event in trail:
        changes = event.detail.get("changes") if isinstance(event.detail, dict) else None
        event.change_lines = [  # type: ignore[attr-defined]
            (change_label(c.get("kind", "")), *_shown_change(child, c)) for c in changes or []
        ]
    may_write = can(request.user, Capability.REGISTER_CHILDREN)
    return render(
        request,
        "registry/child_detail.html",
        {
            "child": child,
            "birth": shown_birth(child.birth_date, dates.today(), masked=bool(child.id_number_masked)),
            "on": on,
            "is_today": on == dates.today(),
            "date_problem": date_problem,
            "situation": _situation(in_force(rows, on)),
            "history": history,
            "trail": trail,
            "documents": child.documents.select_related("uploaded_by").order_by("-created_at", "-id"),
            "phone_masked": mask_phone(child.phone) if child.phone else "",
            "hukou_region": selectors.hukou_region_name(child),
            "may_write": may_write,
            "may_reveal": can(request.user, Capability.REVEAL_SENSITIVE),
        },
    )


@require_POST
@access_rule(Capability.REVEAL_SENSITIVE)
def child_reveal(request: AuthedRequest, child_id: int) -> HttpResponse:
    child = access_child(request.user, child_id)
    field = request.POST.get("field", "id_number")
    try:
        value = services.child_reveal(actor=request.user, child=child, field=field)
    except ValidationError:
        return HttpResponseBadRequest("无效字段")
    template = "registry/_revealed.html" if request.htmx else "registry/revealed_page.html"  # type: ignore[attr-defined]
    labels = {"id_number": "身份证号", "phone": "联系电话", "address": "详细住址"}
    return render(request, template, {"child": child, "value": value, "label": labels[field]})


# -- recording a change ----------------------------------------------------------------------


def _preview_token(form: ChildForm) -> str:
    """A keyed digest of exactly what was previewed: a confirm of anything else is re-previewed."""
    assert form.record is not None
    data = form.cleaned_data
    payload = json.dumps(
        [
            record_to_dict(form.record),
            str(data.get("effective")),
            data.get("phone") or "",
            data.get("address") or "",
            data.get("version"),
        ],
        ensure_ascii=False,
        sort_keys=True,
    )
    return salted_hmac("registry.change-preview", payload, algorithm="sha256").hexdigest()


@access_rule(Capability.REGISTER_CHILDREN)
def child_change(request: AuthedRequest, child_id: int) -> HttpResponse:
    child = access_child(request.user, child_id, for_write=True)
    if child.status == ChildStatus.CLOSED:
        messages.error(request, "该档案已销档，不能记录变化；如需继续跟踪，请先恢复档案。")
        return redirect("registry:detail", child_id=child.pk)
    today = dates.today()
    if request.method != "POST":
        initial = initial_from_record(selectors.situation_on(child, today))
        form = ChildForm(
            initial={**initial, "effective": today, "version": child.version}, user=request.user, child=child
        )
        # `?focus=father_status,…` (from the 待补充信息 worklist): the fields to fill are marked,
        # and the page opens at the first (`#focus`).
        focus = [name for name in request.GET.get("focus", "").split(",") if name in form.fields]
        services.child_viewed(
            actor=request.user, child=child, summary=f"记录变化时查看儿童 {child.name} 的档案", detail={"via": "change"}
        )
        return _change_page(request, child, form, focus=focus)
    form = ChildForm(request.POST, user=request.user, child=child)
    if not form.is_valid() or form.record is None:
        return _change_page(request, child, form)
    data = form.cleaned_data
    effective = data["effective"]
    phone, address = data.get("phone") or None, data.get("address") or None
    update: dict[str, Any] = {
        "actor": request.user,
        "record": form.record,
        "expected_version": data.get("version") or 0,
        "effective": effective,
        "phone": phone,
        "address": address,
    }
    if "edit" in request.POST:
        return _change_page(request, child, form)
    changes = [
        (change_label(c.kind), _strip_label(c.kind, c.before), _strip_label(c.kind, c.after))
        for c in services.planned_changes(child, form.record, on=effective)
    ]
    if phone and phone != child.phone:
        changes.append(("联系电话", mask_phone(child.phone) if child.phone else "未登记", mask_phone(phone)))
    if address and address != child.address:
        changes.append(("详细住址", "已登记" if child.address else "未登记", "更新"))
    if not changes:
        form.add_error(None, "与当前情况相比没有任何变化，无需保存。")
        return _change_page(request, child, form)
    token = _preview_token(form)
    confirmed = "confirm" in request.POST and constant_time_compare(request.POST.get("preview_token", ""), token)
    try:
        if confirmed:
            services.child_update(child=child, **update, announce=True)
        else:
            _try_update(child, update)  # the preview shows only what can be saved
    except services.ConcurrentEditError as e:
        # Keep everything typed; carry the current version so a re-preview compares with the
        # latest situation (which shows what the other person changed) before anything is saved.
        form.add_error(None, str(e))
        resubmit = request.POST.copy()
        resubmit["version"] = str(Child.objects.get(pk=child.pk).version)
        form.data = resubmit
        return _change_page(request, child, form, conflict=True)
    except ValidationError as e:
        add_validation_errors(form, e)
        return _change_page(request, child, form)
    if not confirmed:
        return render(
            request,
            "registry/child_change_preview.html",
            {
                "child": child,
                "form": form,
                "changes": changes,
                "effective": effective,
                "token": token,
                "stale_preview": "confirm" in request.POST,
            },
        )
    messages.success(request, f"已记录 {child.name} 自 {effective} 起的变化")
    _show_follow_ups(request, child)
    return redirect("registry:detail", child_id=child.pk)


def _show_follow_ups(request: AuthedRequest, child: Child) -> None:
    """What other apps did in answer to the change (screening at once, suggestions drafted:
    `signals.child_facts_changed`), on the page the person lands on."""
    for line in child.follow_ups:
        messages.info(request, line)


def _try_update(child: Child, update: dict[str, Any]) -> None:
    """Run the update on a fresh copy of the child and roll it back: the service's own checks
    (a stale version, a change dated before the fact it replaces) answer before the preview."""
    with transaction.atomic():
        services.child_update(child=Child.objects.get(pk=child.pk), **update)
        transaction.set_rollback(True)


def _strip_label(kind: str, text: str) -> str:
    return text.removeprefix(f"{Kind(kind).label}：") if kind in Kind.values else text


def _change_page(
    request: AuthedRequest, child: Child, form: ChildForm, *, conflict: bool = False, focus: list[str] | None = None
) -> HttpResponse:
    return render(
        request,
        "registry/child_form.html",
        {"form": form, "title": f"记录变化：{child.name}", "child": child, "conflict": conflict, "focus": focus or []},
    )


@access_rule(Capability.REGISTER_CHILDREN)
def circumstance_correct(request: AuthedRequest, child_id: int, circumstance_id: int) -> HttpResponse:
    child = access_child(request.user, child_id, for_write=True)
    circumstance = get_object_or_404(child.circumstances.all(), pk=circumstance_id)
    circumstance.child = child
    form = CorrectionForm(
        request.POST or None,
        initial=CorrectionForm.initial_for(circumstance, child.version),
        circumstance=circumstance,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.circumstance_correct(
                actor=request.user,
                circumstance=circumstance,
                expected_version=form.cleaned_data["version"],
                announce=True,
                **form.values(),
            )
        except (services.ConcurrentEditError, ValidationError) as e:
            show_refusal(form, e)
        else:
            messages.success(request, f"已更正「{circumstance.get_kind_display()}」记录")
            _show_follow_ups(request, child)
            return redirect("registry:detail", child_id=child.pk)
    if request.method != "POST":
        services.child_viewed(
            actor=request.user,
            child=child,
            summary=f"更正时查看儿童 {child.name} 的「{circumstance.get_kind_display()}」记录",
            detail={"via": "correct", "circumstance": circumstance.pk},
        )
    return render(
        request,
        "registry/circumstance_correct.html",
        {
            "child": child,
            "circumstance": circumstance,
            "described": describe(circumstance.kind, Fact.of(circumstance)),
            "form": form,
        },
    )


# -- closing and reopening -------------------------------------------------------------------


@access_rule(Capability.REGISTER_CHILDREN)
def child_close(request: AuthedRequest, child_id: int) -> HttpResponse:
    child = access_child(request.user, child_id, for_write=True)
    if child.status == ChildStatus.CLOSED:
        messages.info(request, "该档案已销档。")
        return redirect("registry:detail", child_id=child.pk)
    form = CloseForm(request.POST or None, initial={"closed_on": dates.today(), "version": child.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.child_close(
                actor=request.user,
                child=child,
                reason=data["reason"],
                closed_on=data["closed_on"],
                expected_version=data["version"],
                note=data.get("note", "").strip(),
            )
        except (services.ConcurrentEditError, ValidationError) as e:
            show_refusal(form, e)
        else:
            messages.success(request, f"{child.name} 的档案已销档")
            return redirect("registry:detail", child_id=child.pk)
    return render(request, "registry/child_close.html", {"child": child, "form": form, "closing": True})


@access_rule(Capability.REGISTER_CHILDREN)
def child_reopen(request: AuthedRequest, child_id: int) -> HttpResponse:
    child = access_child(request.user, child_id, for_write=True)
    if child.status != ChildStatus.CLOSED:
        messages.info(request, "该档案在册，无需恢复。")
        return redirect("registry:detail", child_id=child.pk)
    form = ReopenForm(request.POST or None, initial={"version": child.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.child_reopen(
                actor=request.user,
                child=child,
                expected_version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
            )
        except (services.ConcurrentEditError, ValidationError) as e:
            show_refusal(form, e)
        else:
            messages.success(request, f"{child.name} 的档案已恢复")
            return redirect("registry:detail", child_id=child.pk)
    return render(request, "registry/child_close.html", {"child": child, "form": form, "closing": False})


# -- documents -------------------------------------------------------------------------------


@access_rule(Capability.REGISTER_CHILDREN)
def document_upload(request: AuthedRequest, child_id: int) -> HttpResponse:
    child = access_child(request.user, child_id, for_write=True)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = documents.document_attach(
                actor=request.user,
                child=child,
                doc_type=form.cleaned_data["doc_type"],
                upload=form.cleaned_data["document"],
            )
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, f"已上传「{document.original_name}」")
            return redirect(f"{child_url(child)}#documents")
    return render(request, "registry/document_upload.html", {"child": child, "form": form})


def child_url(child: Child) -> str:
    return reverse("registry:detail", kwargs={"child_id": child.pk})


@access_rule(Capability.VIEW_CHILDREN)
def document_download(request: AuthedRequest, child_id: int, document_id: int) -> HttpResponse:
    child = access_child(request.user, child_id)
    document = get_object_or_404(child.documents.all(), pk=document_id)
    document.child = child
    try:
        handle = documents.document_open(actor=request.user, document=document)
    except FileNotFoundError:
        raise Http404("文件不存在") from None
    response = FileResponse(handle, as_attachment=True, filename=document.original_name)
    response["Content-Type"] = document.content_type
    response["Cache-Control"] = "private, no-store"
    return response  # type: ignore[return-value]  # streamed; access_rule types plain responses
