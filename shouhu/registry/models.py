"""The registry: children, and their circumstances over time.

A `Child` holds identity and residence. Everything that changes — household support, each
parent's status, guardian, disability, illness, schooling, living arrangement, migrant and
left-behind flags, safety concerns — is a `Circumstance` with a validity period
(`valid_from`, `valid_to`): recording a change closes the previous fact instead of overwriting it,
so the child's situation can be read as of any date and the history is complete. The typed value
columns (not JSON) let eligibility rules compile to plain SQL over this table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shouhu.core.fields import EncryptedTextField
from shouhu.core.models import StoredUpload, TimeStampedModel
from shouhu.regions.models import Region


class Sex(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class ChildStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    CLOSED = "closed", "已销档"


class CloseReason(models.TextChoices):
    AGED_OUT = "aged_out", "年满 18 周岁且不在校"
    DEATH = "death", "死亡"
    ADOPTION = "adoption", "被收养"
    MOVED_AWAY = "moved_away", "迁出本县"
    RESOLVED = "resolved", "困境情形已消除"
    # Set only by the duplicates merge (registry.merge): the record was merged into another.
    MERGED = "merged", "重复档案，已合并"


class Child(TimeStampedModel):
    id_number = EncryptedTextField("身份证号", null=True, blank=True)
    # HMAC of the ID number: exact lookup and uniqueness without storing it in clear.
    id_number_index = models.CharField("身份证号索引", max_length=64, null=True, blank=True, unique=True)
    id_number_masked = models.CharField("身份证号（脱敏）", max_length=18, blank=True)
    no_id_reason = models.CharField("无身份证号原因", max_length=200, blank=True)
    name = models.CharField("姓名", max_length=50, db_index=True)
    # Search keys (registry/names.py): the name read with its surname's reading (朴 piao, 曾 zeng),
    # and the everyday reading of every character (pu, ceng); ü folded to u in both.
    name_pinyin = models.CharField("姓名拼音", max_length=200, db_index=True)
    name_initials = models.CharField("拼音首字母", max_length=50, db_index=True)
    name_pinyin_common = models.CharField("姓名拼音（通常读音）", max_length=200, db_index=True, default="")
    name_initials_common = models.CharField("拼音首字母（通常读音）", max_length=50, db_index=True, default="")
    sex = models.CharField("性别", max_length=10, choices=Sex.choices)
    birth_date = models.DateField("出生日期", db_index=True)
    region = models.ForeignKey(
        Region, verbose_name="居住地", on_delete=models.PROTECT, related_name="resident_children"
    )
    # Denormalised from region.code: scoping is `region_code LIKE '<prefix>%'` without a join.
    # Indexed by `child_scope_status` and `child_list_order` below (region_code first).
    region_code = models.CharField("居住地代码", max_length=12)
    hukou_region_code = models.CharField("户籍地代码", max_length=12, blank=True)
    phone = EncryptedTextField("联系电话", blank=True, default="")
    address = EncryptedTextField("详细住址", blank=True, default="")
    status = models.CharField("状态", max_length=10, choices=ChildStatus.choices, default=ChildStatus.ACTIVE)
    closed_reason = models.CharField("销档原因", max_length=20, choices=CloseReason.choices, blank=True)
    closed_on = models.DateField("销档日期", null=True, blank=True)
    closed_note = models.CharField("销档说明", max_length=300, blank=True)
    # Optimistic concurrency: every update checks and bumps it, so a stale form is refused.
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Not stored: what other apps did in answer to the change just written to this instance (their
    # lines for the person who made it; signals.child_facts_changed), for the page they land on.
    follow_ups: tuple[str, ...] = ()

    class Meta:
        verbose_name = "儿童"
        verbose_name_plural = "儿童"
        ordering = ["region_code", "name_pinyin", "id"]
        indexes = [
            # Scope counts (`region_code LIKE '<prefix>%'`): pattern ops, so PostgreSQL can range-scan
            # the prefix whatever the database's collation (other databases ignore opclasses).
            models.Index(
                fields=["region_code", "status"],
                name="child_scope_status",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            # The lists' order (region, pinyin, id) with what their filters read, so a page's keys
            # come from the index alone and the keyset links seek into it (web/pagination.py).
            models.Index(
                fields=["region_code", "name_pinyin", "id", "status", "name_initials"], name="child_list_order"
            ),
            models.Index(fields=["birth_date", "sex"], name="child_birth_sex"),
        ]

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    LOW_INCOME = "low_income", "低保"
    EXTREME_POVERTY = "extreme_poverty", "特困"
    TEMPORARY_HARDSHIP = "temporary_hardship", "临时困难"
    FATHER = "father", "父亲状况"
    MOTHER = "mother", "母亲状况"
    GUARDIAN = "guardian", "实际监护人"
    DISABILITY = "disability", "残疾"
    SERIOUS_ILLNESS = "serious_illness", "重病"
    SCHOOLING = "schooling", "就学"
    LIVING_ARRANGEMENT = "living_arrangement", "生活安置"
    MIGRANT = "migrant", "随迁子女"
    LEFT_BEHIND = "left_behind", "留守儿童"
    ABUSE = "abuse", "遭受虐待"
    NEGLECT = "neglect", "被忽视"
    ABANDONED = "abandoned", "被遗弃"


FLAG_KINDS = (
    Kind.LOW_INCOME,
    Kind.EXTREME_POVERTY,
    Kind.TEMPORARY_HARDSHIP,
    Kind.SERIOUS_ILLNESS,
    Kind.MIGRANT,
    Kind.LEFT_BEHIND,
    Kind.ABUSE,
    Kind.NEGLECT,
    Kind.ABANDONED,
)


class Circumstance(models.Model):
    """One fact about a child, valid from `valid_from` until `valid_to` (inclusive; null = open).

    Value columns by kind:
    - flag kinds (低保, 特困, 临时困难, 重病, 随迁, 留守, 虐待, 忽视, 遗弃): `flag`;
    - father / mother: `status` (exchange-format parent status), `since`, `until`,
      `detail` (disability type) and `grade` for severe_disability; no row = unknown;
    - guardian: `detail` (relationship), `flag` (able); `status` "none" when nobody cares for the child;
    - disability: `detail` (type), `grade`; `status` "none" when the child has no disability;
    - schooling: `detail` (stage), `flag` (enrolled);
    - living_arrangement: `status`.
    """

    # Indexed by `circumstance_child_kind` below (child first), which also serves the FK's lookups.
    child = models.ForeignKey(
        Child, verbose_name="儿童", on_delete=models.CASCADE, related_name="circumstances", db_index=False
    )
    kind = models.CharField("事项", max_length=30, choices=Kind.choices)
    valid_from = models.DateField("起始日期")
    valid_to = models.DateField("结束日期", null=True, blank=True)
    flag = models.BooleanField("是/否", null=True, blank=True)
    status = models.CharField("状态", max_length=30, blank=True)
    detail = models.CharField("类别", max_length=30, blank=True)
    grade = models.PositiveSmallIntegerField("等级", null=True, blank=True)
    since = models.DateField("自", null=True, blank=True)
    until = models.DateField("至", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    # Where the fact came from when it was not a person editing the child: another app's record
    # (`safety_case:AQ…`, `custody_notice:…`), so the history says why the fact changed.
    source = models.CharField("来源", max_length=80, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "情况记录"
        verbose_name_plural = "情况记录"
        ordering = ["child", "kind", "valid_from", "id"]
        indexes = [
            models.Index(fields=["kind", "valid_from", "valid_to"], name="circumstance_kind_period"),
            # The rule engine asks "this child's row of this kind in force on a date" once per child
            # and rule: without it SQLite walks every row of the kind for each child (a county-size
            # screening, docs/performance.md).
            models.Index(fields=["child", "kind", "valid_from"], name="circumstance_child_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="circumstance_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.valid_from}–{self.valid_to or ''}"


class DocumentType(models.TextChoices):
    ID_CARD = "id_card", "身份证"
    HOUSEHOLD_REGISTER = "household_register", "户口簿"
    DISABILITY_CERTIFICATE = "disability_certificate", "残疾证"
    MEDICAL_RECORD = "medical_record", "诊断证明"
    LOW_INCOME_CERTIFICATE = "low_income_certificate", "低保证"
    DEATH_CERTIFICATE = "death_certificate", "死亡证明"
    JUDGMENT = "judgment", "判决书或执行通知书"
    OTHER = "other", "其他"


def child_document_path(instance: ChildDocument, filename: str) -> str:
    return f"children/{instance.child_id}/{filename}"


class ChildDocument(StoredUpload):
    """A document attached to a child (checked and written by `registry.documents`)."""

    child = models.ForeignKey(Child, verbose_name="儿童", on_delete=models.CASCADE, related_name="documents")
    doc_type = models.CharField("材料类型", max_length=30, choices=DocumentType.choices)
    file = models.FileField("文件", upload_to=child_document_path)

    class Meta:
        verbose_name = "证明材料"
        verbose_name_plural = "证明材料"


class DuplicateState(models.TextChoices):
    OPEN = "open", "待核查"
    MERGED = "merged", "已合并"
    DISMISSED = "dismissed", "非重复"


class DuplicateCandidate(TimeStampedModel):
    """Two records that may be the same child (same ID, or same birth date and sex with a similar
    name in the county), queued for a reviewer. `child_a.pk < child_b.pk` always."""

    child_a = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    child_b = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField("疑似原因", max_length=200)
    state = models.CharField("状态", max_length=10, choices=DuplicateState.choices, default=DuplicateState.OPEN)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # After a merge the surviving record; the other is closed with a pointer here.
    survivor = models.ForeignKey(Child, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "疑似重复"
        verbose_name_plural = "疑似重复"
        constraints = [models.UniqueConstraint(fields=["child_a", "child_b"], name="duplicate_pair_once")]

    def __str__(self) -> str:
        return f"{self.child_a_id} ~ {self.child_b_id}"


# --- Import runs (owned by the rosters part: exchange/runs.py, tasks.py, views/rosters.py) -------------------


class ImportState(models.TextChoices):
    UPLOADED = "uploaded", "已上传"
    VALIDATING = "validating", "检查中"
    PREVIEWED = "previewed", "待确认"
    COMMITTING = "committing", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "未导入"


def import_file_path(instance: ImportRun, filename: str) -> str:
    return f"imports/{filename}"


class ImportRun(TimeStampedModel):
    """One roster import: the uploaded file (kept under MEDIA_ROOT), its preview and its outcome.

    uploaded → validating → previewed → committing → done; `failed` when the file cannot be read
    or the commit was refused (nothing written). While validating or committing, the process that
    took the run (attempt number `attempts`) holds a lease (`lease_expires_at`, renewed as it
    works); a run whose lease ran out is checked again or, when the commit died, failed with
    `retryable` set: the user may confirm it again or cancel it (`exchange.runs`). `preview` holds
    the changes shown before commit (capped), `plan` what the commit needs (the row → child and
    version read at preview), `errors` the first errors by row and field (capped; all of them are
    in `errors_file`)."""

    file = models.FileField("文件", upload_to=import_file_path, max_length=300)
    original_name = models.CharField("原文件名", max_length=255)
    file_format = models.CharField("格式", max_length=10)
    sha256 = models.CharField("文件摘要", max_length=64)
    size = models.PositiveBigIntegerField("大小（字节）", default=0)
    state = models.CharField("状态", max_length=12, choices=ImportState.choices, default=ImportState.UPLOADED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    as_of = models.DateField("生效日期", null=True, blank=True)
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    new_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("无变化", default=0)
    error_count = models.PositiveIntegerField("错误行数", default=0)
    progress = models.PositiveIntegerField("已处理行数", default=0)
    preview = models.JSONField("预览", default=dict, blank=True)
    plan = models.JSONField("导入计划", default=dict, blank=True)
    errors = models.JSONField("错误", default=list, blank=True)
    errors_file = models.FileField("全部错误", upload_to=import_file_path, max_length=300, blank=True)
    message = models.CharField("说明", max_length=500, blank=True)
    validated_at = models.DateTimeField("检查完成时间", null=True, blank=True)
    finished_at = models.DateTimeField("导入完成时间", null=True, blank=True)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    lease_expires_at = models.DateTimeField("租约到期", null=True, blank=True)
    retryable = models.BooleanField("可重新导入", default=False)

    class Meta:
        verbose_name = "名单导入"
        verbose_name_plural = "名单导入"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "lease_expires_at"], name="import_run_lease")]

    def __str__(self) -> str:
        return self.original_name


# --- Moving between townships (transfers.py, views/transfers.py) --------------------------------------------


class TransferState(models.TextChoices):
    REQUESTED = "requested", "待确认"
    CONFIRMED = "confirmed", "已迁入"
    REFUSED = "refused", "未同意"


class ChildTransfer(TimeStampedModel):
    """A request to move a child registered in one township (or village) to a village of the
    requester's: asked by the destination's director or supervisor, confirmed or refused by the
    current township's supervisor (or a county caseworker). On confirmation the child's residence
    changes and its history, screening results and open referrals follow (`transfers.py`).
    `from_code` / `to_code` are denormalised from the regions so scoping is a prefix in the query."""

    child = models.ForeignKey(Child, verbose_name="儿童", on_delete=models.PROTECT, related_name="transfers")
    from_region = models.ForeignKey(Region, verbose_name="迁出地", on_delete=models.PROTECT, related_name="+")
    from_code = models.CharField("迁出地代码", max_length=12)
    to_region = models.ForeignKey(Region, verbose_name="迁入地", on_delete=models.PROTECT, related_name="+")
    to_code = models.CharField("迁入地代码", max_length=12)
    name_given = models.CharField("申请人填写的姓名", max_length=50)
    address = EncryptedTextField("新住址", blank=True, default="")
    reason = models.CharField("迁入说明", max_length=300, blank=True)
    state = models.CharField("状态", max_length=12, choices=TransferState.choices, default=TransferState.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decision_note = models.CharField("处理意见", max_length=300, blank=True)
    # Not stored: what followed the child on confirmation (`child_moved`'s receivers), for the page.
    follow_ups: tuple[str, ...] = ()

    class Meta:
        verbose_name = "迁入申请"
        verbose_name_plural = "迁入申请"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["from_code", "state"], name="transfer_from_state"),
            models.Index(fields=["to_code", "state"], name="transfer_to_state"),
        ]
        constraints = [
            # One open request per child: a second waits for the first to be decided.
            models.UniqueConstraint(
                fields=["child"], condition=models.Q(state="requested"), name="transfer_one_open_per_child"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name_given} → {self.to_code}"
