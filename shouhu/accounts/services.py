"""Every write to users, departments and API tokens."""

from __future__ import annotations

import datetime
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from shouhu.access.accounts import may_issue_api_token
from shouhu.core import audit
from shouhu.core.dates import today
from shouhu.regions.models import Level, Region
from shouhu.web.caching import POLICY, bump

from .models import ApiToken, Department, OrganisationKind, Role, User

REGION_LEVEL_BY_ROLE = {Role.TOWNSHIP_SUPERVISOR: Level.TOWNSHIP, Role.VILLAGE_DIRECTOR: Level.VILLAGE}


def validate_assignment(
    *, role: str, region: Region | None, department: Department | None, organisation_kind: str = ""
) -> None:
    """A role's scope must be complete: supervisors need a township, directors a village,
    department officers a department (not 各乡镇（街道）), mandatory reporters the kind of their
    institution (it routes their reports by duty)."""
    errors: dict[str, str] = {}
    if role not in Role.values:
        errors["role"] = "「角色」无效"
    level = REGION_LEVEL_BY_ROLE.get(role)  # type: ignore[call-overload]
    if level is not None and (region is None or region.level != level):
        errors["region"] = f"「辖区」：{Role(role).label}必须指定一个{Level(level).label}"
    if role == Role.DEPARTMENT_OFFICER and (department is None or department.is_townships):
        errors["department"] = "「所属单位」：部门经办人必须指定所属单位"
    if organisation_kind and organisation_kind not in OrganisationKind.values:
        errors["organisation_kind"] = "「机构类别」无效"
    elif role == Role.MANDATORY_REPORTER and not organisation_kind:
        errors["organisation_kind"] = (
            "「机构类别」：强制报告责任单位必须选择机构类别（中小学校、幼儿园、托儿所、医疗卫生机构、社会福利机构或救助保护机构）"
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    region: Region | None = None,
    department: Department | None = None,
    organisation: str = "",
    organisation_kind: str = "",
    phone: str = "",
    check_password: bool = True,
) -> User:
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"「用户名」：{username} 已被使用"})
    validate_assignment(role=role, region=region, department=department, organisation_kind=organisation_kind)
    user = User(
        username=username,
        full_name=full_name.strip(),
        role=role,
        region=region,
        department=department,
        organisation=organisation.strip(),
        organisation_kind=organisation_kind if role == Role.MANDATORY_REPORTER else "",
        phone=phone.strip(),
    )
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    audit.record(
        actor=actor,
        action="users.create",
        target=user,
        summary=f"新增用户 {user.display_name}（{user.get_role_display()}）",
        detail={
            "role": role,
            "region": region.code if region else None,
            "department": department.pk if department else None,
        },
    )
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    full_name: str,
    role: str,
    region: Region | None,
    department: Department | None,
    organisation: str = "",
    organisation_kind: str = "",
    phone: str = "",
) -> User:
    validate_assignment(role=role, region=region, department=department, organisation_kind=organisation_kind)
    before = {"role": user.role, "region": user.region_id, "department": user.department_id}
    user.full_name, user.role, user.region, user.department = full_name.strip(), role, region, department
    user.organisation, user.phone = organisation.strip(), phone.strip()
    user.organisation_kind = organisation_kind if role == Role.MANDATORY_REPORTER else ""
    user.save()
    audit.record(
        actor=actor,
        action="users.update",
        target=user,
        summary=f"修改用户 {user.display_name}",
        detail={"before": before, "after": {"role": role, "region": user.region_id, "department": user.department_id}},
    )
    return user


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> User:
    if user.pk == actor.pk and not active:
        raise ValidationError("不能停用自己的账号")
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action="users.activate" if active else "users.deactivate",
        target=user,
        summary=f"{'启用' if active else '停用'}用户 {user.display_name}",
    )
    return user


@transaction.atomic
def user_set_password(*, actor: User, user: User, password: str) -> User:
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor=actor, action="users.set_password", target=user, summary=f"重置用户 {user.display_name} 的密码")
    return user


