"""Recording a detention or imprisonment notice: one transaction that writes the notice, the
parent's status into each child's registry record (matched by ID number, or registered), opens a
safety case for each child whose care civil affairs must arrange, and is audited. Any refusal
(a field, a child's row, the registry's own) leaves nothing written."""

from __future__ import annotations

import dataclasses
import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from shouhu.access import custody_kinds_for, may_record_custody_notice
from shouhu.accounts.models import Department, User
from shouhu.core import audit
from shouhu.core.dates import today
from shouhu.core.input_text import person_name_problem, text_problem
from shouhu.regions.models import Level, Region
from shouhu.registry.exchange.format import ChildRecord
from shouhu.registry.facts import Fact
from shouhu.registry.identity import birth_date_of, id_number_errors, normalise_id_number, sex_of
from shouhu.registry.models import Child
from shouhu.registry.services import child_register, fact_record, find_by_id_number
from shouhu.safeguarding.services import report_from_notice

from ..models import (
    NEEDS_CIVIL_AFFAIRS,
    STATUS_OF_KIND,
    TASK_OF_KIND,
    Arrangement,
    CustodyChild,
    CustodyNotice,
    NoticeKind,
    ParentRole,
)
from ..notify import notify_arrangements

MAX_CHILDREN = 10
ADULT_AGE = 18
PHONE = re.compile(r"^[0-9+\- ]{5,20}$")
NO_ID_REASON = "拘留、服刑通知登记时无身份证号"
# The fields by the names the API gives them; a child's are `children[<i>].<field>`.
FIELD_LABELS = {
    "kind": "类型",
    "person.name": "被羁押人姓名",
    "person.id_number": "被羁押人身份证号",
    "parent_role": "与子女的关系",
    "since": "羁押开始日期",
    "until": "预计释放（解除）日期",
    "children_need_care": "是否有需要照料的未成年子女",
    "children": "子女",
    "note": "说明",
}
CHILD_LABELS = {
    "id_number": "身份证号",
    "name": "姓名",
    "sex": "性别",
    "birth_date": "出生日期",
    "region_code": "所在村（社区）",
    "arrangement": "照料安排",
    "arrangement_reason": "无需安排的原因",
    "caregiver_name": "照料人姓名",
    "caregiver_relationship": "照料人与儿童的关系",
    "caregiver_phone": "照料人电话",
}
SEXES = {"male": "男", "female": "女"}


@dataclass(frozen=True)
class ChildInput:
    name: str = ""
    region_code: str = ""
    arrangement: str = ""
    id_number: str = ""
    sex: str = ""
    birth_date: datetime.date | None = None
    arrangement_reason: str = ""
    caregiver_name: str = ""
    caregiver_relationship: str = ""
    caregiver_phone: str = ""


@dataclass(frozen=True)
class NoticeInput:
    kind: str
    person_name: str
    person_id_number: str
    parent_role: str
    since: datetime.date | None
    children_need_care: bool
    until: datetime.date | None = None
    children: tuple[ChildInput, ...] = ()
    note: str = ""


def _village(code: str) -> Region | None:
    if not code:
        return None
    return Region.objects.filter(code=code, level=Level.VILLAGE).first()


class _Problems:
    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.found.setdefault(field, []).append(f"「{FIELD_LABELS[field]}」{message}")

    def child(self, index: int, field: str, message: str) -> None:
        self.found.setdefault(f"children[{index}].{field}", []).append(
            f"第 {index + 1} 名子女的「{CHILD_LABELS[field]}」{message}"
        )


