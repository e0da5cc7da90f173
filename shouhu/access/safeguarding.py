"""Child safety: who sees a mandatory report and the safety case it opened, who acts on a case,
and who hears when a clock escalates.

- A reporter sees their own reports, and of the case only the status (已接收 / 处理中 / 已结案),
  their own attachments, and the follow-up questions put to them (not who asked).
- A report's attachments are seen by its reporter and by whoever sees the case
  (`access_safety_attachment`).
- A case is seen by county civil affairs (the administrator and the caseworkers: all of them),
  the officers of the units it was routed to (`SafetyCaseUnit`), and the supervisor of the
  child's township (by the code of where the child is). It is acted on by the same people except
  the administrator.
- A village director sees that cases exist for their village's children (`safety_case_notices_visible_to`:
  for a count and the references on their home page, nothing else); the leader sees counts only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from shouhu.accounts.models import Role, User

from .capabilities import Capability, can
from .preload import preloaded
from .regions import in_subtree, region_prefix

if TYPE_CHECKING:
    from shouhu.accounts.models import Department
    from shouhu.safeguarding.models import FollowUpQuestion, ReportAttachment, SafetyCase, SafetyReport

R = Role
CASE_RELATED = ("township", "report")
# The unit county civil affairs is (shouhu/access/casework.py): the county caseworkers act for it.
CIVIL_AFFAIRS = "县民政局"


def safety_cases_visible_to(user: User) -> QuerySet[SafetyCase]:
    from shouhu.safeguarding.models import SafetyCase

    if not can(user, Capability.VIEW_SAFETY_CASES):
        return SafetyCase.objects.none()
    if user.role in (R.COUNTY_ADMIN, R.CASEWORKER):
        return SafetyCase.objects.all()
    if user.role == R.DEPARTMENT_OFFICER:
        if user.department_id is None:
            return SafetyCase.objects.none()
        return SafetyCase.objects.filter(pk__in=_units_of(user.department_id))
    prefix = region_prefix(user)
    if user.role != R.TOWNSHIP_SUPERVISOR or prefix is None:
        return SafetyCase.objects.none()
    return SafetyCase.objects.filter(in_subtree("region_code", prefix))


def _units_of(department_id: int) -> QuerySet:  # type: ignore[type-arg]
    from shouhu.safeguarding.models import SafetyCaseUnit

    return SafetyCaseUnit.objects.filter(department_id=department_id).values("case_id")


def access_safety_case(
    user: User, case_id: int, *, related: Sequence[str] = CASE_RELATED, prefetch: Sequence[str] = ()
) -> SafetyCase:
    """One case the user may see (404 otherwise), with `related` and `prefetch` loaded."""
    from shouhu.safeguarding.models import SafetyCase

    try:
        return preloaded(safety_cases_visible_to(user), related, prefetch).get(pk=case_id)
    except SafetyCase.DoesNotExist:
        raise Http404("安全个案不存在或您无权查看") from None


def may_handle_safety_case(user: User, case: SafetyCase) -> bool:
    """The people who see the case, but the administrator (who sees and sets the clocks)."""
    return can(user, Capability.HANDLE_SAFETY_CASES) and safety_cases_visible_to(user).filter(pk=case.pk).exists()


def safety_reports_filed_by(user: User) -> QuerySet[SafetyReport]:
    """A reporter's own reports."""
    from shouhu.safeguarding.models import SafetyReport

    if not can(user, Capability.FOLLOW_SAFETY_REPORTS):
        return SafetyReport.objects.none()
    return SafetyReport.objects.filter(reported_by=user)


def access_own_safety_report(user: User, report_id: int) -> SafetyReport:
    from shouhu.safeguarding.models import SafetyReport

    try:
        return safety_reports_filed_by(user).select_related("case", "region").get(pk=report_id)
    except SafetyReport.DoesNotExist:
        raise Http404("报告不存在或不是您提交的") from None


def access_safety_report(user: User, report_id: int) -> tuple[SafetyReport, bool]:
    """A report as the API gives it: (the report, whether the whole case may be shown). Its
    reporter gets the status only; whoever sees the case gets the case; anyone else 404."""
    from shouhu.safeguarding.models import SafetyReport

    visible = safety_cases_visible_to(user).filter(report_id=report_id)
    report = SafetyReport.objects.select_related("case", "case__township", "region").filter(pk=report_id).first()
    if report is not None and visible.exists():
        return report, True
    if report is not None and can(user, Capability.FOLLOW_SAFETY_REPORTS) and report.reported_by_id == user.pk:
        return report, False
    raise Http404("报告不存在或您无权查看")


def access_safety_attachment(user: User, attachment_id: int) -> ReportAttachment:
    """An attachment its report's reporter, or whoever sees the case, may download (404 otherwise)."""
    from shouhu.safeguarding.models import ReportAttachment

    if not can(user, Capability.READ_SAFETY_REPORTS):
        raise Http404("附件不存在或您无权查看")
    visible = Q(report__in=safety_reports_filed_by(user).values("pk")) | Q(
        report__case__in=safety_cases_visible_to(user).values("pk")
    )
    try:
        return ReportAttachment.objects.select_related("report").filter(visible).get(pk=attachment_id)
    except ReportAttachment.DoesNotExist:
        raise Http404("附件不存在或您无权查看") from None


def safety_questions_for(user: User) -> QuerySet[FollowUpQuestion]:
    """The follow-up questions put to a reporter about their own reports."""
    from shouhu.safeguarding.models import FollowUpQuestion

    return FollowUpQuestion.objects.filter(report__in=safety_reports_filed_by(user).values("pk"))


def access_own_safety_question(user: User, report: SafetyReport, question_id: int) -> FollowUpQuestion:
    """A question on the reporter's own report (`report`, already checked), 404 otherwise."""
    from shouhu.safeguarding.models import FollowUpQuestion

    try:
        question = safety_questions_for(user).get(pk=question_id, report=report)
    except FollowUpQuestion.DoesNotExist:
        raise Http404("追问不存在") from None
    question.report = report
    return question


def safety_case_notices_visible_to(user: User) -> QuerySet[SafetyCase]:
    """For a village director: the cases of children in their village (that they exist, no more)."""
    from shouhu.safeguarding.models import SafetyCase

    prefix = region_prefix(user)
    if user.role != R.VILLAGE_DIRECTOR or not user.is_active or prefix is None:
        return SafetyCase.objects.none()
    return SafetyCase.objects.filter(in_subtree("region_code", prefix))


def safety_unit_people(case: SafetyCase, department: Department) -> QuerySet[User]:
    """Who answers for `department` on the case: its officers (the county caseworkers for 县民政局;
    the supervisors of the child's township for 各乡镇（街道）)."""
    if department.is_townships:
        return User.objects.filter(is_active=True, role=R.TOWNSHIP_SUPERVISOR, region_id=case.township_id)
    who = Q(role=R.DEPARTMENT_OFFICER, department_id=department.pk)
    if department.name == CIVIL_AFFAIRS:
        who |= Q(role=R.CASEWORKER)
    return User.objects.filter(who, is_active=True)


def county_safety_staff() -> QuerySet[User]:
    """County civil affairs: the caseworkers and the administrator."""
    return User.objects.filter(is_active=True, role__in=(R.CASEWORKER, R.COUNTY_ADMIN))


def county_leaders() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role=R.LEADER)
