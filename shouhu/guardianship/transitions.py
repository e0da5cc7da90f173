"""The one table of a guardianship intervention's allowed steps, and the only place they are checked.

    opened ─训诫、教育→ warned (已改正) ─结案→ closed
           └─────────→ unreformed (教育不改) ─临时监护→ temporary
    opened ─临时监护→ temporary (an emergency: 未保法 Art. 92 does not wait for a warning)
    temporary ─申请撤销监护资格→ applied ─法院判决→ revoked | not_revoked
    revoked ─长期监护→ long_term ─结案→ closed
    temporary | revoked | not_revoked ─送返、回归家庭→ returned ─回访→ returned ─结案→ closed

Each step names the unit responsible for it as the task-division table writes it (`task`, `unit`;
resolved by `units.py`), and who records it (`party`: what each party is, `shouhu/access/guardianship.py`
decides). A step with outcomes goes to the state of the outcome chosen."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from .models import InterventionState, Outcome, StepAction

S = InterventionState
A = StepAction

# Who records a step (shouhu/access/guardianship.py says who each is).
POLICE = "police"  # 县公安局's officers on the case
CIVIL_AFFAIRS = "civil_affairs"  # county civil affairs (the caseworkers)
APPLICANT = "applicant"  # county civil affairs or 县检察院's officers on the case
VISITOR = "visitor"  # county civil affairs or the supervisor of the child's township

# The units as the table names them; an applicant is one of these two.
POLICE_UNIT, CIVIL_AFFAIRS_UNIT, COURT_UNIT, PROCURATORATE_UNIT = "县公安局", "县民政局", "县法院", "县检察院"
TOWNSHIPS_UNIT = "各乡镇（街道）"
APPLICANT_UNITS = (CIVIL_AFFAIRS_UNIT, PROCURATORATE_UNIT)


@dataclass(frozen=True)
class Step:
    action: str
    sources: tuple[str, ...]
    outcomes: tuple[tuple[str, str], ...]  # (outcome, target state); ("", target) when there is one way
    party: str
    task: int  # the task-division table's task that names the unit
    unit: str  # the unit as the table writes it ("" for the applicant's: chosen on the form)
    confirm: str = ""  # asked before submitting (a step the registry follows, or the end)
    basis: str = ""  # the law the step rests on, shown beside it

    @property
    def label(self) -> str:
        return str(StepAction(self.action).label)

    def target(self, outcome: str) -> str:
        for value, target in self.outcomes:
            if value == outcome:
                return target
        raise ValidationError({"outcome": [f"「结果」无效，应为：{self.outcome_labels()}"]})

    def outcome_labels(self) -> str:
        return "、".join(str(Outcome(value).label) for value, _ in self.outcomes if value)

    @property
    def has_outcome(self) -> bool:
        return any(value for value, _ in self.outcomes)


STEPS: dict[str, Step] = {
    s.action: s
    for s in [
        Step(
            A.WARN,
            (S.OPENED,),
            ((Outcome.CORRECTED, S.WARNED), (Outcome.UNREFORMED, S.UNREFORMED)),
            POLICE,
            17,
            POLICE_UNIT,
            basis="公安机关训诫、教育",
        ),
        Step(
            A.TEMPORARY,
            (S.OPENED, S.UNREFORMED),
            (("", S.TEMPORARY),),
            CIVIL_AFFAIRS,
            17,
            CIVIL_AFFAIRS_UNIT,
            confirm="临时监护将在儿童名册中把实际监护人记为民政部门，并立即重新筛查该儿童。确定吗？",
            basis="民法典第三十一条、未成年人保护法第九十二条",
        ),
        Step(
            A.APPLY,
            (S.TEMPORARY,),
            (("", S.APPLIED),),
            APPLICANT,
            17,
            "",
            basis="民法典第三十六条：民政部门或人民检察院申请",
        ),
        Step(
            A.DECIDE,
            (S.APPLIED,),
            ((Outcome.REVOKED, S.REVOKED), (Outcome.NOT_REVOKED, S.NOT_REVOKED)),
            CIVIL_AFFAIRS,
            17,
            COURT_UNIT,
            confirm="法院判决撤销监护资格的，将在儿童名册中记录父母「被撤销监护资格」并立即重新筛查该儿童。确定吗？",
            basis="县民政局按判决书记录",
        ),
        Step(
            A.LONG_TERM,
            (S.REVOKED,),
            (("", S.LONG_TERM),),
            CIVIL_AFFAIRS,
            16,
            CIVIL_AFFAIRS_UNIT,
            confirm="长期监护将在儿童名册中把实际监护人记为民政部门。确定吗？",
            basis="未成年人保护法第九十四条",
        ),
        Step(
            A.RETURN_HOME,
            (S.TEMPORARY, S.REVOKED, S.NOT_REVOKED),
            (("", S.RETURNED),),
            CIVIL_AFFAIRS,
            17,
            CIVIL_AFFAIRS_UNIT,
            confirm="送返后将在儿童名册中记录新的实际监护人，并安排回访。确定吗？",
            basis="未成年人保护法第九十三条",
        ),
        Step(A.FOLLOW_UP, (S.RETURNED,), (("", S.RETURNED),), VISITOR, 17, TOWNSHIPS_UNIT, basis="回访"),
        Step(
            A.CLOSE,
            (S.WARNED, S.LONG_TERM, S.RETURNED),
            (("", S.CLOSED),),
            CIVIL_AFFAIRS,
            17,
            CIVIL_AFFAIRS_UNIT,
            confirm="结案后不能再记录步骤。确定结案吗？",
        ),
    ]
}
OPEN_STATES = tuple(s for s in S.values if s != S.CLOSED)


def step(action: str) -> Step:
    found = STEPS.get(action)
    if found is None:
        raise ValidationError(f"未知步骤：{action}")
    return found


def allowed_from(state: str) -> list[Step]:
    """The steps an intervention in `state` may take, in the table's order."""
    return [s for s in STEPS.values() if state in s.sources]


def close_blocked(action: str, pending_follow_ups: int) -> str:
    """Why the step may not be taken yet ("" when it may): a return home is closed only after its
    follow-up visits."""
    if action == A.CLOSE and pending_follow_ups:
        return f"还有 {pending_follow_ups} 次回访未完成，完成回访后才能结案"
    return ""
