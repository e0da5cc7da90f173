"""The county's default clocks (hours around the clock): acknowledge 1 h, see the child 24 h, an
urgent report's child 2 h. In force from the first day of 2000, so every case finds them; the
administrator sets new values on the clocks page (a new row each, with its date)."""

import datetime

from django.db import migrations

DEFAULTS = {"acknowledge": 1, "see_child": 24, "see_child_urgent": 2}


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    ClockSetting = apps.get_model("safeguarding", "ClockSetting")
    start = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    for parameter, hours in DEFAULTS.items():
        if not ClockSetting.objects.filter(parameter=parameter).exists():
            ClockSetting.objects.create(parameter=parameter, hours=hours, valid_from=start, note="默认值")


class Migration(migrations.Migration):
    dependencies = [("safeguarding", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
