"""Policy rules v2 (shared/design/policy-rules.md, "Not-recorded facts (v2)"): every rule gets a
new version from V2_START with the same expression, decided from then on in three-valued logic (a
fact that was not recorded is not read as a fact). The v1 versions stay on record, closed the day
before, and the results they found keep `rule_version` 1. A rule whose open version already starts
on or after V2_START (edited for a later date) is left as it is."""

import datetime

from django.db import migrations

V2_START = datetime.date(2026, 12, 1)
NOTE = "规则 v2：未填写的事实（父母、是否在读、实际监护人）不再视为事实，据此无法判定的列入待补充信息"


def forward(apps, schema_editor):
    RuleVersion = apps.get_model("eligibility", "RuleVersion")
    for current in RuleVersion.objects.filter(effective_to__isnull=True, effective_from__lt=V2_START):
        latest = RuleVersion.objects.filter(rule_id=current.rule_id).order_by("-version").first()
        current.effective_to = V2_START - datetime.timedelta(days=1)
        current.save(update_fields=["effective_to"])
        RuleVersion.objects.create(
            rule_id=current.rule_id,
            version=latest.version + 1,
            expression=current.expression,
            effective_from=V2_START,
            note=NOTE,
        )


def backward(apps, schema_editor):
    RuleVersion = apps.get_model("eligibility", "RuleVersion")
    for v2 in RuleVersion.objects.filter(effective_from=V2_START, note=NOTE):
        RuleVersion.objects.filter(
            rule_id=v2.rule_id, effective_to=V2_START - datetime.timedelta(days=1)
        ).update(effective_to=None)
        v2.delete()


class Migration(migrations.Migration):
    dependencies = [("eligibility", "0004_result_writes")]
    operations = [migrations.RunPython(forward, backward)]
