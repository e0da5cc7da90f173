"""The one table of a family's allowed steps on the register, and the only place they are checked.

applied (已申请) → assessed (已评估: a home study and capacity assessment recorded) → approved
(已批准, by county civil affairs, with a capacity) → suspended (已暂停) ⇄ approved; any state but
withdrawn → withdrawn (已退出). An assessed family may be assessed again."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from .models import FamilyState

S = FamilyState


@dataclass(frozen=True)
class Step:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    needs_note: bool = False
    note_label: str = "说明"


STEPS: dict[str, Step] = {
    s.action: s
    for s in [
        Step("assess", "记录入户调查与能力评估", (S.APPLIED, S.ASSESSED), S.ASSESSED),
        Step("approve", "批准（县民政局）", (S.ASSESSED,), S.APPROVED),
        Step("suspend", "暂停", (S.APPROVED,), S.SUSPENDED, needs_note=True, note_label="暂停原因"),
        Step("reinstate", "恢复", (S.SUSPENDED,), S.APPROVED, needs_note=True, note_label="恢复理由"),
        Step(
            "withdraw",
            "退出登记",
            (S.APPLIED, S.ASSESSED, S.APPROVED, S.SUSPENDED),
            S.WITHDRAWN,
            needs_note=True,
            note_label="退出原因",
        ),
    ]
}
# Steps taken on the family page with only a note (assess and approve have forms of their own).
NOTE_STEPS = ("suspend", "reinstate", "withdraw")


def step(action: str) -> Step:
    found = STEPS.get(action)
    if found is None:
        raise ValidationError(f"未知操作：{action}")
    return found


def allowed_from(state: str) -> list[Step]:
    return [s for s in STEPS.values() if state in s.sources]
