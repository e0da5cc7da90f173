"""Telling the family: after commit, through the configured outbound channel (here a gateway
that fails once, configured like a county's real one), retried, never with an ID number."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from shouhu.accounts.models import User
from shouhu.casework import services
from shouhu.core.outbound import SensitiveContentError, queue_outbound
from shouhu.core.testing.worker import run_worker

from .helpers import benefit, import_table
from .walk_samples import child, id_number, referred

pytestmark = pytest.mark.django_db
PHONE = "13900001111"


class FlakyGateway:
    """An SMS gateway that is down for its first call, then delivers."""

    calls: ClassVar[int] = 0
    delivered: ClassVar[list[tuple[str, str]]] = []

    def send(self, phone: str, text: str) -> None:
        FlakyGateway.calls += 1
        if FlakyGateway.calls == 1:
            raise ConnectionError("短信网关暂时不可用")
        FlakyGateway.delivered.append((phone, text))


@override_settings(OUTBOUND_BACKEND="shouhu.casework.tests.test_outbound.FlakyGateway")
def test_the_family_is_told_after_commit_retried_and_without_id_number(
    personas: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    FlakyGateway.calls, FlakyGateway.delivered = 0, []
    import_table()
    a = child("孙小明", "20150601", 1)
    intake, by_code = referred(personas["supervisor_a"], a, ["T09"], phone=PHONE)
    officer = personas["officer_a"]
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_transition(actor=officer, referral=by_code["T09"], action="accept", expected_version=1)
    assert not DBTaskResult.objects.filter(task_path__endswith="send_outbound").exists()  # accepting: no SMS
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_transition(
            actor=officer,
            referral=by_code["T09"],
            action="complete",
            expected_version=2,
            outcome="approved",
            answer=benefit(),
        )
    run_worker(loops=1)
    assert FlakyGateway.calls == 1 and FlakyGateway.delivered == []
    retry = DBTaskResult.objects.filter(task_path__endswith="send_outbound", status="READY").get()
    assert retry.args_kwargs["args"][2] == 2 and retry.run_after > timezone.now()  # attempt 2, later
    # A minute later the gateway is back.
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now() - datetime.timedelta(seconds=1))
    run_worker(loops=1)
    assert FlakyGateway.delivered and FlakyGateway.delivered[0][0] == PHONE
    text = FlakyGateway.delivered[0][1]
    assert intake.reference in text and "已办结" in text
    assert id_number("20150601", 1) not in text and "孙小明" not in text


def test_a_message_with_an_id_number_is_refused_before_anything_is_queued() -> None:
    with pytest.raises(SensitiveContentError):
        queue_outbound(PHONE, f"儿童身份证号 {id_number('20150601', 1)}")
