"""Synthetic children for the county: demo data and benchmarks (`shouhu demo generate`).

Every record is a valid exchange-format `ChildRecord` (ID numbers with the county's prefix
210522, a real birth date, the sex digit and a correct check digit), spread over the county's
villages, with plausible rates of the circumstances the product cares about:

| fact | rate |
|---|---|
| 低保 / 特困 / 临时困难 | ~25% / ~3% / ~2% (特困 and 低保 exclusive; orphans mostly 特困) |
| 孤儿 (both parents deceased or unknown) | ~2% |
| one parent deceased | ~3% |
| a parent imprisoned / lost contact / severely disabled / seriously ill | ~2% / ~2% / ~2% / ~1% |
| child's disability (types and grades weighted) / serious illness | ~6% / ~2% |
| 留守 / 随迁 | ~15% / ~5% |
| abuse / neglect / abandoned | ~0.3% / ~0.4% / ~0.1% |

Schooling follows the age (preschool 3–5, primary 6–11, junior 12–14, senior or vocational
15–17, some not enrolled). The same seed, villages and `today` give the same children. Records are
written with `bulk.bulk_register` in batches, so a million children take minutes.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from itertools import islice

from django.db import transaction
from stdnum.cn import ric

from shouhu.accounts.models import User
from shouhu.core import crypto, dates, dbstats
from shouhu.regions.models import Level, Region

from .exchange.bulk import bulk_register
from .exchange.format import ChildRecord, Disability, Guardian, Parent
from .models import Child, Circumstance

COUNTY_PREFIX = "210522"
COUNTY_CODE = COUNTY_PREFIX + "000000"
DEMO_SEED = 2026
DEMO_CHILDREN = 300
CHUNK = 10_000  # records per transaction: progress survives an interrupted million-child run

# Common surnames, weighted roughly by frequency in Liaoning; 关 佟 那 富 金 for the Manchu
# families of a Manchu autonomous county.
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 90),
    ("李", 80),
    ("张", 80),
    ("刘", 70),
    ("赵", 40),
    ("孙", 35),
    ("杨", 30),
    ("陈", 30),
    ("于", 30),
    ("高", 25),
    ("徐", 22),
    ("马", 22),
    ("关", 20),
    ("周", 20),
    ("吴", 18),
    ("郭", 18),
    ("曲", 15),
    ("佟", 15),
    ("林", 14),
    ("何", 12),
    ("宋", 12),
    ("郑", 12),
    ("谢", 10),
    ("韩", 14),
    ("唐", 10),
    ("冯", 10),
    ("董", 12),
    ("姜", 12),
    ("崔", 10),
    ("邹", 8),
    ("付", 8),
    ("金", 10),
    ("那", 6),
    ("富", 5),
    ("白", 8),
    ("丁", 8),
    ("曹", 8),
    ("田", 8),
    ("鲁", 5),
    ("隋", 5),
)
# Given names from a list (one or two characters), as children born 2008–2026 are named.
BOY_NAMES = (
    "浩",
    "宇",
    "轩",
    "博",
    "杰",
    "涛",
    "磊",
    "鑫",
    "鹏",
    "晨",
    "阳",
    "睿",
    "凯",
    "航",
    "诚",
    "哲",
    "明",
    "旭",
    "辰",
    "铭",
    "浩宇",
    "浩然",
    "宇轩",
    "子轩",
    "梓睿",
    "博文",
    "俊杰",
    "明轩",
    "一鸣",
    "天佑",
    "嘉豪",
    "子豪",
    "皓轩",
    "宇航",
    "思远",
    "浩轩",
    "子墨",
    "雨泽",
    "俊熙",
    "明哲",
    "睿泽",
    "博涵",
    "梓豪",
    "承泽",
    "宇辰",
    "奕辰",
    "泽宇",
    "浩博",
    "天宇",
    "志强",
    "建华",
    "家乐",
    "鹏飞",
    "晓东",
    "俊宇",
    "文博",
    "锦程",
    "子涵",
    "一诺",
    "沐阳",
    "铭轩",
    "煜祺",
    "智宸",
    "正豪",
    "昊然",
    "明杰",
    "立诚",
    "立轩",
    "立辉",
    "峻熙",
    "弘文",
    "熠彤",
    "鸿煊",
    "烨霖",
    "哲瀚",
    "鑫鹏",
    "致远",
    "俊驰",
    "雨泽",
    "烨磊",
    "晟睿",
    "天翊",
    "欣然",
    "梓航",
    "金鑫",
    "国栋",
    "振宇",
    "佳豪",
    "嘉懿",
    "新宇",
)
GIRL_NAMES = (
    "欣",
    "怡",
    "萱",
    "涵",
    "琪",
    "彤",
    "悦",
    "婷",
    "静",
    "雪",
    "瑶",
    "娜",
    "丽",
    "颖",
    "佳",
    "妍",
    "菲",
    "蕊",
    "楠",
    "雯",
    "欣怡",
    "梓涵",
    "诗涵",
    "雨萱",
    "一诺",
    "子涵",
    "可馨",
    "思彤",
    "梓萱",
    "语嫣",
    "欣妍",
    "佳怡",
    "雨涵",
    "紫涵",
    "诗琪",
    "梦瑶",
    "晓彤",
    "思涵",
    "若汐",
    "心怡",
    "芷若",
    "雅琪",
    "雨桐",
    "依诺",
    "子萱",
    "梓琪",
    "佳琪",
    "欣然",
    "嘉怡",
    "语桐",
    "思雨",
    "婉清",
    "静怡",
    "书瑶",
    "艺涵",
    "梦琪",
    "晓雪",
    "丽娜",
    "春燕",
    "海燕",
    "美玲",
    "玉洁",
    "雅静",
    "梦洁",
    "凌薇",
    "美琳",
    "欢馨",
    "优璇",
    "雨嘉",
    "娅楠",
    "明美",
    "可欣",
    "惠茜",
    "漫妮",
    "香茹",
    "月婵",
    "嫦曦",
    "静香",
    "梦璐",
    "沛玲",
    "欣妍",
    "曼玉",
    "歆瑶",
    "凌菲",
    "靖瑶",
    "瑾萱",
    "佑怡",
    "婳祎",
    "檀雅",
    "若菱",
)
DISABILITY_TYPES: tuple[tuple[str, int], ...] = (
    ("physical", 25),
    ("intellectual", 20),
    ("hearing", 12),
    ("speech", 8),
    ("vision", 10),
    ("mental", 5),
    ("autism", 10),
    ("multiple", 10),
)
DISABILITY_GRADES: tuple[tuple[int, int], ...] = ((1, 15), (2, 25), (3, 30), (4, 30))
OTHER_HUKOU = ("210521000000", "210502000000", "210602000000", "220502000000", "130102000000")
NO_ID_REASONS = ("尚未办理户口登记", "出生后未申报户口，正在补办")
# For townships the demo has no village in yet: plausible names, marked `is_demo`.
DEMO_VILLAGE_NAMES = ("红旗村", "大甸子村", "新立屯村", "双岭村", "三道河村", "四平村", "二户来村", "仙人洞村")


class ChildGenerator:
    """Deterministic synthetic `ChildRecord`s for a seed, a list of village codes and a date."""

    def __init__(self, *, seed: int, villages: Sequence[str], today: datetime.date) -> None:
        if not villages:
            raise ValueError("没有可用的村（社区）")
        self.rng = random.Random(seed)  # noqa: S311  (synthetic data, not secrets)
        # Facts left not recorded are drawn from their own stream, so the recorded ones stay what
        # they were for a seed.
        self._gaps = random.Random(seed + 1)  # noqa: S311
        self.today = today
        # Communities (codes ending below 200) are town neighbourhoods: twice as many children.
        self.villages = sorted(villages)
        self._village_weights = _cumulative([2 if int(code[9:]) < 200 else 1 for code in self.villages])
        self._surnames = [s for s, _ in SURNAMES]
        self._surname_weights = _cumulative([w for _, w in SURNAMES])
        self._types = [t for t, _ in DISABILITY_TYPES]
        self._type_weights = _cumulative([w for _, w in DISABILITY_TYPES])
        self._grades = [g for g, _ in DISABILITY_GRADES]
        self._grade_weights = _cumulative([w for _, w in DISABILITY_GRADES])
        self._used: set[tuple[datetime.date, int]] = set()
        self._earliest = _years_before(today, 18) + datetime.timedelta(days=1)
        self._span = (today - self._earliest).days

    # -- identity -------------------------------------------------------------------------
    def name(self, sex: str) -> str:
        rng = self.rng
        surname = rng.choices(self._surnames, cum_weights=self._surname_weights)[0]
        return f"{surname}{rng.choice(BOY_NAMES if sex == 'male' else GIRL_NAMES)}"

    def birth_date(self) -> datetime.date:
        return self._earliest + datetime.timedelta(days=self.rng.randrange(self._span + 1))

    def id_number(self, birth_date: datetime.date, sex: str) -> str:
        """210522 + YYYYMMDD + a sequence whose last digit is odd for boys, even for girls + check
        digit; never the same twice in one generator (a full day moves to the next day)."""
        while True:
            for _ in range(50):
                sequence = self.rng.randrange(1, 500) * 2 - (1 if sex == "male" else 0)
                if (birth_date, sequence) not in self._used:
                    self._used.add((birth_date, sequence))
                    body = f"{COUNTY_PREFIX}{birth_date:%Y%m%d}{sequence:03d}"
                    return body + ric.calc_check_digit(body + "0")
            birth_date = birth_date - datetime.timedelta(days=1)

    def village(self) -> str:
        return self.rng.choices(self.villages, cum_weights=self._village_weights)[0]

    # -- circumstances ---------------------------------------------------------------------
    def _past_date(self, birth_date: datetime.date) -> datetime.date:
        """A date between the birth and today."""
        return birth_date + datetime.timedelta(days=self.rng.randrange((self.today - birth_date).days + 1))

    def _parents(self, birth_date: datetime.date) -> tuple[tuple[Parent, ...], str]:
        """Both parents and a short tag of the family situation."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.02:  # orphan
            gone = ("deceased", "deceased", "deceased", "unknown", "declared_dead")
            return (Parent("father", rng.choice(gone)), Parent("mother", rng.choice(gone))), "orphan"
        alive = {"father": Parent("father", "alive"), "mother": Parent("mother", "alive")}
        role = rng.choice(("father", "mother"))
        tag = "family"
        roll -= 0.02
        if roll < 0.03:
            alive[role], tag = Parent(role, "deceased"), "single"
        elif roll < 0.05:
            since = self._past_date(birth_date)
            until = since + datetime.timedelta(days=rng.randrange(180, 365 * 8))
            alive[role], tag = Parent(role, "imprisoned", since, until if rng.random() < 0.8 else None), "parent_away"
        elif roll < 0.07:
            alive[role], tag = Parent(role, "lost_contact", self._past_date(birth_date)), "parent_away"
        elif roll < 0.09:
            d_type = rng.choices(self._types, cum_weights=self._type_weights)[0]
            grade = rng.choices(self._grades, cum_weights=self._grade_weights)[0]
            alive[role] = Parent(role, "severe_disability", disability_type=d_type, disability_grade=grade)
        elif roll < 0.10:
            alive[role] = Parent(role, "serious_illness")
        elif roll < 0.103:
            alive[role], tag = Parent(role, "drug_rehab", self._past_date(birth_date)), "parent_away"
        return (alive["father"], alive["mother"]), tag

    def _schooling(self, age: int, disability: Disability | None) -> tuple[str, bool]:
        rng = self.rng
        if disability is not None and disability.grade == 1 and rng.random() < 0.4:
            return "none", False
        if age < 3:
            return "none", False
        if age < 6:
            return ("preschool", True) if rng.random() < 0.85 else ("none", False)
        if age < 12:
            return "primary", rng.random() < 0.995
        if age < 15:
            return "junior", rng.random() < 0.98
        roll = rng.random()
        if roll < 0.55:
            return "senior", True
        if roll < 0.85:
            return "vocational", True
        return "none", False

    def _leave_gaps(
        self, parents: tuple[Parent, ...], guardian: Guardian | None, stage: str, enrolled: bool
    ) -> tuple[tuple[Parent, ...], Guardian | None, bool, bool | None]:
        """Some forms come back with facts not recorded (exchange format v2): a parent in 4%, the
        guardian's ability in 2%, school attendance in 3% of those at a school stage."""
        gaps = self._gaps
        guardian_recorded = True
        if gaps.random() < 0.04:
            parents = tuple(p for p in parents if p.role != gaps.choice(("father", "mother")))
        if guardian is not None and gaps.random() < 0.02:
            guardian = Guardian(guardian.relationship, None) if gaps.random() < 0.5 else None
            guardian_recorded = guardian is not None
        school_enrolled: bool | None = enrolled
        if stage != "none" and gaps.random() < 0.03:
            school_enrolled = None
        return parents, guardian, guardian_recorded, school_enrolled

    def record(self) -> ChildRecord:
        rng = self.rng
        sex = "male" if rng.random() < 0.515 else "female"
        birth_date = self.birth_date()
        age = _age(birth_date, self.today)
        name = self.name(sex)
        region = self.village()
        parents, family = self._parents(birth_date)
        disability = None
        if rng.random() < 0.06:
            d_type = rng.choices(self._types, cum_weights=self._type_weights)[0]
            grade = rng.choices(self._grades, cum_weights=self._grade_weights)[0]
            disability = Disability(d_type, grade)
        extreme_poverty = rng.random() < (0.6 if family == "orphan" else 0.018)
        low_income = not extreme_poverty and rng.random() < (0.45 if family != "family" or disability else 0.24)
        temporary_hardship = not extreme_poverty and rng.random() < 0.02
        stage, enrolled = self._schooling(age, disability)
        abandoned = rng.random() < 0.001
        abuse = rng.random() < 0.003
        neglect = rng.random() < 0.004
        migrant = left_behind = False
        living = "family"
        guardian: Guardian | None = Guardian("parent", True)
        if family == "orphan" or abandoned:
            living = rng.choices(("kinship", "institution", "foster"), (6, 2, 2))[0]
            guardian = {
                "kinship": Guardian(rng.choice(("grandparent", "grandparent", "relative", "sibling")), True),
                "institution": Guardian("institution", True),
                "foster": Guardian("foster_parent", True),
            }[living]
        elif family == "parent_away":
            guardian = Guardian("grandparent", rng.random() < 0.8) if rng.random() < 0.6 else Guardian("parent", True)
        else:
            roll = rng.random()
            if roll < 0.15:
                left_behind, guardian = True, Guardian("grandparent", rng.random() < 0.9)
            elif roll < 0.20:
                migrant = True
        if neglect and guardian is not None and rng.random() < 0.5:
            guardian = Guardian(guardian.relationship, False)
        id_number, no_id_reason = None, None
        if (abandoned and rng.random() < 0.5) or rng.random() < 0.002:
            no_id_reason = "弃婴，尚未登记户口" if abandoned else rng.choice(NO_ID_REASONS)
        else:
            id_number = self.id_number(birth_date, sex)
            if id_number[6:14] != f"{birth_date:%Y%m%d}":  # the day was full: keep them agreeing
                birth_date = datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
        parents, guardian, guardian_recorded, school_enrolled = self._leave_gaps(parents, guardian, stage, enrolled)
        return ChildRecord(
            id_number=id_number,
            no_id_reason=no_id_reason,
            name=name,
            sex=sex,
            birth_date=birth_date,
            region_code=region,
            hukou_region_code=rng.choice(OTHER_HUKOU) if migrant else region,
            low_income=low_income,
            extreme_poverty=extreme_poverty,
            temporary_hardship=temporary_hardship,
            parents=parents,
            guardian=guardian,
            guardian_recorded=guardian_recorded,
            disability=disability,
            serious_illness=rng.random() < 0.02,
            school_stage=stage,
            school_enrolled=school_enrolled,
            living_arrangement=living,
            migrant=migrant,
            left_behind=left_behind,
            abuse=abuse,
            neglect=neglect,
            abandoned=abandoned,
        )

    def records(self, count: int) -> Iterator[ChildRecord]:
        for _ in range(count):
            yield self.record()


