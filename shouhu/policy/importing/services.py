"""The task-division table's writes: importing a table (all or nothing, with the unit aliases
and new units the user confirmed) and the audit row of an export. Each writes its audit rows in
the same transaction."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import PurePath

from django.db import IntegrityError, transaction

from shouhu.accounts.models import Department, DepartmentKind, User
from shouhu.core.audit import record
from shouhu.web.caching import POLICY, bump

from ..models import PolicyDocument, PolicyTask, ResponsibilityRole, TaskResponsibility, UnitAlias
from .parsing import ParseResult
from .preview import PolicyImportError, policy_import_preview


@transaction.atomic
def policy_import_commit(
    *,
    actor: User | None,
    data: bytes,
    filename: str,
    title: str | None = None,
    issuing_body: str = "",
    issued_on: datetime.date | None = None,
    aliases: dict[str, int] | None = None,
    create_units: Sequence[str] | None = None,
    parsed: ParseResult | None = None,
) -> PolicyDocument:
    """Import a table: nothing is written unless every row parses and every unit resolves.
    Returns the new version, or the latest version unchanged when its content is the same."""
    preview = policy_import_preview(
        actor=actor,
        data=data,
        filename=filename,
        title=title,
        issuing_body=issuing_body,
        issued_on=issued_on,
        aliases=aliases,
        create_units=create_units,
        parsed=parsed,
    )
    if not preview.can_commit:
        raise PolicyImportError(preview.blocking_messages)
    if preview.unchanged is not None:
        return preview.unchanged
    # Lock the latest version so two imports of the same title cannot both become N+1
    # (PostgreSQL; SQLite serialises writers anyway). The unique (title, version) constraint
    # catches the first import of a title racing with another.
    if preview.previous is not None:
        latest = PolicyDocument.objects.select_for_update().filter(title=preview.title).order_by("-version").first()
        if latest is None or latest.pk != preview.previous.pk:
            raise PolicyImportError(["同一分工表刚被其他人导入了新版本，请重新预览后再导入"])

    units = dict(preview.resolved)
    for name, department in preview.mapped.items():
        alias = UnitAlias.objects.create(alias=name, department=department)
        record(
            actor=actor,
            action="policy.unit_alias_create",
            target=alias,
            summary=f"单位写法「{name}」对应到「{department.name}」",
            detail={"alias": name, "department": department.pk},
        )
    for name in preview.unit_names:
        if name not in units:  # confirmed as a new unit
            department = Department.objects.create(name=name, official_name=name, kind=DepartmentKind.GOVERNMENT)
            record(
                actor=actor,
                action="department.create",
                target=department,
                summary=f"导入分工表时新建责任单位「{name}」",
                detail={"name": name, "kind": DepartmentKind.GOVERNMENT},
            )
            units[name] = department

    issuing_body = preview.issuing_body or (preview.previous.issuing_body if preview.previous else "")
    try:
        with transaction.atomic():
            document = PolicyDocument.objects.create(
                title=preview.title,
                issuing_body=issuing_body,
                issued_on=preview.issued_on,
                version=preview.next_version,
                source_filename=PurePath(filename.replace("\\", "/")).name[:255],
                source_format=preview.source_format,
                content_hash=preview.content_hash,
                imported_by=actor if actor is not None and actor.pk is not None else None,
            )
    except IntegrityError:
        raise PolicyImportError(["同一分工表刚被其他人导入，请重新预览后再导入"]) from None

    frequencies: dict[int, str] = {}
    if preview.previous is not None:
        frequencies = dict(preview.previous.tasks.values_list("number", "report_frequency"))
    area_order = {area: index for index, (area, _) in enumerate(preview.areas, start=1)}
    created = PolicyTask.objects.bulk_create(
        [
            PolicyTask(
                document=document,
                number=task.number,
                area=task.area,
                area_order=area_order[task.area],
                text=task.text,
                responsibility_text=task.responsibility,
                mode=task.mode,
                **({"report_frequency": frequencies[task.number]} if task.number in frequencies else {}),
            )
            for task in preview.tasks
        ]
    )
    if any(task.pk is None for task in created):  # backends that do not return ids from bulk_create
        created = list(document.tasks.order_by("number"))
    by_number = {task.number: task for task in created}
    responsibilities = []
    for row in preview.tasks:
        for role, names in (
            (ResponsibilityRole.LEAD, row.lead),
            (ResponsibilityRole.COOPERATING, row.cooperating),
        ):
            seen: set[int] = set()
            for position, name in enumerate(names, start=1):
                department = units[name]
                if department.pk in seen:  # two spellings of one unit in the same cell
                    continue
                seen.add(department.pk)
                responsibilities.append(
                    TaskResponsibility(
                        task=by_number[row.number],
                        department=department,
                        role=role,
                        name_as_written=name,
                        position=position,
                    )
                )
    TaskResponsibility.objects.bulk_create(responsibilities)
    bump(POLICY)  # a new current table: every process drops the one it kept

    summary = (
        f"导入任务分工表《{document.title}》第 {document.version} 版："
        f"{len(preview.tasks)} 项任务，{len(preview.areas)} 个项目"
    )
    record(
        actor=actor,
        action="policy.import",
        target=document,
        summary=summary,
        detail={
            "title": document.title,
            "version": document.version,
            "filename": document.source_filename,
            "format": document.source_format,
            "content_hash": document.content_hash,
            "tasks": len(preview.tasks),
            "areas": len(preview.areas),
            "units": len(preview.unit_names),
            "previous_version": preview.previous.version if preview.previous else None,
            "differences": [
                {"number": d.number, "kind": d.kind, "before": d.before, "after": d.after} for d in preview.differences
            ],
        },
    )
    return document


@transaction.atomic
def policy_export_record(*, actor: User | None, document: PolicyDocument, fmt: str, current_names: bool) -> None:
    """Audit an export (who took a copy of which version, in which form)."""
    names = "（现名称）" if current_names else ""
    record(
        actor=actor,
        action="policy.export",
        target=document,
        summary=f"导出任务分工表《{document.title}》第 {document.version} 版为 {fmt.upper()}{names}",
        detail={"format": fmt, "current_names": current_names, "version": document.version},
    )
