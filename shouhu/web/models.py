from __future__ import annotations

from django.db import models


class CacheGeneration(models.Model):
    """The current generation of a family of cached reads (shouhu/web/caching.py). The services
    that change what such a read returns replace the token in their own transaction, so every
    process sees the change with the data and drops what it kept."""

    name = models.CharField("名称", max_length=50, primary_key=True)
    token = models.CharField("代次", max_length=32)

    class Meta:
        verbose_name = "缓存代次"
        verbose_name_plural = "缓存代次"

    def __str__(self) -> str:
        return f"{self.name}: {self.token}"
