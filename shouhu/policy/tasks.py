"""Background jobs of the policy app: reading an uploaded task-division table, supervision
reminders.

`parse_staged_table` reads a table the administrator uploaded (checked by `core.office_guard` and
parsed in `core.sandbox`'s memory-limited child): no web request parses a file.

`supervision_overdue_reminders` runs hourly (any worker, once per hour however many are up)
and is idempotent: each reminder carries a dedupe key, so a unit hears once per obligation and
period that its report is due soon or overdue, and reviewers get one summary a day.
"""

from __future__ import annotations

import datetime
from collections import Counter
from datetime import timedelta

from django_tasks import task

from shouhu.accounts.models import User
from shouhu.core.dates import today as local_today
from shouhu.core.models import Notification
from shouhu.core.notifications import notify
from shouhu.core.periodic import periodic

from .importing.preview import parse_in_child
from .importing.staging import read_staged, write_parsed
from .supervision.periods import DUE_SOON_DAYS
from .supervision.selectors import Obligation, due_obligations, reviewers, unit_reporters


@task()
def parse_staged_table(token: str, filename: str) -> dict[str, int]:
    """Parse a staged upload and keep what was found beside it for the preview page."""
    data = read_staged(token)
    if data is None:  # cancelled or expired before the worker came to it
        return {"tasks": 0, "errors": 0}
    result = parse_in_child(data, filename)
    write_parsed(token, result)
    return {"tasks": len(result.tasks), "errors": len(result.errors)}


def _obligation_key(kind: str, obligation: Obligation) -> str:
    township = obligation.township.pk if obligation.township else 0
    return f"supervision:{kind}:{obligation.task.pk}:{obligation.department.pk}:{township}:{obligation.period.key}"


def _send(kind: str, items: list[Obligation], title: str, body: str) -> int:
    """One notification per obligation and recipient, skipping those already sent."""
    keys = {_obligation_key(kind, o) for o in items}
    already = set(Notification.objects.filter(dedupe_key__in=keys).values_list("recipient_id", "dedupe_key"))
    recipients_cache: dict[tuple[int, int | None], list[User]] = {}
    created = 0
    for obligation in items:
        unit_key = obligation.unit.key
        if unit_key not in recipients_cache:
            recipients_cache[unit_key] = list(unit_reporters(obligation.department, obligation.township))
        key = _obligation_key(kind, obligation)
        recipients = [u for u in recipients_cache[unit_key] if (u.pk, key) not in already]
        if not recipients:
            continue
        created += notify(
            recipients=recipients,
            title=title.format(task=obligation.task.number, period=obligation.period.label),
            body=body.format(unit=obligation.unit.label, due=obligation.due.isoformat(), days=obligation.days_left),
            link=obligation.report_url,
            kind=f"supervision.{kind}",
            dedupe_key=key,
        )
    return created


@periodic(every=timedelta(hours=1), name="policy.supervision_overdue_reminders")
@task()
def supervision_overdue_reminders(today: str | None = None) -> dict[str, int]:
    """Remind units of reports due within DUE_SOON_DAYS days and of overdue ones; send county
    reviewers a daily summary of what is overdue. `today` (ISO date) is for tests and reruns."""
    on = datetime.date.fromisoformat(today) if today else local_today()
    items = due_obligations(on=on)
    overdue = [o for o in items if o.overdue]
    due_soon = [o for o in items if not o.done and not o.overdue and 0 <= o.days_left <= DUE_SOON_DAYS]
    counts = {
        "overdue": len(overdue),
        "due_soon": len(due_soon),
        "overdue_notifications": _send(
            "overdue",
            overdue,
            "逾期提醒：任务 {task} 的{period}进展报告已逾期",
            "{unit}的进展报告应于 {due} 前提交，至今未提交（或被退回后未重新提交），请尽快报告。",
        ),
        "due_soon_notifications": _send(
            "due_soon",
            due_soon,
            "报告提醒：任务 {task} 的{period}进展报告即将到期",
            "{unit}的进展报告应于 {due} 前提交（还剩 {days} 天）。",
        ),
        "summary_notifications": 0,
    }
    if overdue:
        by_unit = Counter(o.unit.label for o in overdue)
        top = "、".join(f"{unit} {n} 项" for unit, n in by_unit.most_common(10))
        counts["summary_notifications"] = notify(
            recipients=list(reviewers()),
            title=f"督办汇总：{len(overdue)} 项进展报告逾期未报（{len(by_unit)} 个单位）",
            body=f"{top}{'等' if len(by_unit) > 10 else ''}。",
            link="/policy/supervision/",
            kind="supervision.overdue_summary",
            dedupe_key=f"supervision:overdue_summary:{on.isoformat()}",
        )
    return counts
