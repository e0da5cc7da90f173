"""Mandatory reports (强制报告) and the safety cases they open (应急处置).

A `SafetyReport` is what a reporter (or a county caseworker taking a 12345/110 call) filed about
one child, registered or not; it opens its `SafetyCase` in the same transaction. The case is routed
to the units of the task-division table's safety task and the child's township (`SafetyCaseUnit`),
and its steps run on `SafetyClock`s that count hours around the clock from the report's receipt.
Each clock escalates at fixed shares of its time (`ClockEscalation`, at most once per clock and
level, enforced by a unique constraint). How many hours each step gets is county data with its
history (`ClockSetting`, effective-dated rows). A case's steps are `SafetyCaseEvent`s: its
timeline.

A report carries checked files (`ReportAttachment`: with the filing or with a supplement), and a
handler may ask its reporter a question (`FollowUpQuestion`, 追问), which the reporter answers on
their report's page.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shouhu.accounts.models import Department, OrganisationKind
from shouhu.core.fields import EncryptedTextField
from shouhu.core.models import StoredUpload
from shouhu.regions.models import Region


class ReportKind(models.TextChoices):
    ABUSE = "abuse", "虐待"
    NEGLECT = "neglect", "忽视、疏于照料"
    ABANDONMENT = "abandonment", "遗弃"
    DOMESTIC_VIOLENCE = "domestic_violence", "家庭暴力"
    SEXUAL_ABUSE = "sexual_abuse", "性侵害"
    MISSING = "missing", "失踪、走失"
    OTHER = "other", "其他侵害或危险"
    # Opened by a detention or imprisonment notice (shouhu/custody): civil affairs must arrange care.
    CARE_NEEDED = "care_needed", "父母被羁押、服刑或戒毒，子女需要照料"


class ReportSource(models.TextChoices):
    """Where the report came from: a mandatory reporter's own filing, or a call the county took."""

    REPORTER = "reporter", "强制报告责任单位"
    HOTLINE_12345 = "hotline_12345", "12345 热线转来"
    POLICE_110 = "police_110", "110 转来"
    PHONE = "phone", "其他来电"
    # Recorded by the police or the justice bureau at detention (shouhu/custody), never filed by hand.
    CUSTODY_NOTICE = "custody_notice", "拘留、服刑通知"


# The sources a person may file a report with (the form, the API); the others come from another record.
FILED_SOURCES = [s for s in ReportSource.values if s != ReportSource.CUSTODY_NOTICE]
FILED_KINDS = [k for k in ReportKind.values if k != ReportKind.CARE_NEEDED]


class ReportStatus(models.TextChoices):
    """What a reporter sees of the case their report opened (and nothing else)."""

    RECEIVED = "received", "已接收"
    HANDLING = "handling", "处理中"
    CLOSED = "closed", "已结案"


class CaseState(models.TextChoices):
    RECEIVED = "received", "待响应"
    ACKNOWLEDGED = "acknowledged", "已响应"
    CHILD_SEEN = "child_seen", "已见到儿童"
    ASSESSED = "assessed", "评估完成"
    PLANNED = "planned", "帮扶计划已制定"
    CLOSED = "closed", "已结案"


