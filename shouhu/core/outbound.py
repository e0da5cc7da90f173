"""The outbound channel (SMS gateway interface). The default backend writes to the log; a county
plugs in its gateway by setting SHOUHU_OUTBOUND_BACKEND to a class with `send(phone, text)`.

Messages never carry ID numbers: `send_outbound` refuses text that contains one."""

from __future__ import annotations

import datetime
import logging
import re
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

logger = logging.getLogger("shouhu.outbound")
ID_NUMBER = re.compile(r"\d{17}[\dXx]")


class OutboundChannel(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LogChannel:
    """Writes the message to the log instead of sending it (development and closed intranets)."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        masked = phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"
        logger.info("短信 → %s：%s", masked, text)
        LogChannel.sent.append((phone, text))


def channel() -> OutboundChannel:
    backend = getattr(settings, "OUTBOUND_BACKEND", "shouhu.core.outbound.LogChannel")
    return import_string(backend)()  # type: ignore[no-any-return]


class SensitiveContentError(ValueError):
    pass


def check_text(text: str) -> None:
    if ID_NUMBER.search(text):
        raise SensitiveContentError("外发消息不能包含身份证号")


MAX_ATTEMPTS = 5


def retry_delay(attempt: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=2 ** (attempt - 1))


@task()
def send_outbound(phone: str, text: str, attempt: int = 1) -> None:
    """Run by the worker after commit. A gateway failure queues another attempt with a growing
    delay (up to MAX_ATTEMPTS), then fails for good and is visible in the task results."""
    check_text(text)
    try:
        channel().send(phone, text)
    except Exception:
        if attempt < MAX_ATTEMPTS:
            run_after = timezone.now() + retry_delay(attempt)
            send_outbound.using(run_after=run_after).enqueue(phone, text, attempt + 1)
        raise


def queue_outbound(phone: str, text: str) -> None:
    """Check now (so a bad message fails in the caller's transaction), send after commit."""
    check_text(text)
    if phone:
        transaction.on_commit(lambda: send_outbound.enqueue(phone, text))
