from ninja import NinjaAPI

from shouhu.casework.api import router as casework_router
from shouhu.custody.api import router as custody_router
from shouhu.registry.api import router as registry_router
from shouhu.safeguarding.api import router as safeguarding_router

from . import errors
from .auth import API_AUTH
from .core_api import router as core_router

api = NinjaAPI(
    title="守护 Shouhu API",
    version="1",
    description=(
        "困境儿童保障系统数据共享接口。令牌认证：`Authorization: Bearer <token>`。"
        "数据范围与令牌代表用户在界面中可见的范围相同。"
        '拒绝的请求都以中文 JSON 说明原因：401、403、404、409、413 为 `{"detail": …}`，'
        '422 为 `{"errors": [{"field", "message"}]}`，逐项指出字段。'
    ),
    auth=API_AUTH,
    urls_namespace="api-v1",
)
api.add_router("/", core_router, tags=["core"])
api.add_router("/children", registry_router, tags=["children"])
api.add_router("/referrals", casework_router, tags=["referrals"])
api.add_router("/safety", safeguarding_router, tags=["safety"])
api.add_router("/custody", custody_router, tags=["custody"])
errors.install(api)
