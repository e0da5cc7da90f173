"""Surname readings: a second pair of search keys (the everyday reading) beside name_pinyin /
name_initials, which now hold the surname's reading (朴 piao, 曾 zeng); ü folded to u in both.
Every existing child's keys are recomputed by id range, a batch at a time (registry/names.py)."""

from django.db import migrations, models

BATCH = 2000
FIELDS = ["name_pinyin", "name_initials", "name_pinyin_common", "name_initials_common"]


def recompute(apps, schema_editor):
    # The current code on purpose: the keys must be what search compares queries with today.
    from shouhu.registry.names import name_readings

    Child = apps.get_model("registry", "Child")
    db = schema_editor.connection.alias
    children = Child.objects.using(db)
    last = 0
    while True:
        batch = list(children.filter(pk__gt=last).order_by("pk").only("pk", "name", *FIELDS)[:BATCH])
        if not batch:
            return
        changed = []
        for child in batch:
            keys = tuple(name_readings(child.name))
            if keys != tuple(getattr(child, f) for f in FIELDS):
                for field, value in zip(FIELDS, keys):
                    setattr(child, field, value)
                changed.append(child)
        children.bulk_update(changed, FIELDS, batch_size=500)
        last = batch[-1].pk


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0005_child_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="child",
            name="name_pinyin_common",
            field=models.CharField(db_index=True, default="", max_length=200, verbose_name="姓名拼音（通常读音）"),
        ),
        migrations.AddField(
            model_name="child",
            name="name_initials_common",
            field=models.CharField(db_index=True, default="", max_length=50, verbose_name="拼音首字母（通常读音）"),
        ),
        migrations.RunPython(recompute, migrations.RunPython.noop, elidable=True),
    ]
