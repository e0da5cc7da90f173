"""The county administrator and the caseworkers must sign in with two-factor (they see and change
every child's record). The administrator may change the list (users → 两步验证设置)."""

from django.db import migrations

ROLES = ["county_admin", "caseworker"]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    TwoFactorRole = apps.get_model("accounts", "TwoFactorRole")
    for role in ROLES:
        TwoFactorRole.objects.get_or_create(role=role)


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("accounts", "TwoFactorRole").objects.filter(role__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_signin_throttling_and_two_factor_roles")]

    operations = [migrations.RunPython(seed, unseed)]
