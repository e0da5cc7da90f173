"""The bulk path for many children at once (imports, demo data, benchmarks).

Same rules as `services.child_register` — encryption, blind index, masked ID, pinyin,
circumstances, one audit row per child — but written set-wise: each batch becomes plain tuples
(no model instances, no per-field `get_prep_value`), the children's ids are reserved up front, and
the three tables are written with one statement each — `COPY ... FROM STDIN` on PostgreSQL
(psycopg 3), `executemany` on SQLite. Callers validate records first (`exchange.parse_record`) and
run inside one transaction when the whole set must be all or nothing. Duplicate detection for the
new children runs afterwards, set-based (`duplicates.scan`).

The columns written here must follow the models: `test_bulk.py` compares a bulk-registered child
with one registered through `services.child_register`, row by row, on both backends.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.core import crypto
from shouhu.core.models import AuditEvent
from shouhu.core.request_context import current_origin
from shouhu.regions.models import Region

from .exchange import ChildRecord
from .facts import fact_valid_from, facts_from_record
from .identity import mask_id_number, name_pinyin
from .models import Child, ChildStatus, Circumstance

BATCH_SIZE = 2000
Progress = Callable[[int], None]

CHILD_COLUMNS = (
    "id", "created_at", "updated_at", "id_number", "id_number_index", "id_number_masked", "no_id_reason",
    "name", "name_pinyin", "name_initials", "sex", "birth_date", "region_id", "region_code",
    "hukou_region_code", "phone", "address", "status", "closed_reason", "closed_on", "closed_note",
    "version", "created_by_id",
)  # fmt: skip
CIRCUMSTANCE_COLUMNS = (
    "child_id", "kind", "valid_from", "valid_to", "flag", "status", "detail", "grade", "since", "until",
    "note", "recorded_by_id", "recorded_at",
)  # fmt: skip
AUDIT_COLUMNS = (
    "at", "actor_id", "actor_label", "action", "object_type", "object_id", "summary", "detail",
    "ip_address", "user_agent",
)  # fmt: skip


def _batches(items: Iterable[ChildRecord], size: int) -> Iterator[list[ChildRecord]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# COPY's text format: tab-separated, \N for NULL, backslash escapes.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime.date):  # and datetime: ISO 8601 with its offset
        return value.isoformat()
    return str(value)


def _reserve_ids(conn: BaseDatabaseWrapper, count: int) -> list[int]:
    """`count` new primary keys for registry_child, inside the caller's transaction."""
    table = Child._meta.db_table
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the settings open every transaction with BEGIN IMMEDIATE, so this transaction
        # already holds the database's write lock — no other connection can insert a child between
        # reading the maximum and writing the rows. AUTOINCREMENT never reuses an id, even of a
        # deleted row: take the larger of sqlite_sequence and MAX(id).
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608
            f"COALESCE((SELECT MAX(id) FROM {conn.ops.quote_name(table)}), 0))",
            [table],
        )
        start = int(cursor.fetchone()[0]) + 1
        return list(range(start, start + count))


def _write(conn: BaseDatabaseWrapper, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    quoted = ", ".join(conn.ops.quote_name(c) for c in columns)
    with conn.cursor() as cursor:
        copy = getattr(cursor.cursor, "copy", None) if conn.vendor == "postgresql" else None
        if copy is not None:  # psycopg 3; errors become Django's (IntegrityError, …) as in execute()
            # The text is built here: psycopg's write_row adapts value by value (~15 µs a row).
            text = "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)
            with conn.wrap_database_errors, copy(f"COPY {conn.ops.quote_name(table)} ({quoted}) FROM STDIN") as out:
                out.write(text.encode())
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {conn.ops.quote_name(table)} ({quoted}) VALUES ({marks})", rows)  # noqa: S608


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
    actor_id = actor.pk if actor else None
    created: list[int] = []
    conn = connection
    # SQLite binds dates and timestamps as Django's text forms; psycopg adapts Python objects.
    if conn.vendor == "sqlite":
        as_date: Callable[[datetime.date | None], Any] = conn.ops.adapt_datefield_value
    else:
        as_date = _same
    empty_detail = json.dumps({})
    with transaction.atomic():
        sealer = crypto.current_cipher()
        for batch in _batches(records, batch_size):
            now = timezone.now()
            stamp = conn.ops.adapt_datetimefield_value(now) if conn.vendor == "sqlite" else now
            ids = _reserve_ids(conn, len(batch))
            children: list[tuple[Any, ...]] = []
            circumstances: list[tuple[Any, ...]] = []
            audits: list[tuple[Any, ...]] = []
            for pk, r in zip(ids, batch, strict=True):
                pinyin, initials = name_pinyin(r.name)
                number = r.id_number
                children.append((
                    pk, stamp, stamp, sealer.encrypt(number) if number else None,
                    sealer.blind_index(number) if number else None, mask_id_number(number) if number else "",
                    "" if number else (r.no_id_reason or ""), r.name, pinyin, initials, r.sex,
                    as_date(r.birth_date), region_ids[r.region_code], r.region_code, r.hukou_region_code or "",
                    "", "", ChildStatus.ACTIVE.value, "", None, "", 1, actor_id,
                ))  # fmt: skip
                for kind, fact in facts_from_record(r).items():
                    circumstances.append((
                        pk, str(kind), as_date(fact_valid_from(kind, fact, effective)), None, fact.flag,
                        fact.status, fact.detail, fact.grade, as_date(fact.since), as_date(fact.until), "",
                        actor_id, stamp,
                    ))  # fmt: skip
                audits.append((
                    stamp, actor_id, label, action, "registry.child", str(pk), f"登记儿童 {r.name}", empty_detail,
                    origin.ip_address, origin.user_agent,
                ))  # fmt: skip
            _write(conn, Child._meta.db_table, CHILD_COLUMNS, children)
            _write(conn, Circumstance._meta.db_table, CIRCUMSTANCE_COLUMNS, circumstances)
            _write(conn, AuditEvent._meta.db_table, AUDIT_COLUMNS, audits)
            created.extend(ids)
            if on_progress is not None:
                on_progress(len(created))
    return created


def _same(value: datetime.date | None) -> datetime.date | None:
    return value
