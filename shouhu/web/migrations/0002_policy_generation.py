"""The cache family of the task table starts with a row, so the services only ever update it."""

from django.db import migrations


def add_families(apps, schema_editor):  # type: ignore[no-untyped-def]
    CacheGeneration = apps.get_model("web", "CacheGeneration")
    CacheGeneration.objects.get_or_create(name="policy", defaults={"token": "initial"})


class Migration(migrations.Migration):
    dependencies = [("web", "0001_cache_generation")]

    operations = [migrations.RunPython(add_families, migrations.RunPython.noop)]
