"""Reference data: policy rules v1 and their parameters (shared/design/policy-rules.md), in force
from 2020-01-01 so screening any recent date has rules."""

import datetime

from django.db import migrations

from shouhu.eligibility.contract import PARAMETERS_V1, RULES_V1

START = datetime.date(2020, 1, 1)


def load(apps, schema_editor):
    Rule = apps.get_model("eligibility", "Rule")
    RuleVersion = apps.get_model("eligibility", "RuleVersion")
    Parameter = apps.get_model("eligibility", "Parameter")
    ParameterVersion = apps.get_model("eligibility", "ParameterVersion")
    for position, (code, kind, label, task, expression) in enumerate(RULES_V1):
        rule, created = Rule.objects.get_or_create(
            code=code, defaults={"kind": kind, "label": label, "task_number": task, "position": position}
        )
        if created:
            RuleVersion.objects.create(rule=rule, version=1, expression=expression, effective_from=START, note="规则 v1")
    for name, (value, description) in PARAMETERS_V1.items():
        parameter, created = Parameter.objects.get_or_create(name=name, defaults={"description": description})
        if created:
            ParameterVersion.objects.create(parameter=parameter, version=1, value=value, effective_from=START, note="规则 v1")


class Migration(migrations.Migration):
    dependencies = [("eligibility", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
