"""Potential duplicates: the same ID, or the same birth date and sex with a similar name or pinyin
in the county. Queued for review when a child is registered."""

from __future__ import annotations

from difflib import SequenceMatcher

from .models import Child, DuplicateCandidate

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
