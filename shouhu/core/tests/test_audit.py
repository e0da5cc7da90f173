from __future__ import annotations

import pytest
from django.test import Client

from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_audit_log_is_append_only(personas: dict[str, User]) -> None:
    event = audit.record(actor=personas["admin"], action="test.append", summary="x")
    with pytest.raises(PermissionError):
        event.summary = "changed"
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="changed")
    assert AuditEvent.objects.get(pk=event.pk).summary == "x"


def test_logins_and_failures_are_audited_with_the_address(personas: dict[str, User], demo_password: str) -> None:
    # A village director signs in with a password alone (two-factor sign-in: accounts' test_signin).
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.post("/login/", {"username": "director_a", "password": "wrong"})
    failed = AuditEvent.objects.filter(action="login_failed").latest("id")
    assert failed.detail == {"username": "director_a"} and failed.ip_address == "10.1.2.3"
    response = client.post("/login/", {"username": "director_a", "password": demo_password})
    assert response.status_code == 302
    ok = AuditEvent.objects.filter(action="login").latest("id")
    assert ok.actor == personas["director_a"] and ok.ip_address == "10.1.2.3"


def test_failed_login_page_explains_in_chinese() -> None:
    page = Client().post("/login/", {"username": "nobody", "password": "x"}).content.decode()
    assert "用户名或密码不正确" in page


def test_a_rolled_back_change_leaves_no_audit_row(personas: dict[str, User]) -> None:
    from django.db import transaction

    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=personas["admin"], action="test.rollback")
        raise RuntimeError("boom")
    assert AuditEvent.objects.count() == before
