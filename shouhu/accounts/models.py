from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models

from shouhu.core.models import TimeStampedModel
from shouhu.regions.models import Region


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", "县民政局系统管理员"
    CASEWORKER = "caseworker", "县民政局业务人员"
    DEPARTMENT_OFFICER = "department_officer", "部门经办人"
    TOWNSHIP_SUPERVISOR = "township_supervisor", "乡镇（街道）儿童督导员"
    VILLAGE_DIRECTOR = "village_director", "村（居）儿童主任"
    LEADER = "leader", "县领导"
    COMMUNITY_WORKER = "community_worker", "社会组织、志愿者"
    MANDATORY_REPORTER = "mandatory_reporter", "强制报告责任单位"


class OrganisationKind(models.TextChoices):
    """The kinds of institution task 28 names as mandatory reporters. A reporter's kind says which
    county unit supervises their reports by duty (shouhu/safeguarding/routing.py)."""

    SCHOOL = "school", "中小学校"
    KINDERGARTEN = "kindergarten", "幼儿园"
    NURSERY = "nursery", "托儿所"
    MEDICAL = "medical", "医疗卫生机构"
    WELFARE = "welfare", "社会福利机构"
    RESCUE = "rescue", "救助保护机构"


class DepartmentKind(models.TextChoices):
    GOVERNMENT = "government", "政府部门"
    JUDICIAL = "judicial", "司法机关"
    PARTY = "party", "党委部门"
    MASS_ORGANISATION = "mass_organisation", "群团组织"
    TOWNSHIPS = "townships", "各乡镇（街道）"


class Department(TimeStampedModel):
    """A responsible unit. `name` is its short name as tables write it (县卫计局); `official_name`
    its full name (县卫生健康局 for a unit the county calls that today). Units named in the
    task-division table are seeded by a data migration; successors created by reorganisations
    (rename, merge, split; see shouhu.policy) are units too, and a dissolved unit keeps its row
    so history can say who was responsible on any date."""

    name = models.CharField("简称", max_length=100, unique=True)
    official_name = models.CharField("全称", max_length=100)
    kind = models.CharField("类型", max_length=30, choices=DepartmentKind.choices)
    note = models.CharField("备注", max_length=300, blank=True)
    established_on = models.DateField("成立日期", null=True, blank=True)
    dissolved_on = models.DateField("撤销日期", null=True, blank=True, help_text="因机构改革撤销或合并的日期")

    class Meta:
        verbose_name = "责任单位"
        verbose_name_plural = "责任单位"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_townships(self) -> bool:
        return self.kind == DepartmentKind.TOWNSHIPS

    @property
    def is_active(self) -> bool:
        return self.dissolved_on is None


class User(AbstractUser):
    """A person (or another department's system, see ApiToken) with one role, a
    jurisdiction (region subtree) and, for department officers, a department."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    region = models.ForeignKey(
        Region, verbose_name="辖区", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    department = models.ForeignKey(
        Department, verbose_name="所属单位", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    organisation = models.CharField("所在机构", max_length=100, blank=True, help_text="社会组织、学校、医院等")
    # Only for mandatory reporters (required for them): which kind of institution they report for.
    organisation_kind = models.CharField(
        "机构类别", max_length=20, choices=OrganisationKind.choices, blank=True, default=""
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)
    is_demo = models.BooleanField("演示账号", default=False)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def scope_label(self) -> str:
        """Where the user works, in words: a region (village, township), a unit, or an organisation."""
        if self.region is not None:
            return self.region.name
        if self.department is not None:
            return self.department.official_name
        return self.organisation

    @property
    def picker_label(self) -> str:
        """Enough to tell two people apart in a list: name, role, and where they work."""
        parts = [self.display_name, self.get_role_display(), self.scope_label]  # type: ignore[attr-defined]
        return " · ".join(p for p in parts if p)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class ApiToken(TimeStampedModel):
    """A key for `/api/v1/`, used by another department's system (`name`) on behalf of `user`:
    it acts as that user, so the same access rules apply as in the UI. Only a hash is stored.

    A person's token is issued by that person (`issued_by` is `user`, "我的API令牌"). A token
    issued by anyone else — an operator at the command line (`issued_by` empty), or an
    administrator before tokens were self-service — never reveals sensitive fields and has no
    capability its issuer lacks (`shouhu/access/capabilities.py`; docs/security.md, "API tokens")."""

    name = models.CharField("系统名称", max_length=100)
    user = models.ForeignKey(User, verbose_name="代表用户", on_delete=models.PROTECT, related_name="api_tokens")
    issued_by = models.ForeignKey(
        User,
        verbose_name="签发人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="为空：在服务器上用命令行签发",
    )
    expires_on = models.DateField("有效期至", null=True, blank=True, help_text="这一天之后不能再使用；为空：长期有效")
    key_prefix = models.CharField("前缀", max_length=8, db_index=True)
    key_hash = models.CharField("摘要", max_length=64, unique=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def issued_by_owner(self) -> bool:
        return self.issued_by_id is not None and self.issued_by_id == self.user_id

    @property
    def issuer_label(self) -> str:
        return self.issued_by.display_name if self.issued_by is not None else "命令行"

    def audit_detail(self) -> dict[str, object]:
        """What every audit row made through this token says about it."""
        return {"id": self.pk, "name": self.name, "issued_by": self.issuer_label, "issued_by_id": self.issued_by_id}

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class SignInAttempt(models.Model):
    """One try at signing in, kept to slow down and lock out guessing (shouhu/accounts/signin/throttle.py).
    `username` is what was typed, lower-cased: an account that does not exist is counted the same,
    so the answers never tell whether it does."""

    class Step(models.TextChoices):
        PASSWORD = "password", "密码"
        CODE = "code", "验证码"

    username = models.CharField("用户名", max_length=150)
    ip_address = models.GenericIPAddressField("地址", null=True, blank=True)
    step = models.CharField("步骤", max_length=10, choices=Step.choices, default=Step.PASSWORD)
    succeeded = models.BooleanField("成功", default=False)
    at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = "登录尝试"
        verbose_name_plural = "登录尝试"
        indexes = [
            models.Index(fields=["username", "at"], name="signin_attempt_user_at"),
            models.Index(fields=["ip_address", "at"], name="signin_attempt_ip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M:%S}"


class SignInLock(models.Model):
    """An account name or an address that may not sign in until `locked_until` (or until an
    administrator lifts it)."""

    class Kind(models.TextChoices):
        ACCOUNT = "account", "账号"
        ADDRESS = "address", "地址"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    key = models.CharField("账号或地址", max_length=150)
    locked_at = models.DateTimeField("锁定时间")
    locked_until = models.DateTimeField("锁定至")
    failures = models.PositiveIntegerField("失败次数", default=0)
    lifted_at = models.DateTimeField("解除时间", null=True, blank=True)
    lifted_by = models.ForeignKey(
        User, verbose_name="解除人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "登录锁定"
        verbose_name_plural = "登录锁定"
        ordering = ["-locked_at"]
        indexes = [models.Index(fields=["kind", "key", "locked_until"], name="signin_lock_key_until")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"  # type: ignore[attr-defined]


class TwoFactorRole(models.Model):
    """A role whose users must sign in with a second factor (TOTP). Data, so the administrator
    can change it (users → 两步验证); seeded with the county administrator and the caseworker."""

    role = models.CharField("角色", max_length=30, choices=Role.choices, unique=True)

    class Meta:
        verbose_name = "须两步验证的角色"
        verbose_name_plural = "须两步验证的角色"

    def __str__(self) -> str:
        return self.get_role_display()  # type: ignore[attr-defined,no-any-return]
