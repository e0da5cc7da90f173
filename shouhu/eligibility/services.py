"""Eligibility's writes other than screening (which is the screening package): new versions of a
rule or a parameter, each checked against the whole rule set and audited in its transaction, and
the audit row of a child's eligibility page being read."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.registry.models import Child

from .engine import RuleSet
from .labels import rule_display
from .language import RuleSyntaxError
from .models import Parameter, ParameterVersion, Rule, RuleVersion
from .rules import parameters_on, propose_rule, rule_defs, rule_versions_on


def _supersede(versions: QuerySet[Any], *, effective_from: datetime.date, note: str) -> Any:
    """Check a new version may follow the latest one, and end the open version the day before it.
    Returns the latest version (the one being superseded)."""
    current = versions.order_by("-version").first()
    assert current is not None
    if effective_from <= current.effective_from:
        raise ValidationError({"effective_from": f"「生效日期」必须晚于当前版本的生效日期 {current.effective_from}"})
    if not note.strip():
        raise ValidationError({"note": "「修改说明」不能为空"})
    versions.filter(effective_to__isnull=True).update(effective_to=effective_from - datetime.timedelta(days=1))
    return current


@transaction.atomic
def rule_save(*, actor: User, code: str, expression: str, effective_from: datetime.date, note: str) -> RuleVersion:
    """A new version from `effective_from`; the previous version ends the day before. Refused if the
    rule set would not compile."""
    propose_rule(code=code, expression=expression, effective_from=effective_from)
    rule = Rule.objects.select_for_update().get(code=code)
    current = _supersede(rule.versions.all(), effective_from=effective_from, note=note)
    version = RuleVersion.objects.create(
        rule=rule,
        version=current.version + 1,
        expression=expression.strip(),
        effective_from=effective_from,
        note=note.strip(),
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="rules.update",
        target=rule,
        summary=f"规则「{rule_display(code, rule.label)}」第 {version.version} 版，{effective_from} 起生效",
        detail={"before": current.expression, "after": version.expression, "note": note.strip()},
    )
    return version


@transaction.atomic
def parameter_save(*, actor: User, name: str, value: int, effective_from: datetime.date, note: str) -> ParameterVersion:
    parameter = Parameter.objects.select_for_update().get(name=name)
    values = parameters_on(effective_from) | {name: value}
    try:
        RuleSet(rule_defs(rule_versions_on(effective_from)), values)
    except RuleSyntaxError as e:
        raise ValidationError({"value": str(e)}) from None
    current = _supersede(parameter.versions.all(), effective_from=effective_from, note=note)
    version = ParameterVersion.objects.create(
        parameter=parameter,
        version=current.version + 1,
        value=value,
        effective_from=effective_from,
        note=note.strip(),
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="rules.parameter",
        target=parameter,
        summary=f"参数 {name}：{current.value} → {value}，{effective_from} 起生效",
        detail={"note": note.strip()},
    )
    return version


@transaction.atomic
def child_eligibility_viewed(*, actor: User, child: Child) -> None:
    """Reading a child's eligibility page is reading the child's record: audited as such."""
    audit.record(actor=actor, action="children.view", target=child, summary=f"查看儿童 {child.name} 的资格认定")
