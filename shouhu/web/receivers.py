"""The per-request memo of shared reads (web/caching.py) starts and ends with each request."""

from __future__ import annotations

from django.core.signals import request_finished, request_started

from .caching import end_request, start_request

request_started.connect(start_request, dispatch_uid="shouhu.web.caching.start")
request_finished.connect(end_request, dispatch_uid="shouhu.web.caching.end")
