import datetime
from typing import Any

from django.utils import timezone

from shouhu.accounts.models import Department, Role, SignInLock, User
from shouhu.accounts.services import api_token_issue, user_create
from shouhu.core.testing.walk import Sample


def setup(personas: dict[str, User]) -> dict[str, Any]:
    target = user_create(
        actor=None, username="walk_target", password="x", role=Role.LEADER, full_name="测试对象", check_password=False
    )
    token, _ = api_token_issue(actor=None, name="walk", user=target)  # at the command line
    own, _ = api_token_issue(actor=personas["caseworker"], name="own token", user=personas["caseworker"])
    now = timezone.now()
    lock = SignInLock.objects.create(
        kind=SignInLock.Kind.ACCOUNT,
        key="walk_target",
        failures=5,
        locked_at=now,
        locked_until=now + datetime.timedelta(minutes=15),
    )
    return {
        "target_user": target.pk,
        "token": token.pk,
        "own_token": own.pk,
        "department": Department.objects.get(name="县民政局").pk,
        "lock": lock.pk,
    }


SAMPLES = {
    "users:list": [Sample(), Sample(query="q=walk&role=leader&active=1")],
    "users:create": [Sample()],
    "users:edit": [Sample(kwargs=lambda c: {"user_id": c["target_user"]})],
    "users:set_active": [
        Sample(kwargs=lambda c: {"user_id": c["target_user"]}, method="post", data={"active": "0"}, success=(302,))
    ],
    "users:set_password": [Sample(kwargs=lambda c: {"user_id": c["target_user"]})],
    "users:two_factor_reset": [Sample(kwargs=lambda c: {"user_id": c["target_user"]}, method="post", success=(302,))],
    "users:two_factor_roles": [Sample()],
    "users:lift_lock": [Sample(kwargs=lambda c: {"lock_id": c["lock"]}, method="post", success=(302,))],
    "users:api_tokens": [Sample()],
    "users:api_token_revoke": [Sample(kwargs=lambda c: {"token_id": c["token"]}, method="post", success=(302,))],
    "account:api_tokens": [Sample(), Sample(method="post", data={"name": "issued on the walk"})],
    "account:api_token_revoke": [
        Sample(
            kwargs=lambda c: {"token_id": c["own_token"]}, method="post", success=(302,), ok=frozenset({"caseworker"})
        )
    ],
    "departments:list": [Sample(), Sample(query="q=民政")],
    "departments:detail": [Sample(kwargs=lambda c: {"department_id": c["department"]})],
    "departments:edit": [Sample(kwargs=lambda c: {"department_id": c["department"]})],
}
# A user's own account: every role.
SAMPLES |= {
    "account:password": [Sample()],
    "account:two_factor": [Sample()],
    "account:two_factor_enrol": [Sample()],
    # Renders new codes for a user with an authenticator, sends the others to enrol first.
    "account:recovery_codes": [Sample(method="post", success=(200, 302))],
}
API_SAMPLES = {
    "/departments": [Sample()],
}
