"""The bulk path for many children at once (imports, demo data, benchmarks).

Same rules as `services.child_register` — encryption, blind index, masked ID, pinyin,
circumstances, one audit row per child — but written set-wise: each batch becomes plain tuples
(no model instances, no per-field `get_prep_value`), the children's ids are reserved up front, and
the three tables are written with one statement each — binary `COPY ... FROM STDIN` on
PostgreSQL (psycopg 3, the columns' types set once), `executemany` on SQLite. Callers validate
records first (`format.parse_record`) and run inside one transaction when the whole set must be
all or nothing. Duplicate detection for the new children runs afterwards, set-based
(`duplicates.scan`).

The columns written here must follow the models: `test_bulk.py` compares a bulk-registered child
with one registered through `services.child_register`, row by row, on both backends.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import ipaddress
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.core import chain, crypto
from shouhu.core.models import AuditEvent
from shouhu.core.request_context import current_origin
from shouhu.regions.models import Region

from ..facts import fact_valid_from, facts_from_record
from ..identity import mask_id_number
from ..models import Child, ChildStatus, Circumstance
from ..names import name_readings
from .format import ChildRecord

BATCH_SIZE = 2000
YOUNG_COLLECTION_EVERY = 50_000  # allocations between collections of the young generation (see fewer_collections)
WRITE_CACHE_KIB = 64 * 1024  # SQLite page cache while writing (see write_cache)
Progress = Callable[[int], None]

CHILD_COLUMNS = (
    "id", "created_at", "updated_at", "id_number", "id_number_index", "id_number_masked", "no_id_reason",
    "name", "name_pinyin", "name_initials", "name_pinyin_common", "name_initials_common", "sex", "birth_date",
    "region_id", "region_code",
    "hukou_region_code", "phone", "address", "status", "closed_reason", "closed_on", "closed_note",
    "version", "created_by_id",
)  # fmt: skip
CIRCUMSTANCE_COLUMNS = (
    "child_id", "kind", "valid_from", "valid_to", "flag", "status", "detail", "grade", "since", "until",
    "note", "source", "recorded_by_id", "recorded_at",
)  # fmt: skip
AUDIT_COLUMNS = (
    "at", "actor_id", "actor_label", "action", "object_type", "object_id", "summary", "detail",
    "ip_address", "user_agent", "partition", "lane", "seq", "prev_hash", "row_hash",
)  # fmt: skip


def _batches(items: Iterable[ChildRecord], size: int) -> Iterator[list[ChildRecord]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


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


def _column_types(conn: BaseDatabaseWrapper, table: str, columns: Sequence[str]) -> list[int]:
    """The type oids of `columns` as the database has them (binary COPY must match them exactly)."""
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped",
            [table],
        )
        oids = dict(cursor.fetchall())
    return [int(oids[c]) for c in columns]


class _Table:
    def __init__(self, conn: BaseDatabaseWrapper, table: str, columns: Sequence[str]) -> None:
        self.name = conn.ops.quote_name(table)
        self.columns = ", ".join(conn.ops.quote_name(c) for c in columns)
        self.postgres = conn.vendor == "postgresql"
        self.types = _column_types(conn, table, columns) if self.postgres else []
        marks = ", ".join(["%s"] * len(columns))
        self.insert = f"INSERT INTO {self.name} ({self.columns}) VALUES ({marks})"  # noqa: S608 (our own names)

    def write(self, conn: BaseDatabaseWrapper, rows: Iterable[tuple[Any, ...]]) -> None:
        """Insert `rows`. On PostgreSQL a generator is consumed as the COPY goes: each row is sent
        (in psycopg's 32 KB chunks) as soon as it is built, so the server inserts and indexes the
        first rows while Python builds the next ones, instead of the two taking turns."""
        if isinstance(rows, list) and not rows:
            return
        with conn.cursor() as cursor:
            if self.postgres:
                # Binary COPY with the columns' types set once: psycopg's C code packs each row
                # (no per-value type lookup, no text to build), and the server parses no text.
                # Errors become Django's (IntegrityError, …) as in execute().
                sql = f"COPY {self.name} ({self.columns}) FROM STDIN (FORMAT BINARY)"
                with conn.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                    copy.set_types(self.types)
                    write_row = copy.write_row
                    for row in rows:
                        write_row(row)
                return
            rows = list(rows)
            if rows:
                cursor.executemany(self.insert, rows)


class Registrar:
    """Writes batches of new children inside the caller's transaction, set up once: the regions,
    the cipher and blind-index key, the tables' column types. `bulk_register` uses one per call;
    the import's commit keeps one for the whole file."""

    def __init__(self, *, actor: User | None, effective: datetime.date, action: str = "children.import") -> None:
        conn = connection
        self.conn = conn
        self.effective = effective
        self.action = action
        self.region_ids = dict(Region.objects.values_list("code", "id"))
        origin = current_origin.get()
        self.label = actor.get_username() if actor else "系统"
        self.actor_id = actor.pk if actor else None
        self.sealer = crypto.current_cipher()
        self.sqlite = conn.vendor == "sqlite"
        if self.sqlite:  # SQLite binds dates, timestamps and JSON as Django's text forms
            self.as_date: Callable[[datetime.date | None], Any] = _iso
            self.detail: Any = json.dumps({})
            self.ip: Any = origin.ip_address
        else:  # psycopg's binary dumpers take the Python objects
            self.as_date = _same
            self.detail = {}
            self.ip = ipaddress.ip_address(origin.ip_address) if origin.ip_address else None
        self.address = origin.ip_address  # as the chain's hash takes it
        self.user_agent = origin.user_agent
        self.children = _Table(conn, Child._meta.db_table, CHILD_COLUMNS)
        self.circumstances = _Table(conn, Circumstance._meta.db_table, CIRCUMSTANCE_COLUMNS)
        self.audits = _Table(conn, AuditEvent._meta.db_table, AUDIT_COLUMNS)

    def blind_index(self, number: str) -> str:
        return self.sealer.blind_index(number)

    def write(self, batch: Sequence[ChildRecord], indexes: Sequence[str | None] | None = None) -> list[int]:
        """Register `batch` (ID numbers not on record yet); `indexes` are their blind indexes when
        the caller already has them. Returns the new ids in order.

        Each table's rows come from a generator that `_Table.write` consumes as it sends them, so
        on PostgreSQL the server's work on each table (60–90 µs of CPU a child in all) runs beside
        the Python that builds that table's rows."""
        if not batch:
            return []
        now = timezone.now()
        stamp = self.conn.ops.adapt_datetimefield_value(now) if self.sqlite else now
        ids = _reserve_ids(self.conn, len(batch))
        if indexes is None:
            indexes = [self.sealer.blind_index(r.id_number) if r.id_number else None for r in batch]
        self.children.write(self.conn, self._child_rows(batch, ids, indexes, stamp))
        self.circumstances.write(self.conn, self._circumstance_rows(batch, ids, stamp))
        with chain.appending(chain.partition_of(now)) as links:  # the audit rows are links of a chain
            self.audits.write(self.conn, self._audit_rows(batch, ids, stamp, now, links))
        return ids

    def _child_rows(
        self, batch: Sequence[ChildRecord], ids: list[int], indexes: Sequence[str | None], stamp: Any
    ) -> Iterator[tuple[Any, ...]]:
        sealer, as_date, actor_id, region_ids = self.sealer, self.as_date, self.actor_id, self.region_ids
        active = ChildStatus.ACTIVE.value
        for pk, r, index in zip(ids, batch, indexes, strict=True):
            pinyin, initials, pinyin_common, initials_common = name_readings(r.name)
            number = r.id_number
            yield (
                pk, stamp, stamp, sealer.encrypt(number) if number else None, index,
                mask_id_number(number) if number else "", "" if number else (r.no_id_reason or ""), r.name,
                pinyin, initials, pinyin_common, initials_common, r.sex, as_date(r.birth_date),
                region_ids[r.region_code], r.region_code,
                r.hukou_region_code or "", "", "", active, "", None, "", 1, actor_id,
            )  # fmt: skip

    def _circumstance_rows(self, batch: Sequence[ChildRecord], ids: list[int], stamp: Any) -> Iterator[tuple[Any, ...]]:
        as_date, actor_id, effective = self.as_date, self.actor_id, self.effective
        for pk, r in zip(ids, batch, strict=True):
            for kind, fact in facts_from_record(r).items():
                yield (
                    pk, str(kind), as_date(fact_valid_from(kind, fact, effective)), None, fact.flag,
                    fact.status, fact.detail, fact.grade, as_date(fact.since), as_date(fact.until), "", "",
                    actor_id, stamp,
                )  # fmt: skip

    def _audit_rows(
        self, batch: Sequence[ChildRecord], ids: list[int], stamp: Any, now: datetime.datetime, links: chain.OpenChain
    ) -> Iterator[tuple[Any, ...]]:
        actor_id, label, action, detail, ip, agent, address = (
            self.actor_id, self.label, self.action, self.detail, self.ip, self.user_agent, self.address,
        )  # fmt: skip
        partition, lane, next_link = links.partition, links.lane, links.next_link
        for pk, r in zip(ids, batch, strict=True):
            summary = f"登记儿童 {r.name}"
            content: tuple[Any, ...] = (
                now, actor_id, label, action, "registry.child", str(pk), summary, {}, address, agent,
            )  # fmt: skip
            seq, prev, row_hash = next_link(content)
            yield (
                stamp, actor_id, label, action, "registry.child", str(pk), summary, detail, ip, agent,
                partition, lane, seq, prev, row_hash,
            )  # fmt: skip


@contextlib.contextmanager
def write_cache(conn: BaseDatabaseWrapper = connection) -> Iterator[None]:
    """On SQLite, a larger page cache while many rows go in: the child table's ten indexes take
    keys in random order (names, the blind index), and with SQLite's default 2 MB cache most
    inserts miss it once the registry holds tens of thousands of children. PostgreSQL: nothing."""
    if conn.vendor != "sqlite":
        yield
        return
    with conn.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-WRITE_CACHE_KIB}")
    try:
        yield
    finally:
        with conn.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {before}")


