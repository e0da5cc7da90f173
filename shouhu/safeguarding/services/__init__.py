"""Every write in safeguarding, one module per concern: `reports` (filing a report opens its case
at once; a reporter's supplement; the case a detention notice opens), `cases` (a case's
transitions, through the one table in `transitions.py`, with optimistic locking, and the
working-day clocks they start), `plans` (the risk assessment, the assistance plan whose actions
become casework referrals, reviews, linking or registering the case's child), `clocks` (the
county's clock parameters, with history), `escalation` (a clock's levels as they fall due, each
exactly once), `reads` (audit rows for reads), `attachments` (a report's checked files and their
audited download), `questions` (a handler's follow-up question to the reporter, and the answer).

Services are keyword-only and atomic, check who may act through `shouhu.access`, and write their
audit row in the same transaction. Callers import from this package."""

from .attachments import MAX_ATTACHMENTS, attachment_open
from .cases import SafetyCaseChangedError, case_transition
from .clocks import clock_setting_set
from .escalation import escalate_clock, escalate_due
from .plans import (
    AssessmentChangedError,
    assessment_record,
    case_child_link,
    case_child_register,
    case_review,
    measure_labels,
    plan_action_add,
)
from .questions import QuestionAnsweredError, question_answer, question_ask
from .reads import case_viewed, cases_listed, report_viewed, reports_listed
from .reports import ReportInput, report_file, report_from_notice, report_supplement

__all__ = [
    "MAX_ATTACHMENTS",
    "AssessmentChangedError",
    "QuestionAnsweredError",
    "ReportInput",
    "SafetyCaseChangedError",
    "assessment_record",
    "attachment_open",
    "case_child_link",
    "case_child_register",
    "case_review",
    "case_transition",
    "case_viewed",
    "cases_listed",
    "clock_setting_set",
    "escalate_clock",
    "escalate_due",
    "measure_labels",
    "plan_action_add",
    "question_answer",
    "question_ask",
    "report_file",
    "report_from_notice",
    "report_supplement",
    "report_viewed",
    "reports_listed",
]
