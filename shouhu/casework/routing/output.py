"""The routing table printed: JSON for other systems and the routing page, Chinese text for a
person at the command line (`shouhu referrals routing`)."""

from __future__ import annotations

from typing import TypedDict

from shouhu.eligibility.models import Rule, RuleKind
from shouhu.policy.models import Mode

from .routes import Route, routing_table


class DutyJson(TypedDict):
    category: str
    category_name: str
    unit: str
    confirmed: bool


class TransferJson(TypedDict):
    task: int
    from_unit: str
    to_unit: str
    effective_on: str
    in_effect: bool
    confirmed: bool
    note: str


class RouteJson(TypedDict):
    mode: str
    lead: list[str]
    cooperating: list[str]
    duties: list[DutyJson]
    guiding_only: list[str]
    transfers: list[TransferJson]


def _labels(kind: str) -> dict[str, str]:
    return dict(Rule.objects.filter(kind=kind).values_list("code", "label"))


def route_json(route: Route, *, as_written: bool, categories: dict[str, str]) -> RouteJson:
    """`mode`, `lead` and `cooperating` as the table names them (`as_written`) or as referrals
    really go today (for a measure routed by its duty map: the units its duties name); beside them
    the duty map, the units that only guide, and the transfers of a function applied."""
    if as_written:
        lead, cooperating = route.lead_as_written, route.cooperating_as_written
    else:
        lead = [d.name for d in route.receiving]
        cooperating = [d.name for d in route.cooperating if d not in route.lead]
    return {
        "mode": route.mode,
        "lead": list(lead),
        "cooperating": list(cooperating),
        "duties": [
            {
                "category": d.category,
                "category_name": categories.get(d.category, d.category),
                "unit": d.department.name,
                "confirmed": d.confirmed,
            }
            for d in route.duties
        ],
        "guiding_only": [d.name for d in route.guiding_only],
        "transfers": [
            {
                "task": route.task_number,
                "from_unit": t.source.name,
                "to_unit": t.target.name,
                "effective_on": t.effective_on.isoformat(),
                "in_effect": t.effective_on <= route.on,
                "confirmed": t.confirmed,
                "note": t.note,
            }
            for t in route.transfers
        ],
    }


def routing_json(*, as_written: bool = False) -> dict[str, RouteJson]:
    categories = _labels(RuleKind.CATEGORY)
    return {
        code: route_json(route, as_written=as_written, categories=categories) for code, route in routing_table().items()
    }


def routing_text(*, as_written: bool = False) -> str:
    """The routing table in Chinese, one block per measure."""
    measures, modes = _labels(RuleKind.MEASURE), dict(Mode.choices)
    lines: list[str] = []
    for code, route in routing_json(as_written=as_written).items():
        lines.append(f"{code} {measures.get(code, '')}（{modes.get(route['mode'], route['mode'])}）")
        lines.append(f"  {'牵头（表中写法）' if as_written else '承办'}：{'、'.join(route['lead']) or '—'}")
        lines.append(f"  配合：{'、'.join(route['cooperating']) or '—'}")
        if route["duties"]:
            duties = "；".join(
                f"{d['category_name']} → {d['unit']}{'' if d['confirmed'] else '（待确认）'}" for d in route["duties"]
            )
            lines.append(f"  按职责办理：{duties}；都不符合时 → 表中第一个单位")
        if route["guiding_only"]:
            lines.append(f"  只负指导（不逐人转介，在督办中查看）：{'、'.join(route['guiding_only'])}")
        for t in route["transfers"]:
            state = "已生效" if t["in_effect"] else "尚未生效"
            confirm = "" if t["confirmed"] else "，待确认"
            lines.append(f"  职能划转：{t['from_unit']} → {t['to_unit']}（{t['effective_on']} 起，{state}{confirm}）")
    return "\n".join(lines) + "\n" if lines else ""
