"""The flat, Chinese-headed column layout of the child exchange format (.xlsx and .csv).

One row per child, one column per value (docs/registry-io.md lists them). Values are written in
Chinese (是/否, 男/女, the labels of `labels.py`) and read back to exchange-format codes; the codes
themselves are accepted too. `dict_to_row` and `row_to_dict` are inverse on canonical records, so
an exported workbook imports back unchanged.

`row_to_dict` only converts: the exchange validator (`exchange.parse_record`) still decides
whether the record is valid. Conversion problems (a label that is not in the list, an ID number
Excel turned into a number) are reported against the column header; `column_of(path)` names the
column behind an exchange-format path such as `parents[1].since`, so the validator's errors name
columns too.
"""

from __future__ import annotations

import datetime
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from .exchange import FieldError
from .labels import DISABILITY_LABELS, LIVING_LABELS, PARENT_STATUS_LABELS, RELATIONSHIP_LABELS, STAGE_LABELS

SHEET_NAME = "儿童名单"
INSTRUCTIONS_SHEET = "填写说明"
ERROR_HEADER = "错误"
ROW_HEADER = "行号"
# Columns added by the annotated error workbook; ignored when a file is read back.
IGNORED_HEADERS = (ERROR_HEADER, ROW_HEADER)
SEX_LABELS = {"male": "男", "female": "女"}
YES, NO = "是", "否"
TRUE_WORDS = {"是", "true", "1", "y", "yes", "√", "有"}
FALSE_WORDS = {"否", "false", "0", "n", "no", "×", "无"}
CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}
MAX_ROW = 1_048_575  # dropdowns and formats cover the whole column
FIRST_DATE = datetime.date(1900, 1, 1)


@dataclass(frozen=True)
class Column:
    header: str
    path: str  # the exchange-format path, e.g. "household.low_income" or "parents.father.since"
    kind: str  # text | id | code | date | bool | choice | grade
    help: str
    labels: dict[str, str] = field(default_factory=dict)  # code → Chinese label (choice columns)
    free_text: bool = False  # a choice column that also takes other words (guardian relationship)
    width: int = 10


def _parent_columns(role: str, who: str) -> list[Column]:
    statuses = "、".join(PARENT_STATUS_LABELS.values())
    return [
        Column(
            f"{who}状况",
            f"parents.{role}.status",
            "choice",
            f"留空表示{who}情况不详（不填此{who}）；可选：{statuses}",
            PARENT_STATUS_LABELS,
            width=14,
        ),
        Column(
            f"{who}状况起始",
            f"parents.{role}.since",
            "date",
            "状况的开始日期；失联、服刑、强制隔离戒毒、被拘留时必填",
            width=12,
        ),
        Column(f"{who}状况结束", f"parents.{role}.until", "date", "已知的结束日期（如刑满日期），可留空", width=12),
        Column(
            f"{who}残疾类别",
            f"parents.{role}.disability_type",
            "choice",
            "状况为重残时填写",
            DISABILITY_LABELS,
            width=10,
        ),
        Column(f"{who}残疾等级", f"parents.{role}.disability_grade", "grade", "状况为重残时填写 1–4（1 级最重）"),
    ]


