"""Potential duplicates: the same ID, or the same birth date and sex with a similar name or pinyin
in the county. Queued for review when a child is registered."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import combinations

from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.utils import timezone
from rapidfuzz import process
from rapidfuzz.distance import Indel

from shouhu.core import audit
from shouhu.core.crypto import keyring

from .models import Child, ChildStatus, DuplicateCandidate, DuplicateState

NAME_SIMILARITY = 0.8  # SequenceMatcher ratio on full pinyin; 张小明 ~ 张晓明 is 1.0, 张小明 ~ 张小敏 ~0.9


def similar_names(a: Child, b: Child) -> bool:
    if a.name == b.name or a.name_pinyin == b.name_pinyin:
        return True
    return SequenceMatcher(None, a.name_pinyin, b.name_pinyin).ratio() >= NAME_SIMILARITY


def candidates_for(child: Child) -> list[tuple[Child, str]]:
    found: list[tuple[Child, str]] = []
    county = child.region_code[:6]
    same_birth = Child.objects.filter(
        birth_date=child.birth_date, sex=child.sex, region_code__startswith=county
    ).exclude(pk=child.pk)
    for other in same_birth.only("id", "name", "name_pinyin", "id_number_index"):
        if child.id_number_index and other.id_number_index == child.id_number_index:
            found.append((other, "身份证号相同"))
        elif similar_names(child, other):
            found.append((other, f"出生日期、性别相同，姓名相近（{child.name} / {other.name}）"))
    return found


@transaction.atomic
def queue_duplicates_of(child: Child) -> int:
    """Queue the potential duplicates of one child (at registration); as a scan does, a queue that
    grew leaves one audit row by the system."""
    created = 0
    for other, reason in candidates_for(child):
        a, b = sorted((child, other), key=lambda c: c.pk)
        _, was_created = DuplicateCandidate.objects.get_or_create(child_a=a, child_b=b, defaults={"reason": reason})
        created += was_created
    if created:  # on the queue, not the child: the child's change trail stays its own changes
        audit.record(
            actor=None,
            action="children.duplicates_queue",
            object_type=DuplicateCandidate._meta.label_lower,
            summary=f"发现 {child.name} 的疑似重复档案 {created} 对，待核查",
            detail={"queued": created, "child": child.pk},
        )
    return created


# -- Set-based scan ------------------------------------------------------------------------------
# Names are only compared within a (birth date, sex) group: the county's active children are read
# in one query and grouped in memory (ordering a million rows in PostgreSQL costs more than the
# rest of the read). A county of 50,000 children has ~13,000 groups of ~4; a million children in
# one county make groups of ~76 and ~37 million pairs, so pairs are first cut down in C (rapidfuzz)
# by a bound that every similar pair meets, and only the survivors are compared with
# SequenceMatcher exactly as before. Same ID numbers: the blind index is unique, so two rows can
# only share a number when one index was computed under another key during a key rotation (old
# keys configured); only then are pairs with equal masked numbers confirmed on the decrypted
# values. The mask shows four digits, so in a rotation that is every pair of a group that has
# numbers: costly, but bounded by the rotation (`shouhu crypto rotate` ends it).

_Row = tuple[int, str, str, str]  # id, name, pinyin, id_number_masked
_CHUNK = 500
_FIELDS = ("birth_date", "sex", "id", "name", "name_pinyin", "id_number_masked")
_QUEUE_COLUMNS = "created_at, updated_at, state, child_a_id, child_b_id, reason"


def _similar(a: _Row, b: _Row) -> bool:
    """`similar_names` on rows, `a` the older row."""
    return a[1] == b[1] or a[2] == b[2] or _near_pinyin(a[2], b[2])


@lru_cache(maxsize=1 << 16)  # the same two pinyins meet again and again in a large county (~5×)
def _near_pinyin(a: str, b: str) -> bool:
    """SequenceMatcher without autojunk, as the scan has always used it (it differs from
    `similar_names` only for pinyin of 200 letters or more)."""
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= NAME_SIMILARITY


def _may_be_similar(rows: list[_Row]) -> Iterator[tuple[int, int]]:
    """Index pairs (i < j) of `rows` whose pinyin could reach NAME_SIMILARITY. SequenceMatcher's
    ratio is 2·M/(la+lb) with M the size of its matching blocks, an in-order common subsequence, so
    M ≤ LCS, and rapidfuzz's Indel distance is la+lb−2·LCS: ratio ≥ 0.8 implies
    5·distance ≤ la+lb. Integer arithmetic, so no pair on the 0.8 boundary is lost to rounding."""
    pinyins = [row[2] for row in rows]
    lengths = [len(p) for p in pinyins]
    longest = max(lengths)
    for j in range(1, len(rows)):
        lb = lengths[j]
        limit = (lb + longest) // 5  # the widest bound any earlier row can need
        near = process.extract(
            pinyins[j], pinyins[:j], scorer=Indel.distance, processor=None, score_cutoff=limit, limit=None
        )
        for _, distance, i in near:
            if 5 * distance <= lb + lengths[i]:
                yield i, j


def _same_value(values: list[str]) -> Iterator[tuple[int, int]]:
    """Index pairs (i < j) of `values` that are equal and not empty."""
    present = [(value, i) for i, value in enumerate(values) if value]
    if len({value for value, _ in present}) == len(present):  # the usual case: nothing shared
        return
    by_value: dict[str, list[int]] = defaultdict(list)
    for value, i in present:
        by_value[value].append(i)
    for indexes in by_value.values():
        yield from combinations(indexes, 2)


def _candidates(rows: list[_Row], wanted: set[int] | None, *, rotating: bool) -> Iterator[tuple[_Row, _Row]]:
    """Every pair of the group (older row first) that could be queued: a pinyin near enough, the
    same name, or (`rotating`: old keys configured) the same masked ID number. `rows` are in id
    order."""
    pairs = set(_may_be_similar(rows))  # includes every pair with equal pinyin (distance 0)
    names = [row[1] for row in rows]
    if len(set(names)) < len(set(zip(names, (row[2] for row in rows), strict=True))):
        pairs.update(_same_value(names))  # some equal names have different pinyins
    if rotating:
        pairs.update(_same_value([row[3] for row in rows]))
    for i, j in sorted(pairs):
        a, b = rows[i], rows[j]
        if wanted is None or a[0] in wanted or b[0] in wanted:
            yield a, b


def _id_numbers(ids: set[int]) -> dict[int, str | None]:
    numbers: dict[int, str | None] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        part = Child.objects.filter(pk__in=ordered[start : start + _CHUNK])
        numbers.update(part.values_list("pk", "id_number"))
    return numbers


def _grouped(children: QuerySet[Child]) -> Iterator[tuple[tuple[datetime.date, str], list[_Row]]]:
    """The children's (birth date, sex) groups of two or more, each in id order."""
    groups: dict[tuple[datetime.date, str], list[_Row]] = defaultdict(list)
    for row in children.order_by().values_list(*_FIELDS).iterator(chunk_size=5000):
        groups[row[:2]].append(row[2:])
    for key, rows in groups.items():
        if len(rows) > 1:
            rows.sort()
            yield key, rows


