"""The county's default working-day clocks (待确认 with the county): the assessment 3 working days
after the child is seen, the plan 5 after the assessment, reviews every 5 / 10 / 20 / 60 working
days for an urgent / high / medium / low risk. In force from the first day of 2000, like the
hour clocks (0002)."""

import datetime

from django.db import migrations

DEFAULTS = {
    "assess": 3,
    "plan": 5,
    "review_urgent": 5,
    "review_high": 10,
    "review_medium": 20,
    "review_low": 60,
}


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    ClockSetting = apps.get_model("safeguarding", "ClockSetting")
    start = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    for parameter, value in DEFAULTS.items():
        if not ClockSetting.objects.filter(parameter=parameter).exists():
            ClockSetting.objects.create(parameter=parameter, value=value, valid_from=start, note="默认值（待确认）")


class Migration(migrations.Migration):
    dependencies = [("safeguarding", "0005_assessment_plan")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
