"""Shared helpers for the import/export tests: valid ID numbers, roster files, registering."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.utils import timezone
from stdnum.cn import ric

from shouhu.accounts.models import User
from shouhu.registry import services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.models import Child

from .example import example

COUNTY_PREFIX = "210522"


def id_number(birth: datetime.date, sequence: int, *, male: bool = True) -> str:
    """A valid 18-digit ID: county prefix, birth date, a 3-digit sequence whose last digit's
    parity is the sex (odd: male), and the checksum."""
    seq = sequence * 2 + (1 if male else 0)
    body = f"{COUNTY_PREFIX}{birth:%Y%m%d}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN_NAMES = (
    "浩宇",
    "欣怡",
    "子轩",
    "雨桐",
    "俊杰",
    "诗涵",
    "博文",
    "梦瑶",
    "天佑",
    "佳琪",
    "明哲",
    "若汐",
    "承泽",
    "语嫣",
    "一鸣",
    "可馨",
    "嘉豪",
    "紫萱",
    "思远",
    "晓彤",
)
PER_DAY = 20  # children born on one day: few enough that duplicate detection finds no look-alikes


def varied_child(i: int, start: datetime.date = datetime.date(2009, 1, 1)) -> tuple[str, str, str, str]:
    """(id_number, birth_date, sex, name) of the i-th varied child: one birth date per 20
    children, each with a different given name (so none looks like a duplicate of another)."""
    birth = start + datetime.timedelta(days=i // PER_DAY)
    male = i % 2 == 0
    name = SURNAMES[(i // PER_DAY) % len(SURNAMES)] + GIVEN_NAMES[i % PER_DAY]
    return id_number(birth, i % PER_DAY, male=male), birth.isoformat(), "male" if male else "female", name


def varied_children(count: int, *, start: datetime.date = datetime.date(2009, 1, 1)) -> Iterator[dict[str, Any]]:
    """`count` distinct valid children from the contract's example: a new ID number (and the
    birth date and sex that go with it) and name for each."""
    for i in range(count):
        number, birth, sex, name = varied_child(i, start)
        yield example(id_number=number, birth_date=birth, sex=sex, name=name)


def write_jsonl(path: Path, rows: Iterable[Any]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
    return path


def register(actor: User | None, data: dict[str, Any], *, days_ago: int = 30) -> Child:
    """Register a child effective `days_ago` days ago (so an import today may change any fact)."""
    record, errors = parse_record(data)
    assert not errors, errors
    assert record is not None
    effective = timezone.localdate() - datetime.timedelta(days=days_ago)
    return services.child_register(actor=actor, record=record, effective=effective)


def varied_lines(count: int, *, start: datetime.date = datetime.date(2009, 1, 1)) -> Iterator[str]:
    """The same children as `varied_children`, as JSON lines, fast (a template filled in)."""
    template = json.dumps(
        example(id_number="@ID@", birth_date="@BIRTH@", sex="@SEX@", name="@NAME@"), ensure_ascii=False
    )
    for i in range(count):
        number, birth, sex, name = varied_child(i, start)
        yield template.replace("@ID@", number).replace("@BIRTH@", birth).replace("@SEX@", sex).replace("@NAME@", name)
