"""The explore pages' one write: the audit row of a matrix export (who took which copy)."""

from __future__ import annotations

from django.db import transaction

from shouhu.accounts.models import Department, User
from shouhu.core import audit

from ..models import PolicyDocument
from .matrix import build_matrix, matrix_xlsx
from .units import NameView


@transaction.atomic
def matrix_export(
    *, actor: User, document: PolicyDocument, view: NameView, area: str = "", department: Department | None = None
) -> bytes:
    """Build the (filtered) matrix workbook and record who exported what."""
    matrix = build_matrix(document, area=area, department=department, view=view)
    filters = []
    if area:
        filters.append(f"项目：{area}")
    if department is not None:
        filters.append(f"单位：{department.name}")
    data = matrix_xlsx(matrix, document=document, view=view, filters=filters)
    audit.record(
        actor=actor,
        action="policy.matrix_export",
        target=document,
        summary=f"导出分工矩阵（{len(matrix.rows)} 个单位 × {len(matrix.tasks)} 项任务，{view.label}）",
        detail={
            "version": document.version,
            "names": view.names,
            "on": view.on.isoformat() if view.on else None,
            "area": area,
            "department": department.pk if department else None,
            "rows": len(matrix.rows),
            "tasks": len(matrix.tasks),
        },
    )
    return data
