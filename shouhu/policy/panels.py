"""What the policy app shows on shared pages (found by autodiscovery): a department's tasks on its
page, and home panels (my department's task counts; my township's tasks; "no table yet" for
administrators; progress reports due and waiting for review)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from shouhu.access import Capability, can, township_of
from shouhu.accounts.department_page import department_section
from shouhu.accounts.models import Department, Role, User
from shouhu.core.dates import today
from shouhu.web.caching import POLICY, shared
from shouhu.web.home import Panel, home_contributor

from .explore.departments import BY_DUTY, COOPERATES, GROUP_TITLES, LEADS, department_tasks
from .explore.task_list import import_url
from .explore.townships import township_tasks
from .models import PolicyDocument
from .selectors import current_document
from .supervision.periods import current_period
from .supervision.selectors import last_due_periods, my_obligations, obligations_for_period, review_queue

SECTION_TEMPLATE = "policy/_section_department_tasks.html"


@department_section
def department_policy_tasks(user: User, department: Department) -> list[dict[str, Any]]:
    """The department's tasks in the current table (including those written against its
    predecessors), one section per way it answers for them."""
    if not can(user, Capability.VIEW_POLICY):
        return []
    document = current_document()
    if document is None:
        return []
    groups = department_tasks(department, document)
    sections = [
        {
            "title": f"{GROUP_TITLES[key]}（{len(rows)} 项）",
            "template": SECTION_TEMPLATE,
            "rows": rows,
            "key": key,
        }
        for key, rows in groups.items()
        if rows
    ]
    if not sections:
        sections = [{"title": "任务分工表中的任务", "template": SECTION_TEMPLATE, "rows": [], "key": "none"}]
    return sections


def _counts(user: User, document: PolicyDocument) -> tuple[int, int, int]:
    """How many tasks the user's department leads, cooperates in and answers for by its duty."""
    assert user.department is not None
    groups = department_tasks(user.department, document)
    return (len(groups[LEADS]), len(groups[COOPERATES]), len(groups[BY_DUTY]))


@home_contributor
def policy_panels(user: User) -> list[Panel]:
    if not can(user, Capability.VIEW_POLICY):
        return []
    document = current_document()
    if document is None:
        if not can(user, Capability.MANAGE_POLICY):
            return []
        link = import_url() or reverse("policy:tasks")
        return [
            Panel(
                title="尚未导入任务分工表",
                text="导入县里的重点任务分工表后，各单位即可查看本单位承担的任务。",
                link=link,
                link_label="导入任务分工表",
            )
        ]
    if user.role == Role.DEPARTMENT_OFFICER and user.department is not None:
        key = ("department_task_counts", user.department.pk, document.pk, today())
        lead, cooperating, by_duty = shared(POLICY, key, lambda: _counts(user, document))
        return [
            Panel(
                title="本单位承担的任务",
                stat=lead + cooperating + by_duty,
                text=f"本单位牵头 {lead} 项、配合 {cooperating} 项、按职责落实 {by_duty} 项任务",
                link=reverse("departments:detail", args=[user.department.pk]),
                link_label="查看本单位的任务",
            )
        ]
    if user.role in {Role.TOWNSHIP_SUPERVISOR, Role.VILLAGE_DIRECTOR}:
        township = township_of(user)
        if township is None:
            return []
        count = shared(POLICY, ("township_task_count", document.pk, today()), lambda: len(township_tasks(document)))
        return [
            Panel(
                title=f"{township.name}承担的任务",
                stat=count,
                text="任务分工表中由各乡镇（街道）落实或配合的任务",
                link=reverse("policy:township", args=[township.code]),
                link_label="查看本乡镇的任务",
            )
        ]
    return []


@home_contributor
def supervision_panels(user: User) -> list[Panel]:
    if not can(user, Capability.VIEW_SUPERVISION) or current_document() is None:
        return []
    panels: list[Panel] = []
    if can(user, Capability.REPORT_PROGRESS):
        mine = my_obligations(user)
        current, previous, overdue = len(mine.current_to_report), len(mine.previous_to_report), len(mine.overdue)
        parts = [f"本期（{current_label()}）待报告 {current} 项"]
        if previous:
            parts.append(f"上期待报告 {previous} 项（截止日前）")
        parts.append(f"逾期 {overdue} 项")
        panels.append(
            Panel(
                title="任务进展报告",
                stat=current + previous,
                text="，".join(parts),
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
        panels.append(leader_supervision_panel())
    return panels


def current_label() -> str:
    """本期 as the 督办 page means it: each task's current period; named by the quarter (the
    tasks' default frequency)."""
    return current_period().label


def leader_supervision_panel() -> Panel:
    """The share of reports in for the periods that are due (each task's most recent period whose
    due date has passed): on the first day of a period the current one has nothing due yet, so a
    rate of it would read 0% whatever the units did (docs/policy-supervision.md, "Home panels")."""
    closed = last_due_periods()
    reported = sum(1 for o in closed if o.done)
    accepted = sum(1 for o in closed if o.report is not None and o.report.review_state == "accepted")
    rate = f"{reported * 100 // len(closed)}%" if closed else "—"
    labels = sorted({o.period.label for o in closed}, reverse=True)
    named = labels[0] if len(labels) == 1 else "各任务最近一期"
    current = obligations_for_period(None)
    current_reported = sum(1 for o in current if o.done)
    return Panel(
        title=f"已到期报告落实率（{named}）",
        stat=rate,
        text=(
            f"{named}应报告 {len(closed)} 项，已报告 {reported} 项，审核通过 {accepted} 项；"
            f"本期（{current_label()}）尚未到期，已报告 {current_reported}/{len(current)} 项"
        ),
        link="/policy/supervision/",
        link_label="查看督办情况",
    )
