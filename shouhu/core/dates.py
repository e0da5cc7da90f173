"""Today's date where the county is (settings.TIME_ZONE), the one every service, selector and view
means by "today"."""

from __future__ import annotations

import datetime

from django.utils import timezone


def today() -> datetime.date:
    return timezone.localdate()
