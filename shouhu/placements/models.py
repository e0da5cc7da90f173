"""Placements (安置) and the register of foster and host families (爱心家庭).

A `Placement` is where a child lives under a decision, for a date interval: temporary care
(临时监护, 未成年人保护法 Art. 92), kinship care, family foster care, an institution, adoption or
entrusted care. A child has at most one placement on any day: the service checks first and says so
in Chinese, and the database refuses an overlap as well (an exclusion constraint on PostgreSQL,
triggers on SQLite; migration 0002). Every ended placement has an outcome (a check constraint).

A `Family` is a household on the county's register, from its application through home study and
capacity assessment to approval (and suspension or withdrawal); its steps, trainings and reviews
are rows of their own, so the family page reads as its history. An adoption needs a prior
`AdoptiveAssessment` (task 20) of the adopters with the result 合格.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shouhu.accounts.models import Department
from shouhu.core.fields import EncryptedTextField
from shouhu.regions.models import Region


class PlacementKind(models.TextChoices):
    TEMPORARY_CARE = "temporary_care", "临时监护"
    KINSHIP = "kinship", "亲属抚养"
    FOSTER = "foster", "家庭寄养"
    INSTITUTION = "institution", "机构养育"
    ADOPTION = "adoption", "收养"
    ENTRUSTED = "entrusted", "委托代养"


class Outcome(models.TextChoices):
    """How a placement ended: every ending has one (nothing is left unsaid)."""

    RETURNED_HOME = "returned_home", "回归原生家庭"
    MOVED = "moved", "转入其他安置"
    ADOPTED = "adopted", "被收养"
    AGED_OUT = "aged_out", "年满 18 周岁"
    RAN_AWAY = "ran_away", "出走"
    GUARDIAN_RESTORED = "guardian_restored", "监护人恢复履行监护职责"
    FAMILY_WITHDREW = "family_withdrew", "家庭退出或被暂停"
    DEATH = "death", "死亡"
    OTHER = "other", "其他"


class Art92Ground(models.TextChoices):
    """未成年人保护法（2020）第九十二条: when civil affairs takes a child into temporary guardianship."""

    UNKNOWN_PARENTS = "unknown_parents", "（一）流浪乞讨或者身份不明，暂时查找不到父母或者其他监护人"
    GUARDIAN_MISSING = "guardian_missing", "（二）监护人下落不明且无其他人可以担任监护人"
    GUARDIAN_UNABLE = "guardian_unable", "（三）监护人因自身客观原因或者突发事件不能履行监护职责"
    GUARDIAN_NEGLECT = "guardian_neglect", "（四）监护人拒绝或者怠于履行监护职责，未成年人无人照料"
    GUARDIAN_CRIME = "guardian_crime", "（五）监护人教唆、利用未成年人实施违法犯罪行为，需带离安置"
    SERIOUS_HARM = "serious_harm", "（六）遭受监护人严重伤害或者面临人身安全威胁，需紧急安置"
    OTHER = "other", "（七）法律规定的其他情形"


class TemporaryPlace(models.TextChoices):
    RESCUE = "rescue", "未成年人救助保护机构"
    WELFARE = "welfare", "儿童福利机构"
    RELATIVE = "relative", "亲属"


class FamilyState(models.TextChoices):
    APPLIED = "applied", "已申请"
    ASSESSED = "assessed", "已评估"
    APPROVED = "approved", "已批准"
    SUSPENDED = "suspended", "已暂停"
    WITHDRAWN = "withdrawn", "已退出"


class AssessmentResult(models.TextChoices):
    QUALIFIED = "qualified", "合格"
    UNQUALIFIED = "unqualified", "不合格"


class ReviewResult(models.TextChoices):
    CONTINUE = "continue", "继续"
    IMPROVE = "improve", "限期改进"
    STOP = "stop", "建议暂停"


class Family(models.Model):
    reference = models.CharField("家庭编号", max_length=30, unique=True)
    name = models.CharField("家庭名称", max_length=50, help_text="如：王建国家庭")
    # Where the family lives (a village, or a township when unknown); scoping by code prefix.
    region = models.ForeignKey(Region, verbose_name="所在村（社区）", on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField("所在地代码", max_length=12)
    address = EncryptedTextField("详细住址")
    members = EncryptedTextField("家庭成员", help_text="姓名、关系、年龄、职业，每人一行")
    contact_name = models.CharField("联系人", max_length=50)
    contact_phone = EncryptedTextField("联系电话")
    state = models.CharField("状态", max_length=20, choices=FamilyState.choices, default=FamilyState.APPLIED)
    capacity = models.PositiveSmallIntegerField("可照料儿童数", default=0)
    applied_on = models.DateField("申请日期")
    approved_on = models.DateField("批准日期", null=True, blank=True)
    approved_by = models.ForeignKey(
        Department, verbose_name="批准单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approval_number = models.CharField("批准文号", max_length=60, blank=True)
    next_review_on = models.DateField("下次复核日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Optimistic concurrency: every step checks and bumps it.
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "爱心家庭"
        verbose_name_plural = "爱心家庭"
        ordering = ["region_code", "name", "id"]
        indexes = [
            models.Index(
                fields=["region_code", "state"],
                name="family_scope",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["state", "next_review_on"], name="family_state"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(capacity__lte=6), name="family_capacity_max")]

    def __str__(self) -> str:
        return self.name


class FamilyEvent(models.Model):
    """A family's step (applied, assessed, approved, ...), with who and why: its history."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField("操作", max_length=20)
    from_state = models.CharField("原状态", max_length=20, blank=True)
    to_state = models.CharField("新状态", max_length=20, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "家庭记录"
        verbose_name_plural = "家庭记录"
        ordering = ["family", "at", "id"]

    def __str__(self) -> str:
        return f"{self.family_id} {self.action}"


class FamilyAssessment(models.Model):
    """A home study and capacity assessment (入户调查与照料能力评估)."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField("评估日期")
    assessor = models.CharField("评估人", max_length=100)
    result = models.CharField("评估结论", max_length=20, choices=AssessmentResult.choices)
    capacity = models.PositiveSmallIntegerField("建议可照料儿童数")
    notes = EncryptedTextField("评估意见", blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "家庭评估"
        verbose_name_plural = "家庭评估"
        ordering = ["family", "-assessed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.family_id} {self.assessed_on}"


class FamilyTraining(models.Model):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="trainings")
    trained_on = models.DateField("培训日期")
    topic = models.CharField("培训内容", max_length=200)
    hours = models.PositiveSmallIntegerField("学时")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "家庭培训"
        verbose_name_plural = "家庭培训"
        ordering = ["family", "-trained_on", "-id"]

    def __str__(self) -> str:
        return f"{self.family_id} {self.topic}"


class FamilyReview(models.Model):
    """A periodic review (定期复核) of an approved family."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField("复核日期")
    reviewer = models.CharField("复核人", max_length=100)
    result = models.CharField("复核结论", max_length=20, choices=ReviewResult.choices)
    notes = EncryptedTextField("复核意见", blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "家庭复核"
        verbose_name_plural = "家庭复核"
        ordering = ["family", "-reviewed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.family_id} {self.reviewed_on}"


class AdoptiveAssessment(models.Model):
    """Task 20: the assessment of the adoptive guardians' capacity (收养能力评估), made before the
    adoption is recorded; an adoption placement points at one whose result is 合格."""

    child = models.ForeignKey("registry.Child", verbose_name="儿童", on_delete=models.PROTECT, related_name="+")
    adopters = models.CharField("收养人", max_length=100)
    assessed_on = models.DateField("评估日期")
    result = models.CharField("评估结论", max_length=20, choices=AssessmentResult.choices)
    unit = models.ForeignKey(Department, verbose_name="评估单位", on_delete=models.PROTECT, related_name="+")
    assessor = models.CharField("评估人", max_length=100)
    notes = EncryptedTextField("评估意见", blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "收养能力评估"
        verbose_name_plural = "收养能力评估"
        ordering = ["child", "-assessed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.child_id} {self.adopters}"


class Placement(models.Model):
    child = models.ForeignKey("registry.Child", verbose_name="儿童", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("安置方式", max_length=20, choices=PlacementKind.choices)
    # The caregiver: a family of the register (foster, entrusted care), or a name: an institution,
    # a relative (with the relationship), the adopters.
    family = models.ForeignKey(
        Family, verbose_name="爱心家庭", null=True, blank=True, on_delete=models.PROTECT, related_name="placements"
    )
    place = models.CharField("临时监护场所", max_length=20, choices=TemporaryPlace.choices, blank=True)
    caregiver_name = models.CharField("照料人或机构", max_length=100, blank=True)
    caregiver_relationship = models.CharField("与儿童关系", max_length=30, blank=True)
    valid_from = models.DateField("开始日期")
    valid_to = models.DateField("结束日期", null=True, blank=True)
    planned_end = models.DateField("预计结束日期", null=True, blank=True)
    decided_by_unit = models.ForeignKey(Department, verbose_name="决定单位", on_delete=models.PROTECT, related_name="+")
    decided_by_person = models.CharField("决定人", max_length=50)
    decision_number = models.CharField("决定文号", max_length=60, blank=True)
    decision_basis = models.TextField("决定依据", blank=True)
    ground = models.CharField("法定情形", max_length=30, choices=Art92Ground.choices, blank=True)
    source_case = models.ForeignKey(
        "safeguarding.SafetyCase",
        verbose_name="来源安全个案",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    adoptive_assessment = models.ForeignKey(
        AdoptiveAssessment,
        verbose_name="收养能力评估",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField("结束结果", max_length=30, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField("结束说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("记录时间")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Optimistic concurrency: ending checks and bumps it, so a stale form is refused (409).
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "安置"
        verbose_name_plural = "安置"
        ordering = ["child", "-valid_from", "-id"]
        indexes = [
            models.Index(fields=["child", "valid_from"], name="placement_child"),
            models.Index(fields=["family", "valid_to"], name="placement_family"),
            models.Index(fields=["valid_to", "planned_end"], name="placement_open"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="placement_dates_ordered",
            ),
            # An ended placement says how it ended; an open one has no outcome yet.
            models.CheckConstraint(
                condition=(models.Q(valid_to__isnull=True) & models.Q(outcome=""))
                | (models.Q(valid_to__isnull=False) & ~models.Q(outcome="")),
                name="placement_end_has_outcome",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=("foster", "entrusted")) | models.Q(family__isnull=False),
                name="placement_family_care_has_family",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="adoption") | models.Q(adoptive_assessment__isnull=False),
                name="placement_adoption_assessed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} {self.kind} {self.valid_from}"

    @property
    def caregiver(self) -> str:
        """Who cares for the child, in words."""
        if self.family is not None:
            return self.family.name
        if self.caregiver_relationship:
            return f"{self.caregiver_name}（{self.caregiver_relationship}）"
        return self.caregiver_name
