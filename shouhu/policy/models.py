"""The task-division table (重点任务分工表), departments' reorganisations, and supervision (督办).

A `PolicyDocument` is one version of the table; its `PolicyTask`s carry the text and area
exactly as written, and `TaskResponsibility` rows link each task to the units *as named in
that version* (lead / cooperating). Who is responsible *on a date* is derived by following
`Reorganisation`s from those units (县卫计局 → 县卫健局 from its effective date), never by
rewriting the table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shouhu.accounts.models import Department
from shouhu.core.models import StoredUpload, TimeStampedModel
from shouhu.regions.models import Region


class Mode(models.TextChoices):
    LEAD_AND_COOPERATING = "lead_and_cooperating", "牵头配合"
    EACH_BY_DUTY = "each_by_duty", "按职责分别落实"
    EACH_TOWNSHIP = "each_township", "各乡镇（街道）分头落实"
    SOLE = "sole", "单独负责"


class ResponsibilityRole(models.TextChoices):
    LEAD = "lead", "牵头"
    COOPERATING = "cooperating", "配合"


class ReportFrequency(models.TextChoices):
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"
    HALF_YEARLY = "half_yearly", "每半年"
    YEARLY = "yearly", "每年"


class PolicyDocument(TimeStampedModel):
    title = models.CharField("标题", max_length=200)
    issuing_body = models.CharField("印发机关", max_length=200, blank=True)
    issued_on = models.DateField("印发日期", null=True, blank=True)
    version = models.PositiveIntegerField("版本")
    source_filename = models.CharField("来源文件", max_length=255, blank=True)
    source_format = models.CharField("来源格式", max_length=10, blank=True)
    # Hash of the parsed table (numbers, areas, texts, units, modes): re-importing the same
    # table in any format finds the existing version instead of creating one.
    content_hash = models.CharField("内容摘要", max_length=64, db_index=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "任务分工表"
        verbose_name_plural = "任务分工表"
        ordering = ["title", "-version"]
        constraints = [models.UniqueConstraint(fields=["title", "version"], name="policy_document_title_version")]

    def __str__(self) -> str:
        return f"{self.title}（第 {self.version} 版）"


class PolicyTask(models.Model):
    document = models.ForeignKey(PolicyDocument, verbose_name="分工表", on_delete=models.CASCADE, related_name="tasks")
    number = models.PositiveIntegerField("序号")
    area = models.CharField("项目", max_length=100)
    area_order = models.PositiveIntegerField("项目顺序")
    text = models.TextField("工作任务")
    responsibility_text = models.TextField("责任单位（原文）")
    mode = models.CharField("落实方式", max_length=30, choices=Mode.choices)
    report_frequency = models.CharField(
        "进展报告周期", max_length=20, choices=ReportFrequency.choices, default=ReportFrequency.QUARTERLY
    )

    class Meta:
        verbose_name = "任务"
        verbose_name_plural = "任务"
        ordering = ["document", "number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="policy_task_document_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:30]}"


class TaskResponsibility(models.Model):
    task = models.ForeignKey(PolicyTask, verbose_name="任务", on_delete=models.CASCADE, related_name="responsibilities")
    department = models.ForeignKey(
        Department, verbose_name="单位（表中）", on_delete=models.PROTECT, related_name="responsibilities"
    )
    role = models.CharField("角色", max_length=20, choices=ResponsibilityRole.choices)
    name_as_written = models.CharField("表中写法", max_length=100)
    position = models.PositiveSmallIntegerField("顺序")

    class Meta:
        verbose_name = "责任分工"
        verbose_name_plural = "责任分工"
        ordering = ["task", "role", "position"]
        constraints = [
            models.UniqueConstraint(fields=["task", "department", "role"], name="policy_responsibility_unique")
        ]

    def __str__(self) -> str:
        return f"{self.task.number} {self.get_role_display()} {self.name_as_written}"


class UnitAlias(TimeStampedModel):
    """A confirmed mapping from a unit name found in a document to a known unit, so a later
    import with the same spelling (县卫健委, 县残疾人联合会, …) resolves without asking again."""

    alias = models.CharField("写法", max_length=100, unique=True)
    department = models.ForeignKey(
        Department, verbose_name="对应单位", on_delete=models.PROTECT, related_name="aliases"
    )

    class Meta:
        verbose_name = "单位别名"
        verbose_name_plural = "单位别名"

    def __str__(self) -> str:
        return f"{self.alias} → {self.department.name}"


class ReorganisationKind(models.TextChoices):
    RENAME = "rename", "更名"
    MERGE = "merge", "合并"
    SPLIT = "split", "拆分"
    TRANSFER = "transfer", "职能划转"


class Reorganisation(TimeStampedModel):
    """From `effective_on`, the responsibilities of the predecessors pass to the successors
    (every successor of a split takes them all unless the county records otherwise).

    A transfer of a function (职能划转) moves only some duties: those of the tasks numbered in
    `task_numbers` (for routing, the task list, the matrix and supervision) and of the measures in
    `measure_codes` (for routing only), from its one predecessor to its one successor; both units
    go on existing (医疗救助 passed from 县民政局 to 县医保局, 县民政局 keeps the rest)."""

    kind = models.CharField("类型", max_length=10, choices=ReorganisationKind.choices)
    effective_on = models.DateField("生效日期")
    note = models.CharField("说明", max_length=300, blank=True)
    task_numbers = models.JSONField("划转的任务（序号）", default=list, blank=True)
    measure_codes = models.JSONField("划转的措施", default=list, blank=True)
    predecessors = models.ManyToManyField(Department, verbose_name="原单位", related_name="reorganised_from")
    successors = models.ManyToManyField(Department, verbose_name="新单位", related_name="reorganised_into")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "机构改革"
        verbose_name_plural = "机构改革"
        ordering = ["effective_on", "id"]

    def __str__(self) -> str:
        return f"{self.effective_on} {self.get_kind_display()}"


class DutyMapVersion(models.Model):
    """One version of a measure's duty map (按职责分别指导落实): which unit handles a child's
    referral for the measure, by the category that made the child eligible. A measure's map in force
    on a date is its newest version effective by then; older versions stay as its history."""

    measure = models.CharField("措施", max_length=40)
    version = models.PositiveIntegerField("版本")
    effective_from = models.DateField("生效日期")
    note = models.CharField("修改说明", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("修改时间", auto_now_add=True)

    class Meta:
        verbose_name = "职责分工版本"
        verbose_name_plural = "职责分工版本"
        ordering = ["measure", "-version"]
        constraints = [models.UniqueConstraint(fields=["measure", "version"], name="duty_map_measure_version")]

    def __str__(self) -> str:
        return f"{self.measure} v{self.version}"


class DutyAssignment(models.Model):
    """In one version of a measure's duty map: children of `category` go to `department`."""

    version = models.ForeignKey(
        DutyMapVersion, verbose_name="版本", on_delete=models.CASCADE, related_name="assignments"
    )
    category = models.CharField("儿童类别", max_length=40)
    department = models.ForeignKey(
        Department, verbose_name="办理单位", on_delete=models.PROTECT, related_name="duty_assignments"
    )
    confirmed = models.BooleanField("已经县里确认", default=False)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "职责分工"
        verbose_name_plural = "职责分工"
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "category", "department"], name="duty_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.category} → {self.department.name}"