@transaction.atomic
def department_update(*, actor: User, department: Department, official_name: str, note: str) -> Department:
    official_name = official_name.strip()
    if not official_name:
        raise ValidationError({"official_name": "「全称」不能为空"})
    before = department.official_name
    department.official_name, department.note = official_name, note.strip()
    department.save()
    bump(POLICY)  # departments are kept with the task table's reads (shouhu/web/caching.py)
    audit.record(
        actor=actor,
        action="departments.update",
        target=department,
        summary=f"单位全称：{before} → {official_name}",
    )
    return department


COMMAND_LINE = "命令行"  # the audit rows' actor when an operator issues or revokes at the server


@transaction.atomic
def api_token_issue(
    *, actor: User | None, name: str, user: User, expires_on: datetime.date | None = None
) -> tuple[ApiToken, str]:
    """Issue a token acting as `user`; returns the row and the plain key, which is shown once and
    never stored. Only `user` may issue a token for their own account (`actor` is `user`); `actor`
    None is an operator at the command line (`shouhu tokens issue`), whose tokens never reveal
    sensitive fields (docs/security.md, "API tokens")."""
    if actor is not None and not may_issue_api_token(actor, user):
        raise PermissionDenied("只能为自己的账号签发接口令牌；其他人的令牌请由本人在「我的API令牌」中签发")
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = "「系统名称」不能为空"
    elif len(name) > 100:
        errors["name"] = "「系统名称」不能超过 100 个字"
    if not user.is_active:
        errors["user"] = f"「代表用户」：{user.username} 已停用，不能签发令牌"
    if expires_on is not None and expires_on < today():
        errors["expires_on"] = f"「有效期至」：{expires_on.isoformat()} 早于今天"
    if errors:
        raise ValidationError(errors)
    key = "sh_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name,
        user=user,
        issued_by=actor,
        expires_on=expires_on,
        key_prefix=key[:8],
        key_hash=ApiToken.hash_key(key),
    )
    until = f"，有效期至 {expires_on.isoformat()}" if expires_on else ""
    audit.record(
        actor=actor,
        actor_label=COMMAND_LINE,
        action="api_tokens.issue",
        target=token,
        summary=f"签发接口令牌：{name}（代表 {user.display_name}，签发人 {token.issuer_label}{until}）",
        detail={"token": token.audit_detail(), "user": user.username, "expires_on": str(expires_on or "")},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke a token (its owner, an administrator, or `actor` None: an operator at the command
    line). Revoking a revoked token changes nothing and writes no row."""
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        actor_label=COMMAND_LINE,
        action="api_tokens.revoke",
        target=token,
        summary=f"吊销接口令牌：{token.name}（代表 {token.user.display_name}）",
        detail={"token": token.audit_detail()},
    )
    return token


@transaction.atomic
def api_tokens_listed(*, count: int, username: str = "") -> None:
    """An operator listed the tokens at the command line (`shouhu tokens list`): audited."""
    audit.record(
        actor=None,
        actor_label=COMMAND_LINE,
        action="api_tokens.list",
        object_type="accounts.apitoken",
        summary=f"查看接口令牌列表{'（' + username + '）' if username else ''}：{count} 个",
        detail={"user": username, "count": count},
    )


def api_token_touch(token: ApiToken) -> None:
    """Bookkeeping, not a domain change: no audit row."""
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> User:
    """A user changes their own password: the current one first, then Django's validators
    (messages in Chinese: shouhu/accounts/passwords.py)."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": "当前密码不正确"})
    try:
        validate_password(new_password, user)
    except ValidationError as e:
        raise ValidationError({"new_password": e.messages}) from None
    if old_password == new_password:
        raise ValidationError({"new_password": "新密码不能与当前密码相同"})
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(actor=user, action="users.change_password", target=user, summary="修改本人密码")
    return user
