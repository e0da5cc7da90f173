"""Supervision's home-page panels and demo reports (registered by shouhu.policy.contributions)."""

from __future__ import annotations

from typing import Any

from shouhu.accounts.access import Capability, can
from shouhu.accounts.models import Department, Role, User
from shouhu.core.demo import demo_loader
from shouhu.regions.models import Region
from shouhu.web.home import Panel, home_contributor

from .models import ProgressReport, ProgressStatus
from .selectors import current_document
from .supervision import previous_period, progress_report_review, progress_report_submit
from .supervision_selectors import my_obligations, obligations_for_period, review_queue


@home_contributor
def supervision_panels(user: User) -> list[Panel]:
    if not can(user, Capability.VIEW_SUPERVISION) or current_document() is None:
        return []
    panels: list[Panel] = []
    if can(user, Capability.REPORT_PROGRESS):
        mine = my_obligations(user)
        to_report, overdue = len(mine.to_report), len(mine.overdue)
        panels.append(
            Panel(
                title="任务进展报告",
                stat=to_report,
                text=f"本期待报告 {to_report} 项，逾期 {overdue} 项",
                link="/policy/supervision/mine/",
                link_label="查看并报告",
            )
        )
    if can(user, Capability.REVIEW_PROGRESS):
        waiting = review_queue(user).count()
        panels.append(
            Panel(
                title="进展报告审核",
                stat=waiting,
                text=f"待审核 {waiting} 份",
                link="/policy/supervision/queue/",
                link_label="去审核",
            )
        )
    if user.role == Role.LEADER:
        items = obligations_for_period(None)
        reported = sum(1 for o in items if o.done)
        accepted = sum(1 for o in items if o.report is not None and o.report.review_state == "accepted")
        rate = f"{reported * 100 // len(items)}%" if items else "—"
        panels.append(
            Panel(
                title="本期任务落实（督办）",
                stat=rate,
                text=f"应报告 {len(items)} 项，已报告 {reported} 项，审核通过 {accepted} 项",
                link="/policy/supervision/",
                link_label="查看督办情况",
            )
        )
    return panels


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