class ClockStep(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", "响应（确认收到）"
    SEE_CHILD = "see_child", "见到儿童"
    ASSESS = "assess", "风险评估"
    PLAN = "plan", "制定帮扶计划"
    REVIEW = "review", "复查"


class ClockUnit(models.TextChoices):
    """How a clock counts: hours around the clock, or the county's working days (`casework.calendar`)."""

    HOURS = "hours", "小时"
    WORKING_DAYS = "working_days", "工作日"


class ClockParameter(models.TextChoices):
    """The county parameters the clocks read: hours per emergency step (an urgent report's own for
    seeing the child); working days for the assessment, the plan and the reviews (one per risk
    level). Each parameter's unit is `clocks.PARAMETER_UNITS`."""

    ACKNOWLEDGE = "acknowledge", "响应时限"
    SEE_CHILD = "see_child", "见到儿童时限"
    SEE_CHILD_URGENT = "see_child_urgent", "见到儿童时限（紧急报告）"
    ASSESS = "assess", "风险评估时限（见到儿童后）"
    PLAN = "plan", "制定帮扶计划时限（评估后）"
    REVIEW_URGENT = "review_urgent", "复查周期（紧急风险）"
    REVIEW_HIGH = "review_high", "复查周期（高风险）"
    REVIEW_MEDIUM = "review_medium", "复查周期（中风险）"
    REVIEW_LOW = "review_low", "复查周期（低风险）"


class RiskLevel(models.TextChoices):
    """Four levels, lowest first (docs/safeguarding.md says what each means)."""

    LOW = "low", "低"
    MEDIUM = "medium", "中"
    HIGH = "high", "高"
    URGENT = "urgent", "紧急"


class RiskFactor(models.TextChoices):
    PHYSICAL_HARM = "physical_harm", "人身伤害"
    GUARDIANSHIP = "guardianship", "监护缺失或不当"
    NO_LIVELIHOOD = "no_livelihood", "生活无着"
    SCHOOLING = "schooling", "就学中断"
    TRAUMA = "trauma", "心理创伤"
    REVICTIMISATION = "revictimisation", "再次受侵害风险"
    HEALTH = "health", "疾病或残疾未得到救治"
    SEXUAL_HARM = "sexual_harm", "性侵害"
    HOUSING = "housing", "居住不安全"


class EscalationLevel(models.TextChoices):
    UNIT = "unit", "提醒承办单位"
    COUNTY = "county", "上报县民政局"
    LEADER = "leader", "上报县领导"


class UnitRole(models.TextChoices):
    LEAD = "lead", "牵头"
    COOPERATING = "cooperating", "配合"
    TOWNSHIP = "township", "属地乡镇（街道）"
    # Task 28: the county unit whose duty covers the reporter's kind of institution (a school's
    # report → 县教育局): it supervises the institutions' mandatory reporting and follows the case.
    DUTY = "duty", "强制报告主管（按职责）"


class SafetyReport(models.Model):
    reference = models.CharField("报告编号", max_length=30, unique=True)
    source = models.CharField("来源", max_length=20, choices=ReportSource.choices, default=ReportSource.REPORTER)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报告人", on_delete=models.PROTECT, related_name="safety_reports"
    )
    organisation = models.CharField("报告单位", max_length=100, blank=True)
    # The reporter's kind of institution when they filed (their account's may change later).
    organisation_kind = models.CharField(
        "报告单位类别", max_length=20, choices=OrganisationKind.choices, blank=True, default=""
    )
    caller = models.CharField("来电人及联系方式", max_length=100, blank=True)
    # The child as the reporter described them; `child` is set only when the ID number is on record.
    child = models.ForeignKey(
        "registry.Child", verbose_name="儿童", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    child_name = models.CharField("儿童姓名", max_length=50, blank=True)
    child_id_number = EncryptedTextField("儿童身份证号", blank=True, default="")
    approx_age = models.PositiveSmallIntegerField("大约年龄", null=True, blank=True)
    region = models.ForeignKey(Region, verbose_name="所在村（社区）", on_delete=models.PROTECT, related_name="+")
    location = models.CharField("具体位置", max_length=200, blank=True)
    kind = models.CharField("发现的情况", max_length=20, choices=ReportKind.choices)
    observed_at = models.DateTimeField("发现时间")
    urgent = models.BooleanField("紧急", default=False)
    description = EncryptedTextField("情况描述")
    received_at = models.DateTimeField("接收时间")

    class Meta:
        verbose_name = "强制报告"
        verbose_name_plural = "强制报告"
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["reported_by", "received_at"], name="safety_report_mine")]

    def __str__(self) -> str:
        return self.reference


