"""The sign-in pages (password, then the code for a user with an authenticator) and a user's own
account pages: password change, two-factor enrolment and recovery codes."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from shouhu.access import AuthedRequest, Capability, access_rule
from shouhu.accounts import services
from shouhu.accounts.models import SignInAttempt, User
from shouhu.core import audit
from shouhu.core.middleware import request_ip

from . import throttle, two_factor
from .forms import CodeForm, EnrolForm, PasswordChangeForm

PENDING_KEY = "shouhu_signin_pending"  # the user who gave a right password and owes a code
WRONG_PASSWORD = "用户名或密码不正确，请重新输入。注意区分大小写。"  # noqa: S105  (a message)
WRONG_CODE = "验证码不正确，请重新输入。"
CODE_TOO_SOON = "验证码错误次数较多，请稍后再试。"


def _next_url(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return ""


def _signed_in(request: HttpRequest, user: User, device: object | None, next_url: str) -> HttpResponse:
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    throttle.record_success(username=user.get_username(), ip=request_ip(request))
    if device is not None:
        two_factor.mark_session(request, two_factor.VERIFIED, device)
        return redirect(next_url or "home")
    state = two_factor.session_state_after_password(user)
    two_factor.mark_session(request, state)
    if state == two_factor.ENROL:
        messages.info(request, "您的角色要求使用两步验证。请先启用，再继续使用系统。")
        return redirect("account:two_factor_enrol")
    return redirect(next_url or "home")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request, request.POST.get("next") or request.GET.get("next", ""))
    error, username = "", ""
    if request.method == "POST":
        username, password = request.POST.get("username", "").strip()[:150], request.POST.get("password", "")
        ip = request_ip(request)
        verdict = throttle.check(username, ip)
        if not username or not password:
            error = "请输入用户名和密码。"
        elif not verdict.allowed:
            error = verdict.message
        else:
            user = authenticate(request, username=username, password=password)
            if user is None:
                after = throttle.record_failure(username=username, ip=ip)
                error = after.message if after.locked_until else WRONG_PASSWORD
            elif two_factor.authenticator_of(user) is not None:  # type: ignore[arg-type]
                request.session.cycle_key()
                request.session[PENDING_KEY] = {"user": user.pk, "at": time.time(), "next": next_url}
                return redirect("login_code")
            else:
                return _signed_in(request, user, None, next_url)  # type: ignore[arg-type]
    return render(request, "registration/login.html", {"error": error, "username": username, "next": next_url})


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_code(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    pending = request.session.get(PENDING_KEY) or {}
    user = User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    if user is None or time.time() - pending.get("at", 0) > settings.SIGNIN_CODE_STEP_SECONDS:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, "请重新输入用户名和密码。")
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = request_ip(request)
        verdict = throttle.check(user.get_username(), ip)
        if not verdict.allowed:
            form.add_error("code", verdict.message)
        else:
            try:
                device, recovery = two_factor.verify(user=user, code=form.cleaned_data["code"])
            except two_factor.CodeRefused as refused:
                if refused.throttled:
                    form.add_error("code", CODE_TOO_SOON)
                else:
                    audit.record(actor=None, action="signin.code_failed", target=user, summary="两步验证码错误")
                    after = throttle.record_failure(username=user.get_username(), ip=ip, step=SignInAttempt.Step.CODE)
                    form.add_error("code", after.message if after.locked_until else WRONG_CODE)
            else:
                del request.session[PENDING_KEY]
                response = _signed_in(request, user, device, pending.get("next", ""))
                if recovery:
                    left = two_factor.recovery_codes_left(user)
                    messages.warning(request, f"您用了一个恢复码登录，还剩 {left} 个。手机找回前请妥善保存其余恢复码。")
                return response
    return render(request, "registration/login_code.html", {"form": form})


@access_rule(Capability.VIEW_HOME)
def password_change(request: AuthedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as e:
            for field, errors in e.message_dict.items():
                form.add_error(field, errors)
        else:
            update_session_auth_hash(request, request.user)  # this session stays signed in
            messages.success(request, "密码已修改。")
            return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


@access_rule(Capability.VIEW_HOME)
def two_factor_overview(request: AuthedRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/two_factor.html",
        {
            "enabled": two_factor.authenticator_of(user) is not None,
            "required": two_factor.is_required_for(user),
            "codes_left": two_factor.recovery_codes_left(user),
        },
    )


@access_rule(Capability.VIEW_HOME)
def two_factor_enrol(request: AuthedRequest) -> HttpResponse:
    user = request.user
    device = two_factor.enrolment_start(user=user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not device.verify_is_allowed()[0]:
            form.add_error("code", CODE_TOO_SOON)
        else:
            codes = two_factor.enrolment_confirm(user=user, device=device, code=form.cleaned_data["code"])
            if codes is None:
                form.add_error("code", "验证码不正确。请确认手机时间准确，并输入身份验证器上当前显示的数字。")
            else:
                two_factor.mark_session(request, two_factor.VERIFIED, device)
                messages.success(request, "两步验证已启用。")
                return render(request, "accounts/recovery_codes.html", {"codes": codes})
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "form": form,
            "qr": two_factor.qr_data_uri(device),
            "secret": two_factor.secret_of(device),
            "required": two_factor.is_required_for(user),
            "must_enrol": request.session.get(two_factor.SESSION_KEY) == two_factor.ENROL,
        },
    )


@require_POST
@access_rule(Capability.VIEW_HOME)
def recovery_codes_renew(request: AuthedRequest) -> HttpResponse:
    if two_factor.authenticator_of(request.user) is None:
        messages.error(request, "请先启用两步验证。")
        return redirect("account:two_factor")
    codes = two_factor.recovery_codes_renew(user=request.user)
    messages.success(request, "已生成新的恢复码，原来的恢复码不再有效。")
    return render(request, "accounts/recovery_codes.html", {"codes": codes})
