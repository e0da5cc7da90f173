"""Guardianship's demo data (found by autodiscovery, after safeguarding's): three registered
children, each with a safety case and an intervention, so every role that handles cases finds the
steps in use and the registry's history naming the case:

- 韩小雪 in 东关村: warned by the police, 教育不改, now under temporary guardianship by civil affairs;
- 蒋小川 in 普乐堡村: the father's guardianship revoked by the court on 县民政局's application,
  now in long-term guardianship by civil affairs;
- 邓小禾 in 东关村: back home with the grandmother, one follow-up visit done and one due.

Loaded once: a demo that already has interventions is left as it is."""

from __future__ import annotations

import datetime
from typing import Any

from shouhu.core.demo import demo_loader


@demo_loader
def load_demo_interventions(users: dict[str, Any]) -> str | None:
    from django.utils import timezone

    from shouhu.accounts.personas import VILLAGE_A, VILLAGE_B
    from shouhu.core.dates import today
    from shouhu.registry import services as registry
    from shouhu.registry.exchange.format import parse_record
    from shouhu.safeguarding import services as safety
    from shouhu.safeguarding.models import ReportSource

    from . import services
    from .models import GuardianshipIntervention

    if GuardianshipIntervention.objects.exists() or "caseworker" not in users:
        return None
    caseworker, police, township = users["caseworker"], users["officer_p"], users["supervisor_a"]
    on = today()

    def days(n: int) -> datetime.date:
        return on - datetime.timedelta(days=n)

    def child(id_number: str, name: str, sex: str, born: str, region: str, mother: str) -> Any:
        if registry.find_by_id_number(id_number) is not None:
            return None
        record, errors = parse_record(
            {
                "id_number": id_number, "name": name, "sex": sex, "birth_date": born, "region_code": region,
                "parents": [{"role": "father", "status": "alive"}, {"role": "mother", "status": mother}],
                "guardian": {"relationship": "parent", "able": True},
                "schooling": {"stage": "primary", "enrolled": True},
            },
            today=on,
        )  # fmt: skip
        assert record is not None, errors
        return registry.child_register(actor=caseworker, record=record, effective=days(400))

    def intervention(id_number: str, region: str, kind: str, text: str) -> Any:
        data = safety.ReportInput(
            child_name="", id_number=id_number, region_code=region, kind=kind, description=text,
            observed_at=timezone.now() - datetime.timedelta(hours=3), source=ReportSource.PHONE, caller="村儿童主任",
        )  # fmt: skip
        case = safety.report_file(actor=caseworker, data=data).case
        safety.case_transition(actor=police, case=case, action="acknowledge", expected_version=1)
        return services.intervention_open(actor=caseworker, case=case)

    def step(actor: Any, gi: Any, action: str, ago: int, **fields: Any) -> None:
        gi.refresh_from_db()
        data = services.StepInput(action=action, on=days(ago), **fields)
        services.step_take(actor=actor, intervention=gi, data=data, expected_version=gi.version)

    made = []
    if child("210522201607070044", "韩小雪", "female", "2016-07-07", VILLAGE_A, "alive"):
        gi = intervention("210522201607070044", VILLAGE_A, "neglect", "孩子长期无人照料，父母外出打工不归。")
        step(police, gi, "warn", 20, outcome="unreformed", note="对父母训诫后仍不履行监护职责")
        step(caseworker, gi, "temporary", 15, note="由县儿童福利院临时监护")
        made.append("临时监护 1 件")
    if child("210522201205050032", "蒋小川", "male", "2012-05-05", VILLAGE_B, "deceased"):
        gi = intervention("210522201205050032", VILLAGE_B, "abuse", "父亲长期殴打孩子，多次出警。")
        step(police, gi, "warn", 200, outcome="unreformed", note="训诫后仍殴打孩子")
        step(caseworker, gi, "temporary", 190, note="由县儿童福利院临时监护")
        step(
            caseworker,
            gi,
            "apply",
            120,
            applicant="县民政局",
            filed_on=days(120),
            court_case_number="（2026）辽0522民特3号",
        )
        step(caseworker, gi, "decide", 60, outcome="revoked", revoked_parents=("father",), guardian="civil_affairs",
             note="法院判决撤销父亲的监护资格，指定县民政局担任监护人")  # fmt: skip
        step(caseworker, gi, "long_term", 55, note="县儿童福利院长期养育")
        made.append("长期监护 1 件")
    if child("210522201103030057", "邓小禾", "male", "2011-03-03", VILLAGE_A, "alive"):
        gi = intervention("210522201103030057", VILLAGE_A, "domestic_violence", "邻居反映家中经常打骂孩子。")
        step(caseworker, gi, "temporary", 100, note="临时安置在县儿童福利院")
        step(caseworker, gi, "return_home", 40, guardian="grandparent", follow_up_dates=(days(20), days(5), days(-60)),
             note="父母接受教育后，送返由祖母照料")  # fmt: skip
        step(township, gi, "follow_up", 20, note="入户回访：孩子在祖母家生活正常，按时上学")
        made.append("回归家庭 1 件（有 1 次回访已到期）")
    return "监护干预：" + "、".join(made) if made else None
