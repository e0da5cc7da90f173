"""API tokens are issued by their owner ("我的API令牌") or by an operator at the command line; a
token its owner did not issue never reveals and never does more than its issuer may; every audit
row made through a token names the token and who issued it (docs/security.md, "API tokens")."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from shouhu.access import Capability, can
from shouhu.accounts.models import ApiToken, User
from shouhu.accounts.services import api_token_issue
from shouhu.core import audit
from shouhu.core.dates import today
from shouhu.core.models import AuditEvent
from shouhu.registry.tests.ui_factories import register

pytestmark = pytest.mark.django_db
FULL_ID = "210522201503150015"


def bearer(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def legacy_token(*, issued_by: User, user: User) -> str:
    """A token as administrators issued them for other people before tokens were self-service
    (the data migration names the administrator as its issuer)."""
    key = f"sh_legacy_{user.username}"
    ApiToken.objects.create(
        name="旧令牌", user=user, issued_by=issued_by, key_prefix=key[:8], key_hash=ApiToken.hash_key(key)
    )
    return key


# -- who issues -------------------------------------------------------------------------------


def test_an_administrator_cannot_issue_a_token_for_another_persons_account(personas: dict[str, User]) -> None:
    with pytest.raises(PermissionDenied, match="只能为自己的账号签发"):
        api_token_issue(actor=personas["admin"], name="教育局系统", user=personas["caseworker"])
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action="api_tokens.issue").exists()


def test_the_administrators_page_lists_and_revokes_but_issues_nothing(personas: dict[str, User], login: Any) -> None:
    own, _ = api_token_issue(actor=personas["caseworker"], name="民政业务系统", user=personas["caseworker"])
    admin = login("admin")
    page = admin.get("/users/api-tokens/").content.decode()
    assert "民政业务系统" in page and "本人" in page and 'name="user"' not in page and 'name="name"' not in page
    admin.post("/users/api-tokens/", {"name": "教育局系统", "user": personas["caseworker"].pk})
    assert ApiToken.objects.count() == 1  # nothing issued for someone else
    assert admin.post(f"/users/api-tokens/{own.pk}/revoke/").status_code == 302
    own.refresh_from_db()
    assert own.revoked_at is not None
    event = AuditEvent.objects.get(action="api_tokens.revoke")
    assert event.actor == personas["admin"] and event.detail["token"]["name"] == "民政业务系统"


def test_my_api_tokens_issues_for_oneself_shows_the_key_once_and_revokes(personas: dict[str, User], login: Any) -> None:
    client = login("officer_a")
    response = client.post("/account/api-tokens/", {"name": "学籍对接（测试）", "expires_on": ""})
    key = re.search(r'data-testid="new-token">.*?<code>(sh_[^<]+)</code>', response.content.decode(), re.S)
    assert key is not None
    token = ApiToken.objects.get()
    assert (token.user, token.issued_by, token.issued_by_owner) == (personas["officer_a"], personas["officer_a"], True)
    assert key.group(1) not in client.get("/account/api-tokens/").content.decode()  # shown once
    assert bearer(key.group(1)).get("/api/v1/me").json()["username"] == "officer_a"
    event = AuditEvent.objects.get(action="api_tokens.issue")
    assert event.actor == personas["officer_a"] and event.detail["token"]["issued_by"] == "赵教育"
    # Another person's token: not theirs to see or revoke.
    assert login("officer_b").post(f"/account/api-tokens/{token.pk}/revoke/").status_code == 404
    assert "学籍对接（测试）" not in login("officer_b").get("/account/api-tokens/").content.decode()
    assert client.post(f"/account/api-tokens/{token.pk}/revoke/").status_code == 302
    assert bearer(key.group(1)).get("/api/v1/me").status_code == 401


def test_bad_input_on_my_api_tokens_is_named_and_nothing_is_issued(login: Any) -> None:
    client = login("caseworker")
    yesterday = (today() - datetime.timedelta(days=1)).isoformat()
    page = client.post("/account/api-tokens/", {"name": "  ", "expires_on": yesterday}).content.decode()
    assert "不能为空" in page or "这个字段是必填项" in page
    page = client.post("/account/api-tokens/", {"name": "系统", "expires_on": yesterday}).content.decode()
    assert f"「有效期至」：{yesterday} 早于今天" in page
    page = client.post("/account/api-tokens/", {"name": "系统", "expires_on": "2026-02-30"}).content.decode()
    assert "「有效期至」应为日期" in page
    assert not ApiToken.objects.exists()
    assert login("reporter_a").get("/account/api-tokens/").status_code == 403


def test_no_token_is_issued_through_a_token(personas: dict[str, User]) -> None:
    token, _ = api_token_issue(actor=personas["caseworker"], name="系统", user=personas["caseworker"])
    through = User.objects.get(pk=personas["caseworker"].pk)
    through.api_token = token  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied):
        api_token_issue(actor=through, name="再签一个", user=through)


def test_an_expired_token_is_refused(personas: dict[str, User]) -> None:
    token, key = api_token_issue(
        actor=personas["caseworker"], name="短期", user=personas["caseworker"], expires_on=today()
    )
    assert bearer(key).get("/api/v1/me").status_code == 200  # usable through its last day
    ApiToken.objects.filter(pk=token.pk).update(expires_on=today() - datetime.timedelta(days=1))
    assert bearer(key).get("/api/v1/me").status_code == 401


# -- what a token may do ------------------------------------------------------------------------


def test_reveal_only_through_a_token_its_owner_issued(personas: dict[str, User]) -> None:
    child = register(personas["caseworker"])
    _, own = api_token_issue(actor=personas["caseworker"], name="本人系统", user=personas["caseworker"])
    answer = bearer(own).get(f"/api/v1/children/{child.pk}?reveal=id_number")
    assert answer.status_code == 200 and answer.json()["record"]["id_number"] == FULL_ID
    legacy = legacy_token(issued_by=personas["admin"], user=personas["caseworker"])
    refused = bearer(legacy).get(f"/api/v1/children/{child.pk}?reveal=id_number")
    assert refused.status_code == 403 and "完整身份证号" in refused.json()["detail"]
    masked = bearer(legacy).get(f"/api/v1/children/{child.pk}").json()
    assert FULL_ID not in str(masked) and masked["id_number_revealed"] is False
    assert AuditEvent.objects.filter(action="children.reveal").count() == 1  # the owner's only


def test_a_token_from_another_issuer_does_nothing_its_issuer_may_not(personas: dict[str, User]) -> None:
    legacy = legacy_token(issued_by=personas["admin"], user=personas["officer_a"])
    assert bearer(legacy).get("/api/v1/referrals").status_code == 403  # administrators handle no referrals
    _, own = api_token_issue(actor=personas["officer_a"], name="教育局系统", user=personas["officer_a"])
    assert bearer(own).get("/api/v1/referrals").status_code == 200
    token = ApiToken.objects.get(name="旧令牌")
    user = User.objects.get(pk=personas["officer_a"].pk)
    user.api_token = token  # type: ignore[attr-defined]
    assert can(personas["officer_a"], Capability.HANDLE_REFERRALS) and not can(user, Capability.HANDLE_REFERRALS)
    assert can(user, Capability.VIEW_REFERRALS)  # both may: kept


# -- audit ----------------------------------------------------------------------------------


def test_every_audit_row_made_through_a_token_names_the_token_and_its_issuer(personas: dict[str, User]) -> None:
    register(personas["caseworker"])
    token, own = api_token_issue(actor=personas["supervisor_a"], name="镇级台账", user=personas["supervisor_a"])
    assert bearer(own).get("/api/v1/children").json()["count"] == 1
    listed = AuditEvent.objects.filter(action="children.list").latest("id")
    assert listed.actor == personas["supervisor_a"]
    assert listed.detail["api_token"] == {
        "id": token.pk,
        "name": "镇级台账",
        "issued_by": "孙督导",
        "issued_by_id": personas["supervisor_a"].pk,
    }
    legacy = legacy_token(issued_by=personas["admin"], user=personas["caseworker"])
    bearer(legacy).get("/api/v1/children")
    through_legacy = AuditEvent.objects.filter(action="children.list").latest("id")
    assert through_legacy.actor == personas["caseworker"]
    assert through_legacy.detail["api_token"]["issued_by"] == personas["admin"].display_name
    # Not through a token: no token named, and none left over from the requests before.
    event = audit.record(actor=personas["admin"], action="users.update", summary="（测试）")
    assert "api_token" not in event.detail


def test_the_migration_names_the_administrator_who_issued_a_legacy_token(personas: dict[str, User]) -> None:
    from importlib import import_module

    migration = import_module("shouhu.accounts.migrations.0007_api_token_issuers_from_audit")
    key = "sh_before_issuers"
    token = ApiToken.objects.create(
        name="旧系统", user=personas["officer_a"], key_prefix=key[:8], key_hash=ApiToken.hash_key(key)
    )
    audit.record(actor=personas["admin"], action="api_tokens.issue", target=token, summary="签发接口令牌：旧系统")
    migration.issuers_from_audit(apps, None)
    token.refresh_from_db()
    assert token.issued_by == personas["admin"] and not token.issued_by_owner


# -- the command line -------------------------------------------------------------------------


def tokens(*args: str) -> str:
    out = io.StringIO()
    call_command("tokens", *args, stdout=out)
    return out.getvalue()


def test_shouhu_tokens_issue_prints_the_key_once_and_is_audited(personas: dict[str, User]) -> None:
    child = register(personas["caseworker"])
    until = (today() + datetime.timedelta(days=30)).isoformat()
    out = tokens("issue", "--user", "caseworker", "--name", "县民政局业务系统", "--expires", until)
    key = out.strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert key.startswith("sh_") and token.key_hash == ApiToken.hash_key(key) and f"#{token.pk}" in out
    assert (token.user, token.issued_by, token.expires_on.isoformat()) == (personas["caseworker"], None, until)  # type: ignore[union-attr]
    event = AuditEvent.objects.get(action="api_tokens.issue")
    assert event.actor is None and event.actor_label == "命令行" and "签发人 命令行" in event.summary
    # Acts as the caseworker, but an operator's token never reveals.
    assert bearer(key).get(f"/api/v1/children/{child.pk}").status_code == 200
    assert bearer(key).get(f"/api/v1/children/{child.pk}?reveal=id_number").status_code == 403
    assert AuditEvent.objects.filter(action="children.view").latest("id").detail["api_token"]["issued_by"] == "命令行"


def test_shouhu_tokens_issue_refuses_bad_input_in_chinese(personas: dict[str, User]) -> None:
    with pytest.raises(CommandError, match="用户 nobody 不存在"):
        tokens("issue", "--user", "nobody", "--name", "系统")
    with pytest.raises(CommandError, match="2026-13-01 不是有效日期"):
        tokens("issue", "--user", "caseworker", "--name", "系统", "--expires", "2026-13-01")
    with pytest.raises(CommandError, match="「系统名称」不能为空"):
        tokens("issue", "--user", "caseworker", "--name", " ")
    assert not ApiToken.objects.exists()


def test_shouhu_tokens_list_shows_no_secret_and_is_audited(personas: dict[str, User]) -> None:
    a, key_a = api_token_issue(actor=personas["caseworker"], name="甲系统", user=personas["caseworker"])
    _, key_b = api_token_issue(actor=None, name="乙系统", user=personas["officer_a"])
    out = tokens("list")
    assert "甲系统" in out and "乙系统" in out and "共 2 个" in out
    assert "本人" not in out and "李业务" in out and "命令行" in out
    for secret in (key_a, key_b, a.key_hash, key_a[8:20]):
        assert secret not in out
    only = tokens("list", "--user", "officer_a")
    assert "乙系统" in only and "甲系统" not in only and "共 1 个" in only
    events = AuditEvent.objects.filter(action="api_tokens.list").order_by("id")
    assert [e.actor_label for e in events] == ["命令行", "命令行"] and "（officer_a）：1 个" in events[1].summary
    with pytest.raises(CommandError, match="用户 nobody 不存在"):
        tokens("list", "--user", "nobody")


def test_shouhu_tokens_revoke_is_audited_and_the_token_stops(personas: dict[str, User]) -> None:
    token, key = api_token_issue(actor=personas["caseworker"], name="甲系统", user=personas["caseworker"])
    assert bearer(key).get("/api/v1/me").status_code == 200
    assert f"已吊销令牌 #{token.pk}" in tokens("revoke", str(token.pk))
    assert bearer(key).get("/api/v1/me").status_code == 401
    event = AuditEvent.objects.get(action="api_tokens.revoke")
    assert event.actor_label == "命令行" and event.detail["token"]["issued_by"] == "李业务"
    assert "未作改动" in tokens("revoke", str(token.pk))
    assert AuditEvent.objects.filter(action="api_tokens.revoke").count() == 1
    with pytest.raises(CommandError, match="令牌 #999999 不存在"):
        tokens("revoke", "999999")


def test_issuing_for_a_deactivated_user_is_refused(personas: dict[str, User]) -> None:
    User.objects.filter(pk=personas["leader"].pk).update(is_active=False)
    with pytest.raises(ValidationError):
        api_token_issue(actor=None, name="系统", user=User.objects.get(pk=personas["leader"].pk))