COLUMNS: tuple[Column, ...] = (
    Column("姓名", "name", "text", "必填，不超过 50 个字", width=10),
    Column("性别", "sex", "choice", "男 或 女，须与身份证号一致", SEX_LABELS, width=6),
    Column("出生日期", "birth_date", "date", "必填，YYYY-MM-DD，须与身份证号一致", width=12),
    Column("身份证号", "id_number", "id", "18 位居民身份证号（以文本格式填写）；没有时留空并填写原因", width=21),
    Column("无身份证号原因", "no_id_reason", "text", "没有身份证号时必填，如：弃婴，尚未登记户口", width=16),
    Column("居住地区划代码", "region_code", "code", "必填，12 位统计用区划代码，到村（社区）", width=15),
    Column("户籍地区划代码", "hukou_region_code", "code", "12 位统计用区划代码，可留空", width=15),
    Column("低保", "household.low_income", "bool", "是 或 否（留空为否）", width=6),
    Column("特困", "household.extreme_poverty", "bool", "是 或 否（留空为否）", width=6),
    Column("临时困难", "household.temporary_hardship", "bool", "是 或 否（留空为否）", width=8),
    *_parent_columns("father", "父亲"),
    *_parent_columns("mother", "母亲"),
    Column(
        "监护人关系",
        "guardian.relationship",
        "choice",
        "实际照料儿童的人与儿童的关系；无实际监护人时留空。可选："
        + "、".join(RELATIONSHIP_LABELS.values())
        + "，也可填写其他关系",
        RELATIONSHIP_LABELS,
        free_text=True,
        width=14,
    ),
    Column("监护人有监护能力", "guardian.able", "bool", "填写了监护人关系时必填：是 或 否", width=10),
    Column("残疾类别", "disability.type", "choice", "无残疾时留空", DISABILITY_LABELS, width=10),
    Column("残疾等级", "disability.grade", "grade", "1–4（1 级最重）；无残疾时留空"),
    Column("重病", "serious_illness", "bool", "是 或 否（留空为否）", width=6),
    Column("就学阶段", "schooling.stage", "choice", "留空为未入学", STAGE_LABELS, width=8),
    Column("在读", "schooling.enrolled", "bool", "是 或 否（留空为否）", width=6),
    Column("生活安置", "living_arrangement", "choice", "留空为家庭", LIVING_LABELS, width=10),
    Column("随迁", "migrant", "bool", "随迁子女：是 或 否（留空为否）", width=6),
    Column("留守", "left_behind", "bool", "留守儿童：是 或 否（留空为否）", width=6),
    Column("遭受虐待", "safety.abuse", "bool", "是 或 否（留空为否）", width=8),
    Column("被忽视", "safety.neglect", "bool", "是 或 否（留空为否）", width=8),
    Column("被遗弃", "safety.abandoned", "bool", "是 或 否（留空为否）", width=8),
)
HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
BY_HEADER = {c.header: c for c in COLUMNS}
PARENT_ROLE_NAMES = {"father": "父亲", "mother": "母亲"}
PARENT_FIELD_SUFFIX = {
    "status": "状况",
    "role": "状况",
    "since": "状况起始",
    "until": "状况结束",
    "disability_type": "残疾类别",
    "disability_grade": "残疾等级",
}
# Exchange paths the validator may name that are not a column of their own.
PATH_ALIASES = {
    "guardian": "guardian.relationship",
    "disability": "disability.type",
    "schooling": "schooling.stage",
    "household": "household.low_income",
    "safety": "safety.abuse",
    "parents": "parents.father.status",
}
BY_PATH = {c.path: c.header for c in COLUMNS}
_PARENT_PATH = re.compile(r"^parents\[(\d+)\](?:\.(\w+))?$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_CODE_WORDS = [
    (re.compile(r"(?<![A-Za-z_])severe_disability(?![A-Za-z_])"), "重残"),
    (re.compile(r"(?<![A-Za-z_])no_id_reason(?![A-Za-z_])"), "「无身份证号原因」"),
    (re.compile(r"(?<![A-Za-z_])female(?![A-Za-z_])"), "女"),
    (re.compile(r"(?<![A-Za-z_])male(?![A-Za-z_])"), "男"),
]


# -- reading ------------------------------------------------------------------------------


@dataclass
class FlatRow:
    """One converted row: the exchange-format object, conversion errors (by column header) and the
    parent roles in the order they were put into `obj["parents"]` (to name columns for errors)."""

    obj: dict[str, Any]
    errors: list[FieldError]
    parent_roles: list[str]

    def column_of(self, path: str) -> str:
        return column_of(path, self.parent_roles)

    def message(self, text: str) -> str:
        return chinese_message(text)


def column_of(path: str, parent_roles: Sequence[str] = ("father", "mother")) -> str:
    """The column header behind an exchange-format path (the path itself when there is none)."""
    match = _PARENT_PATH.match(path)
    if match:
        index, key = int(match.group(1)), match.group(2) or "status"
        role = parent_roles[index] if index < len(parent_roles) else "father"
        return PARENT_ROLE_NAMES[role] + PARENT_FIELD_SUFFIX.get(key, "状况")
    path = PATH_ALIASES.get(path, path)
    return BY_PATH.get(path, path)


