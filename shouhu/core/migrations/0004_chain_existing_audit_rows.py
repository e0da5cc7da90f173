"""Chain the audit rows written before the log was chained: each day's rows in the order they were
written (time, then id), one lane a day, with the same hash the writer takes (`core.chain`).
Rows already in a chain are left as they are, so running it again changes nothing."""

from django.db import migrations

BATCH = 2000
FIELDS = ("partition", "lane", "seq", "prev_hash", "row_hash")


def chain_existing(apps, schema_editor):
    from shouhu.core.chain import CONTENT_FIELDS, digest, partition_of

    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    heads = {h.partition: h for h in AuditChainHead.objects.filter(lane=0)}
    pending = []
    for event in AuditEvent.objects.filter(seq__isnull=True).order_by("at", "id").iterator(chunk_size=BATCH):
        partition = partition_of(event.at)
        head = heads.get(partition)
        if head is None:
            head = heads[partition] = AuditChainHead.objects.create(partition=partition, lane=0, seq=0, last_hash="")
        content = tuple(getattr(event, name) for name in CONTENT_FIELDS)
        head.seq += 1
        event.partition, event.lane, event.seq, event.prev_hash = partition, 0, head.seq, head.last_hash
        event.row_hash = head.last_hash = digest(partition, 0, head.seq, event.prev_hash, content)
        pending.append(event)
        if len(pending) >= BATCH:
            AuditEvent.objects.bulk_update(pending, FIELDS)
            pending = []
    if pending:
        AuditEvent.objects.bulk_update(pending, FIELDS)
    for head in heads.values():
        head.save(update_fields=["seq", "last_hash"])


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_hash_chain")]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
