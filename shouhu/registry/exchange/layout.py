"""The flat, Chinese-headed column layout of the child exchange format (.xlsx and .csv): its
columns, their headers and the exchange-format paths behind them.

One row per child, one column per value (docs/registry-io.md lists them). Values are written in
Chinese (是/否, 男/女, the labels of `labels.py`) and read back to exchange-format codes; the codes
themselves are accepted too. `layout_writing.dict_to_row` and `layout_reading.row_to_dict` are
inverse on canonical records, so an exported workbook imports back unchanged.

Parents, the guardian and school attendance can be **not recorded** (exchange format v2): their
columns take 未填写 (or a blank cell) for that, listed first in their dropdowns, and an export
writes 未填写, so not recorded is never read as 查找不到, 无人照料 or 否.

Reading only converts: the exchange validator (`format.parse_record`) still decides whether the
record is valid. Conversion problems (a label that is not in the list, an ID number Excel turned
into a number) are reported against the column header; `column_of(path)` names the column behind
an exchange-format path such as `parents[1].since`, so the validator's errors name columns too.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..facts import NOBODY
from ..labels import (
    DISABILITY_LABELS,
    ENTRY_HELP,
    LIVING_LABELS,
    NOBODY_LABEL,
    NOT_RECORDED_LABEL,
    PARENT_STATUS_LABELS,
    RELATIONSHIP_LABELS,
    STAGE_LABELS,
)
from ..record_keys import RECORD_KEY, RECORD_KEY_LABEL

SHEET_NAME = "儿童名单"
INSTRUCTIONS_SHEET = "填写说明"
ERROR_HEADER = "错误"
ROW_HEADER = "行号"
# Columns added by the annotated error workbook; ignored when a file is read back.
IGNORED_HEADERS = (ERROR_HEADER, ROW_HEADER)
SEX_LABELS = {"male": "男", "female": "女"}
YES, NO = "是", "否"
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
    # A fact that can be not recorded: 未填写 (or a blank cell) means so, and heads the dropdown.
    not_recorded: bool = False


# The guardian column's choices: recorded as nobody, or a relationship.
GUARDIAN_LABELS = {NOBODY: NOBODY_LABEL, **RELATIONSHIP_LABELS}


def _parent_columns(role: str, who: str) -> list[Column]:
    statuses = "、".join(PARENT_STATUS_LABELS.values())
    return [
        Column(
            f"{who}状况",
            f"parents.{role}.status",
            "choice",
            f"{ENTRY_HELP['parent']}留空同未填写。可选：{NOT_RECORDED_LABEL}、{statuses}",
            PARENT_STATUS_LABELS,
            width=14,
            not_recorded=True,
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
        f"实际照料儿童的人与儿童的关系。{ENTRY_HELP['guardian']}留空同未填写。可选：{NOT_RECORDED_LABEL}、"
        + "、".join(GUARDIAN_LABELS.values())
        + "，也可填写其他关系",
        GUARDIAN_LABELS,
        free_text=True,
        width=14,
        not_recorded=True,
    ),
    Column(
        "监护人有监护能力",
        "guardian.able",
        "bool",
        f"是、否 或 未填写（留空同未填写）；监护人关系为未填写或{NOBODY_LABEL}时留空。{ENTRY_HELP['guardian_able']}",
        width=10,
        not_recorded=True,
    ),
    Column("残疾类别", "disability.type", "choice", "无残疾时留空", DISABILITY_LABELS, width=10),
    Column("残疾等级", "disability.grade", "grade", "1–4（1 级最重）；无残疾时留空"),
    Column("重病", "serious_illness", "bool", "是 或 否（留空为否）", width=6),
    Column(
        "就学阶段",
        "schooling.stage",
        "choice",
        f"{ENTRY_HELP['schooling']}留空同未填写。可选：{NOT_RECORDED_LABEL}、" + "、".join(STAGE_LABELS.values()),
        STAGE_LABELS,
        width=8,
        not_recorded=True,
    ),
    Column(
        "在读",
        "schooling.enrolled",
        "bool",
        f"是（在读）、否（未在读）或 未填写（留空同未填写）；就学阶段为未入学时按否记录。{ENTRY_HELP['enrolled']}",
        width=6,
        not_recorded=True,
    ),
    Column("生活安置", "living_arrangement", "choice", "留空为家庭", LIVING_LABELS, width=10),
    Column("随迁", "migrant", "bool", "随迁子女：是 或 否（留空为否）", width=6),
    Column("留守", "left_behind", "bool", "留守儿童：是 或 否（留空为否）", width=6),
    Column("遭受虐待", "safety.abuse", "bool", "是 或 否（留空为否）", width=8),
    Column("被忽视", "safety.neglect", "bool", "是 或 否（留空为否）", width=8),
    Column("被遗弃", "safety.abandoned", "bool", "是 或 否（留空为否）", width=8),
    Column(
        RECORD_KEY_LABEL,
        RECORD_KEY,
        "text",
        "系统导出时填写的档案编号：再次导入时据此更新同一名儿童（没有身份证号的儿童也能对应）。"
        "请勿修改；新登记的儿童留空。可以没有这一列",
        width=16,
    ),
)
# Columns a file may leave out: 登记编号 (templates and rosters made before it existed have none).
OPTIONAL_HEADERS = (RECORD_KEY_LABEL,)
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
_CODE_WORDS = [
    (re.compile(r"(?<![A-Za-z_])severe_disability(?![A-Za-z_])"), "重残"),
    (re.compile(r"(?<![A-Za-z_])no_id_reason(?![A-Za-z_])"), "「无身份证号原因」"),
    (re.compile(r"(?<![A-Za-z_])female(?![A-Za-z_])"), "女"),
    (re.compile(r"(?<![A-Za-z_])male(?![A-Za-z_])"), "男"),
]


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


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# Text a spreadsheet would run as a formula: written with a leading ' in CSV, which reading drops.
FORMULA_STARTS = ("=", "+", "-", "@")