def _cumulative(weights: Sequence[int]) -> list[int]:
    total, out = 0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age(birth_date: datetime.date, on: datetime.date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def _stem(township_name: str) -> str:
    for suffix in ("朝鲜族乡", "满族乡", "街道", "镇", "乡"):
        if township_name.endswith(suffix):
            return township_name[: -len(suffix)]
    return township_name


@transaction.atomic
def ensure_villages(county_prefix: str = COUNTY_PREFIX) -> list[str]:
    """Village codes of the county; townships without any get two demo villages (`is_demo`)."""
    townships = Region.objects.filter(code__startswith=county_prefix, level=Level.TOWNSHIP).order_by("code")
    with_villages = set(
        Region.objects.filter(code__startswith=county_prefix, level=Level.VILLAGE).values_list("parent_id", flat=True)
    )
    for i, township in enumerate(townships):
        if township.pk in with_villages:
            continue
        names = (f"{_stem(township.name)}村", DEMO_VILLAGE_NAMES[i % len(DEMO_VILLAGE_NAMES)])
        for number, name in enumerate(names, start=201):
            code = f"{township.code[:9]}{number:03d}"
            if not Region.objects.filter(code=code).exists():
                Region(code=code, name=name, parent=township, kind="村", is_demo=True).save()
    return list(
        Region.objects.filter(code__startswith=county_prefix, level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)
    )


def _without_registered_ids(records: Iterator[ChildRecord], generator: ChildGenerator) -> Iterator[ChildRecord]:
    """Skip ID numbers already on record (a second run with the same seed): draw fresh records."""
    while chunk := list(islice(records, 2000)):
        by_index = {crypto.blind_index(r.id_number): r for r in chunk if r.id_number}
        taken = set(Child.objects.filter(id_number_index__in=list(by_index)).values_list("id_number_index", flat=True))
        for record in chunk:
            if record.id_number and crypto.blind_index(record.id_number) in taken:
                record = generator.record()
                while (
                    record.id_number
                    and Child.objects.filter(id_number_index=crypto.blind_index(record.id_number)).exists()
                ):
                    record = generator.record()
            yield record


def generate_children(
    *,
    count: int,
    seed: int = DEMO_SEED,
    actor: User | None = None,
    today: datetime.date | None = None,
    county_prefix: str = COUNTY_PREFIX,
    chunk: int = CHUNK,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Generate and register `count` synthetic children; returns how many were written."""
    today = today or dates.today()
    villages = ensure_villages(county_prefix)
    generator = ChildGenerator(seed=seed, villages=villages, today=today)
    stream = _without_registered_ids(generator.records(count), generator)
    written = 0
    while batch := list(islice(stream, chunk)):
        progress = partial(_offset_progress, on_progress, written) if on_progress else None
        bulk_register(actor=actor, records=batch, effective=today, action="children.generate", on_progress=progress)
        written += len(batch)
    if written:
        # What is read next (screening, lists) must not be planned for the registry before this.
        dbstats.analyze([Child, Circumstance])
    return written


def _offset_progress(on_progress: Callable[[int], None], offset: int, done: int) -> None:
    on_progress(offset + done)
