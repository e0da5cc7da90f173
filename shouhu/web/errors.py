"""Error pages in Chinese with the site's navigation and a way back (403, 404, 400, a refused
form's CSRF check); 500 is `templates/500.html`, static (see there). Wired in `shouhu/urls.py`
(handler403/404/400) and `settings.CSRF_FAILURE_VIEW`.

A reason is shown only when it was written for the user (Chinese, e.g. "该任务不由您所在单位报告");
Django's own reasons ("Resolver404", "CSRF cookie not set.") are for the log, not the page."""

from __future__ import annotations

import re

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

_CJK = re.compile(r"[\u4e00-\u9fff]")


def _reason(exception: BaseException | None) -> str:
    message = exception.args[0] if exception is not None and exception.args else ""
    return message if isinstance(message, str) and _CJK.search(message) else ""


def _back_url(request: HttpRequest) -> str:
    """The page the user came from, when it is one of ours and not this one."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:  # the 400 page for this very error
        return ""
    safe = url_has_allowed_host_and_scheme(referer, allowed_hosts={host}, require_https=request.is_secure())
    return referer if referer and safe and not referer.endswith(request.path) else ""


def _page(request: HttpRequest, status: int, title: str, text: str, reason: str = "") -> HttpResponse:
    context = {"status": status, "title": title, "text": text, "reason": reason, "back_url": _back_url(request)}
    return render(request, "web/error.html", context, status=status)


def page_not_found(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _page(
        request,
        404,
        _("页面不存在"),
        _("您要找的页面不存在，或者不在您的工作范围内。请检查网址，或从导航重新进入。"),
        _reason(exception),
    )


def permission_denied(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _page(
        request,
        403,
        _("没有权限"),
        _("您的角色不能使用这个页面。如需使用，请联系县民政局系统管理员。"),
        _reason(exception),
    )


def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _page(request, 400, _("请求无法处理"), _("这个请求的格式不正确，请返回上一页重试。"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: a form sent from a page that has expired (signed out, or
    opened long ago) or from another site."""
    return _page(
        request,
        403,
        _("页面已过期，表单没有提交"),
        _(
            "为保护您的数据，系统没有接受这次提交：页面可能已过期（例如已退出登录或打开时间过长）。请返回上一页，刷新后重新填写提交。"
        ),
    )
