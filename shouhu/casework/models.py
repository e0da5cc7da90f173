"""Single-window intake (一门受理) and coordinated handling (协同办理).

An `Intake` is an application or referral for one child taken at a window; its `IntakeMeasure`s
are the measures proposed by screening and confirmed, removed or added by the officer (with a
reason). Each confirmed measure becomes one or more `Referral`s routed by the task-division table
(lead unit with cooperating units attached; one per unit for each-by-duty tasks; the child's
township for each-township tasks). A referral's steps are `ReferralEvent`s; deadlines count
working days on the county's calendar (`CalendarDay` overrides weekends and holidays).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shouhu.accounts.models import Department
from shouhu.core.fields import EncryptedTextField
from shouhu.core.models import TimeStampedModel
from shouhu.regions.models import Region


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a holiday (not working) or an adjusted working weekend day."""

    date = models.DateField("日期", unique=True)
    is_working = models.BooleanField("是否工作日")
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        verbose_name = "工作日历调整"
        verbose_name_plural = "工作日历调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_working else '休息'}"


class MeasureDeadline(models.Model):
    """Working days allowed per measure; measures without a row use the defaults in settings."""

    code = models.CharField("措施", max_length=40, unique=True)
    accept_days = models.PositiveSmallIntegerField("受理时限（工作日）")
    decide_days = models.PositiveSmallIntegerField("办结时限（工作日）")

    class Meta:
        verbose_name = "办理时限"
        verbose_name_plural = "办理时限"

    def __str__(self) -> str:
        return f"{self.code} {self.accept_days}/{self.decide_days}"


class IntakeKind(models.TextChoices):
    APPLICATION = "application", "申请"
    REFERRAL = "referral", "转介"
    SUGGESTION = "suggestion", "筛查建议"


class IntakeState(models.TextChoices):
    DRAFT = "draft", "待确认"
    CONFIRMED = "confirmed", "已转办"
    CANCELLED = "cancelled", "已撤销"


class Intake(TimeStampedModel):
    reference = models.CharField("受理编号", max_length=30, unique=True)
    child = models.ForeignKey("registry.Child", verbose_name="儿童", on_delete=models.PROTECT, related_name="intakes")
    kind = models.CharField("来源", max_length=20, choices=IntakeKind.choices)
    state = models.CharField("状态", max_length=20, choices=IntakeState.choices, default=IntakeState.DRAFT)
    township = models.ForeignKey(Region, verbose_name="受理窗口", on_delete=models.PROTECT, related_name="intakes")
    facts = models.TextField("情况说明", blank=True)
    applicant_name = models.CharField("申请人", max_length=50, blank=True)
    applicant_relationship = models.CharField("与儿童关系", max_length=30, blank=True)
    applicant_phone = EncryptedTextField("申请人电话", blank=True, default="")
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("转办时间", null=True, blank=True)
    screening_run = models.ForeignKey(
        "eligibility.ScreeningRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="intake_suggestions"
    )

    class Meta:
        verbose_name = "受理"
        verbose_name_plural = "受理"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference


class IntakeMeasure(models.Model):
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="measures")
    code = models.CharField("措施", max_length=40)
    proposed = models.BooleanField("筛查建议", default=False)
    confirmed = models.BooleanField("确认转办", default=False)
    reason = models.CharField("调整理由", max_length=300, blank=True)
    explanation = models.TextField("筛查说明", blank=True)

    class Meta:
        verbose_name = "受理措施"
        verbose_name_plural = "受理措施"
        constraints = [models.UniqueConstraint(fields=["intake", "code"], name="intake_measure_once")]

    def __str__(self) -> str:
        return f"{self.intake_id} {self.code}"


class ReferralState(models.TextChoices):
    SUBMITTED = "submitted", "待受理"
    ACCEPTED = "accepted", "已受理"
    IN_PROGRESS = "in_progress", "办理中"
    COMPLETED = "completed", "已办结"
    RETURNED = "returned", "退回补充材料"
    REJECTED = "rejected", "不予受理"


OPEN_STATES = (ReferralState.SUBMITTED, ReferralState.ACCEPTED, ReferralState.IN_PROGRESS, ReferralState.RETURNED)


class Outcome(models.TextChoices):
    APPROVED = "approved", "批准"
    NOT_APPROVED = "not_approved", "不批准"
    INFORMED = "informed", "已告知"


class OutcomeKind(models.TextChoices):
    """What deciding a measure records (casework/outcomes.py): money, a service, a placement, or
    that the family was told of a policy that covers the child without a per-child decision."""

    BENEFIT = "benefit", "救助补贴类"
    SERVICE = "service", "服务类"
    PLACEMENT = "placement", "安置监护类"
    INFORMATION = "information", "告知类"


class BenefitPeriod(models.TextChoices):
    MONTHLY = "monthly", "每月"
    PER_TERM = "per_term", "每学期"
    YEARLY = "yearly", "每年"
    ONE_OFF = "one_off", "一次性"


class Arrangement(models.TextChoices):
    KINSHIP = "kinship", "亲属监护"
    FOSTER = "foster", "家庭寄养"
    INSTITUTION = "institution", "机构养育"
    ADOPTION = "adoption", "依法收养"
    TEMPORARY = "temporary", "临时监护"
    ENTRUSTED = "entrusted", "委托监护"
    OTHER = "other", "其他"


