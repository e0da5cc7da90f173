from __future__ import annotations

from django.db import models

from shouhu.core.models import TimeStampedModel


class Level(models.TextChoices):
    COUNTY = "county", "县"
    TOWNSHIP = "township", "乡镇（街道）"
    VILLAGE = "village", "村（社区）"


def level_of_code(code: str) -> str:
    """The level a 12-digit statistical code denotes (GB/T 2260 + township + village digits)."""
    if code[6:] == "000000":
        return Level.COUNTY
    if code[9:] == "000":
        return Level.TOWNSHIP
    return Level.VILLAGE


def prefix_of_code(code: str) -> str:
    """The significant prefix of a code: every code in its subtree starts with it."""
    level = level_of_code(code)
    if level == Level.COUNTY:
        return code[:6]
    if level == Level.TOWNSHIP:
        return code[:9]
    return code


class Region(TimeStampedModel):
    code = models.CharField("统计用区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    kind = models.CharField("类型", max_length=20, blank=True, help_text="县 / 街道 / 镇 / 乡 / 村 / 社区")
    # Every code in this region's subtree starts with `prefix`: scoping is one indexed LIKE.
    prefix = models.CharField("代码前缀", max_length=12, db_index=True, editable=False)
    is_demo = models.BooleanField("演示数据", default=False, help_text="由 shouhu demo load 创建，不是官方区划")

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.level = level_of_code(self.code)
        self.prefix = prefix_of_code(self.code)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def contains(self, other: Region) -> bool:
        return other.code.startswith(self.prefix)
