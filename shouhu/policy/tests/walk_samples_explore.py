from typing import Any

from shouhu.accounts.models import Department, User
from shouhu.accounts.personas import TOWNSHIP_A, TOWNSHIP_B
from shouhu.core.testing.walk import Sample
from shouhu.policy.models import Reorganisation
from shouhu.policy.selectors import current_document

from .factories import load_table

# The table is not personal data: county-wide roles and department officers open any
# township's tasks; supervisors and village directors only their own.
ANY_TOWNSHIP = frozenset(
    {"admin", "caseworker", "leader", "officer_a", "officer_b", "officer_m", "officer_p", "officer_j"}
)


def setup(personas: dict[str, User]) -> dict[str, Any]:
    if current_document() is None:
        load_table()
    health = Department.objects.get(name="县卫健局")
    return {
        "health": health.pk,
        "reform": Reorganisation.objects.filter(predecessors__name="县卫计局", kind="rename")
        .values_list("pk", flat=True)
        .first(),
        "civil": Department.objects.get(name="县民政局").pk,
        "planning": Department.objects.get(name="县发改局").pk,
    }


SAMPLES = {
    "policy:tasks": [
        Sample(),
        Sample(query="q=监护&area=落实监督责任"),
        Sample(query="names=current&department=5"),
        Sample(query="on=2018-01-01"),
        Sample(query="on=not-a-date"),
    ],
    "policy:task_detail": [Sample(kwargs={"number": 5}), Sample(kwargs={"number": 999}, ok=frozenset())],
    "policy:matrix": [Sample(), Sample(query="names=current&area=保障基本医疗")],
    "policy:matrix_xlsx": [Sample(query="names=current")],
    "policy:township": [
        Sample(kwargs={"code": TOWNSHIP_A}, ok=ANY_TOWNSHIP | {"supervisor_a", "director_a"}),
        Sample(kwargs={"code": TOWNSHIP_B}, ok=ANY_TOWNSHIP | {"supervisor_b", "director_b"}),
        Sample(kwargs={"code": "210522999000"}, ok=frozenset()),
    ],
    "policy:reorganisations": [Sample(), Sample(query="department=3")],
    "policy:reorganisation_new": [
        Sample(kwargs={"kind": "rename"}),
        Sample(kwargs={"kind": "merge"}),
        Sample(kwargs={"kind": "split"}),
        Sample(kwargs={"kind": "transfer"}),
        Sample(
            kwargs={"kind": "transfer"},
            method="post",
            success=(302,),
            data=lambda c: {
                "effective_on": "2026-01-01",
                "predecessor": c["planning"],
                "successor": c["civil"],
                "task_numbers": "38",
                "note": "测试",
            },
        ),
        Sample(kwargs={"kind": "nonsense"}, ok=frozenset()),
        Sample(
            kwargs={"kind": "rename"},
            method="post",
            success=(302,),
            data=lambda c: {"effective_on": "2024-01-01", "predecessor": c["planning"], "new_name": "县发展改革局"},
        ),
    ],
    "policy:reorganisation_correct": [
        Sample(kwargs=lambda c: {"reorganisation_id": c["reform"]}),
        Sample(
            kwargs=lambda c: {"reorganisation_id": c["reform"]},
            method="post",
            success=(302,),
            data={"effective_on": "2019-04-01", "note": "日期已核实"},
        ),
    ],
    "policy:department_history": [Sample(kwargs=lambda c: {"department_id": c["health"]})],
    "policy:duties": [Sample()],
    "policy:duty_history": [Sample(kwargs={"code": "T07"}), Sample(kwargs={"code": "T01"}, ok=frozenset())],
    "policy:duty_edit": [
        Sample(kwargs={"code": "T07"}),
        Sample(kwargs={"code": "T05"}, ok=frozenset()),
        Sample(
            kwargs={"code": "T07"},
            method="post",
            data=lambda c: {"effective_from": "2026-12-01", "unit_low_income": c["civil"]},
        ),
        Sample(
            kwargs={"code": "T07"},
            method="post",
            success=(302,),
            data=lambda c: {
                "effective_from": "2026-12-01",
                "unit_low_income": c["civil"],
                "confirmed_low_income": "on",
                "confirm": "1",
            },
        ),
    ],
}