_collections_lock = threading.Lock()
_collections_depth = 0
_collections_before: tuple[int, int, int] = gc.get_threshold()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Python's cycle collector runs less often while many rows go through. An import allocates
    millions of short-lived containers (cells, row objects, records, tuples) and keeps a chunk of
    them alive for a while (a lookup chunk, a batch), so with the default threshold (a collection
    every 700 allocations) survivors pile up in the old generation and trigger full collections,
    each walking every tracked object of the process (Django, pypinyin's dictionaries: ~340,000):
    validating 100,000 rows ran 15 of them, 250 middle and 2,740 young ones. Collecting the young
    generation every 50,000 allocations instead took ~25% of the CPU off validating and ~15% off
    committing (`benchmarks/import_rows.py`). Objects are still freed by reference counting as
    soon as they are dropped; only garbage in cycles waits longer. The threshold is restored when
    the last caller leaves (imports may overlap in threads)."""
    global _collections_depth, _collections_before
    with _collections_lock:
        if _collections_depth == 0:
            _collections_before = gc.get_threshold()
            gc.set_threshold(YOUNG_COLLECTION_EVERY, *_collections_before[1:])
        _collections_depth += 1
    try:
        yield
    finally:
        with _collections_lock:
            _collections_depth -= 1
            if _collections_depth == 0:
                gc.set_threshold(*_collections_before)


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
    created: list[int] = []
    with fewer_collections(), transaction.atomic(), write_cache():
        registrar = Registrar(actor=actor, effective=effective, action=action)
        for batch in _batches(records, batch_size):
            created.extend(registrar.write(batch))
            if on_progress is not None:
                on_progress(len(created))
    return created


def _same(value: datetime.date | None) -> datetime.date | None:
    return value


def _iso(value: datetime.date | None) -> str | None:
    """Django's `adapt_datefield_value` on SQLite (str() of a date is its ISO form)."""
    return value.isoformat() if value is not None else None
