"""Sign-in through the pages: throttling and lockout, two-factor (TOTP and recovery codes),
the enrolment a required role is held to, changing one's own password, the CSP header."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from shouhu.accounts.models import Role, SignInAttempt, SignInLock, TwoFactorRole, User
from shouhu.accounts.signin import two_factor
from shouhu.core.models import AuditEvent

LOCKED = "已暂时锁定"
WRONG = "用户名或密码不正确"


def code_for(device: TOTPDevice, ahead: int = 0) -> str:
    """The code the user's authenticator shows now (`ahead` periods later: django-otp accepts the
    next period too, and never the same period twice)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=ahead):06d}"


def post_login(client: Client, username: str, password: str) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def age_failures(seconds: int = 120) -> None:
    """Let the slow-down's waits pass (each try after the third waits 1 s, 2 s, …)."""
    SignInAttempt.objects.update(at=timezone.now() - datetime.timedelta(seconds=seconds))


# -- throttling and lockout --------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(
    personas: dict[str, User], demo_password: str
) -> None:
    client = Client(REMOTE_ADDR="10.0.0.5")
    for _ in range(4):
        assert WRONG in post_login(client, "supervisor_a", "wrong").content.decode()
        age_failures()
    page = post_login(client, "supervisor_a", "wrong").content.decode()
    assert LOCKED in page
    lock = SignInLock.objects.get(kind=SignInLock.Kind.ACCOUNT, key="supervisor_a")
    assert AuditEvent.objects.filter(action="signin.lock", object_id=str(lock.pk)).exists()
    # The right password from another address is refused while the lock lasts.
    other = Client(REMOTE_ADDR="10.0.0.6")
    response = post_login(other, "supervisor_a", demo_password)
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert "_auth_user_id" not in other.session


def test_a_name_that_is_no_account_is_answered_the_same(personas: dict[str, User]) -> None:
    client = Client(REMOTE_ADDR="10.0.0.7")
    answers = []
    for name in ("supervisor_b", "nobody_here"):
        for _ in range(5):
            age_failures()
            answers.append(post_login(client, name, "wrong").content.decode().count(LOCKED))
    assert answers == [0, 0, 0, 0, 1] * 2
    assert SignInLock.objects.filter(key="nobody_here").exists()


def test_quick_retries_are_told_to_wait_and_not_checked(personas: dict[str, User], demo_password: str) -> None:
    client = Client(REMOTE_ADDR="10.0.0.8")
    for _ in range(3):
        post_login(client, "director_a", "wrong")
    # The fourth try at once: answered "请稍后再试" without checking, even with the right password.
    response = post_login(client, "director_a", demo_password)
    assert "请稍后再试" in response.content.decode() and "_auth_user_id" not in client.session
    assert SignInAttempt.objects.filter(username="director_a", succeeded=False).count() == 3
    age_failures()
    assert post_login(client, "director_a", demo_password).status_code == 302


def test_one_address_guessing_many_names_is_slowed_then_locked(personas: dict[str, User], demo_password: str) -> None:
    """The probe that sent 60 wrong passwords from one address: now they are not all checked."""
    client = Client(REMOTE_ADDR="10.9.9.9")
    answers = [post_login(client, f"guess{i}", "wrong").content.decode() for i in range(60)]
    assert sum("请稍后再试" in a for a in answers) >= 45  # only the first ten were checked at full speed
    for i in range(10):
        age_failures()
        post_login(client, f"later{i}", "wrong")
    assert SignInLock.objects.filter(kind=SignInLock.Kind.ADDRESS, key="10.9.9.9").exists()
    assert LOCKED in post_login(client, "leader", demo_password).content.decode()
    # Another address is not held up by it.
    assert post_login(Client(REMOTE_ADDR="10.9.9.10"), "leader", demo_password).status_code == 302


def test_the_administrator_lifts_a_lock_and_it_is_audited(
    personas: dict[str, User], login: Any, demo_password: str
) -> None:
    client = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(5):
        age_failures()
        post_login(client, "leader", "wrong")
    lock = SignInLock.objects.get(key="leader")
    admin = login("admin")
    assert 'data-testid="signin-locks"' in admin.get("/users/").content.decode()
    edit = admin.get(f"/users/{personas['leader'].pk}/").content.decode()
    assert 'data-testid="account-lock"' in edit
    assert login("caseworker").post(f"/users/locks/{lock.pk}/lift/").status_code == 403
    response = admin.post(f"/users/locks/{lock.pk}/lift/", {"back": personas["leader"].pk})
    assert response.status_code == 302
    lock.refresh_from_db()
    assert lock.lifted_by == personas["admin"]
    assert AuditEvent.objects.get(action="signin.unlock").actor == personas["admin"]
    # The count starts again: the right password works at once.
    assert post_login(client, "leader", demo_password).status_code == 302


# -- two-factor ---------------------------------------------------------------------------------


