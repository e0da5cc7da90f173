"""The policy app's demo data (found by autodiscovery): the county's real task-division table from
the copy shipped with the product (shouhu/policy/data/huanren-task-table.txt), then a few progress
reports for the previous period."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shouhu.accounts.models import Department
from shouhu.core.demo import demo_loader
from shouhu.regions.models import Region

from .importing.parsing import parse_policy_document
from .importing.preview import content_hash
from .importing.services import policy_import_commit
from .models import PolicyDocument, ProgressReport, ProgressStatus
from .selectors import current_document
from .supervision.periods import previous_period
from .supervision.services import progress_report_review, progress_report_submit

TABLE_FILE = Path(__file__).resolve().parent / "data" / "huanren-task-table.txt"
TABLE_TITLE = "桓仁满族自治县困境儿童保障工作重点任务分工表"
# A default for the county to confirm (the table itself does not name its issuing body).
TABLE_ISSUING_BODY = "桓仁满族自治县人民政府办公室"


@demo_loader
def load_policy_table(users: dict[str, Any]) -> str | None:
    """Import the real table once; a later run (or a county that has since imported a revision
    with the same title) changes nothing."""
    data = TABLE_FILE.read_bytes()
    digest = content_hash(parse_policy_document(data, TABLE_FILE.name).tasks)
    existing = PolicyDocument.objects.filter(title=TABLE_TITLE).order_by("-version").first()
    if PolicyDocument.objects.filter(title=TABLE_TITLE, content_hash=digest).exists():
        assert existing is not None
        return f"任务分工表：《{TABLE_TITLE}》已导入（第 {existing.version} 版），未做更改"
    if existing is not None:
        return f"任务分工表：《{TABLE_TITLE}》已有第 {existing.version} 版（已修订），演示数据不覆盖"
    document = policy_import_commit(
        actor=None, data=data, filename=TABLE_FILE.name, title=TABLE_TITLE, issuing_body=TABLE_ISSUING_BODY
    )
    return f"任务分工表：已导入《{document.title}》第 {document.version} 版，{document.tasks.count()} 项任务"


# (persona, task number, unit, township code, status, narrative, review decision, comment)
DEMO_REPORTS = [
    (
        "officer_a",
        9,
        "县教育局",
        None,
        ProgressStatus.DONE,
        "已将符合条件的困境儿童全部纳入教育资助范围，本期资助 126 人次。",
        "accept",
        "",
    ),
    (
        "officer_a",
        10,
        "县教育局",
        None,
        ProgressStatus.IN_PROGRESS,
        "正在与民政部门核对困境儿童名单，落实免费教育政策。",
        "return",
        "请补充已核对人数和尚未落实的原因。",
    ),
    (
        "officer_b",
        5,
        "县卫健局",
        None,
        ProgressStatus.IN_PROGRESS,
        "已配合民政部门梳理重病、重残儿童名单，医疗救助报销比例调整方案待印发。",
        None,
        "",
    ),
    (
        "supervisor_a",
        25,
        "各乡镇（街道）",
        "210522100000",
        ProgressStatus.BEHIND,
        "3 个村儿童主任尚未配齐，正在选聘。",
        None,
        "",
    ),
]


@demo_loader
def load_supervision_reports(users: dict[str, Any]) -> str | None:
    """A few progress reports for the previous period (accepted, returned, waiting), once."""
    document = current_document()
    if document is None or ProgressReport.objects.exists():
        return None
    reviewer = users["caseworker"]
    for persona, number, unit, township_code, status, narrative, decision, comment in DEMO_REPORTS:
        task = document.tasks.filter(number=number).first()
        if task is None:
            continue
        report = progress_report_submit(
            actor=users[persona],
            task=task,
            department=Department.objects.get(name=unit),
            township=Region.objects.get(code=township_code) if township_code else None,
            period=previous_period(task.report_frequency).key,
            status=status,
            narrative=narrative,
        )
        if decision:
            progress_report_review(actor=reviewer, report=report, decision=decision, comment=comment)
    return f"督办：已为上一报告期生成 {ProgressReport.objects.count()} 份演示进展报告"
