"""Every write in safeguarding, one module per concern: `reports` (filing a report opens its case
at once; a reporter's supplement; the case a detention notice opens), `cases` (a case's
transitions, through the one table in `transitions.py`, with optimistic locking), `clocks` (the
county's clock parameters, with history), `escalation` (a clock's levels as they fall due, each
exactly once), `reads` (audit rows for reads).

Services are keyword-only and atomic, check who may act through `shouhu.access`, and write their
audit row in the same transaction. Callers import from this package."""

from .cases import SafetyCaseChangedError, case_transition
from .clocks import clock_setting_set
from .escalation import escalate_clock, escalate_due
from .reads import case_viewed, cases_listed, report_viewed, reports_listed
from .reports import ReportInput, report_file, report_from_notice, report_supplement

__all__ = [
    "ReportInput",
    "SafetyCaseChangedError",
    "case_transition",
    "case_viewed",
    "cases_listed",
    "clock_setting_set",
    "escalate_clock",
    "escalate_due",
    "report_file",
    "report_from_notice",
    "report_supplement",
    "report_viewed",
    "reports_listed",
]