class ReportSupplement(models.Model):
    """What a reporter added after filing (a report is never withdrawn, only supplemented)."""

    report = models.ForeignKey(SafetyReport, on_delete=models.CASCADE, related_name="supplements")
    text = EncryptedTextField("补充内容")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField("补充时间")

    class Meta:
        verbose_name = "报告补充"
        verbose_name_plural = "报告补充"
        ordering = ["report", "added_at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.added_at}"


def attachment_path(instance: ReportAttachment, filename: str) -> str:
    return f"safety/{instance.report_id}/{filename}"


class ReportAttachment(StoredUpload):
    """A file filed with a report or a supplement (a photo, a PDF, a Word document), checked by
    `shouhu.core.uploads` and served only through the access-checked, audited download view."""

    report = models.ForeignKey(SafetyReport, on_delete=models.CASCADE, related_name="attachments")
    supplement = models.ForeignKey(
        ReportSupplement, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField("文件", upload_to=attachment_path)

    class Meta:
        verbose_name = "报告附件"
        verbose_name_plural = "报告附件"
        ordering = ["report", "created_at", "id"]


class FollowUpQuestion(models.Model):
    """A handler's question to the report's reporter (追问) and the reporter's answer. The
    reporter sees the question, never who asked or anything else of the case."""

    report = models.ForeignKey(SafetyReport, on_delete=models.CASCADE, related_name="questions")
    text = EncryptedTextField("追问内容")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField("追问时间")
    answer = EncryptedTextField("回答", blank=True, default="")
    answered_at = models.DateTimeField("回答时间", null=True, blank=True)

    class Meta:
        verbose_name = "追问"
        verbose_name_plural = "追问"
        ordering = ["report", "asked_at", "id"]
        indexes = [models.Index(fields=["report", "answered_at"], name="safety_question_open")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.asked_at}"


class SafetyCase(models.Model):
    report = models.OneToOneField(SafetyReport, verbose_name="报告", on_delete=models.PROTECT, related_name="case")
    reference = models.CharField("个案编号", max_length=30, unique=True)
    child = models.ForeignKey(
        "registry.Child", verbose_name="儿童", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    child_name = models.CharField("儿童姓名", max_length=50, blank=True)
    # Where the child is (the report's village); scoping is `region_code LIKE '<prefix>%'`.
    region_code = models.CharField("所在地代码", max_length=12)
    township = models.ForeignKey(Region, verbose_name="属地乡镇（街道）", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("发现的情况", max_length=20, choices=ReportKind.choices)
    urgent = models.BooleanField("紧急", default=False)
    state = models.CharField("状态", max_length=20, choices=CaseState.choices, default=CaseState.RECEIVED)
    opened_at = models.DateTimeField("立案时间")
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    routing_note = models.CharField("分派依据", max_length=300, blank=True)
    # Optimistic concurrency: every transition checks and bumps it.
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "安全个案"
        verbose_name_plural = "安全个案"
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(
                fields=["region_code", "state"],
                name="safety_case_scope",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["state", "opened_at"], name="safety_case_state"),
        ]

    def __str__(self) -> str:
        return self.reference


class SafetyCaseUnit(models.Model):
    case = models.ForeignKey(SafetyCase, on_delete=models.CASCADE, related_name="units")
    department = models.ForeignKey(Department, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("职责", max_length=20, choices=UnitRole.choices)

    class Meta:
        verbose_name = "个案承办单位"
        verbose_name_plural = "个案承办单位"
        constraints = [models.UniqueConstraint(fields=["case", "department"], name="safety_case_unit_once")]
        indexes = [models.Index(fields=["department", "case"], name="safety_case_unit_dept")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.department_id}"


class SafetyClock(models.Model):
    """One step's clock: `hours` around the clock, or `working_days` on the county's calendar, from
    `started_at` to `due_at`. `next_escalation_at` is when the next level falls due (None once
    done or past the last level): the sweep reads only the clocks whose time has come, through its
    index. Reviews repeat: each is its own clock, `round` 1, 2, …; every other step has round 1."""

    case = models.ForeignKey(SafetyCase, on_delete=models.CASCADE, related_name="clocks")
    step = models.CharField("环节", max_length=20, choices=ClockStep.choices)
    department = models.ForeignKey(Department, verbose_name="负责单位", on_delete=models.PROTECT, related_name="+")
    hours = models.PositiveSmallIntegerField("时限（小时）", null=True, blank=True)
    working_days = models.PositiveSmallIntegerField("时限（工作日）", null=True, blank=True)
    round = models.PositiveSmallIntegerField("轮次", default=1)
    started_at = models.DateTimeField("起算时间")
    due_at = models.DateTimeField("应完成时间")
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    next_escalation_at = models.DateTimeField("下次升级时间", null=True, blank=True)

    class Meta:
        verbose_name = "处置时限"
        verbose_name_plural = "处置时限"
        ordering = ["case", "due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "step", "round"], name="safety_clock_once"),
            # A clock counts in exactly one unit.
            models.CheckConstraint(
                condition=models.Q(hours__isnull=False, working_days__isnull=True)
                | models.Q(hours__isnull=True, working_days__isnull=False),
                name="safety_clock_one_unit",
            ),
        ]
        indexes = [models.Index(fields=["next_escalation_at"], name="safety_clock_sweep")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.step} {self.round}"

    @property
    def unit(self) -> str:
        return ClockUnit.WORKING_DAYS if self.working_days is not None else ClockUnit.HOURS

    @property
    def amount(self) -> int:
        return self.working_days if self.working_days is not None else self.hours or 0


class ClockEscalation(models.Model):
    clock = models.ForeignKey(SafetyClock, on_delete=models.CASCADE, related_name="escalations")
    level = models.CharField("级别", max_length=20, choices=EscalationLevel.choices)
    at = models.DateTimeField("升级时间")
    # When the level fell due (the share of the clock's time): `at` minus this is how late the sweep was.
    due_at = models.DateTimeField("应升级时间")

    class Meta:
        verbose_name = "时限升级"
        verbose_name_plural = "时限升级"
        ordering = ["clock", "due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["clock", "level"], name="clock_escalation_once")]

    def __str__(self) -> str:
        return f"{self.clock_id} {self.level}"


class SafetyCaseEvent(models.Model):
    case = models.ForeignKey(SafetyCase, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField("操作", max_length=30)
    from_state = models.CharField("原状态", max_length=20, blank=True)
    to_state = models.CharField("新状态", max_length=20, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "个案记录"
        verbose_name_plural = "个案记录"
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


class ClockSetting(models.Model):
    """A clock parameter's value from `valid_from` on (the row in force at a moment is the latest
    one that started by then), in the parameter's unit (hours or working days,
    `clocks.PARAMETER_UNITS`). Rows are never changed: a new value is a new row."""

    parameter = models.CharField("参数", max_length=20, choices=ClockParameter.choices)
    value = models.PositiveSmallIntegerField("时限")
    valid_from = models.DateTimeField("生效时间")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    class Meta:
        verbose_name = "处置时限参数"
        verbose_name_plural = "处置时限参数"
        ordering = ["parameter", "-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gte=1, value__lte=720), name="clock_setting_value_range")
        ]

    def __str__(self) -> str:
        return f"{self.parameter} {self.value} {self.valid_from}"


class RiskAssessment(models.Model):
    """One structured risk assessment of a case: the level and the factors behind it. Versioned:
    a new assessment is a new row (`number` 1, 2, …); the latest is the case's current one."""

    case = models.ForeignKey(SafetyCase, on_delete=models.CASCADE, related_name="assessments")
    number = models.PositiveSmallIntegerField("评估次序")
    level = models.CharField("风险等级", max_length=10, choices=RiskLevel.choices)
    factors = models.JSONField("风险因素", default=list)  # RiskFactor values, in the checklist's order
    other_factors = EncryptedTextField("其他风险因素", blank=True, default="")
    summary = EncryptedTextField("评估意见", blank=True, default="")
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("评估时间")

    class Meta:
        verbose_name = "风险评估"
        verbose_name_plural = "风险评估"
        ordering = ["case", "-number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="risk_assessment_number_once")]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.number} {self.level}"

    def factor_labels(self) -> list[str]:
        labels = [RiskFactor(f).label for f in self.factors if f in RiskFactor.values]
        return [*labels, self.other_factors] if self.other_factors else labels


class PlanAction(models.Model):
    """One action of a case's assistance plan (帮扶计划): what is to be done, the measure of the
    task table it answers, its own deadline. It became a referral in casework at once: `intake`
    (kind 转介) holds the referrals the table routed it to, with their units and states."""

    case = models.ForeignKey(SafetyCase, on_delete=models.CASCADE, related_name="plan_actions")
    what = models.CharField("帮扶措施", max_length=200)
    code = models.CharField("对应任务措施", max_length=40)
    due = models.DateField("完成期限")
    intake = models.OneToOneField(
        "casework.Intake", verbose_name="转介", on_delete=models.PROTECT, related_name="safety_plan_action"
    )
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField("制定时间")

    class Meta:
        verbose_name = "帮扶措施"
        verbose_name_plural = "帮扶措施"
        ordering = ["case", "added_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.code}"


class CaseReview(models.Model):
    """A review (复查) of a planned case: what was found, a new assessment when the risk was
    re-assessed, and when the next review is due (the review clock restarts)."""

    case = models.ForeignKey(SafetyCase, on_delete=models.CASCADE, related_name="reviews")
    number = models.PositiveSmallIntegerField("复查次序")
    note = EncryptedTextField("复查情况")
    assessment = models.OneToOneField(
        RiskAssessment, verbose_name="重新评估", null=True, blank=True, on_delete=models.PROTECT, related_name="review"
    )
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("复查时间")

    class Meta:
        verbose_name = "复查"
        verbose_name_plural = "复查"
        ordering = ["case", "-number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="case_review_number_once")]

    def __str__(self) -> str:
        return f"{self.case_id} review {self.number}"
