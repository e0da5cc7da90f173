"""Test helpers for the policy app: load the county's real task-division table straight into
the database (parser + plain rows), independent of the import service."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from shouhu.accounts.models import Department
from shouhu.policy.importing.parsing import parse_text_export
from shouhu.policy.models import PolicyDocument, PolicyTask, ResponsibilityRole, TaskResponsibility

SOURCE = Path("/work/shared/source/000_9b469a6b42db3913.txt")


def load_table(path_or_text: str | Path = SOURCE, *, version: int = 1, title: str | None = None) -> PolicyDocument:
    """Parse a text export (a path or the text itself) and write the document, its tasks and
    responsibility rows. Units resolve by `Department.name`; units of tasks that are not
    lead/cooperating (each by duty, each township, sole) are stored with role "lead"."""
    if isinstance(path_or_text, Path) or (len(str(path_or_text)) < 500 and Path(str(path_or_text)).is_file()):
        text = Path(path_or_text).read_text(encoding="utf-8")
        filename = Path(path_or_text).name
    else:
        text, filename = str(path_or_text), "table.txt"
    result = parse_text_export(text)
    assert result.ok, [e.message for e in result.errors]
    digest = hashlib.sha256(
        json.dumps(
            [[t.number, t.area, t.text, t.mode, t.lead, t.cooperating] for t in result.tasks], ensure_ascii=False
        ).encode()
    ).hexdigest()
    document = PolicyDocument.objects.create(
        title=title or result.title or "重点任务分工表",
        version=version,
        source_filename=filename,
        source_format="txt",
        content_hash=digest,
    )
    departments = {d.name: d for d in Department.objects.all()}
    areas = result.areas
    responsibilities = []
    for parsed in result.tasks:
        task = PolicyTask.objects.create(
            document=document,
            number=parsed.number,
            area=parsed.area,
            area_order=areas.index(parsed.area) + 1,
            text=parsed.text,
            responsibility_text=parsed.responsibility,
            mode=parsed.mode,
        )
        for role, names in (
            (ResponsibilityRole.LEAD, parsed.lead),
            (ResponsibilityRole.COOPERATING, parsed.cooperating),
        ):
            for position, name in enumerate(names, start=1):
                responsibilities.append(
                    TaskResponsibility(
                        task=task,
                        department=departments[name],
                        role=role,
                        name_as_written=name,
                        position=position,
                    )
                )
    TaskResponsibility.objects.bulk_create(responsibilities)
    return document


def task(document: PolicyDocument, number: int) -> PolicyTask:
    return document.tasks.get(number=number)
