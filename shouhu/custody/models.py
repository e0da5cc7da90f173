"""Detention and imprisonment notices (tasks 18, 19 of the task-division table).

At the moment of detention the police (县公安局: administrative or criminal detention) or the
justice bureau (县司法局: imprisonment, compulsory drug rehabilitation) record a `CustodyNotice`:
the person, which parent they are, since when and until when, and for each minor child who needs
care the arrangement chosen (`CustodyChild`). Recording it writes the parent's status into the
registry (the fact's source is `custody_notice:<id>`), opens a safety case when civil affairs must
arrange the care, and a month before the expected release the child's township is reminded once
(`ReleaseReminder`, one per child of a notice, enforced by a unique constraint).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shouhu.accounts.models import Department
from shouhu.core.fields import EncryptedTextField
from shouhu.regions.models import Region

POLICE = "县公安局"
JUSTICE = "县司法局"
# The prefix of a registry fact's source when a notice wrote it (registry.Circumstance.source).
SOURCE_PREFIX = "custody_notice:"


class NoticeKind(models.TextChoices):
    ADMINISTRATIVE_DETENTION = "administrative_detention", "行政拘留"
    CRIMINAL_DETENTION = "criminal_detention", "刑事拘留"
    IMPRISONMENT = "imprisonment", "服刑"
    DRUG_REHAB = "drug_rehab", "强制隔离戒毒"


# Which unit records each kind (the table: task 18 the police, task 19 the executing organ).
UNIT_OF_KIND = {
    NoticeKind.ADMINISTRATIVE_DETENTION: POLICE,
    NoticeKind.CRIMINAL_DETENTION: POLICE,
    NoticeKind.IMPRISONMENT: JUSTICE,
    NoticeKind.DRUG_REHAB: JUSTICE,
}
# The parent's status in the registry (registry exchange format's parent statuses).
STATUS_OF_KIND = {
    NoticeKind.ADMINISTRATIVE_DETENTION: "detained",
    NoticeKind.CRIMINAL_DETENTION: "detained",
    NoticeKind.IMPRISONMENT: "imprisoned",
    NoticeKind.DRUG_REHAB: "drug_rehab",
}
CUSTODY_STATUSES = frozenset(STATUS_OF_KIND.values())
TASK_OF_KIND = {
    NoticeKind.ADMINISTRATIVE_DETENTION: 18,
    NoticeKind.CRIMINAL_DETENTION: 18,
    NoticeKind.IMPRISONMENT: 19,
    NoticeKind.DRUG_REHAB: 19,
}


class ParentRole(models.TextChoices):
    FATHER = "father", "父亲"
    MOTHER = "mother", "母亲"


class Arrangement(models.TextChoices):
    RELATIVE = "relative", "亲属照料"
    OTHER_ADULT = "other_adult", "其他成年人照料"
    INSTITUTION = "institution", "民政部门设立的机构"
    NO_CARER = "no_carer", "暂无合适照料人"
    NONE_NEEDED = "none_needed", "无需安排"


# Arrangements civil affairs must act on (a safety case is opened), and those the township verifies.
NEEDS_CIVIL_AFFAIRS = frozenset({Arrangement.INSTITUTION, Arrangement.NO_CARER})
NEEDS_VERIFICATION = frozenset({Arrangement.RELATIVE, Arrangement.OTHER_ADULT})


class CustodyNotice(models.Model):
    reference = models.CharField("通知编号", max_length=30, unique=True)
    kind = models.CharField("类型", max_length=30, choices=NoticeKind.choices)
    department = models.ForeignKey(Department, verbose_name="登记单位", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间")
    person_name = models.CharField("被羁押人姓名", max_length=50)
    person_id_number = EncryptedTextField("被羁押人身份证号")
    parent_role = models.CharField("与子女的关系", max_length=10, choices=ParentRole.choices)
    since = models.DateField("羁押开始日期")
    until = models.DateField("预计释放（解除）日期", null=True, blank=True)
    children_need_care = models.BooleanField("有需要照料的未成年子女")
    note = models.CharField("说明", max_length=300, blank=True)
    released_on = models.DateField("实际释放（解除）日期", null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField("释放登记时间", null=True, blank=True)
    # Optimistic concurrency: recording the release checks and bumps it.
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "拘留、服刑通知"
        verbose_name_plural = "拘留、服刑通知"
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["department", "recorded_at"], name="custody_notice_unit"),
            models.Index(fields=["until", "released_on"], name="custody_notice_release"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def source(self) -> str:
        return f"{SOURCE_PREFIX}{self.pk}"


class CustodyChild(models.Model):
    notice = models.ForeignKey(CustodyNotice, on_delete=models.CASCADE, related_name="children")
    child = models.ForeignKey("registry.Child", verbose_name="儿童", on_delete=models.PROTECT, related_name="+")
    # True: the notice registered the child (its ID number was not on record, or it had none).
    registered = models.BooleanField("由本通知登记", default=False)
    # As the officer entered them (the registry's record may say otherwise).
    name = models.CharField("儿童姓名", max_length=50)
    region = models.ForeignKey(Region, verbose_name="所在村（社区）", on_delete=models.PROTECT, related_name="+")
    arrangement = models.CharField("照料安排", max_length=20, choices=Arrangement.choices)
    arrangement_reason = models.CharField("无需安排的原因", max_length=200, blank=True)
    caregiver_name = models.CharField("照料人姓名", max_length=50, blank=True)
    caregiver_relationship = models.CharField("与儿童的关系", max_length=30, blank=True)
    caregiver_phone = EncryptedTextField("照料人电话", blank=True, default="")
    safety_case = models.ForeignKey(
        "safeguarding.SafetyCase",
        verbose_name="安全个案",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The parent's fact before the notice changed it (registry.facts.Fact's fields; None: not
    # recorded), restored at release when it was not itself a custody status (docs/custody.md).
    prior_fact = models.JSONField("原父母状况", null=True, blank=True)
    release_note = models.CharField("释放时的处理", max_length=200, blank=True)

    class Meta:
        verbose_name = "通知涉及的儿童"
        verbose_name_plural = "通知涉及的儿童"
        ordering = ["notice", "id"]
        constraints = [models.UniqueConstraint(fields=["notice", "child"], name="custody_child_once")]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.child_id}"


class ReleaseReminder(models.Model):
    """The township was reminded to plan a child's return: at most once per child of a notice."""

    notice_child = models.OneToOneField(CustodyChild, on_delete=models.CASCADE, related_name="reminder")
    release_on = models.DateField("预计释放日期")
    sent_at = models.DateTimeField("提醒时间")

    class Meta:
        verbose_name = "释放前提醒"
        verbose_name_plural = "释放前提醒"

    def __str__(self) -> str:
        return f"{self.notice_child_id} {self.release_on}"