def _check_child(problems: _Problems, i: int, c: ChildInput, since: datetime.date | None, on: datetime.date) -> None:
    for field in ("name", "caregiver_name", "caregiver_relationship", "arrangement_reason", "id_number"):
        value = getattr(c, field)
        problem = text_problem(value) or (person_name_problem(value) if field.endswith("name") else None)
        if problem:
            problems.child(i, field, problem)
    birth = c.birth_date
    if c.id_number:
        errors = id_number_errors(c.id_number)
        for error in errors:
            problems.child(i, "id_number", error)
        if not errors:
            birth = birth_date_of(normalise_id_number(c.id_number))
    else:
        if not c.sex:
            problems.child(i, "sex", "不能为空：没有身份证号时请选择性别")
        elif c.sex not in SEXES:
            problems.child(i, "sex", "取值无效，应为 male（男）或 female（女）")
        if birth is None:
            problems.child(i, "birth_date", "不能为空：没有身份证号时请填写出生日期")
    if birth is not None:
        if birth > on:
            problems.child(i, "birth_date", "不能晚于今天")
        elif since is not None and birth <= since.replace(year=since.year - ADULT_AGE):
            field = "id_number" if c.id_number else "birth_date"
            problems.child(i, field, f"表明羁押开始时已年满 {ADULT_AGE} 周岁，不是未成年子女")
    if not c.name.strip():
        problems.child(i, "name", "不能为空")
    elif len(c.name.strip()) > 50:
        problems.child(i, "name", "最多 50 个字")
    if not _village(c.region_code):
        problems.child(
            i, "region_code", f"{c.region_code or '（空）'} 不是本县的村（社区）代码，请选择到村（社区）一级"
        )
    if not c.arrangement:
        problems.child(i, "arrangement", "不能为空：请选择照料安排（无需安排的也请选择并写明原因）")
    elif c.arrangement not in Arrangement.values:
        problems.child(
            i, "arrangement", "取值无效，应为：" + "、".join(f"{v}（{label}）" for v, label in Arrangement.choices)
        )
    elif c.arrangement == Arrangement.NONE_NEEDED and not c.arrangement_reason.strip():
        problems.child(i, "arrangement_reason", "不能为空：选择“无需安排”时请写明原因（如：由母亲照料）")
    elif c.arrangement in (Arrangement.RELATIVE, Arrangement.OTHER_ADULT):
        for field in ("caregiver_name", "caregiver_relationship", "caregiver_phone"):
            if not getattr(c, field).strip():
                problems.child(i, field, f"不能为空：{Arrangement(c.arrangement).label}时请填写照料人的情况")
    if c.caregiver_phone.strip() and not PHONE.match(c.caregiver_phone.strip()):
        problems.child(i, "caregiver_phone", "不是有效的电话号码（5 到 20 位数字）")
    for field, limit in (("arrangement_reason", 200), ("caregiver_name", 50), ("caregiver_relationship", 30)):
        if len(getattr(c, field)) > limit:
            problems.child(i, field, f"最多 {limit} 个字")


def _problems(actor: User, data: NoticeInput, on: datetime.date) -> dict[str, list[str]]:
    problems = _Problems()
    kinds = custody_kinds_for(actor)
    if data.kind not in NoticeKind.values:
        problems.add("kind", "取值无效，应为：" + "、".join(f"{v}（{label}）" for v, label in NoticeKind.choices))
    elif data.kind not in kinds:
        allowed = "、".join(NoticeKind(k).label for k in kinds)
        problems.add("kind", f"{NoticeKind(data.kind).label}不由您的单位登记；您的单位登记：{allowed}")
    for field, value in (("person.name", data.person_name), ("note", data.note)):
        problem = text_problem(value) or (person_name_problem(value) if field == "person.name" else None)
        if problem:
            problems.add(field, problem)
    if not data.person_name.strip():
        problems.add("person.name", "不能为空")
    elif len(data.person_name.strip()) > 50:
        problems.add("person.name", "最多 50 个字")
    if not data.person_id_number.strip():
        problems.add("person.id_number", "不能为空")
    else:
        for error in id_number_errors(data.person_id_number):
            problems.found.setdefault("person.id_number", []).append(f"「被羁押人身份证号」{error}")
    if data.parent_role not in ParentRole.values:
        problems.add("parent_role", "取值无效，应为 father（父亲）或 mother（母亲）")
    if data.since is None:
        problems.add("since", "不能为空，应为日期，如 2026-05-12")
    elif data.since > on:
        problems.add("since", "不能晚于今天")
    if data.until is not None and data.since is not None and data.until < data.since:
        problems.add("until", "不能早于羁押开始日期")
    if len(data.note) > 300:
        problems.add("note", "最多 300 个字")
    if data.children_need_care and not data.children:
        problems.add("children", "不能为空：有需要照料的未成年子女时，请逐一填写")
    if not data.children_need_care and data.children:
        problems.add("children_need_care", "选择了“没有”，却填写了子女：请改为“有”，或删去子女")
    if len(data.children) > MAX_CHILDREN:
        problems.add("children", f"一份通知最多 {MAX_CHILDREN} 名子女")
    seen: dict[str, int] = {}
    for i, child in enumerate(data.children):
        _check_child(problems, i, child, data.since, on)
        if child.id_number and not id_number_errors(child.id_number):
            number = normalise_id_number(child.id_number)
            if number in seen:
                problems.child(i, "id_number", f"与第 {seen[number] + 1} 名子女相同")
            seen.setdefault(number, i)
    return problems.found


def next_reference(department: Department, on: datetime.date) -> str:
    """GA-<year>-<sequence> (公安) or SF-<year>-<sequence> (司法): the unit's row is locked until the
    transaction commits, so two notices cannot take the same number."""
    list(Department.objects.select_for_update().filter(pk=department.pk).values_list("pk"))
    prefix = f"{'GA' if department.name == '县公安局' else 'SF'}-{on.year}-"
    taken = CustodyNotice.objects.filter(reference__startswith=prefix).count()
    return f"{prefix}{taken + 1:05d}"


def _fact_json(fact: Fact | None, source: str) -> dict[str, object] | None:
    if fact is None:
        return None
    values = dataclasses.asdict(fact)
    for key in ("since", "until"):
        values[key] = str(values[key]) if values[key] else None
    values["source"] = source
    return values