def enrol(client: Client) -> tuple[TOTPDevice, list[str]]:
    page = client.get("/account/two-factor/enrol/").content.decode()
    assert 'data-testid="qr"' in page and "data:image/svg+xml;base64," in page
    device = TOTPDevice.objects.filter(confirmed=False).latest("id")
    secret = re.search(r'data-testid="secret">([A-Z2-7 ]+)<', page)
    assert secret and secret.group(1).replace(" ", "") == two_factor.secret_of(device).replace(" ", "")
    assert "验证码不正确" in client.post("/account/two-factor/enrol/", {"code": "000000"}).content.decode()
    device.refresh_from_db()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None, throttling_failure_count=0)
    response = client.post("/account/two-factor/enrol/", {"code": code_for(device)})
    codes = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", response.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    return device, codes


def sign_in_with_password(username: str, password: str, ip: str = "10.1.0.1") -> Client:
    client = Client(REMOTE_ADDR=ip)
    response = post_login(client, username, password)
    assert response.status_code == 302 and response["Location"] == "/login/code/", response
    assert "_auth_user_id" not in client.session  # not signed in before the code
    assert client.get("/").status_code == 302
    return client


def test_enrol_then_sign_in_with_the_authenticator_and_a_recovery_code_once(
    personas: dict[str, User], login: Any, demo_password: str
) -> None:
    user = personas["supervisor_b"]
    device, codes = enrol(login("supervisor_b"))
    assert AuditEvent.objects.filter(action="two_factor.enrol", actor=user).exists()

    client = sign_in_with_password("supervisor_b", demo_password)
    response = client.post("/login/code/", {"code": code_for(device, ahead=1)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.session[two_factor.SESSION_KEY] == two_factor.VERIFIED

    # Only a keyed hash of each code is stored: a dump of the table signs nobody in.
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(stored) == 10 and not stored & {two_factor.normalise_code(code) for code in codes}
    assert two_factor.recovery_code_digest(codes[1]) in stored

    # A recovery code works once (with a dash or without, in capitals or not).
    client = sign_in_with_password("supervisor_b", demo_password)
    assert client.post("/login/code/", {"code": codes[0].upper()}).status_code == 302
    assert AuditEvent.objects.filter(action="two_factor.recovery_code_used", actor=user).exists()
    assert two_factor.recovery_codes_left(user) == 9
    client = sign_in_with_password("supervisor_b", demo_password, ip="10.1.0.2")
    again = client.post("/login/code/", {"code": codes[0]})
    assert again.status_code == 200 and "验证码不正确" in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_wrong_code_is_throttled_and_five_lock_the_account(personas: dict[str, User], demo_password: str) -> None:
    device = TOTPDevice.objects.get(user=personas["caseworker"])  # the demo authenticator
    client = sign_in_with_password("caseworker", demo_password)
    assert "验证码不正确" in client.post("/login/code/", {"code": "000000"}).content.decode()
    # django-otp makes the authenticator wait after a failure: the right code at once is refused.
    refused = client.post("/login/code/", {"code": code_for(device, ahead=1)})
    assert "请稍后再试" in refused.content.decode() and "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="signin.code_failed", object_id=str(personas["caseworker"].pk)).exists()
    for _ in range(4):
        age_failures()
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
        page = client.post("/login/code/", {"code": "000000"}).content.decode()
    assert LOCKED in page
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None, throttling_failure_count=0)
    assert LOCKED in client.post("/login/code/", {"code": code_for(device, ahead=1)}).content.decode()
    # A right password does not clear the code failures (it would let a thief guess on).
    assert LOCKED in post_login(Client(REMOTE_ADDR="10.1.0.3"), "caseworker", demo_password).content.decode()


def test_a_required_role_without_an_authenticator_must_enrol_before_anything_else(
    personas: dict[str, User], demo_password: str
) -> None:
    TwoFactorRole.objects.create(role=Role.LEADER)
    client = Client(REMOTE_ADDR="10.2.0.1")
    response = post_login(client, "leader", demo_password)
    assert response["Location"] == "/account/two-factor/enrol/"
    for url in ("/", "/account/password/", "/policy/", "/account/two-factor/"):
        assert client.get(url)["Location"] == "/account/two-factor/enrol/", url
    assert client.get("/api/v1/departments").status_code == 403
    page = client.get("/account/two-factor/enrol/").content.decode()
    assert 'data-testid="must-enrol"' in page
    device, _codes = enrol(client)
    assert client.get("/").status_code == 200
    # Next time the code is asked for.
    signed = sign_in_with_password("leader", demo_password, ip="10.2.0.2")
    assert signed.post("/login/code/", {"code": code_for(device, ahead=1)}).status_code == 302


def test_everyone_who_opens_safety_cases_must_use_two_factor_by_default(
    personas: dict[str, User], demo_password: str
) -> None:
    """Migrations alone make the county roles and the safety-case handlers (township supervisors,
    department officers: the police lead a case) sign in with a code; the demo personas of those
    roles carry the demo authenticator, the others do not."""
    assert two_factor.required_roles() == two_factor.DEFAULT_REQUIRED_ROLES
    assert {Role.TOWNSHIP_SUPERVISOR, Role.DEPARTMENT_OFFICER} <= two_factor.required_roles()
    for key in ("supervisor_a", "officer_p"):
        response = post_login(Client(REMOTE_ADDR="10.2.1.1"), key, demo_password)
        assert response["Location"] == "/login/code/", key
    for key in ("director_a", "leader", "reporter_a"):
        response = post_login(Client(REMOTE_ADDR="10.2.1.2"), key, demo_password)
        assert response["Location"] == "/", key
        assert two_factor.authenticator_of(personas[key]) is None


def test_a_session_that_skipped_the_code_is_sent_to_sign_in(personas: dict[str, User]) -> None:
    client = Client()
    client.force_login(personas["admin"])  # has the demo authenticator, no code given
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session


def test_the_administrator_sets_the_required_roles_and_resets_a_lost_phone(
    personas: dict[str, User], login: Any
) -> None:
    admin = login("admin")
    assert admin.get("/users/two-factor/").status_code == 200
    admin.post("/users/two-factor/", {"roles": [Role.COUNTY_ADMIN, Role.CASEWORKER, Role.TOWNSHIP_SUPERVISOR]})
    assert two_factor.required_roles() == {Role.COUNTY_ADMIN, Role.CASEWORKER, Role.TOWNSHIP_SUPERVISOR}
    assert AuditEvent.objects.filter(action="two_factor.roles", actor=personas["admin"]).exists()
    assert login("caseworker").post("/users/two-factor/", {"roles": []}).status_code == 403

    caseworker = personas["caseworker"]
    assert admin.post(f"/users/{caseworker.pk}/two-factor/reset/").status_code == 302
    assert not TOTPDevice.objects.filter(user=caseworker).exists()
    assert AuditEvent.objects.filter(action="two_factor.reset", object_id=str(caseworker.pk)).exists()


def test_the_reset_command_for_a_lost_phone(personas: dict[str, User], capsys: Any) -> None:
    user = personas["caseworker"]
    two_factor.recovery_codes_renew(user=user)
    call_command("users", "reset-2fa", "caseworker")
    assert not TOTPDevice.objects.filter(user=user).exists() and not StaticToken.objects.filter(device__user=user)
    assert "已重置" in capsys.readouterr().out
    event = AuditEvent.objects.filter(action="two_factor.reset").latest("id")
    assert event.actor is None and event.object_id == str(user.pk)


def test_api_tokens_are_not_asked_for_a_code(personas: dict[str, User]) -> None:
    """The caseworker's role signs in with a code; their own token still works without one."""
    from shouhu.accounts.services import api_token_issue

    _token, key = api_token_issue(actor=personas["caseworker"], name="t", user=personas["caseworker"])
    assert Client().get("/api/v1/departments", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


# -- own password --------------------------------------------------------------------------------


def test_everyone_changes_their_own_password_with_messages_in_chinese(
    personas: dict[str, User], login: Any, demo_password: str
) -> None:
    client = login("director_a")
    assert 'href="/account/password/"' in client.get("/").content.decode()
    page = client.post(
        "/account/password/", {"old_password": "nope", "new_password": "abc", "new_password_again": "abc"}
    ).content.decode()
    assert "当前密码不正确" in page
    page = client.post(
        "/account/password/", {"old_password": demo_password, "new_password": "abc", "new_password_again": "abc"}
    ).content.decode()
    assert "密码太短，至少需要 8 个字符" in page and "too short" not in page
    page = client.post(
        "/account/password/",
        {"old_password": demo_password, "new_password": "12345678", "new_password_again": "12345678"},
    ).content.decode()
    assert "密码不能全是数字" in page and "密码太常见" in page
    page = client.post(
        "/account/password/",
        {"old_password": demo_password, "new_password": "Qz8-xian-huan", "new_password_again": "Qz8-xian-huax"},
    ).content.decode()
    assert "两次输入的新密码不一致" in page
    response = client.post(
        "/account/password/",
        {"old_password": demo_password, "new_password": "Qz8-xian-huan", "new_password_again": "Qz8-xian-huan"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # still signed in
    user = User.objects.get(username="director_a")
    assert user.check_password("Qz8-xian-huan")
    assert AuditEvent.objects.get(action="users.change_password").actor == user


# -- Content-Security-Policy ---------------------------------------------------------------------


def test_every_page_carries_the_content_security_policy(login: Any) -> None:
    for response in (Client().get("/login/"), login("caseworker").get("/"), Client().get("/nowhere/")):
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert "unsafe-inline" not in policy
