"""Reading the column layout: a sheet's cells converted to exchange-format objects.

`RowReader` converts the rows of one sheet with per-column fast paths; `row_to_dict` is the plain
definition the fast paths are checked against (`read_value`). The result is an exchange-format
object for the validator (`format.parse_record`) and the conversion errors by column header.
"""

from __future__ import annotations

import datetime
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..facts import NOBODY
from ..labels import NOBODY_LABEL, NOT_RECORDED_LABEL
from ..record_keys import RECORD_KEY, RECORD_KEY_LABEL
from .format import FieldError
from .layout import (
    BY_HEADER,
    COLUMNS,
    HEADERS,
    IGNORED_HEADERS,
    NO,
    OPTIONAL_HEADERS,
    PARENT_ROLE_NAMES,
    YES,
    Column,
    blank,
    chinese_message,
    column_of,
)

TRUE_WORDS = {"是", "true", "1", "y", "yes", "√", "有"}
FALSE_WORDS = {"否", "false", "0", "n", "no", "×", "无"}
CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


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


def _text(value: Any) -> str | None:
    if blank(value):
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
    if blank(value):
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
    if blank(value):
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
    if blank(value):
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
    if blank(value):
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
    if blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def read_value(column: Column, value: Any, errors: list[FieldError]) -> Any:
    """A cell's exchange-format value; None for a blank cell, and for 未填写 where the column's
    fact can be not recorded."""
    if column.not_recorded and isinstance(value, str) and value.strip() == NOT_RECORDED_LABEL:
        return None
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
        known = _known_answers(column, [*TRUE_WORDS, *FALSE_WORDS, YES, NO, NOT_RECORDED_LABEL])

        def convert_bool(value: Any, errors: list[FieldError]) -> Any:
            if type(value) is str:
                answer = known.get(value, _SLOW)
                if answer is not _SLOW:
                    return answer
            return read_value(column, value, errors)

        return convert_bool
    if column.kind == "choice":
        known = _known_answers(column, [*column.labels, *column.labels.values(), NOT_RECORDED_LABEL])

        def convert_choice(value: Any, errors: list[FieldError]) -> Any:
            if type(value) is str:
                answer = known.get(value, _SLOW)
                if answer is not _SLOW:
                    return answer
            return read_value(column, value, errors)

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
        present = [index[c.header] for c in COLUMNS if c.header in index]
        self.width = max(present) + 1
        positions = []
        for c in COLUMNS:  # an optional column left out reads as a blank cell past the row's end
            if c.header not in index:
                index = {**index, c.header: self.width}
                self.width += 1
            positions.append(index[c.header])
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
                errors.append(FieldError(status_h, f"填写了{who}的日期或残疾情况时不能为空或{NOT_RECORDED_LABEL}"))
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
    _guardian(obj, v["监护人关系"], v["监护人有监护能力"], errors)
    d_type, d_grade = v["残疾类别"], v["残疾等级"]
    if d_type is None and d_grade is None:
        obj["disability"] = None
    else:
        for header, value in (("残疾类别", d_type), ("残疾等级", d_grade)):
            if value is None and not any(e.field == header for e in errors):
                errors.append(FieldError(header, "填写了残疾情况时，残疾类别和残疾等级都要填写"))
        obj["disability"] = {"type": d_type, "grade": d_grade}
    obj["serious_illness"] = bool(v["重病"])
    obj["schooling"] = _schooling(v["就学阶段"], v["在读"], errors)
    obj["living_arrangement"] = v["生活安置"] or "family"
    obj["migrant"] = bool(v["随迁"])
    obj["left_behind"] = bool(v["留守"])
    obj["safety"] = {"abuse": bool(v["遭受虐待"]), "neglect": bool(v["被忽视"]), "abandoned": bool(v["被遗弃"])}
    if v.get(RECORD_KEY_LABEL) is not None:
        obj[RECORD_KEY] = v[RECORD_KEY_LABEL]
    return FlatRow(obj, errors, roles)


def _guardian(obj: dict[str, Any], relationship: str | None, able: bool | None, errors: list[FieldError]) -> None:
    """The guardian: left out of `obj` (not recorded) when 监护人关系 is blank or 未填写, null
    when 无人照料; an ability given for neither is an error."""
    if relationship is None or relationship == NOBODY:
        if able is not None:
            errors.append(FieldError("监护人有监护能力", f"监护人关系为{NOT_RECORDED_LABEL}或{NOBODY_LABEL}时应留空"))
        if relationship == NOBODY:
            obj["guardian"] = None
        return
    obj["guardian"] = {"relationship": relationship, "able": able}


def _schooling(stage: str | None, enrolled: bool | None, errors: list[FieldError]) -> dict[str, Any] | None:
    """The schooling: null (not recorded) when 就学阶段 is blank or 未填写; 在读 blank or 未填写 is
    attendance not recorded."""
    if stage is None:
        if enrolled is not None:
            errors.append(FieldError("就学阶段", f"填写了「在读」时不能为空或{NOT_RECORDED_LABEL}"))
        return None
    return {"stage": stage, "enrolled": enrolled}


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
    missing = [h for h in HEADERS if h not in index and h not in OPTIONAL_HEADERS]
    if missing:
        errors.append(FieldError("表头", f"缺少列：{'、'.join(missing)}（请使用导入模板）"))
    return index, errors
