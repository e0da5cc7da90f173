"""A clock parameter's value is in its own unit (hours, or working days for the assessment, plan
and review clocks): the column is `value`."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("safeguarding", "0003_report_attachments_questions_duty")]

    operations = [
        migrations.RemoveConstraint(model_name="clocksetting", name="clock_setting_hours_range"),
        migrations.RenameField(model_name="clocksetting", old_name="hours", new_name="value"),
        migrations.AlterField(
            model_name="clocksetting", name="value", field=models.PositiveSmallIntegerField(verbose_name="时限")
        ),
        migrations.AddConstraint(
            model_name="clocksetting",
            constraint=models.CheckConstraint(
                condition=models.Q(value__gte=1, value__lte=720), name="clock_setting_value_range"
            ),
        ),
    ]
