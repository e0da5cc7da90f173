"""What safeguarding shows on the home page (found by autodiscovery): a reporter's reports, the
way to file one and the follow-up questions waiting for their answer; open and overdue cases for
those who handle them; for a village director that cases exist for their village's children; for the
leader the county's counts only."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from shouhu.access import Capability, can
from shouhu.accounts.models import Role, User
from shouhu.web.home import Panel, home_contributor

from . import selectors
from .models import CaseState
from .transitions import OPEN_STATES


@home_contributor
def safety_panels(user: User) -> list[Panel]:
    panels = []
    if can(user, Capability.FOLLOW_SAFETY_REPORTS):
        questions = selectors.open_questions(user)
        if questions:
            panels.append(
                Panel(
                    title="待回答的追问",
                    stat=len(questions),
                    text=f"处理单位就您的报告提出了 {len(questions)} 个问题，请尽快回答：",
                    items=[
                        (
                            f"{q.report.reference}（{timezone.localtime(q.asked_at):%m-%d %H:%M} 提出）",
                            reverse("safety:report", args=[q.report_id]) + f"#question-{q.pk}",
                        )
                        for q in questions
                    ],
                )
            )
        reports = list(selectors.my_reports(user)[:5])
        items = [
            (
                f"{r.reference} {r.get_kind_display()}：{selectors.reporter_status_label(r)}",
                reverse("safety:report", args=[r.pk]),
            )
            for r in reports
        ]
        panels.append(
            Panel(
                title="强制报告",
                text="发现儿童遭受或疑似遭受侵害、处于危险中，请立即报告。" + ("最近的报告：" if items else ""),
                link=reverse("safety:report_new"),
                link_label="提交强制报告",
                items=[*items, ("我的全部报告", reverse("safety:my_reports"))],
            )
        )
    if can(user, Capability.VIEW_SAFETY_CASES):
        counts = selectors.case_counts(user)
        cases = reverse("safety:cases")
        items = [(f"已超时 {counts['overdue']} 件", f"{cases}?state=open&overdue=on")] if counts["overdue"] else []
        panels.append(
            Panel(
                title="儿童安全个案",
                stat=counts["open"],
                text=f"未结案 {counts['open']} 件，其中有环节超时的 {counts['overdue']} 件",
                link=f"{cases}?state=open",
                link_label="查看安全个案",
                items=items,
            )
        )
    if user.role == Role.VILLAGE_DIRECTOR:
        notices = selectors.notices_for(user)
        panels.append(
            Panel(
                title="本村儿童安全个案",
                stat=len(notices),
                text=(
                    f"本村儿童有 {len(notices)} 件安全个案正在由公安、民政和乡镇处理：" + "、".join(notices)
                    if notices
                    else "本村儿童目前没有正在处理的安全个案"
                ),
            )
        )
    if user.role == Role.LEADER:
        counts = selectors.county_counts()
        open_count = sum(counts[s] for s in OPEN_STATES)
        panels.append(
            Panel(
                title="全县儿童安全个案",
                stat=open_count,
                text=(
                    f"待响应 {counts[CaseState.RECEIVED]} 件，已响应 {counts[CaseState.ACKNOWLEDGED]} 件，"
                    f"已见到儿童 {counts[CaseState.CHILD_SEEN]} 件，评估完成 {counts[CaseState.ASSESSED]} 件，"
                    f"帮扶计划已制定 {counts[CaseState.PLANNED]} 件，已结案 {counts[CaseState.CLOSED]} 件；"
                    f"有环节超时的 {counts['overdue']} 件"
                ),
            )
        )
    return panels
