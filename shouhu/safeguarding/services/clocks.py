"""The county's clock parameters: a new value is a new row from when it takes effect (now, or
the start of a later day); the old rows stay, so what each case was given can be read back."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from shouhu.access import Capability, can
from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.core.input_text import text_problem

from ..clocks import MAX_HOURS, hours_in_force
from ..models import ClockParameter, ClockSetting


@transaction.atomic
def clock_setting_set(
    *,
    actor: User,
    parameter: str,
    hours: int,
    valid_on: datetime.date | None = None,
    note: str = "",
    now: datetime.datetime | None = None,
) -> ClockSetting:
    """Set a parameter from now (`valid_on` None or today) or from 00:00 of a later day. Cases
    already open keep the hours they were given."""
    if not can(actor, Capability.MANAGE_SAFETY_CLOCKS):
        raise PermissionDenied("只有系统管理员可以修改处置时限")
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if parameter not in ClockParameter.values:
        errors["parameter"] = ["「参数」取值无效"]
    if not 1 <= hours <= MAX_HOURS:
        errors["hours"] = [f"「时限（小时）」应为 1 到 {MAX_HOURS} 之间的整数"]
    today = timezone.localdate(now)
    if valid_on is not None and valid_on < today:
        errors["valid_on"] = ["「生效日期」不能早于今天：已立案的个案按立案时的时限计算"]
    note = note.strip()
    if text_problem(note) or len(note) > 200:
        errors["note"] = ["「说明」最多 200 个字，且不能含有不可见字符"]
    if errors:
        raise ValidationError(errors)
    if valid_on is None or valid_on == today:
        valid_from = now
    else:
        valid_from = timezone.make_aware(datetime.datetime.combine(valid_on, datetime.time()))
    before = hours_in_force(parameter, valid_from)
    setting = ClockSetting.objects.create(
        parameter=parameter, hours=hours, valid_from=valid_from, set_by=actor, note=note
    )
    audit.record(
        actor=actor,
        action="safety.clock_set",
        target=setting,
        summary=f"{ClockParameter(parameter).label}：{before} 小时 → {hours} 小时"
        f"（{timezone.localtime(valid_from):%Y-%m-%d %H:%M} 起）",
        detail={"parameter": parameter, "from": before, "to": hours, "valid_from": valid_from.isoformat()},
    )
    return setting
