"""The one table of a safety case's allowed transitions, and the only place they are checked.

received (待响应) → acknowledged (已响应) → child_seen (已见到儿童) → closed (已结案). Each step
that answers a clock completes it. A reporter sees the state as one of three words
(`REPORT_STATUS`): 已接收 until someone answers, 处理中 while the case is handled, 已结案."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from .models import CaseState, ClockStep, ReportStatus

S = CaseState


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    completes: str = ""  # the clock step the transition answers
    needs_note: bool = False
    note_label: str = "说明"


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
            needs_note=True,
            note_label="见到儿童的情况（时间、地点、儿童现状）",
        ),
        Transition("close", "结案", (S.CHILD_SEEN,), S.CLOSED, needs_note=True, note_label="结案理由"),
    ]
}

REPORT_STATUS: dict[str, str] = {
    S.RECEIVED: ReportStatus.RECEIVED,
    S.ACKNOWLEDGED: ReportStatus.HANDLING,
    S.CHILD_SEEN: ReportStatus.HANDLING,
    S.CLOSED: ReportStatus.CLOSED,
}
OPEN_STATES = (S.RECEIVED, S.ACKNOWLEDGED, S.CHILD_SEEN)


def transition(action: str) -> Transition:
    found = TRANSITIONS.get(action)
    if found is None:
        raise ValidationError(f"未知操作：{action}")
    return found


def allowed_from(state: str) -> list[Transition]:
    """The transitions a case in `state` may take, in the table's order."""
    return [t for t in TRANSITIONS.values() if state in t.sources]


def report_status(state: str) -> ReportStatus:
    return ReportStatus(REPORT_STATUS[state])
