"""Rules as data (versioned, effective-dated), and screening runs with their stored results.

A `Rule` is a category, a measure (linked to its task number in the table, so it knows its lead
and cooperating units) or a building block. Its `RuleVersion`s carry the expression and the period
in which it applies; parameters (`Parameter` / `ParameterVersion`) are named values likewise.
A `ScreeningRun` evaluates the rules in force on its as-of date over a region; `Eligibility` rows
say which child is in which category or measure since when, by which rule version, and
`EligibilityChange` rows what a run changed (newly eligible, no longer eligible). A run of one
child (`ScreeningRun.child`) is a screening at once after a registration or a change.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shouhu.core.models import TimeStampedModel


class RuleKind(models.TextChoices):
    CATEGORY = "category", "类别"
    MEASURE = "measure", "措施"
    BLOCK = "block", "构件"


class Rule(models.Model):
    code = models.CharField("代码", max_length=40, unique=True)
    kind = models.CharField("类型", max_length=10, choices=RuleKind.choices)
    label = models.CharField("名称", max_length=100)
    task_number = models.PositiveIntegerField("分工表任务序号", null=True, blank=True)
    position = models.PositiveIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "规则"
        verbose_name_plural = "规则"
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class EffectiveVersion(models.Model):
    """A numbered version in force from `effective_from` until `effective_to` (open when null)."""

    version = models.PositiveIntegerField("版本")
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)
    note = models.CharField("修改说明", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        abstract = True


class RuleVersion(EffectiveVersion):
    rule = models.ForeignKey(Rule, verbose_name="规则", on_delete=models.CASCADE, related_name="versions")
    expression = models.TextField("表达式")

    class Meta:
        verbose_name = "规则版本"
        verbose_name_plural = "规则版本"
        ordering = ["rule", "-version"]
        constraints = [models.UniqueConstraint(fields=["rule", "version"], name="rule_version_unique")]

    def __str__(self) -> str:
        return f"{self.rule.code} v{self.version}"


class Parameter(models.Model):
    name = models.CharField("参数名", max_length=60, unique=True)
    description = models.CharField("说明", max_length=200)

    class Meta:
        verbose_name = "参数"
        verbose_name_plural = "参数"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ParameterVersion(EffectiveVersion):
    parameter = models.ForeignKey(Parameter, on_delete=models.CASCADE, related_name="versions")
    value = models.IntegerField("值")

    class Meta:
        verbose_name = "参数版本"
        verbose_name_plural = "参数版本"
        ordering = ["parameter", "-version"]
        constraints = [models.UniqueConstraint(fields=["parameter", "version"], name="parameter_version_unique")]

    def __str__(self) -> str:
        return f"{self.parameter.name} v{self.version} = {self.value}"


class RunState(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "筛查中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ScreeningRun(TimeStampedModel):
    as_of = models.DateField("筛查基准日")
    region_code = models.CharField("范围（区划代码）", max_length=12)
    region_prefix = models.CharField("范围前缀", max_length=12, db_index=True)
    state = models.CharField("状态", max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    progress_done = models.PositiveIntegerField("已完成部分数", default=0)
    progress_total = models.PositiveIntegerField("部分总数", default=0)
    children_screened = models.PositiveIntegerField("筛查儿童数", default=0)
    rule_versions = models.JSONField("规则版本", default=dict)
    counts = models.JSONField("各类别/措施人数", default=dict)
    gained = models.PositiveIntegerField("新增符合", default=0)
    lost = models.PositiveIntegerField("不再符合", default=0)
    error = models.TextField("错误", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    # Set for a screening at once of one child (`screening.child.screen_child`, after a registration
    # or a change): its region is the child's village, but it screened only this child. The lists of
    # runs leave such runs out; the child's results and changes name them like any run's.
    child = models.ForeignKey(
        "registry.Child", verbose_name="即时筛查的儿童", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = "筛查"
        verbose_name_plural = "筛查"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"筛查 #{self.pk} {self.region_code} {self.as_of}"


class ScreeningPart(models.Model):
    """One township's share of a run. A part is screened in one transaction — with what other apps
    do on `part_screened` (casework's suggestions) — so a worker that dies mid-part leaves nothing
    half-written; the part's lease then runs out and any worker takes it again
    (`requeue_expired_parts`)."""

    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="parts")
    region_prefix = models.CharField("范围前缀", max_length=12)
    state = models.CharField("状态", max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    lease_expires_at = models.DateTimeField("租约到期", null=True, blank=True)
    children_screened = models.PositiveIntegerField("筛查儿童数", default=0)
    counts = models.JSONField("各类别/措施人数", default=dict)
    gained = models.PositiveIntegerField("新增符合", default=0)
    lost = models.PositiveIntegerField("不再符合", default=0)
    # What the receivers of `part_screened` reported, written with the part (casework: suggestions drafted).
    suggested = models.PositiveIntegerField("生成受理建议数", default=0)
    error = models.TextField("错误", blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "筛查分片"
        verbose_name_plural = "筛查分片"
        ordering = ["run", "region_prefix"]
        constraints = [models.UniqueConstraint(fields=["run", "region_prefix"], name="screening_part_once")]
        indexes = [models.Index(fields=["state", "lease_expires_at"], name="screening_part_lease")]

    def __str__(self) -> str:
        return f"筛查 #{self.run_id} {self.region_prefix}"


class Eligibility(models.Model):
    """A child in a category or measure, from `since` (the as-of date of the run that first found
    it) until `until` (the as-of date of the run that no longer did; null while it holds).

    On PostgreSQL the foreign keys of this table and of `EligibilityChange` are checked once per
    statement instead of once per row (migration 0004: a screening writes hundreds of thousands of
    rows at a time, and the per-row checks cost more than the rows' own writes)."""

    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="eligibilities")
    code = models.CharField("类别/措施", max_length=40)
    since = models.DateField("自")
    until = models.DateField("至", null=True, blank=True)
    rule_version = models.PositiveIntegerField("规则版本")
    found_by = models.ForeignKey(ScreeningRun, on_delete=models.PROTECT, related_name="+")
    # Indexed by `eligibility_ended_by` below: only closed rows, so a new (open) result writes no entry.
    ended_by = models.ForeignKey(
        ScreeningRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = "资格"
        verbose_name_plural = "资格"
        ordering = ["child", "code", "-since"]
        indexes = [
            models.Index(fields=["code", "until"], name="eligibility_code_open"),
            models.Index(fields=["ended_by"], condition=models.Q(ended_by__isnull=False), name="eligibility_ended_by"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "code"], condition=models.Q(until__isnull=True), name="eligibility_one_open_per_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.child_id} {self.code} {self.since}–{self.until or ''}"


class ChangeKind(models.TextChoices):
    GAINED = "gained", "新增符合"
    LOST = "lost", "不再符合"


class EligibilityChange(models.Model):
    # Indexed by `eligibility_change_run` below (run first), which serves the foreign key's lookups too.
    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="changes", db_index=False)
    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="eligibility_changes")
    code = models.CharField("类别/措施", max_length=40)
    change = models.CharField("变化", max_length=10, choices=ChangeKind.choices)

    class Meta:
        verbose_name = "资格变化"
        verbose_name_plural = "资格变化"
        indexes = [models.Index(fields=["run", "change", "code"], name="eligibility_change_run")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.child_id} {self.code} {self.change}"


class PendingFacts(models.Model):
    """A child for whom some category or measure is undetermined because facts were not recorded
    (policy rules v2), as the child's latest screening left it: one row per such child, the
    待补充信息 worklist. `codes` are the undetermined codes (space-separated, sorted); each fact
    flag says that fact is not recorded and some undetermined code depends on it — so recording the
    flagged facts is what lets the codes be decided. A child with nothing undetermined has no row."""

    child = models.OneToOneField(
        "registry.Child", primary_key=True, on_delete=models.CASCADE, related_name="pending_facts"
    )
    codes = models.CharField("待定的类别/措施", max_length=600)
    father = models.BooleanField("缺父亲情况", default=False)
    mother = models.BooleanField("缺母亲情况", default=False)
    enrolled = models.BooleanField("缺是否在读", default=False)
    guardian = models.BooleanField("缺实际监护人", default=False)
    as_of = models.DateField("筛查基准日")
    screened_by = models.ForeignKey(ScreeningRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    # The fact flags by the contract's fact names (registry.exchange.format.NOT_RECORDED_FACTS).
    FACT_FIELDS = {"parents.father": "father", "parents.mother": "mother", "schooling.enrolled": "enrolled",
                   "guardian": "guardian"}  # fmt: skip

    class Meta:
        verbose_name = "待补充信息"
        verbose_name_plural = "待补充信息"

    def __str__(self) -> str:
        return f"{self.child_id} {self.codes}"

    @property
    def code_list(self) -> list[str]:
        return self.codes.split()

    @property
    def facts(self) -> list[str]:
        """The contract names of the facts to record, in contract order."""
        return [fact for fact, name in self.FACT_FIELDS.items() if getattr(self, name)]
