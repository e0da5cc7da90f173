"""The report form (a reporter's, and the county's for a report taken by telephone, each with
attachments), the supplement, follow-up question and answer forms, a case step's form, the risk
assessment, review, plan action and link-or-register forms, and the clock parameter form.
Business rules are the services'; a form reads and
types the fields, and shows the services' refusals at their fields (`FIELD_NAMES`)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from shouhu.casework.forms import MultipleFileField
from shouhu.regions.models import Level, Region

from .clocks import MAX_VALUE
from .models import (
    FILED_KINDS,
    CaseState,
    ClockParameter,
    ClockUnit,
    ReportKind,
    ReportSource,
    RiskFactor,
    RiskLevel,
)
from .services import MAX_ATTACHMENTS, ReportInput
from .services.attachments import ATTACHMENT_TYPES, MAX_ATTACHMENT_MB

# The services' field names (the API's) → the form's.
FIELD_NAMES = {
    "child.id_number": "id_number",
    "child.name": "child_name",
    "child.approx_age": "approx_age",
    "child.region_code": "region",
    "child.location": "location",
    "kind": "kind",
    "observed_at": "observed_at",
    "urgent": "urgent",
    "description": "description",
    "source": "source",
    "caller": "caller",
    "attachments": "attachments",
}
ATTACHMENT_HELP = (
    f"照片、PDF 或 Word 文件（{'、'.join(ATTACHMENT_TYPES)}），最多 {MAX_ATTACHMENTS} 个，"
    f"每个不超过 {MAX_ATTACHMENT_MB} MB；可以不传"
)


def attachments_field() -> MultipleFileField:
    return MultipleFileField(label="附件", required=False, help_text=ATTACHMENT_HELP)


def as_form_errors(error: ValidationError, names: dict[str, str] = FIELD_NAMES) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({names.get(k, k): v for k, v in error.message_dict.items()})


def region_choices() -> list[tuple[str, Any]]:
    """Villages grouped by township, each township first as 村（社区）不详."""
    regions = (
        Region.objects.filter(level__in=(Level.TOWNSHIP, Level.VILLAGE))
        .order_by("code")
        .values_list("code", "name", "level")
    )
    groups: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for code, name, level in regions:
        township = code[:9] + "000"
        if level == Level.TOWNSHIP:
            groups[township] = (name, [(code, f"{name}（村、社区不详）")])
        elif township in groups:
            groups[township][1].append((code, name))
    return [("", "请选择"), *[(label, options) for label, options in groups.values()]]


class ReportForm(forms.Form):
    child_name = forms.CharField(
        label="儿童姓名",
        max_length=50,
        required=False,
        help_text="不知道姓名的，写“不详”，并填写大约年龄和位置",
    )
    id_number = forms.CharField(
        label="儿童身份证号", max_length=30, required=False, help_text="知道的才填；不知道可以不填"
    )
    approx_age = forms.IntegerField(label="大约年龄（岁）", min_value=0, max_value=17, required=False)
    region = forms.ChoiceField(label="儿童所在村（社区）", choices=())
    location = forms.CharField(label="具体位置", max_length=200, required=False, help_text="如：学校门口、某某家中")
    kind = forms.ChoiceField(
        label="发现的情况",
        choices=[("", "请选择"), *[(v, label) for v, label in ReportKind.choices if v in FILED_KINDS]],
    )
    observed_at = forms.DateTimeField(
        label="发现时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    urgent = forms.BooleanField(
        label="紧急：儿童现在就有危险", required=False, help_text="勾选后，见到儿童的时限从 24 小时缩短为 2 小时"
    )
    description = forms.CharField(
        label="情况描述", widget=forms.Textarea(attrs={"rows": 5}), max_length=4000, help_text="看到或听到了什么"
    )
    attachments = attachments_field()

    def __init__(self, *args: Any, by_phone: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices()  # type: ignore[attr-defined]
        self.by_phone = by_phone
        if by_phone:
            self.fields["source"] = forms.ChoiceField(
                label="来源",
                choices=[
                    ("", "请选择"),
                    *[
                        (v, label)
                        for v, label in ReportSource.choices
                        if v not in (ReportSource.REPORTER, ReportSource.CUSTODY_NOTICE)
                    ],
                ],
            )
            self.fields["caller"] = forms.CharField(label="来电人及联系方式", max_length=100, required=False)
        if not self.is_bound:
            self.initial.setdefault("observed_at", timezone.localtime().replace(second=0, microsecond=0))

    def report_input(self) -> ReportInput:
        data = self.cleaned_data
        observed: datetime.datetime | None = data.get("observed_at")
        return ReportInput(
            child_name=data.get("child_name", ""),
            id_number=data.get("id_number", "").strip(),
            approx_age=data.get("approx_age"),
            region_code=data.get("region", ""),
            location=data.get("location", ""),
            kind=data.get("kind", ""),
            observed_at=observed,
            urgent=bool(data.get("urgent")),
            description=data.get("description", ""),
            source=data.get("source", ReportSource.REPORTER) if self.by_phone else ReportSource.REPORTER,
            caller=data.get("caller", ""),
        )


class SupplementForm(forms.Form):
    # Text, files or both: the service refuses a supplement with neither.
    text = forms.CharField(label="补充内容", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False)
    attachments = attachments_field()


class QuestionForm(forms.Form):
    text = forms.CharField(
        label="追问内容",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text="报告人在“我的报告”中看到并回答；报告人看不到个案的其他情况",
    )


class AnswerForm(forms.Form):
    text = forms.CharField(label="您的回答", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class StepForm(forms.Form):
    # What the user saw when the page was drawn: a stale form is answered with both values.
    version = forms.IntegerField(widget=forms.HiddenInput)
    state = forms.ChoiceField(widget=forms.HiddenInput, choices=CaseState.choices, required=False)
    note = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False)


class ClockSettingForm(forms.Form):
    parameter = forms.ChoiceField(label="参数", choices=ClockParameter.choices)
    value = forms.IntegerField(
        label="时限",
        min_value=1,
        max_value=MAX_VALUE[ClockUnit.HOURS],
        help_text="响应和见到儿童按小时；风险评估、帮扶计划和复查按工作日",
    )
    valid_on = forms.DateField(
        label="生效日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="不填或填今天：立即生效；填以后的日期：从那天零点起生效",
    )
    note = forms.CharField(label="说明", max_length=200, required=False)


class CaseFilterForm(forms.Form):
    state = forms.ChoiceField(label="状态", required=False)
    overdue = forms.BooleanField(label="只看已超时", required=False)
    township = forms.ChoiceField(label="乡镇（街道）", required=False)

    def __init__(self, *args: Any, townships: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", "全部"), ("open", "未结案"), *CaseState.choices]  # type: ignore[attr-defined]
        self.fields["township"].choices = [("", "全部"), *[(t.code, t.name) for t in townships]]  # type: ignore[attr-defined]


class AssessmentForm(forms.Form):
    # What the user saw: the case's version and the number of its latest assessment (0: none).
    version = forms.IntegerField(widget=forms.HiddenInput)
    assessment = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    level = forms.ChoiceField(label="风险等级", choices=RiskLevel.choices, widget=forms.RadioSelect)
    factors = forms.MultipleChoiceField(
        label="风险因素", choices=RiskFactor.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    other_factors = forms.CharField(label="其他风险因素", max_length=500, required=False)
    summary = forms.CharField(
        label="评估意见", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


class ReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    assessment = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    note = forms.CharField(
        label="复查情况（儿童现状、措施落实情况）", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    reassess = forms.BooleanField(
        label="重新评估风险", required=False, help_text="勾选后填写新的风险等级和因素；下次复查按新的等级计时"
    )
    level = forms.ChoiceField(label="新的风险等级", choices=RiskLevel.choices, widget=forms.RadioSelect, required=False)
    factors = forms.MultipleChoiceField(
        label="风险因素", choices=RiskFactor.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    other_factors = forms.CharField(label="其他风险因素", max_length=500, required=False)


class PlanActionForm(forms.Form):
    what = forms.CharField(label="帮扶措施", max_length=200, help_text="要做什么，如：联系学校安排复学")
    code = forms.ChoiceField(label="对应任务措施", help_text="按任务分工表转介给该措施的承办单位")
    due = forms.DateField(
        label="完成期限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="不填：按该措施的办结时限（工作日）",
    )

    def __init__(self, *args: Any, measures: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [("", "请选择"), *measures]  # type: ignore[attr-defined]


class ChildLinkForm(forms.Form):
    id_number = forms.CharField(label="儿童身份证号", max_length=30)


class ChildRegisterForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    sex = forms.ChoiceField(label="性别", choices=[("", "请选择"), ("male", "男"), ("female", "女")])
    birth_date = forms.DateField(label="出生日期", widget=forms.DateInput(attrs={"type": "date"}))
    id_number = forms.CharField(label="身份证号", max_length=30, required=False)
    no_id_reason = forms.CharField(label="无身份证号的原因", max_length=100, required=False)
    region = forms.ChoiceField(label="居住村（社区）")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        villages = Region.objects.filter(level=Level.VILLAGE).order_by("code").values_list("code", "name")
        self.fields["region"].choices = [("", "请选择"), *villages]  # type: ignore[attr-defined]
