from __future__ import annotations

from django.db.models import QuerySet

from shouhu.access import regions_visible_to
from shouhu.accounts.models import User

from .models import Region


def region_children(user: User, region: Region) -> QuerySet[Region]:
    return regions_visible_to(user).filter(parent=region).order_by("code")


def region_search(user: User, query: str) -> QuerySet[Region]:
    regions = regions_visible_to(user)
    if query:
        regions = regions.filter(name__contains=query) | regions.filter(code__startswith=query)
    return regions.select_related("parent").order_by("code")


def decode_upload(data: bytes) -> str:
    """CSV from Excel on Chinese Windows is GB18030; everything else should be UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")
