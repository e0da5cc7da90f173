"""The audit log as hash chains: a row changed, removed or slipped in afterwards shows.

Every `AuditEvent` is a link of one chain. A chain is a day (`partition`, the row's date in the
county's time zone) and a `lane` of that day; its rows are numbered 1, 2, … (`seq`) and each
stores the hash of the row before it (`prev_hash`, "" for the first) and its own `row_hash`:
SHA-256 over a canonical serialisation (`canonical`) of its fields, its position and `prev_hash`.
The chain's head (`AuditChainHead`) holds the number of its rows and the last hash.

Writers append under a lock on the head, taken in their own transaction and held until it ends,
so two writers never take the same place:
- SQLite: every transaction is `BEGIN IMMEDIATE` (settings), so the writer already holds the
  database's write lock; one lane a day, claimed with an upsert.
- PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` takes the first of the day's `LANES` heads no other
  transaction holds. A long transaction that writes audit rows (an import of a whole roster) keeps
  its lane until it commits, and everyone else appends to the other lanes meanwhile.

`verify` walks every chain from its first row and reports, per chain, the first link that does not
hold (`shouhu audit verify`). What it proves and does not: docs/security.md, "Audit".
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEvent

LANES = 8  # PostgreSQL: chains a day, so this many transactions may hold one at once
FORMAT = 1  # the canonical serialisation's version, hashed with every row

# The fields a row's hash covers besides its place in the chain, in this order.
CONTENT_FIELDS = (
    "at", "actor_id", "actor_label", "action", "object_type", "object_id", "summary", "detail",
    "ip_address", "user_agent",
)  # fmt: skip


def partition_of(at: datetime.datetime) -> str:
    """The chain partition of a row written at `at`: its date in the county's time zone."""
    return timezone.localdate(at).isoformat()


