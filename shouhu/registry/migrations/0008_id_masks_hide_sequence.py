"""Masked ID numbers show the province and city only (docs/security.md, "ID masks"): the stored
masks, which showed the sequence and check digits, are rewritten from their own first four
characters, so nothing needs decrypting."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Left

VISIBLE = 4
HIDDEN = 14


def hide_sequence(apps, schema_editor):  # type: ignore[no-untyped-def]
    Child = apps.get_model("registry", "Child")
    Child.objects.exclude(id_number_masked="").update(
        id_number_masked=Concat(Left("id_number_masked", VISIBLE), Value("*" * HIDDEN))
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_child_transfer")]

    operations = [migrations.RunPython(hide_sequence, migrations.RunPython.noop, elidable=True)]
