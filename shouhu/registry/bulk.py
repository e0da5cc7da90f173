"""The bulk path for many children at once (imports, demo data, benchmarks).

Same rules as `services.child_register` — encryption, blind index, pinyin, circumstances, one
audit row per child — but written in batches with `bulk_create`. Callers validate records first
(`exchange.parse_record`) and run inside one transaction when the whole set must be all or
nothing. Duplicate detection for the new children runs afterwards, set-based
(`duplicates.scan`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from django.db import transaction

from shouhu.accounts.models import User
from shouhu.core import crypto
from shouhu.core.models import AuditEvent
from shouhu.core.request_context import current_origin
from shouhu.regions.models import Region

from .exchange import ChildRecord
from .facts import fact_valid_from, facts_from_record
from .identity import mask_id_number, name_pinyin
from .models import Child, Circumstance

BATCH_SIZE = 2000
Progress = Callable[[int], None]


def _batches(items: Iterable[ChildRecord], size: int) -> Iterator[list[ChildRecord]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _child_row(record: ChildRecord, region_id: int, actor: User | None) -> Child:
    pinyin, initials = name_pinyin(record.name)
    return Child(
        id_number=record.id_number,
        id_number_index=crypto.blind_index(record.id_number) if record.id_number else None,
        id_number_masked=mask_id_number(record.id_number) if record.id_number else "",
        no_id_reason="" if record.id_number else (record.no_id_reason or ""),
        name=record.name, name_pinyin=pinyin, name_initials=initials, sex=record.sex,
        birth_date=record.birth_date, region_id=region_id, region_code=record.region_code,
        hukou_region_code=record.hukou_region_code or "", created_by=actor,
    )  # fmt: skip


def _circumstance_rows(
    child: Child, record: ChildRecord, effective: datetime.date, actor: User | None
) -> list[Circumstance]:
    return [
        Circumstance(
            child=child,
            kind=kind,
            valid_from=fact_valid_from(kind, fact, effective),
            flag=fact.flag,
            status=fact.status,
            detail=fact.detail,
            grade=fact.grade,
            since=fact.since,
            until=fact.until,
            recorded_by=actor,
        )  # fmt: skip
        for kind, fact in facts_from_record(record).items()
    ]


def bulk_register(
    *,
    actor: User | None,
    records: Iterable[ChildRecord],
    effective: datetime.date,
    action: str = "children.import",
    batch_size: int = BATCH_SIZE,
    on_progress: Progress | None = None,
) -> list[int]:
    """Register new children (their ID numbers must not be on record yet). Returns the new ids."""
    region_ids = dict(Region.objects.values_list("code", "id"))
    origin = current_origin.get()
    label = actor.get_username() if actor else "系统"
    created: list[int] = []
    with transaction.atomic():
        for batch in _batches(records, batch_size):
            children = [_child_row(r, region_ids[r.region_code], actor) for r in batch]
            Child.objects.bulk_create(children, batch_size=batch_size)
            rows = [
                row
                for child, r in zip(children, batch, strict=True)
                for row in _circumstance_rows(child, r, effective, actor)
            ]
            Circumstance.objects.bulk_create(rows, batch_size=batch_size)
            AuditEvent.objects.bulk_create(
                [AuditEvent(actor=actor, actor_label=label, action=action, object_type="registry.child",
                            object_id=str(c.pk), summary=f"登记儿童 {c.name}", ip_address=origin.ip_address,
                            user_agent=origin.user_agent) for c in children],
                batch_size=batch_size,
            )  # fmt: skip
            created.extend(c.pk for c in children)
            if on_progress is not None:
                on_progress(len(created))
    return created
