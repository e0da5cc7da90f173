"""The children list's filters, and the township / village choices other lists of children filter by."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shouhu.access import regions_in_jurisdiction
from shouhu.accounts.models import User
from shouhu.regions.models import Level
from shouhu.web import widgets as fast

from ..models import Kind, Sex
from ..selectors import PARENT_SITUATIONS


def region_filter_choices(user: User) -> list[tuple[str, str]]:
    """The townships and villages of the user's jurisdiction (not the county), villages indented
    under their township: what a list of children in scope can be narrowed to."""
    regions = regions_in_jurisdiction(user).exclude(level=Level.COUNTY).order_by("code")
    return [(r.code, r.name if r.level == Level.TOWNSHIP else f"　{r.name}") for r in regions]


class ChildFilterForm(forms.Form):
    """The children list's filters. Its widgets render in Python (shouhu/web/widgets.py): the same
    HTML, without a template per village option."""

    q = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=fast.TextInput(attrs={"type": "search", "placeholder": "姓名、拼音（如 zxm）或身份证号"}),
    )
    region = forms.ChoiceField(label=_("乡镇 / 村"), required=False, widget=fast.Select)
    sex = forms.ChoiceField(
        label=_("性别"), required=False, widget=fast.Select, choices=[("", "性别不限"), *Sex.choices]
    )
    age_min = forms.IntegerField(
        label=_("最小年龄"),
        required=False,
        min_value=0,
        max_value=30,
        widget=fast.NumberInput(attrs={"placeholder": "从", "aria-label": "最小年龄"}),
    )
    age_max = forms.IntegerField(
        label=_("最大年龄"),
        required=False,
        min_value=0,
        max_value=30,
        widget=fast.NumberInput(attrs={"placeholder": "到", "aria-label": "最大年龄"}),
    )
    status = forms.ChoiceField(
        label=_("档案状态"),
        required=False,
        widget=fast.Select,
        choices=[("active", "在册"), ("closed", "已销档"), ("all", "全部")],
    )
    flags = forms.MultipleChoiceField(
        label=_("情况"),
        required=False,
        widget=fast.CheckboxSelectMultiple,
        choices=[
            (Kind.LOW_INCOME, "低保"),
            (Kind.EXTREME_POVERTY, "特困"),
            (Kind.TEMPORARY_HARDSHIP, "临时困难"),
            (Kind.DISABILITY, "残疾"),
            (Kind.SERIOUS_ILLNESS, "重病"),
            (Kind.LEFT_BEHIND, "留守"),
            (Kind.MIGRANT, "随迁"),
            (Kind.ABUSE, "遭受虐待"),
            (Kind.NEGLECT, "被忽视"),
            (Kind.ABANDONED, "被遗弃"),
        ],
    )
    parents = forms.ChoiceField(
        label=_("父母情况"),
        required=False,
        widget=fast.Select,
        choices=[("", "父母情况不限"), *((k, v[0]) for k, v in PARENT_SITUATIONS.items())],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = region_filter_choices(user)
        region_field: forms.ChoiceField = self.fields["region"]  # type: ignore[assignment]
        region_field.choices = [("", "全部村（社区）"), *choices]
        self.single_region = len(choices) <= 1

    def search_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        status = data.get("status") or "active"
        return {
            "q": data.get("q") or "",
            "region_code": data.get("region") or "",
            "sex": data.get("sex") or "",
            "age_min": data.get("age_min"),
            "age_max": data.get("age_max"),
            "status": "" if status == "all" else status,
            "flags": data.get("flags") or [],
        }

    def has_advanced(self) -> bool:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return any(data.get(k) for k in ("region", "sex", "age_min", "age_max", "flags", "parents")) or (
            data.get("status") not in (None, "", "active")
        )
