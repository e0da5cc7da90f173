"""Departments, users and API tokens: who may see the units and manage the accounts."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from shouhu.accounts.models import ApiToken, Department, SignInLock, User

from .capabilities import Capability, can


def departments_visible_to(user: User) -> QuerySet[Department]:
    if not can(user, Capability.VIEW_DEPARTMENTS):
        return Department.objects.none()
    return Department.objects.all()


def access_department(user: User, department_id: int) -> Department:
    try:
        return departments_visible_to(user).get(pk=department_id)
    except Department.DoesNotExist:
        raise Http404("单位不存在") from None


def users_visible_to(user: User) -> QuerySet[User]:
    if can(user, Capability.MANAGE_USERS):
        return User.objects.all()
    return User.objects.none()


def access_user(user: User, user_id: int) -> User:
    try:
        return users_visible_to(user).get(pk=user_id)
    except User.DoesNotExist:
        raise Http404("用户不存在") from None


def api_tokens_visible_to(user: User) -> QuerySet[ApiToken]:
    """Every token for an administrator (to see who holds one and revoke it); none otherwise."""
    if not can(user, Capability.MANAGE_USERS):
        return ApiToken.objects.none()
    return ApiToken.objects.select_related("user__region", "user__department", "issued_by").order_by("-created_at")


def access_api_token(user: User, token_id: int) -> ApiToken:
    try:
        return api_tokens_visible_to(user).get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise Http404("令牌不存在") from None


def signin_locks_visible_to(user: User) -> QuerySet[SignInLock]:
    if can(user, Capability.MANAGE_USERS):
        return SignInLock.objects.all()
    return SignInLock.objects.none()


def access_signin_lock(user: User, lock_id: int) -> SignInLock:
    try:
        return signin_locks_visible_to(user).get(pk=lock_id)
    except SignInLock.DoesNotExist:
        raise Http404("锁定记录不存在") from None


def own_api_tokens(user: User) -> QuerySet[ApiToken]:
    """The tokens acting as `user` ("我的API令牌"), whoever issued them."""
    if not can(user, Capability.OWN_API_TOKENS):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).select_related("issued_by").order_by("-created_at")


def access_own_api_token(user: User, token_id: int) -> ApiToken:
    try:
        return own_api_tokens(user).get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise Http404("令牌不存在") from None


def may_issue_api_token(actor: User, user: User) -> bool:
    """A person's token is issued by that person only: an administrator cannot hand themselves
    (or a system) another person's rights, and no token is issued through a token."""
    if getattr(actor, "api_token", None) is not None:
        return False
    return actor.pk == user.pk and can(actor, Capability.OWN_API_TOKENS)