def _groups(children: QuerySet[Child], wanted: set[int] | None) -> Iterator[list[_Row]]:
    """All groups, or only those holding one of `wanted`."""
    if wanted is None:
        yield from (rows for _, rows in _grouped(children))
        return
    touched: set[tuple[datetime.date, str]] = set()
    ids = sorted(wanted)
    for start in range(0, len(ids), _CHUNK):
        touched.update(children.filter(pk__in=ids[start : start + _CHUNK]).values_list("birth_date", "sex"))
    dates = sorted({d for d, _ in touched})
    for start in range(0, len(dates), _CHUNK):
        for key, rows in _grouped(children.filter(birth_date__in=dates[start : start + _CHUNK])):
            if key in touched:
                yield rows


def scan(*, child_ids: Iterable[int] | None = None, county_prefix: str = "210522") -> int:
    """Queue every candidate pair among the county's active children (or only pairs involving
    `child_ids`). Pairs already queued — open, merged or dismissed — are not queued again.
    Returns how many pairs were queued."""
    children = Child.objects.filter(region_code__startswith=county_prefix, status=ChildStatus.ACTIVE)
    wanted = None if child_ids is None else set(child_ids)
    _near_pinyin.cache_clear()  # each scan pays for its own comparisons (and the memory goes)
    found: dict[tuple[int, int], str] = {}
    same_mask: list[tuple[_Row, _Row]] = []  # decided once their numbers are decrypted, in bulk
    rotating = len(keyring()[1]) > 1
    for rows in _groups(children, wanted):
        for a, b in _candidates(rows, wanted, rotating=rotating):
            if rotating and a[3] and a[3] == b[3]:
                same_mask.append((a, b))
            elif _similar(a, b):
                found[(a[0], b[0])] = _similar_reason(a, b)
    numbers = _id_numbers({row[0] for pair in same_mask for row in pair})
    for a, b in same_mask:
        if numbers.get(a[0]) and numbers.get(a[0]) == numbers.get(b[0]):
            found[(a[0], b[0])] = "身份证号相同"
        elif _similar(a, b):
            found[(a[0], b[0])] = _similar_reason(a, b)
    return _queue(found)


def _similar_reason(a: _Row, b: _Row) -> str:
    return f"出生日期、性别相同，姓名相近（{a[1]} / {b[1]}）"


def _queue(found: dict[tuple[int, int], str]) -> int:
    """Insert the pairs not queued yet; returns how many were. INSERT … ON CONFLICT DO NOTHING: the
    unique (child_a, child_b) constraint skips pairs already queued, so they need not be read
    first, and no model instances are built (a one-county scan of a million children queues
    ~200,000 pairs). On PostgreSQL the pairs go through a temporary table filled by binary COPY
    (as in bulk.py: binding that many values as SQL text cost more than the insert itself);
    SQLite runs one prepared row insert many times."""
    alias = router.db_for_write(DuplicateCandidate)
    connection = connections[alias]
    insert = f"INSERT INTO {DuplicateCandidate._meta.db_table} ({_QUEUE_COLUMNS})"
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [(a, b, found[(a, b)][:200]) for a, b in sorted(found)]
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            values = [(now, now, DuplicateState.OPEN.value, *row) for row in rows]
            cursor.executemany(f"{insert} VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING", values)
            queued = cursor.rowcount
        else:
            cursor.execute("CREATE TEMPORARY TABLE duplicate_scan_found (a bigint, b bigint, r text)")
            copy_sql = "COPY duplicate_scan_found FROM STDIN (FORMAT BINARY)"
            with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
                copy.set_types(["int8", "int8", "text"])
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"{insert} SELECT %s, %s, %s, a, b, r FROM duplicate_scan_found ON CONFLICT DO NOTHING",  # noqa: S608
                [now, now, DuplicateState.OPEN.value],
            )
            queued = cursor.rowcount
            cursor.execute("DROP TABLE duplicate_scan_found")
        if queued:
            # One row per scan, not per pair: a county's first scan queues hundreds of thousands.
            audit.record(
                actor=None,
                action="children.duplicates_queue",
                object_type=DuplicateCandidate._meta.label_lower,
                summary=f"发现疑似重复档案 {queued} 对，待核查",
                detail={"queued": queued},
            )
    return queued
