"""Deploy checks of our own: production must not run on the development keys."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def keys_are_not_development_defaults(app_configs: Any, **kwargs: Any) -> list[Error]:
    from shouhu import settings as shouhu_settings

    errors = []
    if settings.SECRET_KEY == shouhu_settings._DEV_SECRET:
        errors.append(Error("SHOUHU_SECRET_KEY 未设置：生产环境不能使用开发密钥", id="shouhu.E001"))
    if settings.ENCRYPTION_KEY == shouhu_settings._DEV_ENCRYPTION_KEY:
        errors.append(Error("SHOUHU_ENCRYPTION_KEY 未设置：生产环境不能使用开发加密密钥", id="shouhu.E002"))
    else:
        try:
            key = base64.b64decode(settings.ENCRYPTION_KEY, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 32:
            errors.append(Error("SHOUHU_ENCRYPTION_KEY 必须是 32 字节密钥的 Base64 编码", id="shouhu.E003"))
    return errors
