"""What the registry's forms share: date inputs, choices built from the exchange format's codes and
their Chinese labels, and the mapping of the exchange validator's errors onto form fields (the
forms validate through `exchange.format.parse_record`, the one validator of the format)."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from ..exchange.format import NOT_RECORDED, PARENT_STATUSES, FieldError
from ..labels import NOT_RECORDED_LABEL, PARENT_STATUS_LABELS

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
GRADE_CHOICES = [("", "—"), ("1", "一级"), ("2", "二级"), ("3", "三级"), ("4", "四级")]


def date_field(label: Any, **kwargs: Any) -> forms.CharField:
    """A date input whose text goes to the exchange-format validator unchanged."""
    return forms.CharField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}), **kwargs)


def code_choices(labels: dict[str, str], codes: tuple[str, ...], empty: str | None = None) -> list[tuple[str, str]]:
    items = [(code, labels.get(code, code)) for code in codes]
    return [("", empty), *items] if empty is not None else items


# A parent's status as people choose it: 查找不到 is a recorded fact and must not be mistaken for
# 未填写 (not recorded), which comes first and is the default.
PARENT_STATUS_CHOICES = [
    (NOT_RECORDED, NOT_RECORDED_LABEL),
    *((s, "查找不到（查找不到生父母）" if s == "unknown" else PARENT_STATUS_LABELS[s]) for s in PARENT_STATUSES),
]
# The answers of a yes-or-no fact that can be not recorded (a guardian's ability, school
# attendance): a checkbox left unticked would record "no" for what nobody checked.
YES, NO = "yes", "no"


def three_way_choices(yes: str, no: str) -> list[tuple[str, str]]:
    return [(NOT_RECORDED, NOT_RECORDED_LABEL), (YES, yes), (NO, no)]


def three_way_value(answer: Any) -> bool | None:
    """The exchange-format value of a three-way answer: None (not recorded) unless yes or no."""
    return {YES: True, NO: False}.get(answer)


def three_way_answer(value: bool | None) -> str:
    """The form answer for a recorded value (the inverse of `three_way_value`)."""
    return NOT_RECORDED if value is None else (YES if value else NO)


def humanise(message: str) -> str:
    """Exchange-format messages name codes (for files); on a form, say it in words."""
    if re.match(r"^取值 None 无效", message):
        return "请选择"
    message = message.replace("，而不是 None", "，当前未填写")
    message = re.sub(r"\s*no_id_reason\s*", "「无身份证号原因」", message)
    message = message.replace("severe_disability", "「重残」")
    message = re.sub(r"\bfemale\b", "女", message)
    return re.sub(r"\bmale\b", "男", message)


def add_field_errors(form: forms.Form, errors: list[FieldError], paths_to_fields: Any) -> None:
    for error in errors:
        name = paths_to_fields(error.field)
        if name in form.fields and name not in form.errors:
            form.add_error(name, humanise(error.message))
        elif name in form.fields:
            continue  # the field already says what is wrong with it
        else:
            form.add_error(None, humanise(str(error)))
