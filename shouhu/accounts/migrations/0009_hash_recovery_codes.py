"""Recovery codes were stored as written (django-otp's static tokens): a database dump held codes
that sign in. Keep a keyed hash of each instead (`two_factor.recovery_code_digest`, the same
function written out here: a migration does not import the app's code)."""

import re

from django.db import migrations
from django.utils.crypto import salted_hmac

SALT = "shouhu.accounts.recovery_code"


def digest(code: str) -> str:
    return salted_hmac(SALT, re.sub(r"[\s-]", "", code).lower(), algorithm="sha256").hexdigest()[:16]


def hash_codes(apps, schema_editor):  # type: ignore[no-untyped-def]
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.all():
        token.token = digest(token.token)
        token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_two_factor_for_safety_case_handlers"),
        ("otp_static", "0003_add_timestamps"),
    ]

    # Not reversible: the codes themselves are gone (users renew them on their account page).
    operations = [migrations.RunPython(hash_codes, migrations.RunPython.noop)]
