"""Persona-walk samples for the supervision (督办) pages."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from shouhu.accounts.models import Department, User
from shouhu.accounts.personas import TOWNSHIP_A
from shouhu.core.testing.walk import Sample
from shouhu.policy.models import EvidenceFile, ProgressStatus
from shouhu.policy.supervision.periods import current_period
from shouhu.policy.supervision.services import progress_report_submit
from shouhu.regions.models import Region

from .supervision_factories import PDF_BYTES, ensure_table

REVIEWERS = frozenset({"admin", "caseworker"})
COUNTY = REVIEWERS | {"leader"}
WALK_EVIDENCE = "evidence/walk/walk-sample.pdf"


def setup(personas: dict[str, User]) -> dict[str, Any]:
    document = ensure_table()
    education = Department.objects.get(name="县教育局")
    health = Department.objects.get(name="县卫健局")
    townships = Department.objects.get(name="各乡镇（街道）")
    township_a = Region.objects.get(code=TOWNSHIP_A)
    tasks = {n: document.tasks.get(number=n) for n in (5, 9, 10, 25)}

    def submit(actor: str, number: int, department: Department, township: Region | None = None) -> int:
        task = tasks[number]
        return progress_report_submit(
            actor=personas[actor],
            task=task,
            department=department,
            township=township,
            period=current_period(task.report_frequency).key,
            status=ProgressStatus.IN_PROGRESS,
            narrative="已部署落实，正在推进。",
        ).pk

    report_a = submit("officer_a", 9, education)
    report_b = submit("officer_b", 5, health)
    report_township = submit("supervisor_a", 25, townships, township_a)
    if not default_storage.exists(WALK_EVIDENCE):
        default_storage.save(WALK_EVIDENCE, ContentFile(PDF_BYTES))
    evidence = EvidenceFile.objects.create(
        report_id=report_a,
        file=WALK_EVIDENCE,
        original_name="走访材料.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        uploaded_by=personas["officer_a"],
    )
    return {
        "sv_task_5": tasks[5].pk,
        "sv_task_9": tasks[9].pk,
        "sv_task_10": tasks[10].pk,
        "sv_task_25": tasks[25].pk,
        "sv_period_10": current_period(tasks[10].report_frequency).key,
        "sv_education": education.pk,
        "sv_health": health.pk,
        "sv_townships": townships.pk,
        "sv_report_a": report_a,
        "sv_report_b": report_b,
        "sv_report_township": report_township,
        "sv_evidence": evidence.pk,
    }


SAMPLES = {
    "policy:supervision": [
        Sample(),
        Sample(query="period=2025Q4&area=保障基本医疗"),
        Sample(query=f"township={TOWNSHIP_A}&period=2026"),
    ],
    "policy:supervision_mine": [Sample()],
    "policy:supervision_queue": [Sample(), Sample(query="period=2026Q4&area=保障基本医疗")],
    "policy:supervision_frequency": [
        Sample(method="post", data=lambda c: {"task": c["sv_task_9"], "frequency": "monthly"}, success=(302,)),
    ],
    "policy:supervision_report": [
        Sample(
            kwargs=lambda c: {"task_id": c["sv_task_9"], "department_id": c["sv_education"]},
            ok=frozenset({"officer_a"}),
        ),
        Sample(
            kwargs=lambda c: {"task_id": c["sv_task_5"], "department_id": c["sv_health"]}, ok=frozenset({"officer_b"})
        ),
        Sample(
            kwargs=lambda c: {"task_id": c["sv_task_25"], "department_id": c["sv_townships"]},
            query=f"township={TOWNSHIP_A}",
            ok=frozenset({"supervisor_a"}),
        ),
        Sample(
            kwargs=lambda c: {"task_id": c["sv_task_10"], "department_id": c["sv_education"]},
            method="post",
            data=lambda c: {"period": c["sv_period_10"], "status": "in_progress", "narrative": "已推进。"},
            ok=frozenset({"officer_a"}),
            success=(302,),
        ),
    ],
    "policy:supervision_report_detail": [
        Sample(kwargs=lambda c: {"report_id": c["sv_report_a"]}, ok=COUNTY | {"officer_a"}),
        Sample(kwargs=lambda c: {"report_id": c["sv_report_b"]}, ok=COUNTY | {"officer_b"}),
        Sample(kwargs=lambda c: {"report_id": c["sv_report_township"]}, ok=COUNTY | {"supervisor_a"}),
    ],
    "policy:supervision_review": [
        Sample(
            kwargs=lambda c: {"report_id": c["sv_report_a"]}, method="post", data={"decision": "accept"}, success=(302,)
        ),
        Sample(
            kwargs=lambda c: {"report_id": c["sv_report_township"]},
            method="post",
            data={"decision": "return", "comment": "请补充佐证材料"},
            success=(302,),
        ),
    ],
    "policy:supervision_evidence": [
        Sample(kwargs=lambda c: {"evidence_id": c["sv_evidence"]}, ok=COUNTY | {"officer_a"}),
    ],
    "policy:supervision_export_county": [Sample(ok=COUNTY), Sample(query="period=2026Q3", ok=COUNTY)],
    "policy:supervision_export_department": [
        Sample(kwargs=lambda c: {"department_id": c["sv_education"]}, ok=COUNTY | {"officer_a"}),
        Sample(kwargs=lambda c: {"department_id": c["sv_health"]}, ok=COUNTY | {"officer_b"}, query="periods=2"),
    ],
}
