"""What the guardianship tests share: a registered child (the contract's example in 东关村, its
grandparent the guardian since 30 days ago), a safety case linked to it by ID number (routed by the
task-division table: 县公安局 leads), an intervention on it and steps taken through the service."""

from __future__ import annotations

import datetime
from typing import Any

from shouhu.accounts.models import User
from shouhu.casework.tests.helpers import import_table
from shouhu.core.dates import today
from shouhu.guardianship import services
from shouhu.guardianship.models import GuardianshipIntervention, InterventionStep
from shouhu.registry import services as registry_services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.models import Child
from shouhu.registry.tests.example import example
from shouhu.safeguarding.models import SafetyCase
from shouhu.safeguarding.tests.factories import file_report

ID_NUMBER = "210522201503150015"


def registered_child(**changes: Any) -> Child:
    record, errors = parse_record(example(**changes), today=today())
    assert record is not None, errors
    return registry_services.child_register(actor=None, record=record, effective=today() - datetime.timedelta(days=30))


def linked_case(personas: dict[str, User], child: Child | None = None) -> SafetyCase:
    import_table()
    child = child or registered_child()
    report = file_report(personas["reporter_a"], id_number=ID_NUMBER, child_name=child.name, approx_age=None)
    case = report.case
    assert case.child_id == child.pk
    return case


def opened(personas: dict[str, User], case: SafetyCase | None = None) -> GuardianshipIntervention:
    case = case or linked_case(personas)
    return services.intervention_open(actor=personas["caseworker"], case=case)


def take(
    actor: User, intervention: GuardianshipIntervention, action: str, *, days_ago: int = 0, **fields: Any
) -> InterventionStep:
    intervention.refresh_from_db()
    data = services.StepInput(action=action, on=today() - datetime.timedelta(days=days_ago), **fields)
    return services.step_take(actor=actor, intervention=intervention, data=data, expected_version=intervention.version)