def _registered(data: ChildInput, region: Region, on: datetime.date) -> Child:
    """A child the registry does not know: registered with what the officer entered (no actor: an
    officer may not register children; the notice and its audit row say who). Screened when the
    parent's status is recorded just after."""
    number = normalise_id_number(data.id_number) if data.id_number else None
    record = ChildRecord(
        id_number=number,
        no_id_reason=None if number else NO_ID_REASON,
        name=data.name.strip(),
        sex=sex_of(number) if number else data.sex,
        birth_date=birth_date_of(number) if number else data.birth_date,  # type: ignore[arg-type]
        region_code=region.code,
    )
    return child_register(actor=None, record=record, effective=on)


def _case_text(notice: CustodyNotice, entry: CustodyChild) -> str:
    until = f"，预计 {notice.until} 释放（解除）" if notice.until else "，释放（解除）日期未定"
    arrangement = Arrangement(entry.arrangement).label
    care = f"；照料安排：{arrangement}" + (f"（{entry.caregiver_name}）" if entry.caregiver_name else "")
    return (
        f"{notice.department.name}登记{NoticeKind(notice.kind).label}通知 {notice.reference}："
        f"儿童的{ParentRole(notice.parent_role).label}自 {notice.since} 起{NoticeKind(notice.kind).label}{until}"
        f"{care}。请民政部门安排照料并核实儿童的安全。"
    )


@transaction.atomic
def notice_record(*, actor: User, data: NoticeInput, now: datetime.datetime | None = None) -> CustodyNotice:
    """Record a notice and act on it: each child's parent status (source `custody_notice:<id>`),
    registration of a child the registry does not know, a safety case when civil affairs must
    arrange the care, the township told to verify a relative's or another adult's arrangement."""
    if not may_record_custody_notice(actor):
        raise PermissionDenied("只有县公安局、县司法局的经办人可以登记拘留、服刑通知")
    now = now or timezone.now()
    on = today()
    problems = _problems(actor, data, on)
    if problems:
        raise ValidationError(problems)
    assert data.since is not None and actor.department is not None  # checked above
    notice = CustodyNotice.objects.create(
        reference=next_reference(actor.department, on),
        kind=data.kind,
        department=actor.department,
        recorded_by=actor,
        recorded_at=now,
        person_name=data.person_name.strip(),
        person_id_number=normalise_id_number(data.person_id_number),
        parent_role=data.parent_role,
        since=data.since,
        until=data.until,
        children_need_care=data.children_need_care,
        note=data.note.strip(),
    )
    fact = Fact(status=STATUS_OF_KIND[NoticeKind(data.kind)], since=data.since, until=data.until)
    entries: list[CustodyChild] = []
    cases: list[str] = []
    for i, item in enumerate(data.children):
        region = _village(item.region_code)
        assert region is not None
        number = normalise_id_number(item.id_number) if item.id_number else ""
        child = find_by_id_number(number) if number else None
        registered = child is None
        try:
            if child is None:
                child = _registered(item, region, on)
            row = (
                child.circumstances.filter(kind=data.parent_role, valid_to__isnull=True)
                .order_by("-valid_from", "-id")
                .first()
            )
            prior = _fact_json(Fact.of(row), row.source) if row is not None else None
            fact_record(
                actor=actor,
                child=child,
                kind=data.parent_role,
                fact=fact,
                effective=on,
                source=notice.source,
                note=f"{NoticeKind(data.kind).label}通知 {notice.reference}",
            )
        except ValidationError as e:
            field = "name" if registered else "id_number"
            raise ValidationError({f"children[{i}].{field}": [f"第 {i + 1} 名子女：{m}" for m in e.messages]}) from e
        entry = CustodyChild.objects.create(
            notice=notice,
            child=child,
            registered=registered,
            name=item.name.strip(),
            region=region,
            arrangement=item.arrangement,
            arrangement_reason=item.arrangement_reason.strip(),
            caregiver_name=item.caregiver_name.strip(),
            caregiver_relationship=item.caregiver_relationship.strip(),
            caregiver_phone=item.caregiver_phone.strip(),
            prior_fact=prior,
        )
        if item.arrangement in NEEDS_CIVIL_AFFAIRS:
            report = report_from_notice(
                actor=actor,
                child=child,
                task_number=TASK_OF_KIND[NoticeKind(data.kind)],
                description=_case_text(notice, entry),
                urgent=item.arrangement == Arrangement.NO_CARER,
                now=now,
            )
            entry.safety_case = report.case
            entry.save(update_fields=["safety_case"])
            cases.append(report.case.reference)
        entries.append(entry)
    audit.record(
        actor=actor,
        action="custody.notice_record",
        target=notice,
        summary=f"登记{NoticeKind(data.kind).label}通知 {notice.reference}（子女 {len(entries)} 名）",
        detail={
            "kind": data.kind,
            "children": [e.child_id for e in entries],
            "registered": [e.child_id for e in entries if e.registered],
            "cases": cases,
        },
    )
    transaction.on_commit(lambda: notify_arrangements(notice.pk))
    return notice
