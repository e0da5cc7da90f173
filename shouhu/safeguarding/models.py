"""Mandatory reports (强制报告) and the safety cases they open (应急处置).

A `SafetyReport` is what a reporter (or a county caseworker taking a 12345/110 call) filed about
one child, registered or not; it opens its `SafetyCase` in the same transaction. The case is routed
to the units of the task-division table's safety task and the child's township (`SafetyCaseUnit`),
and its steps run on `SafetyClock`s that count hours around the clock from the report's receipt.
Each clock escalates at fixed shares of its time (`ClockEscalation`, at most once per clock and
level, enforced by a unique constraint). How many hours each step gets is county data with its
history (`ClockSetting`, effective-dated rows). A case's steps are `SafetyCaseEvent`s: its
timeline.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shouhu.accounts.models import Department
from shouhu.core.fields import EncryptedTextField
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
    CLOSED = "closed", "已结案"


class ClockStep(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", "响应（确认收到）"
    SEE_CHILD = "see_child", "见到儿童"


class ClockParameter(models.TextChoices):
    """The county parameters the clocks read: hours per step (an urgent report's own for seeing the child)."""

    ACKNOWLEDGE = "acknowledge", "响应时限"
    SEE_CHILD = "see_child", "见到儿童时限"
    SEE_CHILD_URGENT = "see_child_urgent", "见到儿童时限（紧急报告）"


class EscalationLevel(models.TextChoices):
    UNIT = "unit", "提醒承办单位"
    COUNTY = "county", "上报县民政局"
    LEADER = "leader", "上报县领导"


class UnitRole(models.TextChoices):
    LEAD = "lead", "牵头"
    COOPERATING = "cooperating", "配合"
    TOWNSHIP = "township", "属地乡镇（街道）"


class SafetyReport(models.Model):
    reference = models.CharField("报告编号", max_length=30, unique=True)
    source = models.CharField("来源", max_length=20, choices=ReportSource.choices, default=ReportSource.REPORTER)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报告人", on_delete=models.PROTECT, related_name="safety_reports"
    )
    organisation = models.CharField("报告单位", max_length=100, blank=True)
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
    """One step's clock: `hours` around the clock from `started_at` to `due_at`. `next_escalation_at`
    is when the next level falls due (None once done or past the last level): the sweep reads
    only the clocks whose time has come, through its index."""

    case = models.ForeignKey(SafetyCase, on_delete=models.CASCADE, related_name="clocks")
    step = models.CharField("环节", max_length=20, choices=ClockStep.choices)
    department = models.ForeignKey(Department, verbose_name="负责单位", on_delete=models.PROTECT, related_name="+")
    hours = models.PositiveSmallIntegerField("时限（小时）")
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
        constraints = [models.UniqueConstraint(fields=["case", "step"], name="safety_clock_once")]
        indexes = [models.Index(fields=["next_escalation_at"], name="safety_clock_sweep")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.step}"


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
    one that started by then). Rows are never changed: a new value is a new row."""

    parameter = models.CharField("参数", max_length=20, choices=ClockParameter.choices)
    hours = models.PositiveSmallIntegerField("时限（小时）")
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
            models.CheckConstraint(condition=models.Q(hours__gte=1, hours__lte=720), name="clock_setting_hours_range")
        ]

    def __str__(self) -> str:
        return f"{self.parameter} {self.hours}h {self.valid_from}"