def chinese_message(text: str) -> str:
    """The validator's messages name a few codes (male, severe_disability); say them in Chinese."""
    for pattern, word in _CODE_WORDS:
        text = pattern.sub(word, text)
    return text


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _date(value: Any) -> Any:
    """ISO text for the validator: Excel dates, 2015/3/15, 2015年3月15日, 20150315 and Excel serial
    numbers are understood; anything else is passed on as text for the validator to refuse."""
    if _blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            value = str(int(value))
        elif 0 < value < 80000:  # an Excel serial day number (1899-12-30 epoch)
            return (datetime.date(1899, 12, 30) + datetime.timedelta(days=int(value))).isoformat()
        else:
            return str(value)
    text = str(value).strip()
    if len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE.match(text)
    if match:
        y, m, d = match.groups()
        return f"{y}-{int(m):02d}-{int(d):02d}"
    return text


def _bool(value: Any, header: str, errors: list[FieldError]) -> bool | None:
    if isinstance(value, bool):
        return value
    if _blank(value):
        return None
    if isinstance(value, int | float):
        value = str(int(value)) if float(value).is_integer() else str(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    errors.append(FieldError(header, f"「{value}」无效，应填 是 或 否"))
    return None


def _choice(value: Any, column: Column, errors: list[FieldError]) -> str | None:
    text = _text(value)
    if text is None:
        return None
    for code, label in column.labels.items():
        if text == label or text.lower() == code:
            return code
    if column.free_text:
        return text
    allowed = "、".join(column.labels.values())
    errors.append(FieldError(column.header, f"「{text}」无效，应为：{allowed}"))
    return None


def _grade(value: Any, header: str, errors: list[FieldError]) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        errors.append(FieldError(header, f"「{value}」无效，应为 1–4 的整数"))
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        number = int(value)
    else:
        text = str(value).strip().removesuffix("级")
        number = CN_DIGITS.get(text, int(text) if text.isdigit() else 0)
    if not 1 <= number <= 4:
        errors.append(FieldError(header, f"「{value}」无效，应为 1–4 的整数"))
        return None
    return number


def _id_number(value: Any, header: str, errors: list[FieldError]) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        errors.append(FieldError(header, "身份证号被存成了数字，末几位可能已丢失；请把该列设为文本格式后重新填写"))
        return None
    text = str(value).strip().upper()
    if re.fullmatch(r"[\d.]+E\+\d+", text):
        errors.append(FieldError(header, f"「{text}」是科学计数法，身份证号已丢失；请把该列设为文本格式后重新填写"))
        return None
    return text


def _code(value: Any) -> Any:
    if _blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def read_value(column: Column, value: Any, errors: list[FieldError]) -> Any:
    if column.kind == "text":
        return _text(value)
    if column.kind == "id":
        return _id_number(value, column.header, errors)
    if column.kind == "code":
        return _code(value)
    if column.kind == "date":
        return _date(value)
    if column.kind == "bool":
        return _bool(value, column.header, errors)
    if column.kind == "grade":
        return _grade(value, column.header, errors)
    return _choice(value, column, errors)


# -- the per-cell fast paths -------------------------------------------------------------------
# A roster has tens of cells a row and a province's roster a million rows: the usual cell values
# (text, an Excel date, 是/否, a label from the list) are looked up or converted directly, and
# everything else goes through `read_value` above, which stays the definition. Every fast answer
# is computed by `read_value` itself when the module loads, so the two cannot disagree.

_SLOW = object()
Converter = Callable[[Any, list[FieldError]], Any]


def _known_answers(column: Column, words: Iterable[str]) -> dict[str, Any]:
    answers = {}
    for word in words:
        problems: list[FieldError] = []
        value = read_value(column, word, problems)
        if not problems:
            answers[word] = value
    return answers


def _converter(column: Column) -> Converter:
    header = column.header
    if column.kind == "bool":
        known = _known_answers(column, [*TRUE_WORDS, *FALSE_WORDS, YES, NO])

        def convert_bool(value: Any, errors: list[FieldError]) -> Any:
            if type(value) is str:
                answer = known.get(value, _SLOW)
                if answer is not _SLOW:
                    return answer
            return _bool(value, header, errors)

        return convert_bool
    if column.kind == "choice":
        known = _known_answers(column, [*column.labels, *column.labels.values()])

        def convert_choice(value: Any, errors: list[FieldError]) -> Any:
            if type(value) is str:
                answer = known.get(value, _SLOW)
                if answer is not _SLOW:
                    return answer
            return _choice(value, column, errors)

        return convert_choice
    if column.kind in ("text", "code"):
        slow = _text if column.kind == "text" else _code

        def convert_text(value: Any, errors: list[FieldError]) -> Any:
            if type(value) is str:
                return value.strip() or None
            return slow(value)

        return convert_text
    if column.kind == "date":

        def convert_date(value: Any, errors: list[FieldError]) -> Any:
            if type(value) is datetime.date:
                return value.isoformat()
            return _date(value)

        return convert_date
    if column.kind == "id":

        def convert_id(value: Any, errors: list[FieldError]) -> Any:
            if type(value) is str:
                text = value.strip().upper()
                if "E+" not in text:  # not what Excel shows for a long number
                    return text or None
            return _id_number(value, header, errors)

        return convert_id
    return lambda value, errors: read_value(column, value, errors)


class RowReader:
    """Converts the rows of one sheet to exchange-format objects. The columns' positions come from
    its header row (`check_headers`), found once; each cell goes through its column's converter.
    `read(cells)` gives the same FlatRow as `row_to_dict` of the same values."""

    def __init__(self, index: dict[str, int]) -> None:
        positions = [index[c.header] for c in COLUMNS]
        self.width = max(positions) + 1
        self.pick = operator.itemgetter(*positions)
        self.converters = [_converter(c) for c in COLUMNS]

    def read(self, cells: Sequence[Any]) -> FlatRow:
        errors: list[FieldError] = []
        if len(cells) < self.width:
            cells = [*cells, *[None] * (self.width - len(cells))]
        # Every kind reads an empty cell as None, without an error.
        values = [
            None if value is None or value == "" else convert(value, errors)
            for value, convert in zip(self.pick(cells), self.converters, strict=True)
        ]
        return _assemble(dict(zip(HEADERS, values, strict=True)), errors)


def row_to_dict(values: dict[str, Any]) -> FlatRow:
    """Convert one row ({header: cell value}) to an exchange-format object."""
    errors: list[FieldError] = []
    v = {c.header: read_value(c, values.get(c.header), errors) for c in COLUMNS}
    return _assemble(v, errors)


_PARENT_HEADERS = tuple(
    (role, who, f"{who}状况", f"{who}状况起始", f"{who}状况结束", f"{who}残疾类别", f"{who}残疾等级")
    for role, who in PARENT_ROLE_NAMES.items()
)


def _assemble(v: dict[str, Any], errors: list[FieldError]) -> FlatRow:
    """The exchange-format object from the converted values ({header: value}), with the checks
    that span columns."""
    obj: dict[str, Any] = {
        "id_number": v["身份证号"],
        "no_id_reason": v["无身份证号原因"],
        "name": v["姓名"],
        "sex": v["性别"],
        "birth_date": v["出生日期"],
        "region_code": v["居住地区划代码"],
        "hukou_region_code": v["户籍地区划代码"],
        "household": {
            "low_income": bool(v["低保"]),
            "extreme_poverty": bool(v["特困"]),
            "temporary_hardship": bool(v["临时困难"]),
        },
    }
    parents: list[dict[str, Any]] = []
    roles: list[str] = []
    for role, who, status_h, since_h, until_h, type_h, grade_h in _PARENT_HEADERS:
        status, since, until = v[status_h], v[since_h], v[until_h]
        d_type, d_grade = v[type_h], v[grade_h]
        if status is None:
            if any(x is not None for x in (since, until, d_type, d_grade)):
                errors.append(FieldError(status_h, f"填写了{who}的日期或残疾情况时不能为空"))
            continue
        parent: dict[str, Any] = {"role": role, "status": status}
        if since is not None:
            parent["since"] = since
        if until is not None:
            parent["until"] = until
        if status == "severe_disability":
            for header, value in ((type_h, d_type), (grade_h, d_grade)):
                if value is None and not any(e.field == header for e in errors):
                    errors.append(FieldError(header, f"{who}状况为重残时不能为空"))
        if d_type is not None or d_grade is not None or status == "severe_disability":
            parent["disability_type"], parent["disability_grade"] = d_type, d_grade
        parents.append(parent)
        roles.append(role)
    obj["parents"] = parents
    relationship, able = v["监护人关系"], v["监护人有监护能力"]
    if relationship is None:
        if able is not None:
            errors.append(FieldError("监护人关系", "填写了「监护人有监护能力」时不能为空"))
        obj["guardian"] = None
    else:
        if able is None and not any(e.field == "监护人有监护能力" for e in errors):
            errors.append(FieldError("监护人有监护能力", "填写了监护人关系时不能为空，应填 是 或 否"))
        obj["guardian"] = {"relationship": relationship, "able": bool(able)}
    d_type, d_grade = v["残疾类别"], v["残疾等级"]
    if d_type is None and d_grade is None:
        obj["disability"] = None
    else:
        for header, value in (("残疾类别", d_type), ("残疾等级", d_grade)):
            if value is None and not any(e.field == header for e in errors):
                errors.append(FieldError(header, "填写了残疾情况时，残疾类别和残疾等级都要填写"))
        obj["disability"] = {"type": d_type, "grade": d_grade}
    obj["serious_illness"] = bool(v["重病"])
    obj["schooling"] = {"stage": v["就学阶段"] or "none", "enrolled": bool(v["在读"])}
    obj["living_arrangement"] = v["生活安置"] or "family"
    obj["migrant"] = bool(v["随迁"])
    obj["left_behind"] = bool(v["留守"])
    obj["safety"] = {"abuse": bool(v["遭受虐待"]), "neglect": bool(v["被忽视"]), "abandoned": bool(v["被遗弃"])}
    return FlatRow(obj, errors, roles)


def check_headers(headers: Sequence[Any]) -> tuple[dict[str, int], list[FieldError]]:
    """Map header → column index; every layout column is required (a missing one would silently
    reset that fact on update) and unknown columns are refused."""
    index: dict[str, int] = {}
    errors: list[FieldError] = []
    for i, raw in enumerate(headers):
        header = _text(raw)
        if header is None or header in IGNORED_HEADERS:
            continue
        header = header.lstrip("\ufeff")
        if header not in BY_HEADER:
            errors.append(FieldError(header, "是未知列（请使用导入模板的列名）"))
        elif header in index:
            errors.append(FieldError(header, "列重复出现"))
        else:
            index[header] = i
    missing = [h for h in HEADERS if h not in index]
    if missing:
        errors.append(FieldError("表头", f"缺少列：{'、'.join(missing)}（请使用导入模板）"))
    return index, errors


# -- writing ------------------------------------------------------------------------------


def _date_value(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def dict_to_row(obj: dict[str, Any]) -> list[Any]:
    """A canonical exchange-format object as the layout's values (str, date, int or None)."""
    household, safety = obj.get("household") or {}, obj.get("safety") or {}
    parents = {p["role"]: p for p in obj.get("parents") or []}
    guardian, disability = obj.get("guardian"), obj.get("disability")
    schooling = obj.get("schooling") or {}

    def yes(value: Any) -> str:
        return YES if value else NO

    values: dict[str, Any] = {
        "姓名": obj["name"],
        "性别": SEX_LABELS.get(obj["sex"], obj["sex"]),
        "出生日期": _date_value(obj["birth_date"]),
        "身份证号": obj.get("id_number"),
        "无身份证号原因": obj.get("no_id_reason"),
        "居住地区划代码": obj["region_code"],
        "户籍地区划代码": obj.get("hukou_region_code"),
        "低保": yes(household.get("low_income")),
        "特困": yes(household.get("extreme_poverty")),
        "临时困难": yes(household.get("temporary_hardship")),
        "监护人关系": RELATIONSHIP_LABELS.get(guardian["relationship"], guardian["relationship"]) if guardian else None,
        "监护人有监护能力": yes(guardian["able"]) if guardian else None,
        "残疾类别": DISABILITY_LABELS[disability["type"]] if disability else None,
        "残疾等级": disability["grade"] if disability else None,
        "重病": yes(obj.get("serious_illness")),
        "就学阶段": STAGE_LABELS[schooling.get("stage") or "none"],
        "在读": yes(schooling.get("enrolled")),
        "生活安置": LIVING_LABELS[obj.get("living_arrangement") or "family"],
        "随迁": yes(obj.get("migrant")),
        "留守": yes(obj.get("left_behind")),
        "遭受虐待": yes(safety.get("abuse")),
        "被忽视": yes(safety.get("neglect")),
        "被遗弃": yes(safety.get("abandoned")),
    }
    for role, who in PARENT_ROLE_NAMES.items():
        p = parents.get(role)
        values[f"{who}状况"] = PARENT_STATUS_LABELS[p["status"]] if p else None
        values[f"{who}状况起始"] = _date_value(p.get("since")) if p else None
        values[f"{who}状况结束"] = _date_value(p.get("until")) if p else None
        d_type = p.get("disability_type") if p else None
        values[f"{who}残疾类别"] = DISABILITY_LABELS.get(d_type, d_type) if d_type else None
        values[f"{who}残疾等级"] = p.get("disability_grade") if p else None
    return [values[h] for h in HEADERS]


def csv_value(value: Any) -> str:
    """A layout value as CSV text; text that a spreadsheet would run as a formula gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


FORMULA_STARTS = ("=", "+", "-", "@")


class LayoutWriter:
    """Writes the layout to an .xlsx: the data sheet (headers, formats, dropdowns) and the
    instructions sheet. Rows are streamed (constant memory); text is always written with
    `write_string`, so a value such as `=cmd()` is never a formula. The file's creation date is
    fixed, so the same rows give the same bytes."""

    def __init__(
        self,
        out: str | IO[bytes],
        *,
        extra_headers: Sequence[str] = (),
        tail_headers: Sequence[str] = (),
    ) -> None:
        options = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
        self.workbook = xlsxwriter.Workbook(out, {**options, "strings_to_urls": False})
        self.workbook.set_properties({"title": "儿童名单", "created": datetime.datetime(2026, 1, 1)})  # noqa: DTZ001
        wb = self.workbook
        self.header_format = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        self.text_format = wb.add_format({"num_format": "@"})
        self.date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
        self.error_format = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.error_date_format = wb.add_format(
            {"bg_color": "#FFC7CE", "font_color": "#9C0006", "num_format": "yyyy-mm-dd"}
        )
        self.error_text_format = wb.add_format({"font_color": "#9C0006", "text_wrap": True})
        self.sheet: Worksheet = wb.add_worksheet(SHEET_NAME)
        self.extra_headers = list(extra_headers)
        self.tail_headers = list(tail_headers)
        self.row = 0
        self._setup()
        self._instructions()

    def _setup(self) -> None:
        ws = self.sheet
        headers = [*self.extra_headers, *HEADERS, *self.tail_headers]
        offset = len(self.extra_headers)
        for i, header in enumerate(headers):
            ws.write_string(0, i, header, self.header_format)
        for i in range(len(self.extra_headers)):
            ws.set_column(i, i, 8)
        tail = offset + len(HEADERS)
        if self.tail_headers:
            ws.set_column(tail, tail + len(self.tail_headers) - 1, 60)
        for i, column in enumerate(COLUMNS, start=offset):
            fmt = self.date_format if column.kind == "date" else self.text_format
            ws.set_column(i, i, column.width, fmt)
        ws.freeze_panes(1, offset + 1)
        last = MAX_ROW
        for i, column in enumerate(COLUMNS, start=offset):
            options = self._validation(column)
            if options:
                ws.data_validation(1, i, last, i, options)
        self.row = 1

    def _validation(self, column: Column) -> dict[str, Any] | None:
        if column.kind == "bool":
            return {
                "validate": "list",
                "source": [YES, NO],
                "input_title": column.header,
                "input_message": column.help[:255],
                "error_message": "请填 是 或 否",
            }
        if column.kind == "choice":
            return {
                "validate": "list",
                "source": list(column.labels.values()),
                "input_title": column.header,
                "input_message": column.help[:255],
                "show_error": not column.free_text,
                "error_message": "请从下拉列表中选择",
            }
        if column.kind == "grade":
            return {
                "validate": "integer",
                "criteria": "between",
                "minimum": 1,
                "maximum": 4,
                "input_title": column.header,
                "input_message": column.help[:255],
                "error_message": "请填写 1–4 的整数",
            }
        if column.kind == "date":
            return {
                "validate": "date",
                "criteria": "between",
                "minimum": FIRST_DATE,
                "maximum": datetime.date(2100, 12, 31),
                "input_title": column.header,
                "input_message": column.help[:255] + "（格式 YYYY-MM-DD）",
                "error_message": "请填写日期，如 2015-03-15",
            }
        return {"validate": "any", "input_title": column.header, "input_message": column.help[:255]}

    def _instructions(self) -> None:
        ws = self.workbook.add_worksheet(INSTRUCTIONS_SHEET)
        bold = self.header_format
        wrap = self.workbook.add_format({"text_wrap": True, "valign": "top"})
        ws.set_column(0, 0, 18)
        ws.set_column(1, 1, 80)
        ws.write_string(0, 0, "儿童名单导入模板", bold)
        lines = [
            f"在「{SHEET_NAME}」工作表中每行填写一名儿童，第一行是列名，请勿修改、删除或调换列名。",
            "所有列都必须保留；不适用的单元格留空即可。是/否 类的列留空按「否」处理。",
            "身份证号、区划代码请以文本格式填写，防止 Excel 把长数字改掉。",
            "导入前系统会逐行检查；有任何错误都不会写入数据，可下载标注了错误的表格修改后重新上传。",
            "身份证号已登记的儿童将按表中内容更新（导入前会列出每项变化），不会重复登记。",
        ]
        for i, text in enumerate(lines, start=1):
            ws.write_string(i, 0, f"{i}.", wrap)
            ws.write_string(i, 1, text, wrap)
        start = len(lines) + 2
        ws.write_string(start, 0, "列名", bold)
        ws.write_string(start, 1, "填写说明", bold)
        for i, column in enumerate(COLUMNS, start=start + 1):
            ws.write_string(i, 0, column.header, wrap)
            ws.write_string(i, 1, column.help, wrap)

    def write_row(
        self, values: Sequence[Any], *, extra: Sequence[Any] = (), bad: Iterable[int] = (), tail: Sequence[str] = ()
    ) -> None:
        """One row: `extra` values before the layout, `tail` text after it; columns in `bad`
        (indexes into the written row) are highlighted."""
        ws, r = self.sheet, self.row
        bad_cells = set(bad)
        for i, value in enumerate([*extra, *values]):
            self._write_cell(r, i, value, i in bad_cells)
        for j, text in enumerate(tail, start=len(extra) + len(values)):
            ws.write_string(r, j, text, self.error_text_format)
        self.row += 1

    def _write_cell(self, r: int, c: int, value: Any, bad: bool) -> None:
        ws = self.sheet
        if value is None or value == "":
            if bad:
                ws.write_blank(r, c, None, self.error_format)
            return
        if isinstance(value, bool):
            ws.write_string(r, c, YES if value else NO, self.error_format if bad else None)
        elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime) and value >= FIRST_DATE:
            ws.write_datetime(r, c, value, self.error_date_format if bad else self.date_format)
        elif isinstance(value, int | float):
            ws.write_number(r, c, value, self.error_format if bad else None)
        else:
            ws.write_string(r, c, str(value), self.error_format if bad else None)

    def close(self) -> None:
        self.workbook.close()


def write_template(out: str | IO[bytes]) -> None:
    """The empty import template: headers, dropdowns, date and text formats, instructions."""
    writer = LayoutWriter(out)
    writer.close()


def iter_layout_rows(rows: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
    for obj in rows:
        yield dict_to_row(obj)
