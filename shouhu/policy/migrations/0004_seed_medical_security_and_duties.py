"""Reference data: the 2019 reform's 县医疗保障局 and the functions it took over (职能划转), and the
default duty maps of the measures the table gives to several units "按职责分别指导落实".

The reform created 医疗保障局 and moved functions, not whole units: 医疗救助 (task 5) from 民政,
城乡居民医保 (tasks 7 and 8) from 人社 and 卫计. The date is the one the other 2019 reorganisations
use, for the county to confirm (待确认, as those are). The duty map of T07 sends a 低保 child's
referral to 县民政局 and a severely disabled child's to 县残联; both wait for the county's
confirmation (docs/casework-routing.md)."""

import datetime

from django.db import migrations

UNIT = ("县医保局", "桓仁满族自治县医疗保障局")
REFORM = datetime.date(2019, 3, 1)
TRANSFERS = [
    # (from unit, task numbers, note)
    ("县民政局", [5], "医疗救助职能由民政局划入医疗保障局（机构改革，日期待确认）"),
    ("县人社局", [7, 8], "城乡居民基本医疗保险职能由人社局划入医疗保障局（机构改革，日期待确认）"),
    ("县卫计局", [7, 8], "新型农村合作医疗职能由卫计局划入医疗保障局（机构改革，日期待确认）"),
]
DUTY_START = datetime.date(2020, 1, 1)
DUTIES = {
    # measure → [(category, unit)], none confirmed by the county yet
    "T07": [("low_income", "县民政局"), ("severely_disabled", "县残联")],
}
DUTY_NOTE = "默认分工：按儿童类别由负责该类儿童的单位办理（待县里确认）"


def load(apps, schema_editor):
    Department = apps.get_model("accounts", "Department")
    Reorganisation = apps.get_model("policy", "Reorganisation")
    DutyMapVersion = apps.get_model("policy", "DutyMapVersion")
    DutyAssignment = apps.get_model("policy", "DutyAssignment")
    unit, _ = Department.objects.get_or_create(
        name=UNIT[0],
        defaults={"official_name": UNIT[1], "kind": "government", "established_on": REFORM,
                  "note": "2019 年机构改革组建，承接医疗救助、城乡居民医保等职能"},
    )  # fmt: skip
    for source, tasks, note in TRANSFERS:
        old = Department.objects.filter(name=source).first()
        if old is None or Reorganisation.objects.filter(kind="transfer", predecessors=old, successors=unit).exists():
            continue
        transfer = Reorganisation.objects.create(kind="transfer", effective_on=REFORM, note=note, task_numbers=tasks)
        transfer.predecessors.set([old])
        transfer.successors.set([unit])
    for measure, rows in DUTIES.items():
        if DutyMapVersion.objects.filter(measure=measure).exists():
            continue
        version = DutyMapVersion.objects.create(measure=measure, version=1, effective_from=DUTY_START, note=DUTY_NOTE)
        for position, (category, name) in enumerate(rows):
            department = Department.objects.filter(name=name).first()
            if department is not None:
                DutyAssignment.objects.create(
                    version=version, category=category, department=department, confirmed=False, position=position
                )


class Migration(migrations.Migration):
    dependencies = [("policy", "0003_duty_map_and_transfers"), ("accounts", "0002_load_departments")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
