"""Reads for the eligibility screens, already scoped by the access layer (shouhu/access/
eligibility.py decides which runs and regions a user may see), one module per screen family:

- `rule_pages`: rules and parameters with their versions and the task each measure implements;
- `previews`: previews of a rule or parameter change (set-based counts in the editor's scope);
- `runs`: screening runs a user may see, their counts and changes;
- `counts`: open eligibility counts by region and code, and the children behind a count;
- `child`: one child's categories and measures (recomputed, explained) and stored history;
- `pending`: the 待补充信息 worklist (children waiting for facts), its counts, one child's items.

Callers import from this package (`from shouhu.eligibility import selectors`).
"""

from .child import ChildEligibility, HistoryRow, child_eligibility, latest_screening_date, parameters_for
from .counts import CountsTable, counts_table, eligible_children, open_eligibility
from .pending import (
    PENDING_KEYS,
    PendingCounts,
    PendingItem,
    pending_children,
    pending_counts,
    pending_item,
    pending_of,
)
from .previews import PREVIEW_NAMES, PreviewRow, mask_name, preview
from .rule_pages import (
    ParameterRow,
    RulePage,
    RuleRow,
    TaskInfo,
    code_labels,
    parameter_or_404,
    parameter_rows,
    parameter_values_on,
    parameters_of,
    rule_or_404,
    rule_page,
    rule_rows,
)
from .runs import (
    CodeCount,
    RunRow,
    latest_run_for_jurisdiction,
    latest_runs,
    open_at_run,
    region_names,
    run_changes,
    run_counts,
    run_list,
    run_parameters,
    run_region_choices,
    run_rows,
)

__all__ = [
    "PENDING_KEYS",
    "PREVIEW_NAMES",
    "ChildEligibility",
    "CodeCount",
    "CountsTable",
    "HistoryRow",
    "ParameterRow",
    "PendingCounts",
    "PendingItem",
    "PreviewRow",
    "RulePage",
    "RuleRow",
    "RunRow",
    "TaskInfo",
    "child_eligibility",
    "code_labels",
    "counts_table",
    "eligible_children",
    "latest_run_for_jurisdiction",
    "latest_runs",
    "latest_screening_date",
    "mask_name",
    "open_at_run",
    "open_eligibility",
    "parameter_or_404",
    "parameter_rows",
    "parameter_values_on",
    "parameters_for",
    "parameters_of",
    "pending_children",
    "pending_counts",
    "pending_item",
    "pending_of",
    "preview",
    "region_names",
    "rule_or_404",
    "rule_page",
    "rule_rows",
    "run_changes",
    "run_counts",
    "run_list",
    "run_parameters",
    "run_region_choices",
    "run_rows",
]
