from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from .actions import action_label


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class StoredUpload(TimeStampedModel):
    """A file a user uploaded and we keep (a child's document, a report's evidence): the name they
    gave it, its checked content type and size, and who uploaded it. Checked and named by
    `shouhu.core.uploads`. Each model declares its own `file` field, because where it is stored
    (its `upload_to`) is its own. Not named `UploadedFile`: that is Django's class for the
    incoming file, which the same modules use."""

    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("审计日志只能追加，不能删除")

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("审计日志只能追加，不能修改")


class AuditEvent(models.Model):
    """Append-only record of who did what, when and from where.

    Written by `shouhu.core.audit.record` inside the transaction of the change it
    describes, so a rolled-back change leaves no audit row and vice versa. Each row is a link of a
    hash chain (`shouhu.core.chain`): the chain of its day (`partition`) and `lane`, at position
    `seq`, with the hash of the link before it (`prev_hash`) and its own (`row_hash`);
    `shouhu audit verify` finds a row changed, removed or slipped in.
    """

    # Set by the writer (not auto_now_add) so the chain's hash covers the time the row keeps.
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField("操作人（记录时）", max_length=150, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True, db_index=True)
    summary = models.CharField("摘要", max_length=500, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)
    ip_address = models.GenericIPAddressField("来源地址", null=True, blank=True)
    user_agent = models.CharField("客户端", max_length=300, blank=True)
    partition = models.CharField("链分区（日期）", max_length=10, blank=True, default="")
    lane = models.PositiveSmallIntegerField("链道", default=0)
    seq = models.PositiveBigIntegerField("链内序号", null=True, blank=True)
    prev_hash = models.CharField("前一条哈希", max_length=64, blank=True, default="")
    row_hash = models.CharField("本条哈希", max_length=64, blank=True, default="")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        constraints = [models.UniqueConstraint(fields=["partition", "lane", "seq"], name="audit_chain_position")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("审计日志只能追加，不能删除")

    @property
    def action_label(self) -> str:
        return action_label(self.action)


class AuditChainHead(models.Model):
    """The last link of one audit chain (a day's `partition`, one of its `lane`s): how many rows
    it holds and the hash of the last. A writer locks it to append (`shouhu.core.chain`), and
    `verify` compares it with the rows, which is how a removed last row is found."""

    partition = models.CharField("链分区（日期）", max_length=10)
    lane = models.PositiveSmallIntegerField("链道", default=0)
    seq = models.PositiveBigIntegerField("条数", default=0)
    last_hash = models.CharField("最后一条哈希", max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"
        constraints = [models.UniqueConstraint(fields=["partition", "lane"], name="audit_chain_head_once")]

    def __str__(self) -> str:
        return f"{self.partition}/{self.lane}@{self.seq}"


class PeriodicJobRun(models.Model):
    """One row per (job, period): the unique constraint is what makes a periodic job
    run once per period however many workers race for it."""

    job_name = models.CharField("任务", max_length=100)
    period_key = models.CharField("周期", max_length=40)
    claimed_by = models.CharField("执行进程", max_length=100, blank=True)
    claimed_at = models.DateTimeField("领取时间", auto_now_add=True)
    task_result_id = models.CharField("后台任务编号", max_length=64, blank=True)

    class Meta:
        verbose_name = "定期任务执行记录"
        verbose_name_plural = "定期任务执行记录"
        constraints = [models.UniqueConstraint(fields=["job_name", "period_key"], name="periodic_run_once_per_period")]

    def __str__(self) -> str:
        return f"{self.job_name}@{self.period_key}"


class Notification(models.Model):
    """An in-product message (the bell). Created by services after commit; never carries
    ID numbers or other sensitive personal data."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    kind = models.CharField("类型", max_length=50, blank=True, db_index=True)
    # Lets a periodic job send the same reminder once however often it runs.
    dedupe_key = models.CharField("去重键", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~models.Q(dedupe_key=""), name="notification_dedupe"
            )
        ]

    def __str__(self) -> str:
        return self.title
