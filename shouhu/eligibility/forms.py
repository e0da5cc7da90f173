"""Forms of the eligibility screens: a rule's expression, a parameter's value, starting a
screening, and the filters of the run, count and 待补充信息 pages."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shouhu.accounts.models import User
from shouhu.registry.forms.filters import region_filter_choices
from shouhu.registry.labels import FACT_LABELS
from shouhu.web import widgets as fast

from .labels import rule_display
from .models import ChangeKind, PendingFacts, RuleKind

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RuleForm(forms.Form):
    expression = forms.CharField(
        label=_("表达式"),
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false", "class": "mono", "autocomplete": "off"}),
        help_text=_("规则语言见「规则语言说明」：字段、构件、其他规则的代码和 $参数，用 and / or / not 组合。"),
    )
    effective_from = forms.DateField(
        label=_("生效日期"), widget=DATE_WIDGET, help_text=_("新版本从这一天起适用，上一版本到前一天为止。")
    )
    note = forms.CharField(
        label=_("修改说明"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "例如：依据县政府 2026 年第 3 号通知"}),
    )


class ParameterForm(forms.Form):
    value = forms.IntegerField(label=_("新的值"), min_value=0, max_value=200)
    effective_from = forms.DateField(
        label=_("生效日期"), widget=DATE_WIDGET, help_text=_("新的值从这一天起适用，原来的值到前一天为止。")
    )
    note = forms.CharField(label=_("修改说明"), max_length=300, required=False)


class RunStartForm(forms.Form):
    region_code = forms.ChoiceField(label=_("范围"))
    as_of = forms.DateField(label=_("筛查基准日"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = choices  # type: ignore[attr-defined]
        if choices:
            self.fields["region_code"].initial = choices[0][0]
        self.fields["as_of"].initial = today
        self.today = today

    def clean_as_of(self) -> datetime.date:
        as_of: datetime.date = self.cleaned_data["as_of"]
        if as_of > self.today:
            raise forms.ValidationError(_("「筛查基准日」不能晚于今天"))
        return as_of


class ChangeFilterForm(forms.Form):
    code = forms.ChoiceField(label=_("类别 / 措施"), required=False)
    change = forms.ChoiceField(label=_("变化"), required=False, choices=[("", _("全部变化")), *ChangeKind.choices])

    def __init__(self, *args: Any, codes: dict[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [("", _("全部类别和措施"))] + [  # type: ignore[attr-defined]
            (code, rule_display(code, label)) for code, (label, _kind) in codes.items()
        ]

    def value(self, name: str) -> str:
        if self.is_bound and self.is_valid():
            return str(self.cleaned_data.get(name) or "")
        return ""


class CountsFilterForm(forms.Form):
    region = forms.ChoiceField(label=_("区划"), required=False)
    kind = forms.ChoiceField(
        label=_("显示"),
        required=False,
        choices=[("", _("类别和措施")), (RuleKind.CATEGORY, _("只看类别")), (RuleKind.MEASURE, _("只看措施"))],
    )

    def __init__(self, *args: Any, regions: list[tuple[str, str]], user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions  # type: ignore[attr-defined]

    def value(self, name: str) -> str:
        if self.is_bound and self.is_valid():
            return str(self.cleaned_data.get(name) or "")
        return ""


class PendingFilterForm(forms.Form):
    """The 待补充信息 list's filters: a township or village of the user's jurisdiction, and one fact
    (by its flag on `PendingFacts`: father, mother, enrolled, guardian)."""

    region = forms.ChoiceField(label=_("乡镇 / 村"), required=False, widget=fast.Select)
    fact = forms.ChoiceField(
        label=_("待补充的信息"),
        required=False,
        widget=fast.Select,
        choices=[("", _("全部")), *((flag, FACT_LABELS[fact]) for fact, flag in PendingFacts.FACT_FIELDS.items())],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = region_filter_choices(user)
        self.fields["region"].choices = [("", _("全部村（社区）")), *choices]  # type: ignore[attr-defined]
        self.single_region = len(choices) <= 1

    def value(self, name: str) -> str:
        """A filter's value when it is valid (each field on its own: a bad fact keeps the region)."""
        if not self.is_bound or (not self.is_valid() and name in self.errors):
            return ""
        return str(self.cleaned_data.get(name) or "")
