"""Reference data: 桓仁满族自治县 and its 13 townships (official 12-digit codes)."""

from django.db import migrations

ROWS = [
    ("210522000000", "桓仁满族自治县", "", "county"),
    ("210522001000", "八卦城街道", "210522000000", "subdistrict"),
    ("210522100000", "桓仁镇", "210522000000", "town"),
    ("210522101000", "普乐堡镇", "210522000000", "town"),
    ("210522102000", "二棚甸子镇", "210522000000", "town"),
    ("210522103000", "沙尖子镇", "210522000000", "town"),
    ("210522104000", "五里甸子镇", "210522000000", "town"),
    ("210522108000", "八里甸子镇", "210522000000", "town"),
    ("210522110000", "华来镇", "210522000000", "town"),
    ("210522111000", "古城镇", "210522000000", "town"),
    ("210522201000", "雅河朝鲜族乡", "210522000000", "township"),
    ("210522202000", "向阳乡", "210522000000", "township"),
    ("210522206000", "黑沟乡", "210522000000", "township"),
    ("210522208000", "北甸子乡", "210522000000", "township"),
]
KIND_LABELS = {"county": "县", "subdistrict": "街道", "town": "镇", "township": "乡"}


def load(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    by_code = {}
    for code, name, parent, kind in ROWS:
        level = "county" if code[6:] == "000000" else "township"
        prefix = code[:6] if level == "county" else code[:9]
        region, _ = Region.objects.update_or_create(
            code=code,
            defaults={"name": name, "parent": by_code.get(parent), "level": level, "kind": KIND_LABELS[kind], "prefix": prefix},
        )
        by_code[code] = region


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
