"""Reads of notices, each leaving an audit row (who, when, which notice and children)."""

from __future__ import annotations

from typing import Any

from shouhu.accounts.models import User
from shouhu.core import audit

from ..models import CustodyNotice


def notice_viewed(*, actor: User, notice: CustodyNotice, via: str = "page") -> None:
    audit.record(
        actor=actor,
        action="custody.notice_view",
        target=notice,
        summary=f"查看拘留、服刑通知 {notice.reference}",
        detail={"via": via},
    )


def notices_listed(*, actor: User, detail: dict[str, Any]) -> None:
    audit.record(
        actor=actor,
        action="custody.notice_list",
        object_type="custody.custodynotice",
        summary="查看拘留、服刑通知列表",
        detail=detail,
    )
