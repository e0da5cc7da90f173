"""A revision of the table (new task rows) keeps the progress units already reported."""

from __future__ import annotations

import pytest

from shouhu.accounts.models import User
from shouhu.core.dates import today
from shouhu.policy.importing import policy_import_commit
from shouhu.policy.supervision.periods import current_period
from shouhu.policy.supervision.selectors import obligations_for_period
from shouhu.policy.supervision.services import progress_report_submit
from shouhu.policy.tests.supervision_factories import department, ensure_table, task

pytestmark = pytest.mark.django_db


def test_reports_survive_a_new_version_of_the_table(personas: dict[str, User]) -> None:
    from pathlib import Path

    on = today()
    document = ensure_table()
    education = department("县教育局")
    period = current_period(task(document, 9).report_frequency, on)
    progress_report_submit(
        actor=personas["officer_a"], task=task(document, 9), department=education, period=period.key,
        status="in_progress", narrative="两免一补已发放",
    )  # fmt: skip
    source = Path(__file__).resolve().parents[1] / "data" / "huanren-task-table.txt"
    revised = source.read_text(encoding="utf-8").replace(
        "对于其他困境儿童，各地也要做好基本生活保障工作。", "对于其他困境儿童，各地要做好基本生活保障工作。"
    )
    new = policy_import_commit(actor=None, data=revised.encode(), filename="revision.txt", title=document.title)
    assert new.version == document.version + 1
    [obligation] = [
        o
        for o in obligations_for_period(on=on, department=education)
        if o.task.number == 9 and o.period.key == period.key
    ]
    assert obligation.task.document_id == new.pk
    assert obligation.report is not None and obligation.report.narrative == "两免一补已发放"
