"""Supervision (督办): who reports for a unit, who may open its progress reports and evidence,
and who may download the supervision workbooks.

A unit is a department, or one township for the tasks every township answers for (各乡镇（街道）).
Its officers (a township's supervisors) report for it; county civil affairs reviews every report;
the county leader reads them all.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from shouhu.accounts.models import Department, Role, User
from shouhu.policy.models import EvidenceFile, ProgressReport
from shouhu.regions.models import Level, Region

from .capabilities import Capability, can

R = Role
COUNTY_EXPORT_ROLES = frozenset({R.COUNTY_ADMIN, R.CASEWORKER, R.LEADER})


def reports_for_unit(user: User, department: Department, township: Region | None) -> bool:
    """Whether `user` is one of the people who report for this unit (township) at all."""
    if not can(user, Capability.REPORT_PROGRESS):
        return False
    if township is not None:
        return user.role == R.TOWNSHIP_SUPERVISOR and user.region_id == township.pk
    return user.role == R.DEPARTMENT_OFFICER and user.department_id == department.pk


def user_unit_filters(user: User) -> dict[str, object] | None:
    """The unit a user reports for, as obligation filters: their department, or their
    township. None: they report for none."""
    if not can(user, Capability.REPORT_PROGRESS):
        return None
    if user.role == R.DEPARTMENT_OFFICER and user.department_id is not None:
        return {"department": user.department}
    if user.role == R.TOWNSHIP_SUPERVISOR and user.region is not None and user.region.level == Level.TOWNSHIP:
        return {"township": user.region}
    return None


def can_open_report(user: User, report: ProgressReport) -> bool:
    """The reporting unit's own people, reviewers and the county leader."""
    if can(user, Capability.REVIEW_PROGRESS) or user.role == R.LEADER:
        return can(user, Capability.VIEW_SUPERVISION)
    return reports_for_unit(user, report.department, report.township)


def reports_visible_to(user: User) -> QuerySet[ProgressReport]:
    """Reports a user may open: all for reviewers and the leader, else their unit's own."""
    base = ProgressReport.objects.select_related("task", "department", "township", "submitted_by", "reviewed_by")
    if not can(user, Capability.VIEW_SUPERVISION):
        return base.none()
    if can(user, Capability.REVIEW_PROGRESS) or user.role == R.LEADER:
        return base
    filters = user_unit_filters(user)
    if filters is None:
        return base.none()
    township, department = filters.get("township"), filters.get("department")
    if isinstance(township, Region):
        return base.filter(township=township)
    if isinstance(department, Department):
        return base.filter(department=department, township__isnull=True)
    return base.none()


def access_progress_report(user: User, report_id: int) -> ProgressReport:
    report = reports_visible_to(user).filter(pk=report_id).first()
    if report is None or not can_open_report(user, report):
        raise Http404("报告不存在或您无权查看")
    return report


def access_evidence(user: User, evidence_id: int) -> EvidenceFile:
    evidence = EvidenceFile.objects.select_related("report").filter(pk=evidence_id).first()
    if evidence is None or not reports_visible_to(user).filter(pk=evidence.report_id).exists():
        raise Http404("佐证材料不存在或您无权查看")
    return evidence


def may_export_county(user: User) -> bool:
    """The county-wide workbook: county civil affairs and the county leader."""
    return can(user, Capability.VIEW_SUPERVISION) and user.role in COUNTY_EXPORT_ROLES


def may_export_department(user: User, department: Department) -> bool:
    """One department's workbook: whoever may export the county's, and that department's officers."""
    if may_export_county(user):
        return True
    return (
        can(user, Capability.VIEW_SUPERVISION)
        and user.role == R.DEPARTMENT_OFFICER
        and user.department_id == department.pk
    )
