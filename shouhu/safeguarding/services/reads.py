"""Reads of safety reports and cases, each leaving an audit row (who, when, what)."""

from __future__ import annotations

from typing import Any

from shouhu.accounts.models import User
from shouhu.core import audit

from ..models import SafetyCase, SafetyReport


def case_viewed(*, actor: User, case: SafetyCase, via: str = "page") -> None:
    audit.record(
        actor=actor,
        action="safety.case_view",
        target=case,
        summary=f"查看安全个案 {case.reference}",
        detail={"via": via},
    )


def cases_listed(*, actor: User, detail: dict[str, Any]) -> None:
    audit.record(
        actor=actor,
        action="safety.case_list",
        object_type="safeguarding.safetycase",
        summary="查看安全个案列表",
        detail=detail,
    )


def report_viewed(*, actor: User, report: SafetyReport, via: str = "page") -> None:
    audit.record(
        actor=actor,
        action="safety.report_view",
        target=report,
        summary=f"查看本人提交的强制报告 {report.reference}",
        detail={"via": via},
    )


def reports_listed(*, actor: User) -> None:
    audit.record(
        actor=actor,
        action="safety.report_list",
        object_type="safeguarding.safetyreport",
        summary="查看本人提交的强制报告",
    )