def _instant(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _address(value: Any) -> str | None:
    """An address as its bytes in hex: the same however the database or Python writes it out
    (PostgreSQL's inet, Django's IPv6 clean-up, Python's str of an IPv4-mapped address)."""
    if value in (None, ""):
        return None
    try:
        return ipaddress.ip_address(str(value)).packed.hex()
    except ValueError:
        return str(value)


def canonical(partition: str, lane: int, seq: int, prev_hash: str, content: Sequence[Any]) -> bytes:
    """The bytes a row's hash is taken over: JSON of a list (keys of `detail` sorted, no spaces),
    `content` being the values of CONTENT_FIELDS."""
    at, actor_id, actor_label, action, object_type, object_id, summary, detail, address, agent = content
    payload = [
        FORMAT, partition, lane, seq, prev_hash, _instant(at), actor_id, actor_label, action, object_type,
        str(object_id), summary, detail, _address(address), agent,
    ]  # fmt: skip
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def digest(partition: str, lane: int, seq: int, prev_hash: str, content: Sequence[Any]) -> str:
    return hashlib.sha256(canonical(partition, lane, seq, prev_hash, content)).hexdigest()


def content_of(event: AuditEvent) -> tuple[Any, ...]:
    return tuple(getattr(event, name) for name in CONTENT_FIELDS)


def normalised_detail(detail: dict[str, Any] | None) -> Any:
    """`detail` as the database gives it back (tuples as lists, keys as strings), so the hash taken
    before the row is written is the hash of what is read later."""
    return json.loads(json.dumps(detail or {}, allow_nan=False))


@dataclass
class OpenChain:
    """A chain this transaction holds the head of: where the next row goes."""

    partition: str
    lane: int
    seq: int
    last_hash: str

    def next_link(self, content: Sequence[Any]) -> tuple[int, str, str]:
        """The place of a new row with `content`: (seq, prev_hash, row_hash)."""
        self.seq += 1
        prev, self.last_hash = self.last_hash, digest(self.partition, self.lane, self.seq, self.last_hash, content)
        return self.seq, prev, self.last_hash

    def link(self, event: AuditEvent) -> None:
        event.partition, event.lane = self.partition, self.lane
        event.seq, event.prev_hash, event.row_hash = self.next_link(content_of(event))


def _head_table() -> tuple[str, str, str, str, str]:
    quote = connection.ops.quote_name
    return (
        quote(AuditChainHead._meta.db_table), quote("partition"), quote("lane"), quote("seq"), quote("last_hash"),
    )  # fmt: skip


def _take_head(partition: str) -> tuple[int, int, str]:
    table, part, lane, seq, last = _head_table()
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            # The transaction holds SQLite's write lock already (BEGIN IMMEDIATE); one lane a day.
            cursor.execute(
                f"INSERT INTO {table} ({part}, {lane}, {seq}, {last}) VALUES (%s, 0, 0, '') "  # noqa: S608
                f"ON CONFLICT ({part}, {lane}) DO UPDATE SET {seq} = {seq} RETURNING {seq}, {last}",
                [partition],
            )
            found, last_hash = cursor.fetchone()
            return 0, int(found), str(last_hash)
        pick = (
            f"SELECT {lane}, {seq}, {last} FROM {table} WHERE {part} = %s "  # noqa: S608
            f"ORDER BY {lane} LIMIT 1 FOR UPDATE SKIP LOCKED"
        )
        cursor.execute(pick, [partition])
        row = cursor.fetchone()
        if row is None:  # the day's first row, or every lane held by another transaction
            cursor.execute(
                f"INSERT INTO {table} ({part}, {lane}, {seq}, {last}) "  # noqa: S608
                f"SELECT %s, g, 0, '' FROM generate_series(0, %s) g ON CONFLICT DO NOTHING",
                [partition, LANES - 1],
            )
            cursor.execute(pick, [partition])
            row = cursor.fetchone()
        if row is None:  # all lanes busy: wait for one
            cursor.execute(
                f"SELECT {lane}, {seq}, {last} FROM {table} WHERE {part} = %s AND {lane} = %s FOR UPDATE",  # noqa: S608
                [partition, os.getpid() % LANES],
            )
            row = cursor.fetchone()
        return int(row[0]), int(row[1]), str(row[2])


@contextmanager
def appending(partition: str) -> Iterator[OpenChain]:
    """Hold a chain of `partition` for the rows written inside the block (in the caller's
    transaction, or one of its own); its head moves on when the block ends."""
    with transaction.atomic(savepoint=False):
        lane, seq, last_hash = _take_head(partition)
        chain = OpenChain(partition, lane, seq, last_hash)
        yield chain
        AuditChainHead.objects.filter(partition=partition, lane=lane).update(seq=chain.seq, last_hash=chain.last_hash)


# -- Verifying --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    partition: str
    lane: int | None
    message: str


@dataclass
class Verification:
    rows: int = 0
    chains: dict[tuple[str, int], tuple[int, str]] = field(default_factory=dict)  # (partition, lane): (rows, last hash)
    broken: list[BrokenLink] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken

    @property
    def partitions(self) -> set[str]:
        return {partition for partition, _ in self.chains}


def _where(partition: str, lane: int) -> str:
    return f"{partition} 第 {lane} 道"


def _walk(partition: str, lane: int, rows: list[tuple[Any, ...]], head: AuditChainHead | None) -> str | None:
    """The first link of one chain that does not hold, in words (None: it holds)."""
    expected, prev = 1, ""
    for event_id, seq, prev_hash, row_hash, content in rows:
        place = f"{_where(partition, lane)}第 {seq} 条（记录编号 {event_id}）"
        if seq < expected:
            return f"{place}的序号与前一条重复或倒退：此处插入了记录"
        if seq > expected:
            missing = f"第 {expected} 条" if seq == expected + 1 else f"第 {expected}–{seq - 1} 条"
            return f"{_where(partition, lane)}缺少{missing}（在记录编号 {event_id} 之前）：记录被删除"
        if prev_hash != prev:
            return f"{place}与前一条的哈希接不上：前一条被替换，或此处插入了记录"
        if digest(partition, lane, seq, prev_hash, content) != row_hash:
            return f"{place}的内容与其哈希不符：记录被修改"
        expected, prev = seq + 1, row_hash
    count = expected - 1
    if head is None:
        return f"{_where(partition, lane)}没有链头：这些记录是在链外写入的"
    if head.seq > count:
        return f"{_where(partition, lane)}链头记有 {head.seq} 条，现只有 {count} 条：末尾的记录被删除"
    if head.seq < count:
        return f"{_where(partition, lane)}链头记有 {head.seq} 条，现有 {count} 条：链尾之后插入了记录"
    if head.last_hash != prev:
        return f"{_where(partition, lane)}最后一条的哈希与链头不符：最后一条被替换"
    return None


def verify(*, since: datetime.date | None = None) -> Verification:
    """Walk every chain (of `since` and later) and report each one's first broken link."""
    result = Verification()
    events = AuditEvent.objects.order_by()
    heads_qs = AuditChainHead.objects.all()
    if since is not None:
        events = events.filter(partition__gte=since.isoformat())
        heads_qs = heads_qs.filter(partition__gte=since.isoformat())
    heads = {(h.partition, h.lane): h for h in heads_qs}
    current: tuple[str, int] | None = None
    rows: list[tuple[Any, ...]] = []

    def finish() -> None:
        if current is None:
            return
        problem = _walk(*current, rows, heads.pop(current, None))
        if problem:
            result.broken.append(BrokenLink(current[0], current[1], problem))
        result.chains[current] = (len(rows), rows[-1][3] if rows else "")

    chained = events.filter(seq__isnull=False).order_by("partition", "lane", "seq")
    for values in chained.values_list(
        "id", "partition", "lane", "seq", "prev_hash", "row_hash", *CONTENT_FIELDS
    ).iterator(chunk_size=5000):
        event_id, partition, lane, seq, prev_hash, row_hash, *content = values
        result.rows += 1
        if (partition, lane) != current:
            finish()
            current, rows = (partition, lane), []
        rows.append((event_id, seq, prev_hash, row_hash, content))
    finish()
    for (partition, lane), head in sorted(heads.items()):  # heads whose chains have no rows left
        if head.seq:
            result.broken.append(
                BrokenLink(
                    partition, lane, f"{_where(partition, lane)}链头记有 {head.seq} 条，现一条也没有：记录被删除"
                )
            )
    _unchained(result, since)
    return result


def _unchained(result: Verification, since: datetime.date | None) -> None:
    """Rows outside every chain (no place in one): written around the writer, e.g. by hand."""
    outside: dict[str, list[int]] = {}
    for event_id, at in AuditEvent.objects.filter(seq__isnull=True).order_by("id").values_list("id", "at"):
        partition = partition_of(at)
        if since is None or partition >= since.isoformat():
            outside.setdefault(partition, []).append(event_id)
    for partition, ids in sorted(outside.items()):
        shown = "、".join(map(str, ids[:10])) + ("等" if len(ids) > 10 else "")
        result.rows += len(ids)
        result.broken.append(
            BrokenLink(partition, None, f"{partition} 有 {len(ids)} 条记录不在任何链中（记录编号 {shown}）：在链外写入")
        )
