"""Departments' reorganisations (机构改革), the writes: recording a rename, merge or split, and
correcting its date (reading a unit's history is `selectors`).

Responsibilities are never rewritten: `ReorganisationGraph` derives who answers for a task on
a date from these rows, so recording a reorganisation is all it takes for the task list, the
matrix and the department pages to follow."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from shouhu.accounts.models import Department, DepartmentKind, User
from shouhu.core import audit
from shouhu.web.caching import POLICY, bump

from ..models import Reorganisation, ReorganisationKind


@dataclass(frozen=True)
class NewUnit:
    """A successor that does not exist yet: created by the reorganisation."""

    name: str
    official_name: str = ""


Successor = Department | NewUnit


def _names(units: Sequence[Successor]) -> str:
    return "、".join(f"「{u.name}」" for u in units)


def _counts_error(kind: str, predecessors: int, successors: int) -> str | None:
    if kind == ReorganisationKind.RENAME and (predecessors != 1 or successors != 1):
        return "更名须是一个原单位对应一个新单位"
    if kind == ReorganisationKind.MERGE and (predecessors < 2 or successors != 1):
        return "合并须选择至少两个原单位，合并为一个新单位"
    if kind == ReorganisationKind.SPLIT and (predecessors != 1 or successors < 2):
        return "拆分须是一个原单位拆分为至少两个新单位"
    if kind == ReorganisationKind.TRANSFER and (predecessors != 1 or successors != 1):
        return "职能划转须是一个原单位的职能划入一个新单位"
    return None


def _reachable(start: set[int]) -> dict[int, int]:
    """Units reachable from `start` along recorded reorganisations (predecessor → successor),
    each mapped to the start unit it was reached from."""
    edges: dict[int, set[int]] = defaultdict(set)
    for predecessor_id, successor_id in Reorganisation.successors.through.objects.exclude(
        reorganisation__kind=ReorganisationKind.TRANSFER
    ).values_list("reorganisation__predecessors", "department_id"):
        if predecessor_id is not None:
            edges[predecessor_id].add(successor_id)
    origin = {pk: pk for pk in start}
    frontier = list(start)
    while frontier:
        current = frontier.pop()
        for nxt in edges.get(current, ()):
            if nxt not in origin:
                origin[nxt] = origin[current]
                frontier.append(nxt)
    return origin


def _validate_record(
    *,
    kind: str,
    effective_on: datetime.date | None,
    predecessors: Sequence[Department],
    successors: Sequence[Successor],
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = defaultdict(list)
    if kind not in ReorganisationKind.values:
        errors["kind"].append("「类型」无效：应为更名、合并、拆分或职能划转")
        return errors
    transfer = kind == ReorganisationKind.TRANSFER
    if effective_on is None:
        errors["effective_on"].append("请填写「生效日期」")
    problem = _counts_error(kind, len(predecessors), len(successors))
    if problem:
        errors["__all__"].append(problem)

    existing = [s for s in successors if isinstance(s, Department)]
    new_units = [s for s in successors if isinstance(s, NewUnit)]
    predecessor_ids = {p.pk for p in predecessors}
    for unit in [*predecessors, *existing]:
        if unit.kind == DepartmentKind.TOWNSHIPS:
            errors["__all__"].append(f"「{unit.name}」不是一个单位，不能登记机构改革")
    for unit in existing:
        if unit.pk in predecessor_ids:
            errors["successors"].append(f"「{unit.name}」不能既是原单位又是新单位（不能改革为自身）")
    if len({p.pk for p in predecessors}) != len(predecessors):
        errors["predecessors"].append("原单位有重复")
    if len({s.pk for s in existing}) != len(existing):
        errors["successors"].append("新单位有重复")

    names = [u.name for u in new_units]
    taken = set(Department.objects.filter(name__in=names).values_list("name", flat=True))
    for new_unit in new_units:
        if not new_unit.name:
            errors["successors"].append("新单位的「简称」不能为空")
        elif len(new_unit.name) > 100 or len(new_unit.official_name) > 100:
            errors["successors"].append(f"新单位「{new_unit.name[:20]}」的名称过长（不超过 100 字）")
        elif new_unit.name in taken:
            errors["successors"].append(f"单位「{new_unit.name}」已存在，请在“已有单位”中选择它")
        elif names.count(new_unit.name) > 1:
            errors["successors"].append(f"新单位「{new_unit.name}」填写了两次")

    if effective_on is not None:
        for unit in predecessors:
            if unit.established_on and effective_on < unit.established_on:
                errors["effective_on"].append(
                    f"「生效日期」{effective_on:%Y-%m-%d} 早于「{unit.name}」的成立日期 {unit.established_on:%Y-%m-%d}"
                )
            if unit.dissolved_on and not (transfer and unit.dissolved_on >= effective_on):
                errors["predecessors"].append(
                    f"「{unit.name}」已于 {unit.dissolved_on:%Y-%m-%d} 因机构改革撤销，不能再作为原单位"
                    "（如那次改革的日期有误，请更正那条记录的日期）"
                )
        for unit in existing:
            if unit.dissolved_on and unit.dissolved_on <= effective_on:
                errors["successors"].append(
                    f"「{unit.name}」已于 {unit.dissolved_on:%Y-%m-%d} 撤销，"
                    f"不能作为 {effective_on:%Y-%m-%d} 起的新单位"
                )

    if transfer:  # a function may pass back later (other tasks): no cycle to find
        return {k: v for k, v in errors.items() if v}
    # No cycles: a successor must not be (a later form of) one of the predecessors' successors.
    reached = _reachable({s.pk for s in existing if s.pk not in predecessor_ids})
    by_id = {p.pk: p for p in predecessors}
    named = {s.pk: s for s in existing}
    for pk, origin in reached.items():
        if pk in by_id:
            errors["__all__"].append(
                f"会形成循环：「{named[origin].name}」已在此前的机构改革中演变为「{by_id[pk].name}」，"
                f"不能再由「{by_id[pk].name}」改革回「{named[origin].name}」"
            )
    return {k: v for k, v in errors.items() if v}


@transaction.atomic
def reorganisation_record(
    *,
    actor: User | None,
    kind: str,
    effective_on: datetime.date | None,
    predecessors: Sequence[Department],
    successors: Sequence[Successor],
    note: str = "",
    task_numbers: Sequence[int] = (),
    measure_codes: Sequence[str] = (),
) -> Reorganisation:
    """Record that from `effective_on` the predecessors' duties pass to the successors.
    New successor names become units; predecessors are dissolved on that date and successors
    established (if they have no earlier date). A transfer of a function (职能划转) moves only
    the duties of `task_numbers` and `measure_codes`, and dissolves no one. Raises
    ValidationError (Chinese messages, by field) before writing anything."""
    successors = [NewUnit(s.name.strip(), s.official_name.strip()) if isinstance(s, NewUnit) else s for s in successors]
    # Lock the units (in pk order) so two administrators cannot dissolve the same one twice.
    locked = {
        d.pk: d
        for d in Department.objects.select_for_update()
        .filter(pk__in=[p.pk for p in predecessors] + [s.pk for s in successors if isinstance(s, Department)])
        .order_by("pk")
    }
    predecessors = [locked.get(p.pk, p) for p in predecessors]
    successors = [locked.get(s.pk, s) if isinstance(s, Department) else s for s in successors]
    errors = _validate_record(kind=kind, effective_on=effective_on, predecessors=predecessors, successors=successors)
    task_numbers, measure_codes = sorted(set(task_numbers)), sorted(set(measure_codes))
    if kind == ReorganisationKind.TRANSFER:
        errors.update({k: errors.get(k, []) + v for k, v in _transfer_errors(task_numbers, measure_codes).items()})
    elif task_numbers or measure_codes:
        errors.setdefault("__all__", []).append("只有职能划转才指定任务或措施")
    if errors:
        raise ValidationError(errors)
    assert effective_on is not None
    note = note.strip()[:300]

    from_names = "、".join(p.name for p in predecessors)
    created: list[Department] = []
    resolved: list[Department] = []
    for successor in successors:
        if isinstance(successor, NewUnit):
            unit = Department.objects.create(
                name=successor.name,
                official_name=successor.official_name or successor.name,
                kind=predecessors[0].kind,
                established_on=effective_on,
                note=f"{effective_on:%Y-%m-%d} 由{from_names}{ReorganisationKind(kind).label}设立",
            )
            created.append(unit)
            resolved.append(unit)
        else:
            if successor.established_on is None or successor.established_on > effective_on:
                successor.established_on = effective_on
                successor.save(update_fields=["established_on", "updated_at"])
            resolved.append(successor)
    reorganisation = Reorganisation.objects.create(
        kind=kind,
        effective_on=effective_on,
        note=note,
        created_by=actor,
        task_numbers=task_numbers,
        measure_codes=measure_codes,
    )
    reorganisation.predecessors.set(predecessors)
    reorganisation.successors.set(resolved)
    for predecessor in predecessors:
        if kind == ReorganisationKind.TRANSFER:
            break  # the unit goes on with its other duties
        predecessor.dissolved_on = effective_on
        predecessor.save(update_fields=["dissolved_on", "updated_at"])

    bump(POLICY)  # the kept reorganisation graph and who answers for each task
    label = ReorganisationKind(kind).label
    what = "、".join([f"第 {n} 项任务" for n in task_numbers] + list(measure_codes))
    audit.record(
        actor=actor,
        action="policy.reorganisation_record",
        target=reorganisation,
        summary=f"{label}：{'、'.join(p.name for p in predecessors)} → {'、'.join(s.name for s in resolved)}"
        f"（{effective_on:%Y-%m-%d} 起{'，' + what if what else ''}）",
        detail={
            "kind": kind,
            "effective_on": effective_on.isoformat(),
            "predecessors": [p.pk for p in predecessors],
            "successors": [s.pk for s in resolved],
            "created": [d.pk for d in created],
            "note": note,
            "task_numbers": task_numbers,
            "measure_codes": measure_codes,
        },
    )
    return reorganisation


def _transfer_errors(task_numbers: Sequence[int], measure_codes: Sequence[str]) -> dict[str, list[str]]:
    """A transfer names at least one task of the current table or one measure."""
    from ..selectors import current_document

    errors: dict[str, list[str]] = defaultdict(list)
    if not task_numbers and not measure_codes:
        errors["task_numbers"].append("职能划转须指定划转的任务（序号）或措施，至少一项")
    document = current_document()
    known = set(document.tasks.values_list("number", flat=True)) if document is not None else set()
    for number in task_numbers:
        if number not in known:
            errors["task_numbers"].append(f"现行任务分工表没有第 {number} 项任务")
    from shouhu.eligibility.models import Rule, RuleKind

    measures = set(Rule.objects.filter(kind=RuleKind.MEASURE, code__in=measure_codes).values_list("code", flat=True))
    for code in measure_codes:
        if code not in measures:
            errors["measure_codes"].append(f"没有措施「{code[:20]}」")
    return errors


@transaction.atomic
def reorganisation_correct_date(
    *, actor: User | None, reorganisation: Reorganisation, effective_on: datetime.date | None, note: str | None = None
) -> Reorganisation:
    """Move a reorganisation to another date: the predecessors' dissolution and (where this
    reorganisation set it) the successors' establishment move with it."""
    reorganisation = Reorganisation.objects.select_for_update().get(pk=reorganisation.pk)
    old = reorganisation.effective_on
    predecessors = list(reorganisation.predecessors.order_by("pk"))
    successors = list(reorganisation.successors.order_by("pk"))
    errors: dict[str, list[str]] = defaultdict(list)
    if effective_on is None:
        errors["effective_on"].append("请填写「生效日期」")
    elif effective_on == old and (note is None or note.strip() == reorganisation.note):
        errors["effective_on"].append(f"新日期与原日期（{old:%Y-%m-%d}）相同，没有需要更正的内容")
    else:
        for unit in predecessors:
            if unit.established_on and effective_on < unit.established_on:
                errors["effective_on"].append(
                    f"「生效日期」{effective_on:%Y-%m-%d} 早于「{unit.name}」的成立日期 {unit.established_on:%Y-%m-%d}"
                )
        for unit in successors:
            if unit.dissolved_on and effective_on >= unit.dissolved_on:
                errors["effective_on"].append(
                    f"「生效日期」{effective_on:%Y-%m-%d} 不能晚于「{unit.name}」再次改革（撤销）的日期 "
                    f"{unit.dissolved_on:%Y-%m-%d}"
                )
    if errors:
        raise ValidationError(dict(errors))
    assert effective_on is not None
    reorganisation.effective_on = effective_on
    fields = ["effective_on", "updated_at"]
    if note is not None:
        reorganisation.note = note.strip()[:300]
        fields.append("note")
    reorganisation.save(update_fields=fields)
    for unit in predecessors:
        if unit.dissolved_on == old and reorganisation.kind != ReorganisationKind.TRANSFER:
            unit.dissolved_on = effective_on
            unit.save(update_fields=["dissolved_on", "updated_at"])
    for unit in successors:
        if unit.established_on == old:
            unit.established_on = effective_on
            unit.save(update_fields=["established_on", "updated_at"])
    bump(POLICY)
    audit.record(
        actor=actor,
        action="policy.reorganisation_correct_date",
        target=reorganisation,
        summary=f"更正机构改革日期：{'、'.join(p.name for p in predecessors)} → "
        f"{'、'.join(s.name for s in successors)}，{old:%Y-%m-%d} 改为 {effective_on:%Y-%m-%d}",
        detail={"old": old.isoformat(), "new": effective_on.isoformat(), "note": reorganisation.note},
    )
    return reorganisation
