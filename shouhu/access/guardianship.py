"""Guardianship intervention on a safety case: who sees it, who starts it, who records each step.

- An intervention is seen by whoever sees its safety case (`safety_cases_visible_to`): county civil
  affairs, the officers of the units the case went to (县公安局, 县民政局, 县法院, 县检察院, …) and
  the supervisor of the child's township. Nobody else: not village directors, leaders, other
  officers, community workers or reporters.
- It is started by those who handle the case (`may_handle_safety_case`) and are county civil
  affairs (the caseworkers) or 县公安局's officers.
- Each step names its party (`guardianship/transitions.py`): the police warning is recorded by
  县公安局's officers; temporary and long-term guardianship, the return home, the court's decision
  (from the judgement) and closing by county civil affairs; the application by county civil
  affairs or 县检察院's officers (the two who may apply, 民法典 Art. 36); follow-up visits by county
  civil affairs or the supervisor of the child's township. Always only on a case they handle.
- A step's documents are downloaded by whoever sees the intervention (the download is audited).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from shouhu.accounts.models import Role, User

from .capabilities import Capability, can
from .preload import preloaded
from .safeguarding import access_safety_case, may_handle_safety_case, safety_cases_visible_to

if TYPE_CHECKING:
    from shouhu.guardianship.models import GuardianshipIntervention, InterventionDocument
    from shouhu.safeguarding.models import SafetyCase

R = Role
POLICE_UNIT, PROCURATORATE_UNIT = "县公安局", "县检察院"


def interventions_visible_to(user: User) -> QuerySet[GuardianshipIntervention]:
    from shouhu.guardianship.models import GuardianshipIntervention

    if not can(user, Capability.VIEW_SAFETY_CASES):
        return GuardianshipIntervention.objects.none()
    return GuardianshipIntervention.objects.filter(case_id__in=safety_cases_visible_to(user).values("pk"))


def access_intervention(
    user: User,
    intervention_id: int,
    *,
    related: Sequence[str] = ("case", "child"),
    prefetch: Sequence[str] = (),
    acting_as: str = "",
) -> GuardianshipIntervention:
    """One intervention the user may see (404 otherwise); with `acting_as` (a step's party), one
    they may record that step on: a step that is not theirs is not offered to them (404)."""
    from shouhu.guardianship.models import GuardianshipIntervention

    try:
        found = preloaded(interventions_visible_to(user), related, prefetch).get(pk=intervention_id)
    except GuardianshipIntervention.DoesNotExist:
        raise Http404("监护干预不存在或您无权查看") from None
    if acting_as and not may_take_guardianship_step(user, found, acting_as):
        raise Http404("您不能记录该步骤")
    return found


def access_case_to_start(user: User, case_id: int) -> SafetyCase:
    """A safety case the user may start guardianship intervention on (404 otherwise)."""
    case = access_safety_case(user, case_id)
    if not may_start_intervention(user, case):
        raise Http404("您不能在该个案上启动监护干预")
    return case


def access_intervention_document(user: User, document_id: int) -> InterventionDocument:
    from shouhu.guardianship.models import InterventionDocument

    visible = interventions_visible_to(user).values("pk")
    try:
        return InterventionDocument.objects.select_related("intervention__case", "intervention__child").get(
            pk=document_id, intervention_id__in=visible
        )
    except InterventionDocument.DoesNotExist:
        raise Http404("材料不存在或您无权查看") from None


def _officer_of(user: User, unit: str) -> bool:
    return user.role == R.DEPARTMENT_OFFICER and user.department is not None and user.department.name == unit


def is_party(user: User, party: str) -> bool:
    """Whether the user is one who records a step of `party` (transitions.py's parties)."""
    if party == "police":
        return _officer_of(user, POLICE_UNIT)
    if party == "civil_affairs":
        return user.role == R.CASEWORKER
    if party == "applicant":
        return user.role == R.CASEWORKER or _officer_of(user, PROCURATORATE_UNIT)
    if party == "visitor":
        return user.role in (R.CASEWORKER, R.TOWNSHIP_SUPERVISOR)
    return False


def may_take_guardianship_step(user: User, intervention: GuardianshipIntervention, party: str) -> bool:
    return is_party(user, party) and may_handle_safety_case(user, intervention.case)


def may_start_intervention(user: User, case: SafetyCase) -> bool:
    return (user.role == R.CASEWORKER or _officer_of(user, POLICE_UNIT)) and may_handle_safety_case(user, case)
