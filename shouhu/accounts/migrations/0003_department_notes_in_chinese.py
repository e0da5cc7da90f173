"""The notes 0002 loaded were English (from the shared reference list); the department pages are
Chinese. A note someone has since edited is left as it is."""

from django.db import migrations

NOTES = {
    "县卫计局": (
        "卫生和计划生育局 reorganised into 卫生健康局 in the 2018–2019 institutional reform",
        "2018—2019 年机构改革中，卫生和计划生育局改组为卫生健康局",
    ),
    "县城建局": (
        "城乡建设局 functions now with 住房和城乡建设局",
        "城乡建设局的职能现由住房和城乡建设局承担",
    ),
    "县国税局": (
        "国税 and 地税 merged into one 税务局 in 2018",
        "2018 年国税、地税合并为税务局",
    ),
    "县地税局": (
        "国税 and 地税 merged into one 税务局 in 2018",
        "2018 年国税、地税合并为税务局",
    ),
    "县文广局": (
        "文化广播电视 functions merged with tourism in the 2018–2019 reform; confirm the local name",
        "2018—2019 年机构改革中，文化广播电视与旅游合并；请核实本县现名",
    ),
    "各乡镇（街道）": (
        "not a department: every township and subdistrict answers for its own area",
        "不是一个部门：各乡镇（街道）分别负责本辖区",
    ),
}


def to_chinese(apps, schema_editor):
    Department = apps.get_model("accounts", "Department")
    for name, (english, chinese) in NOTES.items():
        Department.objects.filter(name=name, note=english).update(note=chinese)


def to_english(apps, schema_editor):
    Department = apps.get_model("accounts", "Department")
    for name, (english, chinese) in NOTES.items():
        Department.objects.filter(name=name, note=chinese).update(note=english)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_load_departments")]
    operations = [migrations.RunPython(to_chinese, to_english)]
