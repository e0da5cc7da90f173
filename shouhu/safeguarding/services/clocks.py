"""The county's clock parameters: a new value is a new row from when it takes effect (now, or
the start of a later day); the old rows stay, so what each case was given can be read back. A
value is in its parameter's unit: hours for the emergency steps, working days for the
assessment, the plan and the reviews."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from shouhu.access import Capability, can
from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.core.input_text import text_problem

from ..clocks import MAX_VALUE, PARAMETER_UNITS, value_in_force
from ..models import ClockParameter, ClockSetting, ClockUnit


@transaction.atomic
def clock_setting_set(
    *,
    actor: User,
    parameter: str,
    value: int,
    valid_on: datetime.date | None = None,
    note: str = "",
    now: datetime.datetime | None = None,
) -> ClockSetting:
    """Set a parameter from now (`valid_on` None or today) or from 00:00 of a later day. Clocks
    already running keep the time they were given."""
    if not can(actor, Capability.MANAGE_SAFETY_CLOCKS):
        raise PermissionDenied("只有系统管理员可以修改处置时限")
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    unit = PARAMETER_UNITS.get(parameter, ClockUnit.HOURS)
    if parameter not in ClockParameter.values:
        errors["parameter"] = ["「参数」取值无效"]
    elif not 1 <= value <= MAX_VALUE[unit]:
        errors["value"] = [f"「时限」应为 1 到 {MAX_VALUE[unit]} 之间的整数（{ClockUnit(unit).label}）"]
    today = timezone.localdate(now)
    if valid_on is not None and valid_on < today:
        errors["valid_on"] = ["「生效日期」不能早于今天：已开始计时的环节按开始时的时限计算"]
    note = note.strip()
    if text_problem(note) or len(note) > 200:
        errors["note"] = ["「说明」最多 200 个字，且不能含有不可见字符"]
    if errors:
        raise ValidationError(errors)
    if valid_on is None or valid_on == today:
        valid_from = now
    else:
        valid_from = timezone.make_aware(datetime.datetime.combine(valid_on, datetime.time()))
    before = value_in_force(parameter, valid_from)
    setting = ClockSetting.objects.create(
        parameter=parameter, value=value, valid_from=valid_from, set_by=actor, note=note
    )
    label = ClockUnit(unit).label
    audit.record(
        actor=actor,
        action="safety.clock_set",
        target=setting,
        summary=f"{ClockParameter(parameter).label}：{before} {label} → {value} {label}"
        f"（{timezone.localtime(valid_from):%Y-%m-%d %H:%M} 起）",
        detail={
            "parameter": parameter,
            "unit": unit,
            "from": before,
            "to": value,
            "valid_from": valid_from.isoformat(),
        },
    )
    return setting
