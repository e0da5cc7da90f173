"""Slowing down and locking out password guessing, per account name and per client address.

Every try is a row (`SignInAttempt`), so several web processes count together without a shared
cache. Within `SIGNIN_WINDOW_SECONDS`:
- after `*_SLOW_AFTER` failures each further try must wait 1 s, 2 s, 4 s … (at most a minute)
  after the last failure; a try that comes sooner is answered "请稍后再试" without checking it;
- after `*_LOCK_AFTER` failures the account name (or the address) is locked for
  `SIGNIN_LOCK_SECONDS` (`SignInLock`, audited); an administrator may lift it (audited).
An account's count starts again after a complete sign-in (password and, if it has one, code).
Names that match no account are counted and locked the same, so no answer tells whether one exists."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from shouhu.accounts.models import SignInAttempt, SignInLock, User
from shouhu.core import audit

MAX_WAIT_SECONDS = 60


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    locked_until: datetime.datetime | None = None  # locked: no try until then
    wait_seconds: int = 0  # slowed down: try again after this many seconds

    @property
    def message(self) -> str:
        if self.locked_until is not None:
            minutes = max(1, -(-int((self.locked_until - timezone.now()).total_seconds()) // 60))
            return f"登录失败次数过多，已暂时锁定。请 {minutes} 分钟后再试，或联系系统管理员解除锁定。"
        if self.wait_seconds:
            return f"尝试过于频繁，请稍后再试（约 {self.wait_seconds} 秒后）。"
        return ""


def account_key(username: str) -> str:
    return username.strip().lower()[:150]


def _window_start() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.SIGNIN_WINDOW_SECONDS)


def active_lock(kind: str, key: str) -> SignInLock | None:
    return (
        SignInLock.objects.filter(kind=kind, key=key, locked_until__gt=timezone.now(), lifted_at__isnull=True)
        .order_by("-locked_until")
        .first()
    )


def _account_failures(key: str) -> tuple[int, datetime.datetime | None]:
    """Failures of this account name in the window since its last complete sign-in or lifted lock."""
    since = _window_start()
    last_success = SignInAttempt.objects.filter(username=key, succeeded=True, at__gt=since).aggregate(m=Max("at"))["m"]
    last_lift = SignInLock.objects.filter(kind=SignInLock.Kind.ACCOUNT, key=key, lifted_at__gt=since).aggregate(
        m=Max("lifted_at")
    )["m"]
    since = max(t for t in (since, last_success, last_lift) if t is not None)
    agg = SignInAttempt.objects.filter(username=key, succeeded=False, at__gt=since).aggregate(
        n=Count("id"), last=Max("at")
    )
    return agg["n"], agg["last"]


def _address_failures(ip: str) -> tuple[int, datetime.datetime | None]:
    since = _window_start()
    last_lift = SignInLock.objects.filter(kind=SignInLock.Kind.ADDRESS, key=ip, lifted_at__gt=since).aggregate(
        m=Max("lifted_at")
    )["m"]
    if last_lift is not None:
        since = max(since, last_lift)
    agg = SignInAttempt.objects.filter(ip_address=ip, succeeded=False, at__gt=since).aggregate(
        n=Count("id"), last=Max("at")
    )
    return agg["n"], agg["last"]


def _wait(failures: int, last: datetime.datetime | None, slow_after: int) -> int:
    if failures < slow_after or last is None:
        return 0
    required = min(2 ** (failures - slow_after), MAX_WAIT_SECONDS)
    remaining = required - (timezone.now() - last).total_seconds()
    return max(0, -(-int(remaining * 1000) // 1000))


def check(username: str, ip: str | None) -> Verdict:
    """May this account name try from this address now? Reads only."""
    key = account_key(username)
    locks = [active_lock(SignInLock.Kind.ACCOUNT, key)]
    if ip:
        locks.append(active_lock(SignInLock.Kind.ADDRESS, ip))
    until = max((lock.locked_until for lock in locks if lock is not None), default=None)
    if until is not None:
        return Verdict(allowed=False, locked_until=until)
    wait = _wait(*_account_failures(key), settings.SIGNIN_ACCOUNT_SLOW_AFTER)
    if ip:
        wait = max(wait, _wait(*_address_failures(ip), settings.SIGNIN_ADDRESS_SLOW_AFTER))
    return Verdict(allowed=wait == 0, wait_seconds=wait)


@transaction.atomic
def record_failure(*, username: str, ip: str | None, step: str = SignInAttempt.Step.PASSWORD) -> Verdict:
    """Count a failed try; lock the account name or the address when it reaches its limit (audited).
    Returns what the next try may do."""
    key = account_key(username)
    now = timezone.now()
    SignInAttempt.objects.create(username=key, ip_address=ip, step=step, succeeded=False, at=now)
    account_failures, _last = _account_failures(key)
    if account_failures >= settings.SIGNIN_ACCOUNT_LOCK_AFTER:
        _lock(SignInLock.Kind.ACCOUNT, key, account_failures, now)
    if ip:
        address_failures, _last = _address_failures(ip)
        if address_failures >= settings.SIGNIN_ADDRESS_LOCK_AFTER:
            _lock(SignInLock.Kind.ADDRESS, ip, address_failures, now)
    return check(username, ip)


def _lock(kind: str, key: str, failures: int, now: datetime.datetime) -> None:
    if active_lock(kind, key) is not None:
        return
    lock = SignInLock.objects.create(
        kind=kind,
        key=key,
        failures=failures,
        locked_at=now,
        locked_until=now + datetime.timedelta(seconds=settings.SIGNIN_LOCK_SECONDS),
    )
    what = "账号" if kind == SignInLock.Kind.ACCOUNT else "地址"
    audit.record(
        actor=None,
        action="signin.lock",
        target=lock,
        summary=f"登录失败 {failures} 次，锁定{what} {key} 至 {timezone.localtime(lock.locked_until):%H:%M}",
        detail={"kind": kind, "key": key, "failures": failures},
    )


def record_success(*, username: str, ip: str | None) -> None:
    """A complete sign-in: the account's count starts again (bookkeeping, audited as `login`)."""
    SignInAttempt.objects.create(username=account_key(username), ip_address=ip, succeeded=True, at=timezone.now())


def active_locks() -> list[SignInLock]:
    now = timezone.now()
    return list(SignInLock.objects.filter(locked_until__gt=now, lifted_at__isnull=True).order_by("-locked_at"))


def account_lock_for(user: User) -> SignInLock | None:
    return active_lock(SignInLock.Kind.ACCOUNT, account_key(user.get_username()))


@transaction.atomic
def lock_lift(*, actor: User, lock: SignInLock) -> SignInLock:
    """An administrator lets the account name or address sign in again at once (its count starts again)."""
    locked = SignInLock.objects.select_for_update().filter(pk=lock.pk).first()
    if locked is None or locked.lifted_at is not None:
        return lock
    locked.lifted_at, locked.lifted_by = timezone.now(), actor
    locked.save(update_fields=["lifted_at", "lifted_by"])
    audit.record(
        actor=actor,
        action="signin.unlock",
        target=locked,
        summary=f"解除登录锁定：{locked.get_kind_display()} {locked.key}",  # type: ignore[attr-defined]
        detail={"kind": locked.kind, "key": locked.key},
    )
    return locked
