"""Tokens issued before `ApiToken.issued_by` existed: their issuer is the actor of their
`api_tokens.issue` audit row. A token an administrator issued for someone else stays usable but,
not being its owner's, no longer reveals sensitive fields nor does what its issuer may not
(docs/security.md, "API tokens"); one without an audit row counts as issued at the command line."""

from django.db import migrations


def issuers_from_audit(apps, schema_editor):  # type: ignore[no-untyped-def]
    ApiToken = apps.get_model("accounts", "ApiToken")
    AuditEvent = apps.get_model("core", "AuditEvent")
    for token in ApiToken.objects.filter(issued_by__isnull=True).iterator():
        event = (
            AuditEvent.objects.filter(
                action="api_tokens.issue", object_type="accounts.apitoken", object_id=str(token.pk)
            )
            .exclude(actor__isnull=True)
            .order_by("id")
            .first()
        )
        if event is not None:
            ApiToken.objects.filter(pk=token.pk).update(issued_by_id=event.actor_id)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_api_token_issuer_and_expiry"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(issuers_from_audit, migrations.RunPython.noop, elidable=True)]
