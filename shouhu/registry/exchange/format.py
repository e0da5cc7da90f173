"""The child exchange format v2 (shared/design/policy-rules.md): parsing, validation, output.

v2 keeps a fact that was not recorded apart from a fact: a parent missing from `parents` (or with
status `not_recorded`), an absent or null `schooling` (or `enrolled` null with a stage other than
`none`), and an absent `guardian` key (or `guardian.able` null) are **not recorded**, and the
record says so (`ChildRecord.not_recorded()`). A v1 file still reads: what v1 took as a missing
parent's `unknown` or a missing `enrolled`'s false is now read as not recorded.

`parse_record(obj)` turns one decoded JSON object into a `ChildRecord` or a list of
`FieldError`s in Chinese naming the field (`parents[1].since`). It never touches the database:
callers pass the set of known region codes. `record_to_dict` writes the canonical form (every key,
fixed order), so export → import → export is byte-identical.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from typing import Any

from shouhu.core.input_text import person_name_problem, text_problem

from ..identity import birth_date_of, id_number_errors, normalise_id_number, sex_of
from ..record_keys import KEY_HELP, RECORD_KEY, RECORD_KEY_LABEL, parse_key

SEXES = ("male", "female")
PARENT_ROLES = ("father", "mother")
PARENT_STATUSES = (
    "alive", "deceased", "declared_dead", "declared_missing", "unknown", "lost_contact", "imprisoned",
    "drug_rehab", "detained", "severe_disability", "serious_illness", "guardianship_revoked", "deported",
)  # fmt: skip
NOT_RECORDED = "not_recorded"
# The facts that can be not recorded, by their contract names (policy-rules.md, v2).
FACT_FATHER, FACT_MOTHER, FACT_ENROLLED, FACT_GUARDIAN = (
    "parents.father",
    "parents.mother",
    "schooling.enrolled",
    "guardian",
)
NOT_RECORDED_FACTS = (FACT_FATHER, FACT_MOTHER, FACT_ENROLLED, FACT_GUARDIAN)
STATUSES_NEEDING_SINCE = ("lost_contact", "imprisoned", "drug_rehab", "detained")
DISABILITY_TYPES = ("vision", "hearing", "speech", "physical", "intellectual", "mental", "autism", "multiple")
SCHOOL_STAGES = ("none", "preschool", "primary", "junior", "senior", "vocational")
LIVING_ARRANGEMENTS = ("family", "kinship", "foster", "institution", "adopted")
TOP_LEVEL_KEYS = (
    "id_number", "no_id_reason", "name", "sex", "birth_date", "region_code", "hukou_region_code", "household",
    "parents", "guardian", "disability", "serious_illness", "schooling", "living_arrangement", "migrant",
    "left_behind", "safety",
)  # fmt: skip
HOUSEHOLD_KEYS = ("low_income", "extreme_poverty", "temporary_hardship")
SAFETY_KEYS = ("abuse", "neglect", "abandoned")
# A birth date further back is a typing error (a year of 19xx for 20xx): the registry keeps children,
# and a record stays until well after its child came of age.
MAX_AGE_YEARS = 25
FIELD_LABELS = {
    "id_number": "身份证号", "no_id_reason": "无身份证号原因", "name": "姓名", "sex": "性别", "birth_date": "出生日期",
    "region_code": "居住地区划代码", "hukou_region_code": "户籍地区划代码", "household": "家庭", "parents": "父母",
    "guardian": "监护人", "disability": "残疾", "serious_illness": "重病", "schooling": "就学",
    "living_arrangement": "生活安置", "migrant": "随迁", "left_behind": "留守", "safety": "安全",
    RECORD_KEY: RECORD_KEY_LABEL,
}  # fmt: skip


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"「{self.field}」{self.message}"


@dataclass(frozen=True)
class Parent:
    role: str
    status: str
    since: datetime.date | None = None
    until: datetime.date | None = None
    disability_type: str | None = None
    disability_grade: int | None = None


@dataclass(frozen=True)
class Guardian:
    relationship: str
    able: bool | None  # None: whether the guardian can care was not recorded


@dataclass(frozen=True)
class Disability:
    type: str
    grade: int


@dataclass(frozen=True)
class ChildRecord:
    id_number: str | None
    no_id_reason: str | None
    name: str
    sex: str
    birth_date: datetime.date
    region_code: str
    hukou_region_code: str | None = None
    low_income: bool = False
    extreme_poverty: bool = False
    temporary_hardship: bool = False
    # A role missing from `parents` is not recorded.
    parents: tuple[Parent, ...] = ()
    # `guardian_recorded` False: the guardian was not recorded (and `guardian` is None); True with
    # `guardian` None: known that nobody cares for the child.
    guardian: Guardian | None = None
    guardian_recorded: bool = False
    disability: Disability | None = None
    serious_illness: bool = False
    # None: schooling not recorded. `school_enrolled` None: attendance not recorded (never with
    # stage "none", which means known not in school).
    school_stage: str | None = None
    school_enrolled: bool | None = None
    living_arrangement: str = "family"
    migrant: bool = False
    left_behind: bool = False
    abuse: bool = False
    neglect: bool = False
    abandoned: bool = False

    def parent(self, role: str) -> Parent | None:
        return next((p for p in self.parents if p.role == role), None)

    @property
    def guardian_able(self) -> bool | None:
        """Is someone able caring for the child: None when the guardian or their ability was not recorded."""
        if not self.guardian_recorded:
            return None
        return (
            None
            if self.guardian is not None and self.guardian.able is None
            else bool(self.guardian and self.guardian.able)
        )

    def not_recorded(self) -> tuple[str, ...]:
        """The contract names of the facts that were not recorded, in contract order."""
        missing = {
            FACT_FATHER: self.parent("father") is None,
            FACT_MOTHER: self.parent("mother") is None,
            FACT_ENROLLED: self.school_enrolled is None,
            FACT_GUARDIAN: self.guardian_able is None,
        }
        return tuple(fact for fact in NOT_RECORDED_FACTS if missing[fact])


PARENT_KEYS = ("role", "status", "since", "until", "disability_type", "disability_grade")
# The allowed keys as sets: whether an object has only known keys is one set comparison.
# An export adds each record's 登记编号 (record_keys.py): read back by an import, not part of the record.
_TOP_LEVEL = frozenset((*TOP_LEVEL_KEYS, RECORD_KEY))
_HOUSEHOLD = frozenset(HOUSEHOLD_KEYS)
_SAFETY = frozenset(SAFETY_KEYS)
_PARENT = frozenset(PARENT_KEYS)
_GUARDIAN = frozenset(("relationship", "able"))
_DISABILITY = frozenset(("type", "grade"))
_SCHOOLING = frozenset(("stage", "enrolled"))


@dataclass
class _Reader:
    errors: list[FieldError] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def unknown_keys(self, obj: dict[str, Any], allowed: frozenset[str], path: str) -> None:
        if obj.keys() <= allowed:  # the usual case
            return
        for key in obj:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                self.error(where, "是未知字段")

    def boolean(self, obj: dict[str, Any], key: str, path: str) -> bool:
        value = obj.get(key, False)
        if value is True or value is False:
            return value
        if value is None:
            return False
        self.error(path, f"应为 true 或 false，而不是 {value!r}")
        return False

    def flags(self, obj: dict[str, Any], keys: tuple[str, ...], path: str) -> dict[str, bool]:
        """`boolean` of each key of `obj` (`path.key` in messages)."""
        found = {}
        for key in keys:
            value = obj.get(key, False)
            found[key] = value if value is True or value is False else self.boolean(obj, key, f"{path}.{key}")
        return found

    def date(self, value: Any, path: str, *, required: bool = False) -> datetime.date | None:
        if value is None:
            if required:
                self.error(path, "不能为空")
            return None
        if not isinstance(value, str):
            self.error(path, f"应为日期 YYYY-MM-DD，而不是 {value!r}")
            return None
        try:
            if len(value) != 10:  # fromisoformat also takes 20150315, which the format does not
                raise ValueError(value)
            return datetime.date.fromisoformat(value)
        except ValueError:
            self.error(path, f"{value} 不是有效日期（YYYY-MM-DD）")
            return None

    def choice(self, value: Any, choices: tuple[str, ...], path: str, *, default: str | None = None) -> str | None:
        if type(value) is str and value in choices:
            return value
        if value is None and default is not None:
            return default
        if value not in choices:
            self.error(path, f"取值 {value!r} 无效，应为：{' | '.join(choices)}")
            return None
        return str(value)

    def code(self, value: Any, path: str, known: Container[str] | None, *, required: bool) -> str | None:
        if value is None:
            if required:
                self.error(path, "不能为空")
            return None
        if not isinstance(value, str) or len(value) != 12 or not value.isdigit():
            self.error(path, f"{value!r} 不是 12 位统计用区划代码")
            return None
        if known is not None and value not in known:
            self.error(path, f"区划代码 {value} 不存在")
            return None
        return value


def _object(reader: _Reader, value: Any, path: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        reader.error(path, "应为 JSON 对象")
        return None
    return value


def _parents(reader: _Reader, value: Any) -> tuple[Parent, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        reader.error("parents", "应为列表")
        return ()
    parents: list[Parent] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        path = f"parents[{i}]"
        obj = _object(reader, item, path)
        if obj is None:
            if item is None:
                reader.error(path, "不能为空")
            continue
        reader.unknown_keys(obj, _PARENT, path)
        role = reader.choice(obj.get("role"), PARENT_ROLES, f"{path}.role")
        if obj.get("status") == NOT_RECORDED:
            _not_recorded_parent(reader, obj, path)
            if role in seen:
                reader.error(f"{path}.role", f"{role} 重复出现")
            if role:
                seen.add(role)
            continue
        status = reader.choice(obj.get("status"), PARENT_STATUSES, f"{path}.status")
        since = reader.date(obj.get("since"), f"{path}.since", required=status in STATUSES_NEEDING_SINCE)
        until = reader.date(obj.get("until"), f"{path}.until")
        if since and until and until < since:
            reader.error(f"{path}.until", f"结束日期 {until} 早于开始日期 {since}")
        d_type, d_grade = obj.get("disability_type"), obj.get("disability_grade")
        if status == "severe_disability":
            d_type = reader.choice(d_type, DISABILITY_TYPES, f"{path}.disability_type")
            d_grade = _grade(reader, d_grade, f"{path}.disability_grade")
        elif d_type is not None or d_grade is not None:
            reader.error(f"{path}.disability_type", "只有状态为 severe_disability 时才能填写残疾类别和等级")
            d_type = d_grade = None
        if role in seen:
            reader.error(f"{path}.role", f"{role} 重复出现")
        if role and status:
            seen.add(role)
            parents.append(Parent(role, status, since, until, d_type, d_grade))
    if len(parents) < 2:
        return tuple(parents)
    return tuple(sorted(parents, key=lambda p: PARENT_ROLES.index(p.role)))


def _not_recorded_parent(reader: _Reader, obj: dict[str, Any], path: str) -> None:
    """A parent written as not recorded carries nothing else."""
    for key in ("since", "until", "disability_type", "disability_grade"):
        if obj.get(key) is not None:
            reader.error(f"{path}.{key}", "状态为 not_recorded（未填写）时不能填写")


def _guardian(reader: _Reader, obj: dict[str, Any]) -> tuple[Guardian | None, bool]:
    """(guardian, recorded): the key absent is not recorded; null is known nobody."""
    if "guardian" not in obj:
        return None, False
    g = _object(reader, obj["guardian"], "guardian")
    if g is None:
        return None, True
    reader.unknown_keys(g, _GUARDIAN, "guardian")
    relationship = g.get("relationship")
    if not isinstance(relationship, str) or not relationship.strip():
        reader.error("guardian.relationship", "不能为空")
    elif problem := person_name_problem(relationship):  # a relationship in words: no hidden characters either
        reader.error("guardian.relationship", problem)
        relationship = None
    able = g.get("able")
    if able is not None and not isinstance(able, bool):
        reader.error("guardian.able", f"应为 true、false 或 null（未填写），而不是 {able!r}")
    if isinstance(relationship, str) and relationship.strip() and (able is None or isinstance(able, bool)):
        return Guardian(relationship.strip(), able), True
    return None, True


def _schooling(reader: _Reader, value: Any) -> tuple[str | None, bool | None]:
    """(stage, enrolled): null or absent is not recorded; `enrolled` null with a stage other than
    none is attendance not recorded, and stage none is known not in school."""
    schooling = _object(reader, value, "schooling")
    if schooling is None:
        return None, None
    reader.unknown_keys(schooling, _SCHOOLING, "schooling")
    stage = reader.choice(schooling.get("stage"), SCHOOL_STAGES, "schooling.stage", default="none")
    enrolled = schooling.get("enrolled")
    if enrolled is not None and not isinstance(enrolled, bool):
        reader.error("schooling.enrolled", f"应为 true、false 或 null（未填写），而不是 {enrolled!r}")
        enrolled = None
    if stage == "none" and enrolled is None:
        enrolled = False
    return stage, enrolled


def _grade(reader: _Reader, value: Any, path: str) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
        reader.error(path, f"等级应为 1–4 的整数，而不是 {value!r}")
        return None
    return value


def _identity(
    reader: _Reader, obj: dict[str, Any], birth_date: datetime.date | None, sex: str | None
) -> tuple[str | None, str | None]:
    raw, reason = obj.get("id_number"), obj.get("no_id_reason")
    if reason is not None and (not isinstance(reason, str) or not reason.strip()):
        reader.error("no_id_reason", "应为非空文字")
        reason = None
    elif reason is not None and (problem := text_problem(reason)):
        reader.error("no_id_reason", problem)
        reason = None
    if raw is None:
        if not reason:
            reader.error("id_number", "为空时必须在 no_id_reason 中说明原因")
        return None, reason.strip() if reason else None
    if not isinstance(raw, str):
        reader.error("id_number", f"应为文字，而不是 {raw!r}")
        return None, None
    number = normalise_id_number(raw)
    problems = id_number_errors(number)
    for problem in problems:
        reader.error("id_number", problem)
    if problems:
        return None, None
    born = birth_date_of(number)
    if birth_date and born != birth_date:
        reader.error("birth_date", f"{birth_date} 与身份证号中的出生日期 {born} 不一致")
    if sex and sex_of(number) != sex:
        label = "男" if sex_of(number) == "male" else "女"
        reader.error("sex", f"{sex} 与身份证号中的性别（{label}）不一致")
    return number, reason.strip() if reason else None


def earliest_birth_date(today: datetime.date) -> datetime.date:
    """The earliest birth date of a child on record: `MAX_AGE_YEARS` years before `today`."""
    try:
        return today.replace(year=today.year - MAX_AGE_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - MAX_AGE_YEARS, day=28)


def _birth_date_plausible(reader: _Reader, birth_date: datetime.date, today: datetime.date) -> None:
    if birth_date > today:
        reader.error("birth_date", f"{birth_date} 晚于今天")
    elif birth_date < (earliest := earliest_birth_date(today)):
        reader.error("birth_date", f"{birth_date} 早于 {MAX_AGE_YEARS} 年前（{earliest}），不是儿童的出生日期")


def parse_record(
    obj: Any, *, known_regions: Container[str] | None = None, today: datetime.date | None = None
) -> tuple[ChildRecord | None, list[FieldError]]:
    """Validate one exchange-format object. Returns (record, []) or (None, errors)."""
    reader = _Reader()
    if not isinstance(obj, dict):
        return None, [FieldError("(记录)", "应为 JSON 对象")]
    reader.unknown_keys(obj, _TOP_LEVEL, "")
    key = obj.get(RECORD_KEY)
    if key is not None and (not isinstance(key, str) or parse_key(key) is None):
        reader.error(RECORD_KEY, f"{key} 不是系统导出的登记编号（{KEY_HELP}）；新登记的儿童请留空")
    name = obj.get("name")
    if not isinstance(name, str) or not name.strip():
        reader.error("name", "不能为空")
    elif len(name.strip()) > 50:
        reader.error("name", "不能超过 50 个字")
    elif problem := person_name_problem(name.strip()):
        reader.error("name", problem)
    sex = reader.choice(obj.get("sex"), SEXES, "sex")
    birth_date = reader.date(obj.get("birth_date"), "birth_date", required=True)
    if birth_date:
        _birth_date_plausible(reader, birth_date, today or datetime.date.today())  # noqa: DTZ011  (a plain policy date)
    id_number, no_id_reason = _identity(reader, obj, birth_date, sex)
    region_code = reader.code(obj.get("region_code"), "region_code", known_regions, required=True)
    hukou = reader.code(obj.get("hukou_region_code"), "hukou_region_code", None, required=False)

    household = _object(reader, obj.get("household"), "household") or {}
    reader.unknown_keys(household, _HOUSEHOLD, "household")
    flags = reader.flags(household, HOUSEHOLD_KEYS, "household")
    parents = _parents(reader, obj.get("parents"))

    guardian, guardian_recorded = _guardian(reader, obj)

    disability = None
    d = _object(reader, obj.get("disability"), "disability")
    if d is not None:
        reader.unknown_keys(d, _DISABILITY, "disability")
        d_type = reader.choice(d.get("type"), DISABILITY_TYPES, "disability.type")
        d_grade = _grade(reader, d.get("grade"), "disability.grade")
        if d_type and d_grade:
            disability = Disability(d_type, d_grade)

    stage, enrolled = _schooling(reader, obj.get("schooling"))
    living = reader.choice(obj.get("living_arrangement"), LIVING_ARRANGEMENTS, "living_arrangement", default="family")
    safety = _object(reader, obj.get("safety"), "safety") or {}
    reader.unknown_keys(safety, _SAFETY, "safety")
    safety_flags = reader.flags(safety, SAFETY_KEYS, "safety")
    serious_illness = reader.boolean(obj, "serious_illness", "serious_illness")
    migrant = reader.boolean(obj, "migrant", "migrant")
    left_behind = reader.boolean(obj, "left_behind", "left_behind")

    if reader.errors:
        return None, reader.errors
    assert sex and birth_date and region_code and living and isinstance(name, str)
    return ChildRecord(
        id_number=id_number, no_id_reason=no_id_reason, name=name.strip(), sex=sex, birth_date=birth_date,
        region_code=region_code, hukou_region_code=hukou, parents=parents, guardian=guardian,
        guardian_recorded=guardian_recorded, disability=disability, serious_illness=serious_illness,
        school_stage=stage, school_enrolled=enrolled,
        living_arrangement=living, migrant=migrant, left_behind=left_behind, **flags, **safety_flags,
    ), []  # fmt: skip


def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def record_to_dict(record: ChildRecord) -> dict[str, Any]:
    """The canonical exchange-format object: every key in the contract's order, except `guardian`
    when the guardian was not recorded (its absence is how v2 says so). Both parents are always
    written, a parent not recorded as `{"role": …, "status": "not_recorded"}`."""
    parents = []
    for role in PARENT_ROLES:
        p = record.parent(role)
        if p is None:
            parents.append({"role": role, "status": NOT_RECORDED})
            continue
        item: dict[str, Any] = {"role": p.role, "status": p.status}
        if p.since:
            item["since"] = p.since.isoformat()
        if p.until:
            item["until"] = p.until.isoformat()
        if p.status == "severe_disability":
            item["disability_type"] = p.disability_type
            item["disability_grade"] = p.disability_grade
        parents.append(item)
    written: dict[str, Any] = {
        "id_number": record.id_number,
        "no_id_reason": record.no_id_reason,
        "name": record.name,
        "sex": record.sex,
        "birth_date": record.birth_date.isoformat(),
        "region_code": record.region_code,
        "hukou_region_code": record.hukou_region_code,
        "household": {k: getattr(record, k) for k in HOUSEHOLD_KEYS},
        "parents": parents,
        "guardian": {"relationship": record.guardian.relationship, "able": record.guardian.able}
        if record.guardian
        else None,
        "disability": {"type": record.disability.type, "grade": record.disability.grade} if record.disability else None,
        "serious_illness": record.serious_illness,
        "schooling": {"stage": record.school_stage, "enrolled": record.school_enrolled}
        if record.school_stage is not None
        else None,
        "living_arrangement": record.living_arrangement,
        "migrant": record.migrant,
        "left_behind": record.left_behind,
        "safety": {k: getattr(record, k) for k in SAFETY_KEYS},
    }
    if not record.guardian_recorded:
        del written["guardian"]
    return written


RecordParser = Callable[[Any], tuple[ChildRecord | None, list[FieldError]]]
