"""How the API refuses: every refusal is JSON in Chinese, never an HTML page or a 500.

- 401, 403, 404, 409 and 413: `{"detail": "…"}` (`ErrorOut`).
- 422: `{"errors": [{"field": …, "message": "「字段」…"}]}` (`ErrorsOut`), whether the operation
  refused the input itself (`bodies.InvalidInput`, a service's `ValidationError`) or ninja's
  parameter checking did (a query parameter out of its documented bounds, not a number, not a date).
- A body over `DATA_UPLOAD_MAX_MEMORY_SIZE`: 413, from `ApiInputMiddleware` when the request
  declares its length, from Django's `RequestDataTooBig` when the body turns out longer.

`install(api)` wires the handlers; `ApiInputMiddleware` (settings.MIDDLEWARE) guards the API's
paths before ninja parses anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from .bodies import InvalidInput, query_problems

API_PREFIX = "/api/"
JSON = "application/json; charset=utf-8"  # as ninja answers
# Where ninja's parameter errors say the value came from: not part of the field's name.
_SOURCES = frozenset(("query", "path", "body", "header", "cookie", "form", "file"))


def too_large_message() -> str:
    megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    return f"请求体过大：接口只接受 {megabytes} MB 以内的请求"


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else f"{text[:40]}…"


def parameter_message(error: dict[str, Any]) -> str:
    """One of pydantic's errors about a parameter, in Chinese (without the field's name)."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    value = _shown(error["input"]) if "input" in error else "该值"
    if kind == "missing":
        return "不能为空"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"应为整数，而不是 {value}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{value} 过小：不能小于{'' if kind.endswith('equal') else '等于'} {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"{value} 过大：不能大于{'' if kind.endswith('equal') else '等于'} {ctx.get('le', ctx.get('lt'))}"
    if kind.startswith("date"):
        return f"{value} 不是有效日期（YYYY-MM-DD）"
    if kind.startswith("bool"):
        return f"应为 true 或 false，而不是 {value}"
    if kind == "string_too_long":
        return f"不能超过 {ctx.get('max_length')} 个字"
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return f"取值 {value} 无效"


def parameter_errors(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """ninja's parameter errors as an `ErrorsOut` body."""
    items = []
    for error in errors:
        parts = [str(p) for p in error.get("loc", ()) if p not in _SOURCES]
        # A `Query[Filters]` parameter's errors carry the parameter's own name first: drop it.
        field = parts[-1] if parts else None
        items.append({"field": field, "message": f"「{field or '请求'}」{parameter_message(error)}"})
    return {"errors": items}


def install(api: NinjaAPI) -> None:
    """The API's exception handlers (the module docstring lists what each answers)."""

    def handler(exc_class: type[Exception]) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
        def register(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
            api.add_exception_handler(exc_class, func)
            return func

        return register

    @handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc) or "不存在"}, status=404)

    @handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(request, {"detail": "未认证：请提供有效的令牌"}, status=401)

    @handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc) or "您没有执行此操作的权限"}, status=403)

    @handler(NinjaValidationError)
    def invalid_parameters(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return api.create_response(request, parameter_errors(list(exc.errors)), status=422)

    @handler(InvalidInput)
    def invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
        body = {"errors": [{"field": exc.field, "message": exc.message}]}
        return api.create_response(request, body, status=422)

    @handler(RequestDataTooBig)
    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return api.create_response(request, {"detail": too_large_message()}, status=413)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ApiInputMiddleware:
    """On the API's paths: 413 for a body declared larger than the limit (before it is read), 422
    for NUL in the path or query string (before ninja parses the parameters or a query runs)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if limit is not None and _declared_length(request) > limit:
                return JsonResponse({"detail": too_large_message()}, status=413, content_type=JSON)
            problems = query_problems(request)
            if problems:
                return JsonResponse({"errors": problems}, status=422, content_type=JSON)
        return self.get_response(request)
