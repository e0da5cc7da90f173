"""What eligibility shows on the home page (found by autodiscovery): the latest screening of the
user's whole jurisdiction (a county user's card shows the county's run, not a newer township's), and
the children waiting for facts to be recorded (待补充信息)."""

from __future__ import annotations

from django.urls import reverse

from shouhu.access import Capability, can
from shouhu.accounts.models import User
from shouhu.web.home import Panel, home_contributor


@home_contributor
def eligibility_panels(user: User) -> list[Panel]:
    if not can(user, Capability.VIEW_ELIGIBILITY):
        return []
    from .selectors import latest_run_for_jurisdiction, run_rows

    latest = latest_run_for_jurisdiction(user)
    runs = [latest] if latest is not None else []
    items = [("各类别、措施人数", reverse("eligibility:counts"))]
    if not runs:
        return [
            Panel(
                title="资格筛查",
                text="还没有筛查记录",
                link=reverse("eligibility:runs"),
                link_label="查看筛查",
                items=items,
            )
        ]
    row = run_rows(user, runs)[0]
    run = row.run
    text = f"最近一次：{row.region_name}，基准日 {run.as_of}，{run.get_state_display()}"
    if run.state == "done":
        text += f"；新增符合 {row.gained} 项，不再符合 {row.lost} 项"
    return [
        Panel(
            title="资格筛查",
            text=text,
            link=reverse("eligibility:run", args=[run.pk]),
            link_label="查看筛查结果",
            items=items,
        )
    ]


@home_contributor
def pending_panel(user: User) -> list[Panel]:
    """For those who may record a child's facts (village directors, township supervisors, county
    civil affairs): how many children in scope wait for facts, and per fact, each linking to the
    worklist filtered by that fact."""
    if not can(user, Capability.REGISTER_CHILDREN):
        return []
    from .selectors import pending_counts

    counts = pending_counts(user)
    url = reverse("eligibility:pending")
    return [
        Panel(
            title="待补充信息",
            stat=counts.total,
            text=f"{counts.total} 名儿童有类别或措施待补充信息后才能认定" if counts.total else "没有待补充信息的儿童",
            link=url,
            link_label="查看待补充信息",
            items=[(f"{label}：{n} 名", f"{url}?fact={flag}") for flag, label, n in counts.by_fact if n],
        )
    ]
