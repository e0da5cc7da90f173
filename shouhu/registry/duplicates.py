"""Potential duplicates: the same ID, or the same birth date and sex with a similar name or pinyin
in the county. Queued for review when a child is registered."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from difflib import SequenceMatcher

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import Http404

from shouhu.accounts.access import Capability, can, children_visible_to
from shouhu.accounts.models import User

from .models import Child, ChildStatus, DuplicateCandidate

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


def queue_duplicates_of(child: Child) -> int:
    created = 0
    for other, reason in candidates_for(child):
        a, b = sorted((child, other), key=lambda c: c.pk)
        _, was_created = DuplicateCandidate.objects.get_or_create(child_a=a, child_b=b, defaults={"reason": reason})
        created += was_created
    return created


# -- Set-based scan ------------------------------------------------------------------------------
# One GROUP BY (birth_date, sex) finds the groups with more than one active child; names are only
# compared within a group (a county of 50,000 children has ~13,000 groups of ~4). Same ID numbers
# are found by the blind index, and — for rows whose index was computed under another key during a
# key rotation — by equal masked numbers confirmed on the decrypted value.

_Row = tuple[int, str, str, str | None, str]  # id, name, pinyin, id_number_index, id_number_masked
_CHUNK = 500


def _similar(a: _Row, b: _Row, matcher: SequenceMatcher[str]) -> bool:
    """`similar_names` on rows; `matcher` already holds b's pinyin as its second sequence."""
    if a[1] == b[1] or a[2] == b[2]:
        return True
    la, lb = len(a[2]), len(b[2])
    if not la or not lb or 2 * min(la, lb) / (la + lb) < NAME_SIMILARITY:
        return False
    matcher.set_seq1(a[2])
    return (
        matcher.real_quick_ratio() >= NAME_SIMILARITY
        and matcher.quick_ratio() >= NAME_SIMILARITY
        and (matcher.ratio() >= NAME_SIMILARITY)
    )


def _pairs_in_group(rows: list[_Row], wanted: set[int] | None) -> Iterator[tuple[int, int, str]]:
    rows = sorted(rows)
    matcher: SequenceMatcher[str] = SequenceMatcher(None, autojunk=False)
    for j, b in enumerate(rows):
        matcher.set_seq2(b[2])
        for a in rows[:j]:
            if wanted is not None and a[0] not in wanted and b[0] not in wanted:
                continue
            if (a[3] and a[3] == b[3]) or (a[4] and a[4] == b[4] and _same_id_number(a[0], b[0])):
                yield a[0], b[0], "身份证号相同"
            elif _similar(a, b, matcher):
                yield a[0], b[0], f"出生日期、性别相同，姓名相近（{a[1]} / {b[1]}）"


def _same_id_number(a_id: int, b_id: int) -> bool:
    numbers = dict(Child.objects.filter(pk__in=(a_id, b_id)).values_list("pk", "id_number"))
    return bool(numbers.get(a_id)) and numbers.get(a_id) == numbers.get(b_id)


def _groups(children: QuerySet[Child]) -> set[tuple[datetime.date, str]]:
    return {
        (row["birth_date"], row["sex"])
        for row in children.order_by().values("birth_date", "sex").annotate(n=Count("id")).filter(n__gt=1)
    }


def _members(children: QuerySet[Child], dates: list[datetime.date]) -> Iterator[tuple[tuple[datetime.date, str], _Row]]:
    fields = ("birth_date", "sex", "id", "name", "name_pinyin", "id_number_index", "id_number_masked")
    if not dates:
        return
    for start in range(0, len(dates), _CHUNK):
        part = children.filter(birth_date__in=dates[start : start + _CHUNK]).order_by()
        for birth_date, sex, *row in part.values_list(*fields).iterator(chunk_size=5000):
            yield (birth_date, sex), tuple(row)  # type: ignore[misc]


def scan(*, child_ids: Iterable[int] | None = None, county_prefix: str = "210522") -> int:
    """Queue every candidate pair among the county's active children (or only pairs involving
    `child_ids`). Pairs already queued — open, merged or dismissed — are not queued again.
    Returns how many pairs were queued."""
    children = Child.objects.filter(region_code__startswith=county_prefix, status=ChildStatus.ACTIVE)
    wanted: set[int] | None = None
    groups = _groups(children)
    if child_ids is not None:
        wanted = set(child_ids)
        touched: set[tuple[datetime.date, str]] = set()
        ids = sorted(wanted)
        for start in range(0, len(ids), _CHUNK):
            touched.update(children.filter(pk__in=ids[start : start + _CHUNK]).values_list("birth_date", "sex"))
        groups &= touched
    members: dict[tuple[datetime.date, str], list[_Row]] = defaultdict(list)
    for key, row in _members(children, sorted({d for d, _ in groups})):
        if key in groups:
            members[key].append(row)
    found: dict[tuple[int, int], str] = {}
    for rows in members.values():
        for a, b, reason in _pairs_in_group(rows, wanted):
            found.setdefault((a, b), reason)
    return _queue(found)


def _queue(found: dict[tuple[int, int], str]) -> int:
    if not found:
        return 0
    pairs = sorted(found)
    existing: set[tuple[int, int]] = set()
    for start in range(0, len(pairs), _CHUNK):
        part = pairs[start : start + _CHUNK]
        firsts = {a for a, _ in part}
        existing.update(
            DuplicateCandidate.objects.filter(child_a_id__in=firsts).values_list("child_a_id", "child_b_id")
        )
    new = [
        DuplicateCandidate(child_a_id=a, child_b_id=b, reason=found[(a, b)][:200])
        for a, b in pairs
        if (a, b) not in existing
    ]
    with transaction.atomic():
        DuplicateCandidate.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return len(new)


def duplicates_visible_to(user: User) -> QuerySet[DuplicateCandidate]:
    """Pairs a reviewer may act on: both children within the user's scope (the access layer's
    `children_visible_to`), and the user may review duplicates at all."""
    if not can(user, Capability.REVIEW_DUPLICATES):
        return DuplicateCandidate.objects.none()
    # Correlated EXISTS, not `child_a__in=<subquery>`: with two IN lists SQLite drives the unique
    # (child_a, child_b) index from their cross product (10^10 probes at 100,000 children).
    visible = children_visible_to(user)
    return DuplicateCandidate.objects.filter(
        Exists(visible.filter(pk=OuterRef("child_a_id"))), Exists(visible.filter(pk=OuterRef("child_b_id")))
    )


def access_duplicate(user: User, candidate_id: int) -> DuplicateCandidate:
    try:
        return duplicates_visible_to(user).select_related("child_a__region", "child_b__region").get(pk=candidate_id)
    except DuplicateCandidate.DoesNotExist:
        raise Http404("疑似重复记录不存在或不在您的辖区内") from None
