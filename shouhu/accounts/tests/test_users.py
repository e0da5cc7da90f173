from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, override_settings

from shouhu.access import Capability, can, jurisdiction, regions_visible_to
from shouhu.accounts import services
from shouhu.accounts.models import Department, Role, User
from shouhu.core.models import AuditEvent
from shouhu.regions.models import Region

pytestmark = pytest.mark.django_db


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2(personas: dict[str, User]) -> None:
    user = services.user_create(
        actor=personas["admin"], username="hash_check", password="Lq9-shouhu-pass", role=Role.LEADER
    )
    assert user.password.startswith("argon2$")
    assert user.check_password("Lq9-shouhu-pass")


@pytest.mark.parametrize(
    ("role", "region", "department", "field"),
    [
        (Role.TOWNSHIP_SUPERVISOR, None, None, "region"),
        (Role.TOWNSHIP_SUPERVISOR, "210522100201", None, "region"),  # a village is not a township
        (Role.VILLAGE_DIRECTOR, "210522100000", None, "region"),
        (Role.DEPARTMENT_OFFICER, None, None, "department"),
        (Role.DEPARTMENT_OFFICER, None, "各乡镇（街道）", "department"),
    ],
)
def test_role_needs_a_complete_scope(
    personas: dict[str, User], role: str, region: str | None, department: str | None, field: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.user_create(
            actor=personas["admin"],
            username="incomplete",
            password="Lq9-shouhu-pass",
            role=role,
            region=Region.objects.get(code=region) if region else None,
            department=Department.objects.get(name=department) if department else None,
        )
    assert field in excinfo.value.message_dict
    assert not User.objects.filter(username="incomplete").exists()


def test_weak_password_is_refused_in_chinese(personas: dict[str, User]) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.user_create(actor=personas["admin"], username="weakling", password="12345678", role=Role.LEADER)
    assert any("密码" in m for m in excinfo.value.messages)


def test_admin_creates_edits_and_deactivates_a_user_through_the_ui(login) -> None:  # type: ignore[no-untyped-def]
    client = login("admin")
    township = Region.objects.get(code="210522102000")
    response = client.post(
        "/users/new/",
        {
            "username": "new_supervisor",
            "full_name": "新督导",
            "role": Role.TOWNSHIP_SUPERVISOR,
            "region": township.pk,
            "password": "Lq9-shouhu-pass",
        },
    )
    assert response.status_code == 302, response.content.decode()
    user = User.objects.get(username="new_supervisor")
    assert user.region == township and jurisdiction(user) == township
    response = client.post(
        f"/users/{user.pk}/", {"full_name": "新督导", "role": Role.TOWNSHIP_SUPERVISOR, "region": ""}
    )
    assert "乡镇（街道）儿童督导员必须指定一个乡镇（街道）" in response.content.decode()
    response = client.post(f"/users/{user.pk}/active/", {"active": "0"})
    user.refresh_from_db()
    assert not user.is_active
    assert list(AuditEvent.objects.filter(object_id=str(user.pk)).values_list("action", flat=True).order_by("id")) == [
        "users.create",
        "users.deactivate",
    ]
    assert not Client().login(username="new_supervisor", password="Lq9-shouhu-pass")


def test_user_list_filters_and_paginates(login) -> None:  # type: ignore[no-untyped-def]
    page = login("admin").get("/users/", {"role": Role.TOWNSHIP_SUPERVISOR}).content.decode()
    assert "supervisor_a" in page and "supervisor_b" in page and "officer_a" not in page


def test_admin_cannot_deactivate_themselves(personas: dict[str, User]) -> None:
    with pytest.raises(ValidationError):
        services.user_set_active(actor=personas["admin"], user=personas["admin"], active=False)


def test_capabilities_deny_by_default(personas: dict[str, User]) -> None:
    assert can(personas["admin"], Capability.MANAGE_USERS)
    assert not can(personas["caseworker"], Capability.MANAGE_USERS)
    assert not can(personas["community_a"], Capability.VIEW_REGIONS)
    assert not can(personas["reporter_a"], Capability.VIEW_POLICY)
    inactive = personas["caseworker"]
    inactive.is_active = False
    assert not can(inactive, Capability.VIEW_HOME)


def test_region_scope_is_in_the_query(personas: dict[str, User]) -> None:
    visible_a = set(regions_visible_to(personas["supervisor_a"]).values_list("code", flat=True))
    assert "210522100201" in visible_a and "210522000000" in visible_a
    assert not any(code.startswith("210522101") for code in visible_a)
    visible_director = set(regions_visible_to(personas["director_a"]).values_list("code", flat=True))
    assert visible_director == {"210522000000", "210522100000", "210522100201"}
    assert regions_visible_to(personas["officer_a"]).count() == 0
    assert regions_visible_to(personas["community_a"]).count() == 0


def test_department_full_name_can_be_confirmed(login) -> None:  # type: ignore[no-untyped-def]
    department = Department.objects.get(name="县文旅广电局")
    response = login("admin").post(
        f"/departments/{department.pk}/edit/", {"official_name": "县文化旅游和广播电视局（确认）", "note": ""}
    )
    assert response.status_code == 302
    department.refresh_from_db()
    assert department.official_name == "县文化旅游和广播电视局（确认）"
    assert AuditEvent.objects.filter(action="departments.update", object_id=str(department.pk)).exists()


@pytest.mark.django_db
def test_the_token_list_tells_people_apart(login, personas) -> None:  # type: ignore[no-untyped-def]
    from shouhu.accounts.services import api_token_issue, user_create

    namesake = user_create(
        actor=None,
        username="zhao2",
        password="x",
        role=personas["officer_a"].role,
        full_name="赵教育",
        department=personas["officer_b"].department,
        check_password=False,
    )
    for user in (personas["officer_a"], namesake, personas["supervisor_a"]):
        api_token_issue(actor=None, name=f"系统 {user.username}", user=user)
    page = login("admin").get("/users/api-tokens/").content.decode()
    assert ">赵教育 · 部门经办人 · 县教育局<" in page
    assert ">赵教育 · 部门经办人 · 县卫生健康局<" in page  # the same name, another unit
    assert ">孙督导 · 乡镇（街道）儿童督导员 · 桓仁镇<" in page
    assert ">supervisor_a<" not in page