class InformMethod(models.TextChoices):
    IN_PERSON = "in_person", "当面告知"
    PHONE = "phone", "电话告知"
    WRITTEN = "written", "书面告知"
    VISIT = "visit", "入户告知"


class MeasureOutcomeKind(models.Model):
    """The outcome kind of one measure, set by the county admin; seeded with a default for every
    measure of the county table (`confirmed` False where the county should confirm the default).
    A measure without a row is decided as `outcomes.DEFAULT_KIND`."""

    code = models.CharField("措施", max_length=40, unique=True)
    kind = models.CharField("结果类型", max_length=20, choices=OutcomeKind.choices)
    confirmed = models.BooleanField("已确认", default=False)

    class Meta:
        verbose_name = "措施结果类型"
        verbose_name_plural = "措施结果类型"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.get_kind_display()}"


SERVICE_OUTCOME_LABELS: dict[str, str] = {Outcome.APPROVED: "提供服务", Outcome.NOT_APPROVED: "无法提供"}


class Referral(TimeStampedModel):
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="referrals")
    child = models.ForeignKey("registry.Child", on_delete=models.PROTECT, related_name="referrals")
    code = models.CharField("措施", max_length=40)
    task_number = models.PositiveIntegerField("任务序号", null=True, blank=True)
    mode = models.CharField("落实方式", max_length=30)
    department = models.ForeignKey(
        Department, verbose_name="承办单位", on_delete=models.PROTECT, related_name="referrals"
    )
    # For tasks each township answers for: which township handles it.
    township = models.ForeignKey(
        Region, verbose_name="承办乡镇", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    state = models.CharField("状态", max_length=20, choices=ReferralState.choices, default=ReferralState.SUBMITTED)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accept_due = models.DateField("受理期限")
    decide_due = models.DateField("办结期限")
    outcome = models.CharField("办理结果", max_length=20, choices=Outcome.choices, blank=True)
    # The decision's summary in words, made from the structured fields below (casework/outcomes.py);
    # for referrals decided before outcome kinds (outcome_kind blank) the text as it was typed.
    outcome_detail = models.CharField("结果摘要", max_length=300, blank=True)
    # The kind the referral was decided as (the measure's kind then), and its structured fields:
    # only the kind's own are filled.
    outcome_kind = models.CharField("结果类型", max_length=20, choices=OutcomeKind.choices, blank=True)
    outcome_amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    outcome_period = models.CharField("发放周期", max_length=20, choices=BenefitPeriod.choices, blank=True)
    # benefit: the first day of the start month; service: the start date; placement: the date of
    # the arrangement; information: the day the family was told.
    outcome_on = models.DateField("结果日期", null=True, blank=True)
    outcome_service = models.CharField("服务内容", max_length=100, blank=True)
    outcome_provider = models.CharField("服务提供方", max_length=100, blank=True)
    outcome_arrangement = models.CharField("安置方式", max_length=20, choices=Arrangement.choices, blank=True)
    outcome_arrangement_note = models.CharField("安置说明", max_length=200, blank=True)
    outcome_informed_how = models.CharField("告知方式", max_length=20, choices=InformMethod.choices, blank=True)
    reason = models.CharField("理由", max_length=500, blank=True)
    overdue = models.BooleanField("已逾期", default=False)
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    # Optimistic concurrency: every transition checks and bumps it.
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "转介"
        verbose_name_plural = "转介"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["department", "state"], name="referral_inbox"),
            models.Index(fields=["township", "state"], name="referral_township_inbox"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome_amount__isnull=True) | models.Q(outcome_amount__gt=0),
                name="referral_outcome_amount_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.intake.reference}-{self.code}-{self.department.name}"

    @property
    def outcome_label(self) -> str:
        """The decision in the words of its kind: a service is 提供服务 / 无法提供."""
        if self.outcome_kind == OutcomeKind.SERVICE and self.outcome in SERVICE_OUTCOME_LABELS:
            return SERVICE_OUTCOME_LABELS[self.outcome]
        return self.get_outcome_display()


class ReferralCooperation(models.Model):
    """A cooperating unit attached to a referral; it can add its part."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="cooperations")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="cooperations")
    note = models.TextField("配合情况", blank=True)
    noted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    noted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "配合单位"
        verbose_name_plural = "配合单位"
        constraints = [models.UniqueConstraint(fields=["referral", "department"], name="cooperation_once")]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.department.name}"


class ReferralEvent(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField("操作", max_length=30)
    from_state = models.CharField("原状态", max_length=20, blank=True)
    to_state = models.CharField("新状态", max_length=20, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "转介记录"
        verbose_name_plural = "转介记录"
        ordering = ["referral", "at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.action}"


class SavedFilter(models.Model):
    """A user's named inbox filter (the query string of the referral inbox)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_referral_filters")
    name = models.CharField("名称", max_length=50)
    query = models.CharField("筛选条件", max_length=500)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "保存的筛选"
        verbose_name_plural = "保存的筛选"
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_name_once")]

    def __str__(self) -> str:
        return self.name
