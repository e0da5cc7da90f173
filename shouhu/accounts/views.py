from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shouhu.access import (
    AuthedRequest,
    Capability,
    access_api_token,
    access_department,
    access_own_api_token,
    access_rule,
    access_signin_lock,
    access_user,
    api_tokens_visible_to,
    can,
    own_api_tokens,
)
from shouhu.core.actions import ACTION_LABELS
from shouhu.web.forms import add_validation_errors
from shouhu.web.pagination import paginate, query_without_page

from . import selectors, services
from .forms import ApiTokenForm, DepartmentForm, PasswordForm, UserFilterForm, UserForm
from .signin import throttle, two_factor
from .signin.forms import TwoFactorRolesForm


@access_rule(Capability.MANAGE_USERS)
def user_list(request: AuthedRequest) -> HttpResponse:
    filters = UserFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    users = selectors.user_list(request.user, **{k: v for k, v in data.items() if v})
    return render(
        request,
        "accounts/user_list.html",
        {
            "filters": filters,
            "page": paginate(request, users),
            "query": query_without_page(request),
            "locks": throttle.active_locks(),
        },
    )


@access_rule(Capability.MANAGE_USERS)
def user_create(request: AuthedRequest) -> HttpResponse:
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(actor=request.user, **form.cleaned_data)
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, f"已新增用户 {user.username}")
            return redirect("users:list")
    return render(request, "accounts/user_form.html", {"form": form, "title": "新增用户"})


@access_rule(Capability.MANAGE_USERS)
def user_edit(request: AuthedRequest, user_id: int) -> HttpResponse:
    target = access_user(request.user, user_id)
    initial = {
        "username": target.username,
        "full_name": target.full_name,
        "role": target.role,
        "region": target.region_id,
        "department": target.department_id,
        "organisation": target.organisation,
        "organisation_kind": target.organisation_kind,
        "phone": target.phone,
    }
    form = UserForm(request.POST or None, initial=initial, editing=target)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("username", None)
        try:
            services.user_update(actor=request.user, user=target, **data)
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, f"已保存用户 {target.username}")
            return redirect("users:list")
    return render(
        request,
        "accounts/user_form.html",
        {
            "form": form,
            "title": f"编辑用户：{target.display_name}",
            "target": target,
            "password_form": PasswordForm(),
            "lock": throttle.account_lock_for(target),
            "two_factor_enabled": two_factor.authenticator_of(target) is not None,
        },
    )


@require_POST
@access_rule(Capability.MANAGE_USERS)
def user_set_active(request: AuthedRequest, user_id: int) -> HttpResponse:
    target = access_user(request.user, user_id)
    try:
        services.user_set_active(actor=request.user, user=target, active=request.POST.get("active") == "1")
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        messages.success(request, f"用户 {target.username} 已{'启用' if target.is_active else '停用'}")
    return redirect("users:edit", user_id=target.pk)


@access_rule(Capability.MANAGE_USERS)
def user_set_password(request: AuthedRequest, user_id: int) -> HttpResponse:
    target = access_user(request.user, user_id)
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(actor=request.user, user=target, password=form.cleaned_data["password"])
        except ValidationError as e:
            form.add_error("password", e.messages)
        else:
            messages.success(request, f"已重置 {target.username} 的密码")
            return redirect("users:edit", user_id=target.pk)
    return render(request, "accounts/password_form.html", {"form": form, "target": target})


@require_POST
@access_rule(Capability.MANAGE_USERS)
def signin_lock_lift(request: AuthedRequest, lock_id: int) -> HttpResponse:
    lock = access_signin_lock(request.user, lock_id)
    throttle.lock_lift(actor=request.user, lock=lock)
    messages.success(request, f"已解除对{lock.get_kind_display()} {lock.key} 的登录锁定")  # type: ignore[attr-defined]
    back = request.POST.get("back", "")
    return redirect("users:edit", user_id=int(back)) if back.isdigit() else redirect("users:list")


@require_POST
@access_rule(Capability.MANAGE_USERS)
def two_factor_reset(request: AuthedRequest, user_id: int) -> HttpResponse:
    target = access_user(request.user, user_id)
    if two_factor.reset(actor=request.user, user=target):
        messages.success(request, f"已重置 {target.display_name} 的两步验证，其下次登录时须重新启用")
    else:
        messages.info(request, f"{target.display_name} 尚未启用两步验证")
    return redirect("users:edit", user_id=target.pk)


