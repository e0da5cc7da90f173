"""Two-factor sign-in: a TOTP authenticator (django-otp's `TOTPDevice`) and ten one-time recovery
codes (its `StaticDevice`). Every user may enrol; roles listed in `TwoFactorRole` must. Writes are
audited; a session remembers in `SESSION_KEY` whether it passed the second factor."""

from __future__ import annotations

import base64
import io
import re
from typing import Any

import django_otp
import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from shouhu.accounts.models import Role, TwoFactorRole, User
from shouhu.core import audit

RECOVERY_CODE_COUNT = 10
SESSION_KEY = "shouhu_two_factor"
# What a signed-in session has done about the second factor:
VERIFIED = "verified"  # passed it (or enrolled in this session)
ENROL = "enrol"  # must enrol before anything else
NOT_NEEDED = "none"  # has no authenticator and its role does not require one
# RFC 6238's test key ("12345678901234567890"): the demo administrator and caseworker use it, so
# anyone trying the demo can add it to an authenticator (README, "Demo"). Never for real users.
RECOVERY_CODE_SALT = "shouhu.accounts.recovery_code"  # also in migration 0009, which hashed the old codes
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"
DEMO_TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # noqa: S105  (the same key in base32)


# The roles that must use two-factor on a new installation (migrations 0005 and 0008): those who
# see and change every child's record, and everyone who opens safety cases. Data from then on.
DEFAULT_REQUIRED_ROLES = frozenset(
    {Role.COUNTY_ADMIN, Role.CASEWORKER, Role.TOWNSHIP_SUPERVISOR, Role.DEPARTMENT_OFFICER}
)


def required_roles() -> frozenset[str]:
    return frozenset(TwoFactorRole.objects.values_list("role", flat=True))


def is_required_for(user: User) -> bool:
    return TwoFactorRole.objects.filter(role=user.role).exists()


def authenticator_of(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def session_state_after_password(user: User) -> str:
    """For a session signed in with a password only: must it enrol, or may it go on?"""
    return ENROL if is_required_for(user) else NOT_NEEDED


def mark_session(request: HttpRequest, state: str, device: Any = None) -> None:
    request.session[SESSION_KEY] = state
    if device is not None:
        django_otp.login(request, device)


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).lower()


def qr_data_uri(device: TOTPDevice) -> str:
    """The enrolment QR code as an SVG data URI: made here, no outside service."""
    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def secret_of(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an authenticator by hand."""
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def enrolment_start(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator for the enrolment page (the same one until it is confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)
    return device


@transaction.atomic
def enrolment_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator with a code it shows. Returns the new recovery codes (to show
    once), or None for a wrong code. Any earlier authenticator and recovery codes are replaced."""
    if device.user_id != user.pk or device.confirmed:
        return None
    if not device.verify_token(normalise_code(code)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    audit.record(
        actor=user,
        action="two_factor.enrol",
        target=user,
        summary=f"{user.display_name} 启用两步验证",
    )
    return codes


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    codes = _new_recovery_codes(user)
    audit.record(actor=user, action="two_factor.recovery_codes", target=user, summary="重新生成恢复码")
    return codes


def recovery_code_digest(code: str) -> str:
    """What is stored of a recovery code: a keyed hash (the project's secret key), so a database
    dump does not hold codes that sign in. 16 hex digits fit django-otp's token column; the codes
    are single-use and throttled, and the key is not in the dump."""
    return salted_hmac(RECOVERY_CODE_SALT, normalise_code(code), algorithm="sha256").hexdigest()[:16]


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=recovery_code_digest(code)) for code in codes])
    return [f"{code[:4]}-{code[4:]}" for code in codes]


class CodeRefused(Exception):
    def __init__(self, throttled: bool) -> None:
        super().__init__("throttled" if throttled else "wrong")
        self.throttled = throttled


def verify(*, user: User, code: str) -> tuple[Any, bool]:
    """Check a code from the authenticator (six digits) or a recovery code (used up).
    Returns (the device that matched, whether it was a recovery code); raises `CodeRefused`
    (`throttled` while django-otp makes the devices wait after failures: 1 s, 2 s, 4 s …)."""
    code = normalise_code(code)
    if code.isdigit():
        device = authenticator_of(user)
        if device is None:
            raise CodeRefused(throttled=False)
        if not device.verify_is_allowed()[0]:
            raise CodeRefused(throttled=True)
        if device.verify_token(code):
            return device, False
        raise CodeRefused(throttled=False)
    static = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if static is None:
        raise CodeRefused(throttled=False)
    if not static.verify_is_allowed()[0]:
        raise CodeRefused(throttled=True)
    if not static.verify_token(recovery_code_digest(code)):  # a match is deleted: each code works once
        raise CodeRefused(throttled=False)
    left = static.token_set.count()
    audit.record(
        actor=user,
        action="two_factor.recovery_code_used",
        target=user,
        summary=f"使用恢复码登录，剩余 {left} 个",
        detail={"left": left},
    )
    return static, True


@transaction.atomic
def reset(*, actor: User | None, user: User) -> bool:
    """Remove the user's authenticator and recovery codes (a lost phone). Returns whether there
    were any. A user whose role requires two-factor enrols again at the next sign-in."""
    removed = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    audit.record(
        actor=actor,
        action="two_factor.reset",
        target=user,
        summary=f"重置 {user.display_name} 的两步验证",
        detail={"removed": removed},
    )
    return removed > 0


@transaction.atomic
def required_roles_set(*, actor: User, roles: list[str]) -> frozenset[str]:
    wanted = frozenset(r for r in roles if r in Role.values)
    before = required_roles()
    if wanted == before:
        return before
    TwoFactorRole.objects.exclude(role__in=wanted).delete()
    TwoFactorRole.objects.bulk_create([TwoFactorRole(role=r) for r in sorted(wanted - before)])
    labels = "、".join(Role(r).label for r in Role.values if r in wanted) or "无"
    audit.record(
        actor=actor,
        action="two_factor.roles",
        object_type="accounts.twofactorrole",
        summary=f"须两步验证的角色：{labels}",
        detail={"before": sorted(before), "after": sorted(wanted)},
    )
    return wanted


def demo_authenticator(user: User) -> None:
    """The demo key for a demo persona whose role requires two-factor (idempotent; demo data only)."""
    if not user.is_demo or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return
    TOTPDevice.objects.create(user=user, name="演示身份验证器", key=DEMO_TOTP_KEY, confirmed=True)
