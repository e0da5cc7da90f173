"""The registry's demo data (found by autodiscovery): 300 synthetic children, then a first
duplicate scan; and three named children in the demo director's village whose forms left a fact
not recorded, so a demo walk finds them on the 待补充信息 worklist (eligibility's demo loader, next,
screens the county)."""

from __future__ import annotations

import datetime
from typing import Any

from shouhu.core.demo import demo_loader

# (name, sex, age, the facts: exchange-format keys). Each leaves one fact not recorded: the mother
# (absent from `parents`), school attendance (`enrolled` absent at a school stage), the guardian
# (the key absent).
PENDING_DEMO_CHILDREN: tuple[tuple[str, str, int, dict[str, Any]], ...] = (
    ("韩小雨", "female", 9, {
        "household": {"low_income": True},
        "parents": [{"role": "father", "status": "deceased"}],
        "guardian": {"relationship": "grandparent", "able": True},
        "schooling": {"stage": "primary", "enrolled": True},
    }),
    ("韩小军", "male", 10, {
        "household": {"low_income": True},
        "parents": [{"role": "father", "status": "alive"}, {"role": "mother", "status": "alive"}],
        "guardian": {"relationship": "parent", "able": True},
        "schooling": {"stage": "primary"},
    }),
    ("韩小花", "female", 12, {
        "parents": [{"role": "father", "status": "imprisoned", "since": "2023-03-01"},
                    {"role": "mother", "status": "deceased"}],
        "schooling": {"stage": "junior", "enrolled": True},
    }),
)  # fmt: skip


@demo_loader
def load_demo_children(users: dict[str, Any]) -> str | None:
    """300 synthetic children (seed 2026) once, when the registry is still empty."""
    from .duplicates import scan
    from .generator import DEMO_CHILDREN, DEMO_SEED, generate_children
    from .models import Child

    if Child.objects.exists():
        return None
    written = generate_children(count=DEMO_CHILDREN, seed=DEMO_SEED)
    queued = scan()
    return f"儿童：已生成 {written} 名模拟儿童（演示数据），{queued} 对疑似重复待核查"


@demo_loader
def load_pending_demo_children(users: dict[str, Any]) -> str | None:
    """The named children with a fact not recorded (PENDING_DEMO_CHILDREN), in the demo director's
    village, each once (by ID number), through the bulk path as the generator's are."""
    from stdnum.cn import ric

    from shouhu.accounts.personas import VILLAGE_A
    from shouhu.core import crypto, dates

    from .exchange.bulk import bulk_register
    from .exchange.format import parse_record
    from .models import Child

    today = dates.today()
    records = []
    for number, (name, sex, age, facts) in enumerate(PENDING_DEMO_CHILDREN):
        born = datetime.date(today.year - age, 1, 10) + datetime.timedelta(days=40 * number)  # aged age-1 or age
        # The sequence's last digit is odd for a boy. Should a generated child hold the same number
        # (one chance in thousands), the named child is left out.
        body = f"210522{born:%Y%m%d}{999 - 2 * number - (0 if sex == 'male' else 1):03d}"
        id_number = body + ric.calc_check_digit(body + "0")
        if Child.objects.filter(id_number_index=crypto.blind_index(id_number)).exists():
            continue
        data = {"id_number": id_number, "name": name, "sex": sex, "birth_date": born.isoformat(),
                "region_code": VILLAGE_A, "hukou_region_code": VILLAGE_A, **facts}  # fmt: skip
        record, errors = parse_record(data, today=today)
        assert record is not None, errors
        records.append(record)
    if not records:
        return None
    bulk_register(actor=None, records=records, effective=today, action="children.generate")
    return f"儿童：{len(records)} 名演示儿童有情况未填写（{'、'.join(r.name for r in records)}），见待补充信息"