@access_rule(Capability.MANAGE_USERS)
def two_factor_roles(request: AuthedRequest) -> HttpResponse:
    form = TwoFactorRolesForm(request.POST or None, initial={"roles": sorted(two_factor.required_roles())})
    if request.method == "POST" and form.is_valid():
        two_factor.required_roles_set(actor=request.user, roles=form.cleaned_data["roles"])
        messages.success(request, "已保存须两步验证的角色（对之后的登录生效）")
        return redirect("users:two_factor_roles")
    return render(request, "accounts/two_factor_roles.html", {"form": form})


@access_rule(Capability.MANAGE_USERS)
def api_token_list(request: AuthedRequest) -> HttpResponse:
    """Every token, who it acts as and who issued it: to see and revoke. Tokens are issued by
    their owners ("我的API令牌") or by an operator at the command line, not here."""
    tokens = api_tokens_visible_to(request.user)
    return render(request, "accounts/api_tokens.html", {"page": paginate(request, tokens)})


@require_POST
@access_rule(Capability.MANAGE_USERS)
def api_token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = access_api_token(request.user, token_id)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"令牌「{token.name}」已吊销")
    return redirect("users:api_tokens")


@access_rule(Capability.OWN_API_TOKENS)
def my_api_tokens(request: AuthedRequest) -> HttpResponse:
    """我的API令牌: a token for one's own account, issued by oneself, shown once."""
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = services.api_token_issue(actor=request.user, user=request.user, **form.cleaned_data)
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, f"已签发令牌「{token.name}」。请立即复制，离开本页后无法再次查看。")
            form = ApiTokenForm()
    return render(
        request,
        "accounts/my_api_tokens.html",
        {"form": form, "page": paginate(request, own_api_tokens(request.user)), "new_key": new_key},
    )


@require_POST
@access_rule(Capability.OWN_API_TOKENS)
def my_api_token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = access_own_api_token(request.user, token_id)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"令牌「{token.name}」已吊销")
    return redirect("account:api_tokens")


@access_rule(Capability.VIEW_DEPARTMENTS)
def department_list(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    departments = selectors.department_list(request.user, q=q)
    return render(
        request,
        "accounts/department_list.html",
        {
            "departments": departments,
            "q": q,
            "can_manage": can(request.user, Capability.MANAGE_DEPARTMENTS),
        },
    )


@access_rule(Capability.VIEW_DEPARTMENTS)
def department_detail(request: AuthedRequest, department_id: int) -> HttpResponse:
    from .department_page import department_sections

    department = access_department(request.user, department_id)
    return render(
        request,
        "accounts/department_detail.html",
        {
            "department": department,
            "sections": department_sections(request.user, department),
            "can_manage": can(request.user, Capability.MANAGE_DEPARTMENTS),
        },
    )


@access_rule(Capability.MANAGE_DEPARTMENTS)
def department_edit(request: AuthedRequest, department_id: int) -> HttpResponse:
    department = access_department(request.user, department_id)
    form = DepartmentForm(
        request.POST or None, initial={"official_name": department.official_name, "note": department.note}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.department_update(actor=request.user, department=department, **form.cleaned_data)
        except ValidationError as e:
            add_validation_errors(form, e)
        else:
            messages.success(request, "已保存")
            return redirect("departments:detail", department_id=department.pk)
    return render(request, "accounts/department_form.html", {"form": form, "department": department})


@access_rule(Capability.VIEW_AUDIT)
def audit_list(request: AuthedRequest) -> HttpResponse:
    action = request.GET.get("action", "").strip()
    actor_q = request.GET.get("actor", "").strip()
    object_id = request.GET.get("object", "").strip()
    events = selectors.audit_events(request.user, action=action, actor_q=actor_q, object_id=object_id)
    return render(
        request,
        "core/audit_list.html",
        {
            "page": paginate(request, events),
            "query": query_without_page(request),
            "action": action,
            "actions": sorted(ACTION_LABELS.items(), key=lambda item: item[0]),
            "actor": actor_q,
            "object": object_id,
        },
    )
