"""Reads of the registry, scoped by the access layer."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Replace

from shouhu.access import children_visible_to, region_prefix, transfers_to_decide, transfers_visible_to
from shouhu.accounts.models import User
from shouhu.core import crypto
from shouhu.core.dates import today
from shouhu.regions.models import Level, Region, prefix_of_code

from .exchange.format import ChildRecord
from .facts import Fact, in_force, record_fields_from_facts
from .identity import age_on, normalise_id_number
from .models import Child, ChildTransfer, Circumstance
from .names import MIDDLE_DOTS, fold_query, strip_dots

CODE_LENGTH = 12  # region codes (GB/T 2260 + township and village digits)


def situation_on(child: Child, on: datetime.date, rows: Iterable[Circumstance] | None = None) -> ChildRecord:
    """The child as an exchange-format record on a date: identity plus the facts in force then."""
    facts = {
        kind: Fact.of(row)
        for kind, row in in_force(rows if rows is not None else child.circumstances.all(), on).items()
    }
    return ChildRecord(
        id_number=child.id_number,
        no_id_reason=child.no_id_reason or None,
        name=child.name,
        sex=child.sex,
        birth_date=child.birth_date,
        region_code=child.region_code,
        hukou_region_code=child.hukou_region_code or None,
        **record_fields_from_facts(facts),  # type: ignore[arg-type]
    )


def hukou_region_name(child: Child) -> str:
    """The household-registration region by name ("桓仁镇 · 东关村"), or "" when the code names no
    region this system knows (another county's, say: the code is all there is)."""
    if not child.hukou_region_code:
        return ""
    region = Region.objects.filter(code=child.hukou_region_code).select_related("parent").first()
    if region is None:
        return ""
    if region.parent is not None and region.level == Level.VILLAGE:
        return f"{region.parent.name} · {region.name}"
    return region.name


def history(child: Child) -> QuerySet[Circumstance]:
    return child.circumstances.select_related("recorded_by").order_by("-valid_from", "-id")


def situations(children: QuerySet[Child], on: datetime.date, batch: int = 2000) -> Iterator[tuple[Child, ChildRecord]]:
    """Stream (child, record on `on`) in id order, paging by id range (never OFFSET)."""
    last = 0
    while True:
        page = list(
            children.filter(pk__gt=last)
            .order_by("pk")
            .prefetch_related(
                Prefetch(
                    "circumstances",
                    queryset=Circumstance.objects.filter(
                        Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on
                    ),
                )
            )[:batch]
        )
        if not page:
            return
        for child in page:
            yield child, situation_on(child, on, child.circumstances.all())
        last = page[-1].pk


def search_children(
    user: User,
    *,
    q: str = "",
    region_code: str = "",
    sex: str = "",
    age_min: int | None = None,
    age_max: int | None = None,
    status: str = "active",
    flags: Iterable[str] = (),
    on: datetime.date | None = None,
) -> QuerySet[Child]:
    """Search by Chinese name, full pinyin or initials, exact ID number, region, age range and
    current circumstances. Always within the user's scope."""
    children = children_visible_to(user).select_related("region")
    q = q.strip()
    if q:
        compact = fold_query(q)
        if len(compact) == 18 and compact[:17].isdigit():
            children = children.filter(id_number_index=crypto.blind_index(normalise_id_number(compact)))
        elif compact.isascii() and compact.isalpha():
            children = children.filter(pinyin_matches(compact))
        else:
            children = children.alias(name_plain=name_without_dots()).filter(
                name_plain__contains=strip_dots("".join(q.split()))
            )
    if region_code:
        prefix = prefix_of_code(region_code)
        children = children.filter(within_prefix("region_code", prefix), region_code__startswith=prefix)
    if sex:
        children = children.filter(sex=sex)
    if status:
        children = children.filter(status=status)
    on = on or today()
    if age_min is not None:
        children = children.filter(birth_date__lte=_birth_date_for_age(age_min, on))
    if age_max is not None:
        children = children.filter(birth_date__gt=_birth_date_for_age(age_max + 1, on))
    for kind in flags:
        children = children.filter(
            Q(circumstances__valid_to__isnull=True) | Q(circumstances__valid_to__gte=on),
            circumstances__kind=kind,
            circumstances__valid_from__lte=on,
        )
    return children.distinct() if flags else children


def pinyin_matches(compact: str) -> Q:
    """A folded pinyin query (`names.fold_query`) as the start of either reading of the name, in
    full or as initials: `zeng`, `ceng`, `zxm`, `cxm` all find 曾小明; `lv`, `lu` find 吕."""
    return (
        Q(name_pinyin__startswith=compact)
        | Q(name_initials__startswith=compact)
        | Q(name_pinyin_common__startswith=compact)
        | Q(name_initials_common__startswith=compact)
    )


def name_without_dots() -> Combinable:
    """The name without middle dots, in the query (爱新觉罗·恒 → 爱新觉罗恒): a name search with or
    without the dot, or with another dot, finds it."""
    expression: Combinable = F("name")
    for dot in MIDDLE_DOTS:
        expression = Replace(expression, Value(dot), Value(""))
    return expression


def within_prefix(field: str, prefix: str) -> Q:
    """The codes under a region prefix as a range (12-digit codes: `prefix` padded with 0s to 9s).
    Said beside `LIKE '<prefix>%'` it lets an ordered index start and stop at the prefix: the lists'
    `child_list_order` index serves the region's page without reading the other regions."""
    return Q(**{f"{field}__gte": prefix.ljust(CODE_LENGTH, "0"), f"{field}__lte": prefix.ljust(CODE_LENGTH, "9")})


def _birth_date_for_age(age: int, on: datetime.date) -> datetime.date:
    """The latest birth date of a child who is at least `age` on `on`."""
    try:
        return on.replace(year=on.year - age)
    except ValueError:  # 29 February
        return on.replace(year=on.year - age, day=28)


def age_of(child: Child, on: datetime.date | None = None) -> int:
    return age_on(child.birth_date, on or today())


PARENT_GONE_STATUSES = ("deceased", "declared_dead", "unknown")
PARENT_SITUATIONS = {
    # key: (Chinese label, statuses, both parents?)
    "orphan_like": ("父母双方均死亡或查找不到", PARENT_GONE_STATUSES, True),
    "deceased": ("父或母死亡（含宣告死亡）", ("deceased", "declared_dead"), False),
    "restricted": ("父或母服刑、强制隔离戒毒或被拘留", ("imprisoned", "drug_rehab", "detained"), False),
    "lost_contact": ("父或母失联", ("lost_contact",), False),
    "unable": ("父或母重残或重病", ("severe_disability", "serious_illness"), False),
}


def filter_parent_situation(children: QuerySet[Child], situation: str, *, on: datetime.date) -> QuerySet[Child]:
    """Narrow an (already scoped) queryset by the parents' status in force on `on`. A parent with
    no status in force counts as unknown (查找不到), as in the exchange format."""
    _label, statuses, both = PARENT_SITUATIONS[situation]
    in_force_on = Circumstance.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on), child=OuterRef("pk"), valid_from__lte=on
    )
    if not both:
        return children.filter(Exists(in_force_on.filter(kind__in=("father", "mother"), status__in=statuses)))
    for role in ("father", "mother"):
        known_not_gone = in_force_on.filter(kind=role).exclude(status__in=statuses)
        children = children.filter(~Exists(known_not_gone))
    return children


TRANSFER_LIST_LIMIT = 100  # each list on the transfers page: the waiting ones first, then the latest decided


def transfers_waiting(user: User) -> QuerySet[ChildTransfer]:
    """Requests waiting for the user's decision, oldest first, with what the list shows."""
    return (
        transfers_to_decide(user)
        .select_related("child", "from_region__parent", "to_region__parent", "requested_by")
        .order_by("created_at", "id")
    )


def transfers_asked(user: User) -> QuerySet[ChildTransfer]:
    """Requests into the user's area (the asker's side), newest first."""
    prefix = region_prefix(user)
    if prefix is None:
        return ChildTransfer.objects.none()
    return (
        transfers_visible_to(user)
        .filter(to_code__startswith=prefix)
        .select_related("to_region__parent", "requested_by", "decided_by")
        .order_by("-created_at", "-id")
    )


def transfers_waiting_count(user: User) -> int:
    return transfers_to_decide(user).count()
