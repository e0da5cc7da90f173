"""The one table of a safety case's allowed transitions, and the only place they are checked.

received (待响应) → acknowledged (已响应) → child_seen (已见到儿童) → assessed (评估完成) →
planned (帮扶计划已制定) → closed (已结案). An assessment may be redone before the plan (assessed
→ assessed); a planned case is reviewed (复查: planned → planned), each review restarting the
review clock. Each step that answers a clock completes it, and a step may start the next clock
(`starts`). A step with its own form (`form`: the risk assessment, the review) is taken through
its own service, which calls `case_transition` with the same table. A guard (`GUARDS`) is a
condition on the case beyond its state (a plan needs an action). A reporter sees the state as one
of three words (`REPORT_STATUS`): 已接收 until someone answers, 处理中 while the case is handled,
已结案."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from .models import CaseState, ClockStep, ReportStatus

if TYPE_CHECKING:
    from .models import SafetyCase

S = CaseState


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    completes: str = ""  # the clock step the transition answers
    starts: str = ""  # the clock step it starts (working days; a review starts the next round)
    needs_note: bool = False
    note_label: str = "说明"
    form: str = ""  # "": the generic note form (`case_act`); else the step's own page and service
    guard: str = ""  # a key of GUARDS


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("acknowledge", "确认收到（响应）", (S.RECEIVED,), S.ACKNOWLEDGED, completes=ClockStep.ACKNOWLEDGE),
        Transition(
            "see_child",
            "已见到儿童",
            (S.ACKNOWLEDGED,),
            S.CHILD_SEEN,
            completes=ClockStep.SEE_CHILD,
            starts=ClockStep.ASSESS,
            needs_note=True,
            note_label="见到儿童的情况（时间、地点、儿童现状）",
        ),
        Transition(
            "assess",
            "提交风险评估",
            (S.CHILD_SEEN, S.ASSESSED),
            S.ASSESSED,
            completes=ClockStep.ASSESS,
            starts=ClockStep.PLAN,
            form="assessment",
        ),
        Transition(
            "plan",
            "确定帮扶计划",
            (S.ASSESSED,),
            S.PLANNED,
            completes=ClockStep.PLAN,
            starts=ClockStep.REVIEW,
            guard="has_actions",
        ),
        Transition(
            "review",
            "记录复查",
            (S.PLANNED,),
            S.PLANNED,
            completes=ClockStep.REVIEW,
            starts=ClockStep.REVIEW,
            needs_note=True,
            note_label="复查情况（儿童现状、措施落实情况）",
            form="review",
        ),
        Transition(
            "close",
            "结案",
            (S.CHILD_SEEN, S.ASSESSED, S.PLANNED),
            S.CLOSED,
            needs_note=True,
            note_label="结案理由",
        ),
    ]
}


def _has_actions(case: SafetyCase) -> str:
    if case.plan_actions.exists():
        return ""
    return "帮扶计划还没有措施：请先添加至少一项帮扶措施（每项措施都会转介给分工表中的承办单位）"


# A guard answers why the step may not be taken ("" when it may).
GUARDS: dict[str, Callable[[SafetyCase], str]] = {"has_actions": _has_actions}

# The states in which a risk assessment is taken through `assess`, and the plan's actions added
# (the plan is amended after it is set, at a review or between reviews).
ASSESSABLE_STATES = TRANSITIONS["assess"].sources
PLAN_EDITABLE_STATES = (S.ASSESSED, S.PLANNED)

REPORT_STATUS: dict[str, str] = {
    S.RECEIVED: ReportStatus.RECEIVED,
    S.ACKNOWLEDGED: ReportStatus.HANDLING,
    S.CHILD_SEEN: ReportStatus.HANDLING,
    S.ASSESSED: ReportStatus.HANDLING,
    S.PLANNED: ReportStatus.HANDLING,
    S.CLOSED: ReportStatus.CLOSED,
}
OPEN_STATES = (S.RECEIVED, S.ACKNOWLEDGED, S.CHILD_SEEN, S.ASSESSED, S.PLANNED)


def transition(action: str) -> Transition:
    found = TRANSITIONS.get(action)
    if found is None:
        raise ValidationError(f"未知操作：{action}")
    return found


def allowed_from(state: str) -> list[Transition]:
    """The transitions a case in `state` may take, in the table's order."""
    return [t for t in TRANSITIONS.values() if state in t.sources]


def guard_problem(step: Transition, case: SafetyCase) -> str:
    return GUARDS[step.guard](case) if step.guard else ""


def report_status(state: str) -> ReportStatus:
    return ReportStatus(REPORT_STATUS[state])
