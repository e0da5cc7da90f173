from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from shouhu.access import AuthedRequest, Capability, access_region, access_rule, can, jurisdiction
from shouhu.web.pagination import paginate, query_without_page

from . import services
from .forms import RegionCreateForm, RegionImportForm, RegionRenameForm
from .models import Level, Region
from .selectors import decode_upload, region_children, region_search

IMPORT_SESSION_KEY = "regions_import_text"


@access_rule(Capability.VIEW_REGIONS)
def region_list(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    if not query:
        root = jurisdiction(request.user)
        if root is not None:
            return redirect("regions:detail", code=root.code)
    page = paginate(request, region_search(request.user, query))
    return render(request, "regions/list.html", {"page": page, "q": query, "query": query_without_page(request)})


@access_rule(Capability.VIEW_REGIONS)
def region_detail(request: AuthedRequest, code: str) -> HttpResponse:
    region = access_region(request.user, code)
    children = region_children(request.user, region)
    ancestors: list[Region] = []
    parent = region.parent
    while parent is not None:
        ancestors.insert(0, parent)
        parent = parent.parent
    can_manage = can(request.user, Capability.MANAGE_REGIONS)
    return render(
        request,
        "regions/detail.html",
        {
            "region": region,
            "children": children,
            "ancestors": ancestors,
            "can_manage": can_manage,
            "can_add_village": can_manage and region.level == Level.TOWNSHIP,
        },
    )


@access_rule(Capability.MANAGE_REGIONS)
def region_add_child(request: AuthedRequest, code: str) -> HttpResponse:
    parent = access_region(request.user, code)
    form = RegionCreateForm(request.POST or None, initial={"code": parent.prefix})
    if request.method == "POST" and form.is_valid():
        try:
            child = services.region_create(actor=request.user, parent=parent, **form.cleaned_data)
        except ValueError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, f"已新增 {child.name}")
            return redirect("regions:detail", code=parent.code)
    return render(
        request, "regions/form.html", {"form": form, "parent": parent, "title": f"在{parent.name}下新增村（社区）"}
    )


@access_rule(Capability.MANAGE_REGIONS)
def region_rename(request: AuthedRequest, code: str) -> HttpResponse:
    region = access_region(request.user, code)
    form = RegionRenameForm(request.POST or None, initial={"name": region.name})
    if request.method == "POST" and form.is_valid():
        services.region_rename(actor=request.user, region=region, name=form.cleaned_data["name"])
        messages.success(request, "名称已更新")
        return redirect("regions:detail", code=region.code)
    return render(request, "regions/form.html", {"form": form, "parent": region, "title": f"修改名称：{region.name}"})


@access_rule(Capability.MANAGE_REGIONS)
def region_import(request: AuthedRequest) -> HttpResponse:
    """Upload → preview (a dry run) → confirm. The file text waits in the session between the two."""
    form = RegionImportForm()
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and request.POST.get("confirm"):
        text = request.session.pop(IMPORT_SESSION_KEY, None)
        if text is None:
            messages.error(request, "预览已过期，请重新上传文件")
            return redirect("regions:import")
        try:
            report = services.regions_import_csv(actor=request.user, text=text)
        except services.RegionImportError as e:
            context["errors"] = e.errors
        else:
            messages.success(
                request,
                f"导入完成：新增 {len(report.created)} 个，更名 {len(report.renamed)} 个，未变 {report.unchanged} 个",
            )
            return redirect("regions:list")
    elif request.method == "POST":
        form = RegionImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            try:
                text = decode_upload(form.cleaned_data["file"].read())
                report = services.regions_import_csv(actor=request.user, text=text, dry_run=True)
            except UnicodeDecodeError:
                form.add_error("file", "无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV")
            except services.RegionImportError as e:
                context["errors"] = e.errors
            except ValidationError as e:
                context["errors"] = e.messages
            else:
                request.session[IMPORT_SESSION_KEY] = text
                context["preview"] = report
    return render(request, "regions/import.html", context)
