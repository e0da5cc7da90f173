"""Writing the duty map: a new version of one measure's map (the old ones stay as its history)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from shouhu.accounts.models import Department, User
from shouhu.core import audit
from shouhu.web.caching import POLICY, bump

from ..models import DutyAssignment, DutyMapVersion


@dataclass(frozen=True)
class DutyInput:
    category: str
    department: Department
    confirmed: bool = False


@transaction.atomic
def duty_map_set(
    *,
    actor: User | None,
    measure: str,
    measure_label: str,
    duties: Sequence[DutyInput],
    categories: dict[str, str],
    effective_from: datetime.date | None,
    note: str = "",
) -> DutyMapVersion:
    """Record a new version of `measure`'s duty map from `effective_from`. `categories` are the
    categories the measure's rule reads (code → name): a duty may only name one of them. Raises
    ValidationError (Chinese, by field) before writing anything."""
    errors: dict[str, list[str]] = defaultdict(list)
    if effective_from is None:
        errors["effective_from"].append("请填写「生效日期」")
    if not duties:
        errors["__all__"].append("请至少为一个儿童类别指定办理单位")
    seen: set[tuple[str, int]] = set()
    for index, duty in enumerate(duties, start=1):
        if duty.category not in categories:
            errors["__all__"].append(f"第 {index} 行：「{duty.category[:20]}」不是本措施规则所依据的儿童类别")
            continue
        name = categories[duty.category]
        if duty.department.dissolved_on is not None:
            errors["__all__"].append(
                f"第 {index} 行（{name}）：「{duty.department.name}」已于 {duty.department.dissolved_on:%Y-%m-%d} 撤销"
            )
        if (duty.category, duty.department.pk) in seen:
            errors["__all__"].append(f"第 {index} 行（{name}）：「{duty.department.name}」重复")
        seen.add((duty.category, duty.department.pk))
    # Lock the measure's versions so two administrators cannot take the same number.
    list(DutyMapVersion.objects.select_for_update().filter(measure=measure).values_list("pk"))
    latest = DutyMapVersion.objects.filter(measure=measure).aggregate(n=Max("version"))["n"] or 0
    if effective_from is not None and latest:
        current = DutyMapVersion.objects.filter(measure=measure, version=latest).first()
        if current is not None and effective_from < current.effective_from:
            errors["effective_from"].append(
                f"「生效日期」{effective_from:%Y-%m-%d} 早于现行第 {latest} 版的生效日期 "
                f"{current.effective_from:%Y-%m-%d}"
            )
    if errors:
        raise ValidationError(dict(errors))
    assert effective_from is not None
    note = note.strip()[:300]
    version = DutyMapVersion.objects.create(
        measure=measure, version=latest + 1, effective_from=effective_from, note=note, created_by=actor
    )
    DutyAssignment.objects.bulk_create(
        [
            DutyAssignment(
                version=version, category=d.category, department=d.department, confirmed=d.confirmed, position=i
            )
            for i, d in enumerate(duties)
        ]
    )
    bump(POLICY)  # who receives a referral for the measure
    audit.record(
        actor=actor,
        action="policy.duty_map_set",
        target=version,
        summary=f"{measure} {measure_label} 职责分工第 {version.version} 版（{effective_from:%Y-%m-%d} 起）："
        + "；".join(
            f"{categories[d.category]} → {d.department.name}{'' if d.confirmed else '（待确认）'}" for d in duties
        ),
        detail={
            "measure": measure,
            "version": version.version,
            "effective_from": effective_from.isoformat(),
            "duties": [[d.category, d.department.pk, d.confirmed] for d in duties],
            "note": note,
        },
    )
    return version
