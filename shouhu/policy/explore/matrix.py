"""The department × task matrix: one row per unit (as written, or as on the view's date), one
column per task, a letter per cell for how the unit answers for it; and the matrix as .xlsx."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from shouhu.accounts.models import Department

from ..models import PolicyDocument, PolicyTask
from ..selectors import ReorganisationGraph, reorganisation_graph
from .task_list import filtered_tasks
from .units import KIND_CODES, KIND_LABELS, KIND_LEGEND, KINDS, NameView, units_for


@dataclass
class MatrixRow:
    department: Department
    cells: list[str]  # one per column: L / C / D / T / S or ""
    counts: dict[str, int]
    written: list[str]  # the table's names this row stands for


@dataclass
class Matrix:
    tasks: list[PolicyTask]
    rows: list[MatrixRow]

    @property
    def kinds(self) -> list[tuple[str, str, str]]:
        return [(KIND_CODES[k], KIND_LABELS[k], KIND_LEGEND[k]) for k in KINDS]


def build_matrix(
    document: PolicyDocument,
    *,
    area: str = "",
    department: Department | None = None,
    view: NameView,
    graph: ReorganisationGraph | None = None,
) -> Matrix:
    """Rows: units (as written, or as resolved on the view's date) in order of first
    appearance; columns: tasks. With a department filter, only its row(s) and the tasks it
    answers for."""
    graph = graph or reorganisation_graph()
    tasks = filtered_tasks(document, area=area, view=view, graph=graph)
    cells: dict[int, dict[int, str]] = {}
    departments: dict[int, Department] = {}
    written: dict[int, list[str]] = defaultdict(list)
    for task in tasks:
        for unit in units_for(task, view, graph):
            pk = unit.department.pk
            departments.setdefault(pk, unit.department)
            for name in unit.as_written:
                if name not in written[pk]:
                    written[pk].append(name)
            row = cells.setdefault(pk, {})
            previous = row.get(task.pk)
            if previous is None or KINDS.index(unit.kind) < KINDS.index(previous):
                row[task.pk] = unit.kind
    order = list(departments)
    if department is not None:
        order = [pk for pk in order if pk == department.pk or department.pk in graph.resolve_ids(pk, view.date)]
        kept = {task_pk for pk in order for task_pk in cells[pk]}
        tasks = [t for t in tasks if t.pk in kept]
    rows = []
    for pk in order:
        kinds = [cells[pk].get(t.pk, "") for t in tasks]
        counts = {KIND_CODES[k]: kinds.count(k) for k in KINDS}
        rows.append(MatrixRow(departments[pk], [KIND_CODES[k] if k else "" for k in kinds], counts, written[pk]))
    return Matrix(tasks, rows)


def matrix_xlsx(matrix: Matrix, *, document: PolicyDocument, view: NameView, filters: Sequence[str]) -> bytes:
    """The matrix as an .xlsx: header row and first column frozen, a legend sheet and the
    task texts. Text is written with write_string, so nothing becomes a formula."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    header = workbook.add_format(
        {"bold": True, "border": 1, "align": "center", "valign": "vcenter", "bg_color": "#E8EEF4"}
    )
    name_format = workbook.add_format({"border": 1, "valign": "vcenter"})
    formats = {
        "L": workbook.add_format(
            {"border": 1, "align": "center", "bold": True, "bg_color": "#1565C0", "font_color": "#FFFFFF"}
        ),
        "C": workbook.add_format({"border": 1, "align": "center", "bg_color": "#90CAF9"}),
        "D": workbook.add_format({"border": 1, "align": "center", "bg_color": "#E1BEE7"}),
        "T": workbook.add_format({"border": 1, "align": "center", "bg_color": "#A5D6A7"}),
        "S": workbook.add_format({"border": 1, "align": "center", "bg_color": "#CFD8DC"}),
        "": workbook.add_format({"border": 1}),
    }
    count_format = workbook.add_format({"border": 1, "align": "center"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top", "border": 1})

    sheet = workbook.add_worksheet("分工矩阵")
    sheet.write_string(0, 0, "单位", header)
    sheet.set_column(0, 0, 16)
    for col, task in enumerate(matrix.tasks, start=1):
        sheet.write_string(0, col, str(task.number), header)
        sheet.write_comment(0, col, f"{task.number}. {task.area}：{task.text}"[:1000])
    sheet.set_column(1, max(len(matrix.tasks), 1), 4)
    totals_at = len(matrix.tasks) + 1
    for offset, kind in enumerate(KINDS):
        sheet.write_string(0, totals_at + offset, KIND_LABELS[kind], header)
    sheet.set_column(totals_at, totals_at + len(KINDS) - 1, 8)
    for row_index, row in enumerate(matrix.rows, start=1):
        sheet.write_string(row_index, 0, row.department.name, name_format)
        for col, code in enumerate(row.cells, start=1):
            sheet.write_string(row_index, col, code, formats[code])
        for offset, kind in enumerate(KINDS):
            sheet.write_number(row_index, totals_at + offset, row.counts[KIND_CODES[kind]], count_format)
    sheet.freeze_panes(1, 1)

    legend = workbook.add_worksheet("说明")
    legend.set_column(0, 0, 14)
    legend.set_column(1, 1, 60)
    lines: list[tuple[str, str]] = [
        ("分工表", str(document)),
        ("单位名称", view.label),
        *[("筛选", f) for f in filters],
        ("", ""),
        ("图例", ""),
        *[(KIND_CODES[k], KIND_LEGEND[k]) for k in KINDS],
    ]
    for index, (key, value) in enumerate(lines):
        legend.write_string(index, 0, key, header if key == "图例" else name_format if key else formats[""])
        legend.write_string(index, 1, value)

    task_sheet = workbook.add_worksheet("任务")
    for col, (title, width) in enumerate((("序号", 6), ("项目", 18), ("工作任务", 70), ("责任单位（原文）", 40))):
        task_sheet.write_string(0, col, title, header)
        task_sheet.set_column(col, col, width)
    for index, task in enumerate(matrix.tasks, start=1):
        task_sheet.write_number(index, 0, task.number, count_format)
        task_sheet.write_string(index, 1, task.area, wrap)
        task_sheet.write_string(index, 2, task.text, wrap)
        task_sheet.write_string(index, 3, task.responsibility_text, wrap)
    task_sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
