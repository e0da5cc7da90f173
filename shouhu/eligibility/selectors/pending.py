"""The 待补充信息 worklist: children whose categories or measures wait for facts to be recorded
(`PendingFacts`, filled by screening), in the scope of those who may record them
(`access.pending_visible_to`), with the facts in words, what could follow from recording them,
and the change form's fields to fill."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, QuerySet

from shouhu.access import pending_visible_to
from shouhu.accounts.models import User
from shouhu.regions.models import prefix_of_code
from shouhu.registry.labels import FACT_FORM_FIELDS, FACT_LABELS
from shouhu.registry.models import Child, ChildStatus
from shouhu.registry.selectors import within_prefix
from shouhu.web.pagination import COUNT_CACHE_FROM, COUNT_CACHE_SECONDS, count_key

from ..models import PendingFacts

# The list's order (region, pinyin, child): the children list's, child last (unique).
PENDING_KEYS = ("child__region_code", "child__name_pinyin", "child_id")
FLAGS = tuple(PendingFacts.FACT_FIELDS.values())  # father, mother, enrolled, guardian


def pending_children(user: User, *, region_code: str = "", fact: str = "") -> QuerySet[PendingFacts]:
    """The worklist rows of active children the user may record facts for, in a township or
    village (`region_code`) and waiting for one fact (`fact`: a flag, e.g. "mother")."""
    rows = pending_visible_to(user).filter(child__status=ChildStatus.ACTIVE)
    if region_code:
        prefix = prefix_of_code(region_code)
        rows = rows.filter(within_prefix("child__region_code", prefix), child__region_code__startswith=prefix)
    if fact in FLAGS:
        rows = rows.filter(**{fact: True})
    return rows.select_related("child__region__parent").order_by(*PENDING_KEYS)


@dataclass(frozen=True)
class PendingCounts:
    total: int
    by_fact: list[tuple[str, str, int]]  # (flag, label, children waiting for that fact)


def pending_counts(user: User) -> PendingCounts:
    """How many children wait for facts, in all and per fact, in one query. A county's counts
    join a large part of its children: when large they are remembered for a minute, as the
    lists' totals are (`pagination.cached_count`)."""
    rows = pending_children(user).order_by()
    key = count_key(rows)
    if key is None:
        return PendingCounts(0, [(flag, FACT_LABELS[fact], 0) for fact, flag in PendingFacts.FACT_FIELDS.items()])
    key += ":pending"
    counts: dict[str, int] | None = cache.get(key)
    if counts is None:
        counts = rows.aggregate(total=Count("pk"), **{flag: Count("pk", filter=Q(**{flag: True})) for flag in FLAGS})
        if counts["total"] >= COUNT_CACHE_FROM:
            cache.set(key, counts, COUNT_CACHE_SECONDS)
    return PendingCounts(
        counts["total"], [(flag, FACT_LABELS[fact], counts[flag]) for fact, flag in PendingFacts.FACT_FIELDS.items()]
    )


@dataclass(frozen=True)
class PendingItem:
    """One child's undetermined items in words."""

    facts: list[str]  # the facts to record, as labels ("母亲情况")
    could_follow: list[tuple[str, str]]  # (code, label) of the undetermined categories and measures
    focus: list[str]  # the change form's fields that record the facts
    as_of: datetime.date  # the screening that found them

    @property
    def could_follow_names(self) -> list[str]:
        """A measure by its task code and name ("T14 控辍保学"), a category by its name only: a
        category's code is an identifier, not something a person reads."""
        return [
            f"{code} {label}" if code[:1] == "T" and code[1:].isdigit() else label for code, label in self.could_follow
        ]

    @property
    def could_follow_text(self) -> str:
        return "、".join(self.could_follow_names)

    def change_url(self, base: str) -> str:
        """The change form at the fields to fill (`base`: the child's change URL)."""
        return f"{base}?focus={','.join(self.focus)}#focus"


def pending_item(row: PendingFacts, labels: dict[str, tuple[str, str]]) -> PendingItem:
    """A worklist row in words, its codes in the rules' display order (`labels`: code_labels())."""
    order = {code: position for position, code in enumerate(labels)}
    codes = sorted(row.code_list, key=lambda c: (order.get(c, len(order)), c))
    facts = row.facts
    return PendingItem(
        facts=[FACT_LABELS.get(f, f) for f in facts],
        could_follow=[(code, labels.get(code, (code, ""))[0]) for code in codes],
        focus=[name for f in facts for name in FACT_FORM_FIELDS.get(f, ())],
        as_of=row.as_of,
    )


def pending_of(child: Child, labels: dict[str, tuple[str, str]]) -> PendingItem | None:
    """The child's undetermined items, or None. Reads `child.pending_facts` (load the child with
    `related=("pending_facts", …)` to spare the query)."""
    try:
        row = child.pending_facts  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        return None
    return pending_item(row, labels) if row is not None else None