class ProgressStatus(models.TextChoices):
    NOT_STARTED = "not_started", "未开始"
    IN_PROGRESS = "in_progress", "推进中"
    DONE = "done", "已完成"
    BEHIND = "behind", "滞后"


class ReviewState(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    ACCEPTED = "accepted", "已通过"
    RETURNED = "returned", "已退回"


class ProgressReport(TimeStampedModel):
    """One responsible unit's report on one task for one period. For tasks each township
    answers for, `township` says which; `department` is then the 各乡镇（街道） unit."""

    task = models.ForeignKey(PolicyTask, verbose_name="任务", on_delete=models.PROTECT, related_name="progress_reports")
    department = models.ForeignKey(
        Department, verbose_name="责任单位", on_delete=models.PROTECT, related_name="progress_reports"
    )
    township = models.ForeignKey(
        Region,
        verbose_name="乡镇（街道）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="progress_reports",
    )
    period = models.CharField("报告期", max_length=10, help_text="2026Q4、2026M11、2026H2、2026")
    status = models.CharField("进展状态", max_length=20, choices=ProgressStatus.choices)
    narrative = models.TextField("进展情况")
    review_state = models.CharField(
        "审核状态", max_length=20, choices=ReviewState.choices, default=ReviewState.SUBMITTED
    )
    review_comment = models.TextField("审核意见", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报告人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("报告时间")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "进展报告"
        verbose_name_plural = "进展报告"
        ordering = ["-period", "task__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "department", "period"],
                condition=models.Q(township__isnull=True),
                name="progress_once_per_unit_period",
            ),
            models.UniqueConstraint(
                fields=["task", "department", "township", "period"],
                condition=models.Q(township__isnull=False),
                name="progress_once_per_township_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task.number} {self.department.name} {self.period}"


def evidence_upload_to(instance: EvidenceFile, filename: str) -> str:
    return f"evidence/{instance.report.period}/{instance.report_id}/{filename}"


class EvidenceFile(StoredUpload):
    """A file attached to a progress report as evidence (checked by `supervision.evidence`)."""

    report = models.ForeignKey(
        ProgressReport, verbose_name="进展报告", on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField("文件", upload_to=evidence_upload_to)
    # The label this field was first migrated with; the shared field says 「文件类型」. Kept so the
    # schema history has no change that only renames a label.
    content_type = models.CharField("类型", max_length=100)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
