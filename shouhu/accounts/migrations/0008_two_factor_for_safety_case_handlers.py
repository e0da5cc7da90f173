"""Everyone who opens safety cases signs in with two-factor by default: the township supervisors
(their township's cases) and the departments' officers (the police lead a case; the units task 17
and task 28 name handle it), besides the administrator and the caseworkers. The administrator may
change the list (users → 两步验证设置)."""

from django.db import migrations

ROLES = ["township_supervisor", "department_officer"]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    TwoFactorRole = apps.get_model("accounts", "TwoFactorRole")
    for role in ROLES:
        TwoFactorRole.objects.get_or_create(role=role)


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("accounts", "TwoFactorRole").objects.filter(role__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_api_token_issuers_from_audit")]

    operations = [migrations.RunPython(seed, unseed)]
