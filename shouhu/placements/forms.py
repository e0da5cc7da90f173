"""The placements forms. Business rules are the services'; a form reads and types the fields, and
shows the services' refusals at their fields (`add_validation_errors`)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from shouhu.accounts.models import Department
from shouhu.core.dates import today
from shouhu.regions.models import Region
from shouhu.safeguarding.forms import region_choices

from .models import (
    AdoptiveAssessment,
    Art92Ground,
    AssessmentResult,
    FamilyState,
    Outcome,
    PlacementKind,
    ReviewResult,
    TemporaryPlace,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        help_text=help_text,
        error_messages={"invalid": f"「{label}」格式应为 YYYY-MM-DD", "required": f"「{label}」不能为空"},
    )


def _choices(choices: list[tuple[str, str]], empty: str = "请选择") -> list[tuple[str, str]]:
    return [("", empty), *choices]


def unit_choices(units: list[Department]) -> list[tuple[str, str]]:
    return _choices([(str(u.pk), u.official_name) for u in units])


class Versioned(forms.Form):
    # What the user saw when the page was drawn: a stale form is answered with both values.
    version = forms.IntegerField(widget=forms.HiddenInput)
    state = forms.CharField(widget=forms.HiddenInput, required=False)


class FamilyFilterForm(forms.Form):
    q = forms.CharField(label="家庭名称或编号", required=False, max_length=50)
    state = forms.ChoiceField(label="状态", required=False)
    township = forms.ChoiceField(label="乡镇（街道）", required=False)

    def __init__(self, *args: Any, townships: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = _choices(FamilyState.choices, "全部")  # type: ignore[attr-defined]
        self.fields["township"].choices = _choices([(t.code, t.name) for t in townships], "全部")  # type: ignore[attr-defined]


class FamilyForm(forms.Form):
    name = forms.CharField(label="家庭名称", max_length=50, help_text="如：王建国家庭")
    region = forms.ChoiceField(label="所在村（社区）", choices=())
    address = forms.CharField(label="详细住址", max_length=200, help_text="仅县民政局和所在乡镇可见")
    members = forms.CharField(
        label="家庭成员",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        help_text="姓名、关系、年龄、职业，每人一行",
    )
    contact_name = forms.CharField(label="联系人", max_length=50)
    contact_phone = forms.CharField(label="联系电话", max_length=30)
    applied_on = _date("申请日期")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices()  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("applied_on", today())


class AssessForm(Versioned):
    assessed_on = _date("评估日期")
    assessor = forms.CharField(label="评估人", max_length=100)
    result = forms.ChoiceField(label="评估结论", choices=_choices(AssessmentResult.choices))
    capacity = forms.IntegerField(label="建议可照料儿童数", min_value=0, max_value=6)
    notes = forms.CharField(label="评估意见", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False)


class ApproveForm(Versioned):
    approved_on = _date("批准日期")
    approval_number = forms.CharField(label="批准文号", max_length=60)
    capacity = forms.IntegerField(label="可照料儿童数", min_value=1, max_value=6)


class StepForm(Versioned):
    note = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False)


class TrainingForm(forms.Form):
    trained_on = _date("培训日期")
    topic = forms.CharField(label="培训内容", max_length=200)
    hours = forms.IntegerField(label="学时", min_value=1, max_value=200)


class ReviewForm(forms.Form):
    reviewed_on = _date("复核日期")
    reviewer = forms.CharField(label="复核人", max_length=100)
    result = forms.ChoiceField(label="复核结论", choices=_choices(ReviewResult.choices))
    notes = forms.CharField(label="复核意见", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False)


class DecisionFields(forms.Form):
    valid_from = _date("开始日期")
    decided_by_unit = forms.ChoiceField(label="决定单位", choices=())
    decided_by_person = forms.CharField(label="决定人", max_length=50, help_text="作出决定的负责人姓名")
    decision_number = forms.CharField(label="决定文号", max_length=60, required=False)

    def __init__(self, *args: Any, units: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {str(u.pk): u for u in units}
        self.fields["decided_by_unit"].choices = unit_choices(units)  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("valid_from", today())
            if units:
                self.initial.setdefault("decided_by_unit", str(units[0].pk))

    def unit(self) -> Department | None:
        return self.units.get(self.cleaned_data.get("decided_by_unit") or "")


class TemporaryCareForm(DecisionFields):
    """临时监护 from a safety case (未成年人保护法 Art. 92)."""

    place = forms.ChoiceField(label="临时监护场所", choices=_choices(TemporaryPlace.choices))
    caregiver_name = forms.CharField(label="机构名称或亲属姓名", max_length=100)
    caregiver_relationship = forms.CharField(
        label="与儿童关系", max_length=30, required=False, help_text="由亲属临时照料时填写"
    )
    ground = forms.ChoiceField(label="法定情形（第九十二条）", choices=_choices(Art92Ground.choices))
    field_order = ["place", "caregiver_name", "caregiver_relationship", "ground", "valid_from"]


class PlacementForm(DecisionFields):
    kind = forms.ChoiceField(label="安置方式", choices=_choices(PlacementKind.choices))
    caregiver_name = forms.CharField(
        label="照料人或机构", max_length=100, required=False, help_text="亲属姓名、机构名称（寄养家庭和收养不填）"
    )
    caregiver_relationship = forms.CharField(label="与儿童关系", max_length=30, required=False)
    place = forms.ChoiceField(label="临时监护场所", choices=_choices(TemporaryPlace.choices, "不适用"), required=False)
    ground = forms.ChoiceField(
        label="法定情形（临时监护）", choices=_choices(Art92Ground.choices, "不适用"), required=False
    )
    adoptive_assessment = forms.ChoiceField(label="收养能力评估（收养时）", choices=(), required=False)
    planned_end = _date("预计结束日期", required=False)
    decision_basis = forms.CharField(
        label="决定依据", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )
    end_current = forms.BooleanField(
        label="同时结束当前安置", required=False, help_text="当前安置于新安置开始前一日结束，结果记为“转入其他安置”"
    )
    field_order = ["kind", "caregiver_name", "caregiver_relationship", "place", "ground", "adoptive_assessment"]

    def __init__(
        self,
        *args: Any,
        units: list[Department],
        assessments: list[AdoptiveAssessment],
        family_name: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, units=units, **kwargs)
        self.assessments = {str(a.pk): a for a in assessments}
        self.fields["adoptive_assessment"].choices = _choices(  # type: ignore[attr-defined]
            [(str(a.pk), f"{a.adopters}（{a.assessed_on:%Y-%m-%d} {a.get_result_display()}）") for a in assessments],
            "不适用",
        )
        if family_name:
            # Matching chose the family: foster or entrusted care with it.
            self.fields["kind"].choices = _choices(  # type: ignore[attr-defined]
                [(PlacementKind.FOSTER, "家庭寄养"), (PlacementKind.ENTRUSTED, "委托代养")]
            )
            for name in ("caregiver_name", "caregiver_relationship", "place", "ground", "adoptive_assessment"):
                del self.fields[name]
            if not self.is_bound:
                self.initial.setdefault("kind", PlacementKind.FOSTER)

    def assessment(self) -> AdoptiveAssessment | None:
        return self.assessments.get(self.cleaned_data.get("adoptive_assessment") or "")


class EndForm(Versioned):
    valid_to = _date("结束日期", help_text="安置的最后一天")
    outcome = forms.ChoiceField(label="结束结果", choices=_choices(Outcome.choices))
    note = forms.CharField(label="结束说明", max_length=300, required=False, help_text="结果为“其他”时须写明")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("valid_to", today())


class AdoptiveAssessmentForm(forms.Form):
    adopters = forms.CharField(label="收养人", max_length=100, help_text="收养人姓名，夫妻共同收养的写两人")
    assessed_on = _date("评估日期")
    result = forms.ChoiceField(label="评估结论", choices=_choices(AssessmentResult.choices))
    unit = forms.ChoiceField(label="评估单位", choices=())
    assessor = forms.CharField(label="评估人", max_length=100)
    notes = forms.CharField(label="评估意见", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False)

    def __init__(self, *args: Any, units: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {str(u.pk): u for u in units}
        self.fields["unit"].choices = unit_choices(units)  # type: ignore[attr-defined]
        if not self.is_bound and units:
            self.initial.setdefault("unit", str(units[0].pk))

    def chosen_unit(self) -> Department | None:
        return self.units.get(self.cleaned_data.get("unit") or "")


class MatchFilterForm(forms.Form):
    township = forms.ChoiceField(label="乡镇（街道）", required=False)
    q = forms.CharField(label="家庭名称", required=False, max_length=50)

    def __init__(self, *args: Any, townships: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = _choices(  # type: ignore[attr-defined]
            [(t.code, t.name) for t in townships], "全县（本乡镇优先）"
        )


def date_or_none(value: Any) -> datetime.date | None:
    return value if isinstance(value, datetime.date) else None
