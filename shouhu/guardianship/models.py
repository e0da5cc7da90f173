"""Guardianship intervention (监护干预) on a safety case whose child is registered.

A `GuardianshipIntervention` belongs to one `safeguarding.SafetyCase` and runs through steps
(`InterventionStep`), each allowed by the one table in `transitions.py`: police warning and
education (训诫、教育; 教育不改 is an outcome), temporary guardianship by civil affairs (临时监护),
the application to the court to revoke guardianship (申请撤销监护资格), the court's decision
(法院判决), long-term guardianship by civil affairs (长期监护) or the return home (回归家庭) with
follow-up visits (`FollowUp`), and closing. A step keeps its date, the unit responsible for it
(resolved from the task-division table), who recorded it, a note and its documents
(`InterventionDocument`). The registry follows the steps through `registry.services.fact_record`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shouhu.accounts.models import Department
from shouhu.core.fields import EncryptedTextField
from shouhu.core.models import StoredUpload
from shouhu.regions.models import Region


class InterventionState(models.TextChoices):
    OPENED = "opened", "已启动"
    WARNED = "warned", "已训诫教育（已改正）"
    UNREFORMED = "unreformed", "教育不改"
    TEMPORARY = "temporary", "临时监护中"
    APPLIED = "applied", "已申请撤销监护资格"
    REVOKED = "revoked", "已撤销监护资格"
    NOT_REVOKED = "not_revoked", "未撤销监护资格"
    LONG_TERM = "long_term", "长期监护"
    RETURNED = "returned", "已回归家庭（回访中）"
    CLOSED = "closed", "已结案"


class StepAction(models.TextChoices):
    WARN = "warn", "训诫、教育"
    TEMPORARY = "temporary", "临时监护"
    APPLY = "apply", "申请撤销监护资格"
    DECIDE = "decide", "法院判决"
    LONG_TERM = "long_term", "长期监护"
    RETURN_HOME = "return_home", "送返、回归家庭"
    FOLLOW_UP = "follow_up", "回访"
    CLOSE = "close", "结案"


class Outcome(models.TextChoices):
    CORRECTED = "corrected", "已改正"
    UNREFORMED = "unreformed", "教育不改"
    REVOKED = "revoked", "撤销监护资格"
    NOT_REVOKED = "not_revoked", "不撤销监护资格"


class DocumentType(models.TextChoices):
    WARNING = "warning", "训诫书、告诫书"
    TEMPORARY_DECISION = "temporary_decision", "临时监护决定书"
    APPLICATION = "application", "撤销监护资格申请书"
    JUDGMENT = "judgment", "判决书"
    HANDOVER = "handover", "交接、送返记录"
    FOLLOW_UP = "follow_up", "回访记录"
    OTHER = "other", "其他"


class GuardianshipIntervention(models.Model):
    case = models.OneToOneField(
        "safeguarding.SafetyCase", verbose_name="安全个案", on_delete=models.PROTECT, related_name="guardianship"
    )
    child = models.ForeignKey("registry.Child", verbose_name="儿童", on_delete=models.PROTECT, related_name="+")
    # Where the child is (the case's); scoping and the list's township filter read these.
    region_code = models.CharField("所在地代码", max_length=12)
    township = models.ForeignKey(Region, verbose_name="属地乡镇（街道）", on_delete=models.PROTECT, related_name="+")
    state = models.CharField("状态", max_length=20, choices=InterventionState.choices, default=InterventionState.OPENED)
    opened_at = models.DateTimeField("启动时间")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    # Optimistic concurrency: every step checks and bumps it.
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "监护干预"
        verbose_name_plural = "监护干预"
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(
                fields=["region_code", "state"],
                name="guardianship_scope",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["state", "opened_at"], name="guardianship_state"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.state}"


class InterventionStep(models.Model):
    intervention = models.ForeignKey(GuardianshipIntervention, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("步骤", max_length=20, choices=StepAction.choices)
    outcome = models.CharField("结果", max_length=20, choices=Outcome.choices, blank=True)
    on = models.DateField("日期")
    unit = models.ForeignKey(Department, verbose_name="负责单位", on_delete=models.PROTECT, related_name="+")
    unit_basis = models.CharField("负责单位依据", max_length=200, blank=True)
    from_state = models.CharField("原状态", max_length=20)
    to_state = models.CharField("新状态", max_length=20)
    note = EncryptedTextField("说明", blank=True, default="")
    # The application to the court (申请撤销监护资格).
    filed_on = models.DateField("申请日期", null=True, blank=True)
    court_case_number = models.CharField("法院案号", max_length=60, blank=True)
    # The decision: whose guardianship was revoked ("father", "mother", comma-separated).
    revoked_parents = models.CharField("被撤销监护资格的父母", max_length=30, blank=True)
    # The guardian the court appointed, or the child returned to (a registry relationship value).
    guardian = models.CharField("监护人", max_length=30, blank=True)
    # What the registry recorded for the step, in words (the history names the case as source).
    registry_changes = models.JSONField("名册变化", default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "监护干预步骤"
        verbose_name_plural = "监护干预步骤"
        ordering = ["intervention", "on", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.intervention_id} {self.action} {self.on}"


class FollowUp(models.Model):
    """A follow-up visit after the return home: scheduled by the return step, done by a step."""

    intervention = models.ForeignKey(GuardianshipIntervention, on_delete=models.CASCADE, related_name="follow_ups")
    due_on = models.DateField("应回访日期")
    done_on = models.DateField("回访日期", null=True, blank=True)
    step = models.ForeignKey(
        InterventionStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups_done"
    )

    class Meta:
        verbose_name = "回访"
        verbose_name_plural = "回访"
        ordering = ["intervention", "due_on", "id"]
        indexes = [models.Index(fields=["done_on", "due_on"], name="guardianship_follow_up_due")]

    def __str__(self) -> str:
        return f"{self.intervention_id} {self.due_on}"


def intervention_document_path(instance: InterventionDocument, filename: str) -> str:
    return f"guardianship/{instance.intervention_id}/{filename}"


class InterventionDocument(StoredUpload):
    """A document of a step (checked and written by `guardianship.services`)."""

    intervention = models.ForeignKey(GuardianshipIntervention, on_delete=models.CASCADE, related_name="documents")
    step = models.ForeignKey(InterventionStep, on_delete=models.CASCADE, related_name="documents")
    doc_type = models.CharField("材料类型", max_length=30, choices=DocumentType.choices)
    file = models.FileField("文件", upload_to=intervention_document_path)

    class Meta:
        verbose_name = "监护干预材料"
        verbose_name_plural = "监护干预材料"
        ordering = ["intervention", "created_at", "id"]
