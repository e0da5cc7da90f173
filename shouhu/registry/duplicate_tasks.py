"""The daily duplicates scan (imported by contrib_misc so the job is registered when the app
loads; the worker's autodiscovery only imports `tasks` modules)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django_tasks import task

from shouhu.core.periodic import periodic

logger = logging.getLogger(__name__)


@periodic(every=timedelta(days=1), name="registry.duplicates_scan")
@task()
def scan_duplicates() -> int:
    """Queue potential duplicates among the county's active children; returns how many were new."""
    from .duplicates import scan

    queued = scan(county_prefix=settings.SHOUHU_COUNTY_CODE[:6])
    logger.info("duplicates scan queued %d new pairs", queued)
    return queued
