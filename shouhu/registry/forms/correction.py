"""Correcting one recorded fact (a circumstance entered in error): its period and, by kind, its
values, validated by the same exchange-format validator as everything else."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shouhu.core.dates import today

from ..exchange.format import DISABILITY_TYPES, LIVING_ARRANGEMENTS, SCHOOL_STAGES, parse_record
from ..facts import NOBODY
from ..labels import (
    DISABILITY_LABELS,
    ENTRY_HELP,
    LIVING_LABELS,
    NOBODY_LABEL,
    RELATIONSHIP_LABELS,
    STAGE_LABELS,
    UNKNOWN_PARENT_HELP,
)
from ..models import Circumstance, Kind
from .fields import (
    DATE_WIDGET,
    GRADE_CHOICES,
    PARENT_STATUS_CHOICES,
    add_field_errors,
    code_choices,
    date_field,
    three_way_answer,
    three_way_choices,
    three_way_value,
)


class CorrectionForm(forms.Form):
    """Correct one recorded fact: its period and, by kind, its values. Validated by the same
    exchange-format validator as everything else."""

    valid_from = forms.DateField(label=_("起始日期"), widget=DATE_WIDGET)
    valid_to = forms.DateField(label=_("结束日期"), required=False, widget=DATE_WIDGET, help_text=_("仍然有效则留空"))
    status = forms.ChoiceField(label=_("状况"), required=False)
    detail = forms.ChoiceField(label=_("类别"), required=False)
    grade = forms.ChoiceField(label=_("等级"), required=False, choices=GRADE_CHOICES)
    # The guardian's ability or school attendance: 未填写 / yes / no (choices by kind).
    flag = forms.ChoiceField(label=_("是"), required=False)
    since = date_field(_("状况起始日期"))
    until = date_field(_("状况结束日期"))
    reason = forms.CharField(
        label=_("更正原因"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请说明更正原因，例如：录入时日期填错")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    FIELDS_BY_KIND = {
        Kind.FATHER: ("status", "since", "until", "detail", "grade"),
        Kind.MOTHER: ("status", "since", "until", "detail", "grade"),
        Kind.GUARDIAN: ("detail", "flag"),
        Kind.DISABILITY: ("detail", "grade"),
        Kind.SCHOOLING: ("detail", "flag"),
        Kind.LIVING_ARRANGEMENT: ("status",),
    }

    def __init__(self, *args: Any, circumstance: Circumstance, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.circumstance = circumstance
        kind = circumstance.kind
        keep = self.FIELDS_BY_KIND.get(kind, ())  # type: ignore[call-overload]
        for name in ("status", "detail", "grade", "flag", "since", "until"):
            if name not in keep:
                del self.fields[name]
        fields = self.fields
        if kind in (Kind.FATHER, Kind.MOTHER):
            # A recorded row is corrected to another recorded status (未填写 is a change, not a correction).
            fields["status"].choices = PARENT_STATUS_CHOICES[1:]  # type: ignore[attr-defined]
            fields["status"].help_text = UNKNOWN_PARENT_HELP
            fields["detail"].label = _("残疾类别（重残时填）")
            fields["detail"].choices = code_choices(DISABILITY_LABELS, DISABILITY_TYPES, "—")  # type: ignore[attr-defined]
            fields["grade"].label = _("残疾等级（重残时填）")
        elif kind == Kind.GUARDIAN:
            choices = [(NOBODY, f"{NOBODY_LABEL}（没有实际监护人）"), *RELATIONSHIP_LABELS.items()]
            if circumstance.detail and circumstance.detail not in RELATIONSHIP_LABELS:
                choices.append((circumstance.detail, circumstance.detail))
            fields["detail"].label = _("实际监护人")
            fields["detail"].choices = choices  # type: ignore[attr-defined]
            fields["flag"].label = _("监护人有无监护和抚养能力")
            fields["flag"].choices = three_way_choices("有", "无")  # type: ignore[attr-defined]
            fields["flag"].help_text = ENTRY_HELP["guardian_able"]
        elif kind == Kind.DISABILITY:
            fields["detail"].label = _("残疾类别")
            fields["detail"].choices = code_choices(DISABILITY_LABELS, DISABILITY_TYPES)  # type: ignore[attr-defined]
        elif kind == Kind.SCHOOLING:
            fields["detail"].label = _("就学阶段")
            fields["detail"].choices = code_choices(STAGE_LABELS, SCHOOL_STAGES)  # type: ignore[attr-defined]
            fields["flag"].label = _("是否在读")
            fields["flag"].choices = three_way_choices("在读", "未在读")  # type: ignore[attr-defined]
            fields["flag"].help_text = ENTRY_HELP["enrolled"]
        elif kind == Kind.LIVING_ARRANGEMENT:
            fields["status"].label = _("生活安置")
            fields["status"].choices = code_choices(LIVING_LABELS, LIVING_ARRANGEMENTS)  # type: ignore[attr-defined]

    # The ability or attendance does not apply to nobody or to 未入学: hidden then (registry.js).
    SHOW_WHEN = {
        Kind.GUARDIAN: {"flag": ("detail", NOBODY, "not")},
        Kind.SCHOOLING: {"flag": ("detail", "none", "not")},
    }

    def fields_with_rules(self) -> list[tuple[forms.BoundField, tuple[str, str, str] | None]]:
        """The visible fields, each with its show-when rule (as the child form's sections)."""
        rules = self.SHOW_WHEN.get(self.circumstance.kind, {})  # type: ignore[call-overload]
        return [(field, rules.get(field.name)) for field in self.visible_fields()]

    @staticmethod
    def initial_for(circumstance: Circumstance, version: int) -> dict[str, Any]:
        nobody = circumstance.kind == Kind.GUARDIAN and circumstance.status == NOBODY
        return {
            "valid_from": circumstance.valid_from,
            "valid_to": circumstance.valid_to,
            "status": circumstance.status,
            "detail": NOBODY if nobody else circumstance.detail,
            "grade": str(circumstance.grade or ""),
            "flag": three_way_answer(circumstance.flag),
            "since": circumstance.since.isoformat() if circumstance.since else "",
            "until": circumstance.until.isoformat() if circumstance.until else "",
            "version": version,
        }

    def _part(self, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """The exchange-format part this fact is, and its error paths → form fields."""
        kind = self.circumstance.kind
        grade = int(data["grade"]) if data.get("grade") else None
        if kind in (Kind.FATHER, Kind.MOTHER):
            item: dict[str, Any] = {"role": kind, "status": data.get("status")}
            for part in ("since", "until"):
                if (data.get(part) or "").strip():
                    item[part] = data[part].strip()
            if data.get("status") == "severe_disability":
                item["disability_type"] = data.get("detail") or None
                item["disability_grade"] = grade
            paths = {
                "status": "status",
                "since": "since",
                "until": "until",
                "disability_type": "detail",
                "disability_grade": "grade",
                "role": "status",
            }
            return {"parents": [item]}, {f"parents[0].{k}": v for k, v in paths.items()}
        if kind == Kind.GUARDIAN:
            return {"guardian": _guardian(data)}, {"guardian.relationship": "detail", "guardian.able": "flag"}
        if kind == Kind.DISABILITY:
            disability = {"type": data.get("detail") or None, "grade": grade}
            return {"disability": disability}, {"disability.type": "detail", "disability.grade": "grade"}
        if kind == Kind.SCHOOLING:
            stage = data.get("detail") or None
            schooling = {"stage": stage, "enrolled": _enrolled(stage, data.get("flag"))}
            return {"schooling": schooling}, {"schooling.stage": "detail", "schooling.enrolled": "flag"}
        if kind == Kind.LIVING_ARRANGEMENT:
            return {"living_arrangement": data.get("status") or None}, {"living_arrangement": "status"}
        return {}, {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        child = self.circumstance.child
        part, paths = self._part(data)
        obj = {
            "id_number": None,
            "no_id_reason": "（更正校验）",
            "name": child.name,
            "sex": child.sex,
            "birth_date": child.birth_date.isoformat(),
            "region_code": child.region_code,
            **part,
        }
        _record, errors = parse_record(obj, today=today())
        add_field_errors(self, errors, lambda path: paths.get(path, ""))
        valid_from, valid_to = data.get("valid_from"), data.get("valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            self.add_error("valid_to", _("结束日期不能早于起始日期"))
        return data

    def values(self) -> dict[str, Any]:
        """Keyword arguments for `services.circumstance_correct`."""
        data = self.cleaned_data
        kind = self.circumstance.kind
        values: dict[str, Any] = {"valid_from": data["valid_from"], "valid_to": data.get("valid_to")}
        grade = int(data["grade"]) if data.get("grade") else None

        def as_date(text: str) -> datetime.date | None:
            return datetime.date.fromisoformat(text.strip()) if (text or "").strip() else None

        if kind in (Kind.FATHER, Kind.MOTHER):
            severe = data["status"] == "severe_disability"
            values.update(
                status=data["status"],
                since=as_date(data.get("since", "")),
                until=as_date(data.get("until", "")),
                detail=data.get("detail", "") if severe else "",
                grade=grade if severe else None,
            )
        elif kind == Kind.GUARDIAN:
            guardian = _guardian(data)
            values.update(
                status="" if guardian else NOBODY,
                detail=guardian["relationship"] if guardian else "",
                flag=guardian["able"] if guardian else None,
            )
        elif kind == Kind.SCHOOLING:
            values.update(detail=data["detail"], flag=_enrolled(data["detail"], data.get("flag")))
        elif kind == Kind.DISABILITY:
            values.update(detail=data["detail"], grade=grade)
        elif kind == Kind.LIVING_ARRANGEMENT:
            values.update(status=data["status"])
        values["note"] = data["reason"].strip()
        return values


def _guardian(data: dict[str, Any]) -> dict[str, Any] | None:
    """The guardian as corrected: None when recorded as nobody (无人照料)."""
    if data.get("detail") == NOBODY:
        return None
    return {"relationship": data.get("detail") or "", "able": three_way_value(data.get("flag"))}


def _enrolled(stage: str | None, answer: Any) -> bool | None:
    # 未入学 is known not in school: the attendance answer (hidden then) does not apply.
    return False if stage == "none" else three_way_value(answer)
