"""Reference data: the 21 units named in the task-division table, by the short names the
table uses, with their official names at the time. Units replaced in the 2018–2019 reforms
(县卫计局, 县国税局, 县地税局, 县城建局, 县文广局) get their successors from shouhu.policy's
reorganisation data migration."""

from django.db import migrations

ROWS = [
    ("县民政局", "县民政局", "government", ""),
    ("县财政局", "县财政局", "government", ""),
    ("县卫计局", "县卫生和计划生育局", "government", "卫生和计划生育局 reorganised into 卫生健康局 in the 2018–2019 institutional reform"),
    ("县人社局", "县人力资源和社会保障局", "government", ""),
    ("县残联", "县残疾人联合会", "mass_organisation", ""),
    ("县教育局", "县教育局", "government", ""),
    ("县公安局", "县公安局", "government", ""),
    ("县法院", "县人民法院", "judicial", ""),
    ("县司法局", "县司法局", "government", ""),
    ("县检察院", "县人民检察院", "judicial", ""),
    ("县发改局", "县发展和改革局", "government", ""),
    ("县妇联", "县妇女联合会", "mass_organisation", ""),
    ("县城建局", "县城乡建设局", "government", "城乡建设局 functions now with 住房和城乡建设局"),
    ("县总工会", "县总工会", "mass_organisation", ""),
    ("团县委", "共青团桓仁满族自治县委员会", "mass_organisation", ""),
    ("县关工委", "县关心下一代工作委员会", "mass_organisation", ""),
    ("县国税局", "县国家税务局", "government", "国税 and 地税 merged into one 税务局 in 2018"),
    ("县地税局", "县地方税务局", "government", "国税 and 地税 merged into one 税务局 in 2018"),
    ("县委宣传部", "县委宣传部", "party", ""),
    ("县文广局", "县文化广播电视局", "government", "文化广播电视 functions merged with tourism in the 2018–2019 reform; confirm the local name"),
    ("各乡镇（街道）", "各乡镇（街道）", "townships", "not a department: every township and subdistrict answers for its own area"),
]


def load(apps, schema_editor):
    Department = apps.get_model("accounts", "Department")
    for name, official_name, kind, note in ROWS:
        Department.objects.update_or_create(name=name, defaults={"official_name": official_name, "kind": kind, "note": note})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
