"""Where the current request comes from, for audit rows written deep in services."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestOrigin:
    ip_address: str | None = None
    user_agent: str = ""


NO_ORIGIN = RequestOrigin()  # outside a request: commands, workers
current_origin: ContextVar[RequestOrigin] = ContextVar("current_origin", default=NO_ORIGIN)
