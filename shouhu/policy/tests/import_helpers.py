"""Building task tables in the three formats for the import / export tests (real files)."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Sequence
from pathlib import Path

import docx

from shouhu.policy.importing.parsing import ParsedTask, parse_policy_document, tasks_to_xlsx

SOURCE = Path(__file__).resolve().parents[1] / "data" / "huanren-task-table.txt"
TITLE = "桓仁满族自治县困境儿童保障工作重点任务分工表"


def source_bytes() -> bytes:
    return SOURCE.read_bytes()


def source_tasks() -> list[ParsedTask]:
    result = parse_policy_document(source_bytes(), SOURCE.name)
    assert result.ok, [e.message for e in result.errors]
    return result.tasks


def replace(tasks: Sequence[ParsedTask], number: int, **changes: object) -> list[ParsedTask]:
    return [dataclasses.replace(t, **changes) if t.number == number else t for t in tasks]  # type: ignore[arg-type]


def as_xlsx(tasks: Sequence[ParsedTask], title: str | None = TITLE) -> bytes:
    return tasks_to_xlsx(tasks, title=title)


def as_docx(tasks: Sequence[ParsedTask], title: str | None = TITLE) -> bytes:
    """A Word table with every cell filled (the parser also handles merged cells; see test_parsing)."""
    document = docx.Document()
    document.add_paragraph("附件：")
    if title:
        document.add_paragraph(title)
    table = document.add_table(rows=1 + len(tasks), cols=4)
    for col, name in enumerate(("序号", "项目", "工作任务", "责任单位")):
        table.cell(0, col).text = name
    for i, task in enumerate(tasks, start=1):
        table.cell(i, 0).text = str(task.number)
        table.cell(i, 1).text = task.area
        table.cell(i, 2).text = task.text
        lines = task.responsibility.split("\n")
        cell = table.cell(i, 3)
        cell.paragraphs[0].text = lines[0]
        for line in lines[1:]:
            cell.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
