from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from shouhu.casework.api import router as casework_router
from shouhu.registry.api import router as registry_router

from .auth import API_AUTH
from .core_api import router as core_router

api = NinjaAPI(
    title="守护 Shouhu API",
    version="1",
    description=(
        "困境儿童保障系统数据共享接口。令牌认证：`Authorization: Bearer <token>`。"
        "数据范围与令牌代表用户在界面中可见的范围相同。"
    ),
    auth=API_AUTH,
    urls_namespace="api-v1",
)
api.add_router("/", core_router, tags=["core"])
api.add_router("/children", registry_router, tags=["children"])
api.add_router("/referrals", casework_router, tags=["referrals"])


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "不存在"}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "未认证：请提供有效的令牌"}, status=401)
