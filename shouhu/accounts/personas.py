"""A fixed cast of users: one per role, in two townships (A: 桓仁镇, B: 普乐堡镇) and two
departments (县教育局, 县卫健局), two mandatory reporters (a school in 桓仁镇, a health centre in
普乐堡镇), an officer of 县医保局 (the unit the 2019 reform created, which handles 医疗救助
referrals since), one of 县公安局 (who leads a safety case and records detention notices) and one
of 县司法局 (who records imprisonment and drug rehabilitation notices). Tests use them so "can X
see Y?" is one line; the demo uses the same cast so what a tester sees is what the tests check."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from shouhu.regions.models import Region

from .models import Department, OrganisationKind, Role, User

TOWNSHIP_A = "210522100000"  # 桓仁镇
TOWNSHIP_B = "210522101000"  # 普乐堡镇
VILLAGE_A = "210522100201"
VILLAGE_B = "210522101201"
DEPARTMENT_A = "县教育局"
DEPARTMENT_B = "县卫健局"  # the 县卫计局 of the table, after the 2019 reform
DEPARTMENT_M = "县医保局"  # took over 医疗救助 and 城乡居民医保 in the 2019 reform (functions transferred)
DEPARTMENT_P = "县公安局"  # leads the emergency response to a child in danger (task 17; safeguarding)
DEPARTMENT_J = "县司法局"  # records imprisonment and drug rehabilitation notices (task 19; custody)
DEMO_PASSWORD = "shouhu-demo-2026"  # noqa: S105  (demo and test logins only)

DEMO_VILLAGES = {
    TOWNSHIP_A: [("210522100201", "东关村"), ("210522100202", "西关村"), ("210522100203", "河口村")],
    TOWNSHIP_B: [("210522101201", "普乐堡村"), ("210522101202", "南沟村")],
    "210522102000": [("210522102201", "二棚甸子村")],
    "210522001000": [("210522001001", "站前社区"), ("210522001002", "江城社区")],
}


@dataclass(frozen=True)
class Persona:
    key: str
    role: str
    full_name: str
    region: str | None = None
    department: str | None = None
    organisation: str = ""
    organisation_kind: str = ""


PERSONAS = [
    Persona("admin", Role.COUNTY_ADMIN, "王管理", region=None),
    Persona("caseworker", Role.CASEWORKER, "李业务"),
    Persona("officer_a", Role.DEPARTMENT_OFFICER, "赵教育", department=DEPARTMENT_A),
    Persona("officer_b", Role.DEPARTMENT_OFFICER, "钱卫健", department=DEPARTMENT_B),
    Persona("officer_m", Role.DEPARTMENT_OFFICER, "林医保", department=DEPARTMENT_M),
    Persona("officer_p", Role.DEPARTMENT_OFFICER, "魏公安", department=DEPARTMENT_P),
    Persona("officer_j", Role.DEPARTMENT_OFFICER, "蒋司法", department=DEPARTMENT_J),
    Persona("supervisor_a", Role.TOWNSHIP_SUPERVISOR, "孙督导", region=TOWNSHIP_A),
    Persona("supervisor_b", Role.TOWNSHIP_SUPERVISOR, "周督导", region=TOWNSHIP_B),
    Persona("director_a", Role.VILLAGE_DIRECTOR, "吴主任", region=VILLAGE_A),
    Persona("director_b", Role.VILLAGE_DIRECTOR, "郑主任", region=VILLAGE_B),
    Persona("leader", Role.LEADER, "冯县长"),
    Persona("community_a", Role.COMMUNITY_WORKER, "陈志愿", organisation="桓仁县爱心志愿者协会"),
    # Two mandatory reporters of different kinds, in the two townships: each sees only their own reports.
    Persona(
        "reporter_a",
        Role.MANDATORY_REPORTER,
        "褚校医",
        organisation="桓仁县第一小学",
        organisation_kind=OrganisationKind.SCHOOL,
    ),
    Persona(
        "reporter_b",
        Role.MANDATORY_REPORTER,
        "蒋医生",
        organisation="普乐堡镇中心卫生院",
        organisation_kind=OrganisationKind.MEDICAL,
    ),
]
PERSONA_KEYS = [p.key for p in PERSONAS]


def signs_in_with_code(key: str) -> bool:
    """Does this persona's role sign in with two-factor on a new installation (the demo and the
    tests)? Such personas carry the demo authenticator (README, "Demo")."""
    from .signin.two_factor import DEFAULT_REQUIRED_ROLES

    return any(p.key == key and p.role in DEFAULT_REQUIRED_ROLES for p in PERSONAS)


def ensure_demo_villages() -> None:
    for township_code, villages in DEMO_VILLAGES.items():
        township = Region.objects.get(code=township_code)
        for code, name in villages:
            if not Region.objects.filter(code=code).exists():
                Region(
                    code=code,
                    name=name,
                    parent=township,
                    kind=name[-2:] if name.endswith("社区") else "村",
                    is_demo=True,
                ).save()


@transaction.atomic
def ensure_personas(password: str = DEMO_PASSWORD) -> dict[str, User]:
    """Create (or return) the persona users. Idempotent."""
    from .services import user_create

    ensure_demo_villages()
    users: dict[str, User] = {}
    for persona in PERSONAS:
        existing = User.objects.filter(username=persona.key).first()
        if existing is not None:
            users[persona.key] = existing
            continue
        user = user_create(
            actor=None,
            username=persona.key,
            password=password,
            role=persona.role,
            full_name=persona.full_name,
            region=Region.objects.get(code=persona.region) if persona.region else None,
            department=Department.objects.get(name=persona.department) if persona.department else None,
            organisation=persona.organisation,
            organisation_kind=persona.organisation_kind,
            check_password=False,
        )
        User.objects.filter(pk=user.pk).update(is_demo=True)
        user.is_demo = True
        users[persona.key] = user
    # The demo users of roles that must use two-factor get the demo authenticator key, so the demo
    # and the tests can sign in as them (README, "Demo").
    from .signin.two_factor import demo_authenticator, required_roles

    required = required_roles()
    for user in users.values():
        if user.role in required:
            demo_authenticator(user)
    return users
