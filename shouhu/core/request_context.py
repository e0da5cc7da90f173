"""Where the current request comes from, for audit rows written deep in services."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RequestOrigin:
    ip_address: str | None = None
    user_agent: str = ""
    # The API token the request came with (`ApiToken.audit_detail`): every audit row made
    # through it names the token and who issued it.
    api_token: dict[str, Any] | None = None


NO_ORIGIN = RequestOrigin()  # outside a request: commands, workers
current_origin: ContextVar[RequestOrigin] = ContextVar("current_origin", default=NO_ORIGIN)
