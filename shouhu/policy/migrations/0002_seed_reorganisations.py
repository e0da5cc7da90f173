"""Reference data: the 2018–2019 institutional reforms that renamed or merged units named in
the task-division table. Dates are defaults for the county to confirm (the tax merger date is
the national one for county tax bureaux); administrators correct them in the UI."""

import datetime

from django.db import migrations

SUCCESSORS = [
    # (short name, official name, kind)
    ("县卫健局", "县卫生健康局", "government"),
    ("县税务局", "国家税务总局桓仁满族自治县税务局", "government"),
    ("县住建局", "县住房和城乡建设局", "government"),
    ("县文旅广电局", "县文化旅游和广播电视局", "government"),
]
REORGANISATIONS = [
    # (kind, effective_on, predecessors, successors, note)
    ("rename", datetime.date(2019, 3, 1), ["县卫计局"], ["县卫健局"], "卫生和计划生育局改为卫生健康局（机构改革，日期待确认）"),
    ("merge", datetime.date(2018, 7, 20), ["县国税局", "县地税局"], ["县税务局"], "国税、地税征管体制改革，县级税务局挂牌"),
    ("rename", datetime.date(2019, 3, 1), ["县城建局"], ["县住建局"], "城乡建设职能划入住房和城乡建设局（日期待确认）"),
    ("rename", datetime.date(2019, 3, 1), ["县文广局"], ["县文旅广电局"], "文化广播电视与旅游职能合并（日期待确认）"),
]


def load(apps, schema_editor):
    Department = apps.get_model("accounts", "Department")
    Reorganisation = apps.get_model("policy", "Reorganisation")
    for name, official_name, kind in SUCCESSORS:
        Department.objects.update_or_create(name=name, defaults={"official_name": official_name, "kind": kind})
    for kind, effective_on, predecessors, successors, note in REORGANISATIONS:
        if Reorganisation.objects.filter(predecessors__name=predecessors[0]).exists():
            continue
        reorganisation = Reorganisation.objects.create(kind=kind, effective_on=effective_on, note=note)
        olds = list(Department.objects.filter(name__in=predecessors))
        reorganisation.predecessors.set(olds)
        reorganisation.successors.set(Department.objects.filter(name__in=successors))
        for old in olds:
            old.dissolved_on = effective_on
            old.save(update_fields=["dissolved_on"])
        for new in Department.objects.filter(name__in=successors, established_on__isnull=True):
            new.established_on = effective_on
            new.save(update_fields=["established_on"])


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial"), ("accounts", "0002_load_departments")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
