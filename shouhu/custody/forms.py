"""The notice form (the person, and one block per child: a formset of fixed blocks, empty ones
ignored, so it needs no script), the release form and the list's filters. Business rules are the
services'; a form reads and types the fields and shows the services' refusals at their fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .models import Arrangement, NoticeKind, ParentRole
from .selectors import townships, village_choices
from .services import ChildInput, NoticeInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHILD_BLOCKS = 3
MAX_BLOCKS = 10
# The services' names for the notice's own fields → the form's.
FIELD_NAMES = {"person.name": "person_name", "person.id_number": "person_id_number"}


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label="类型")
    person_name = forms.CharField(label="被羁押人姓名", max_length=50)
    person_id_number = forms.CharField(
        label="被羁押人身份证号", max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    parent_role = forms.ChoiceField(label="是儿童的", choices=ParentRole.choices, widget=forms.RadioSelect)
    since = forms.DateField(label="羁押开始日期", widget=DATE)
    until = forms.DateField(
        label="预计释放（解除）日期", required=False, widget=DATE, help_text="不确定的可以不填，确定后再登记释放"
    )
    children_need_care = forms.TypedChoiceField(
        label="是否有需要照料的未成年子女",
        choices=[("yes", "有"), ("no", "没有")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, NoticeKind(k).label) for k in kinds]  # type: ignore[attr-defined]


class ChildForm(forms.Form):
    id_number = forms.CharField(
        label="身份证号", max_length=30, required=False, help_text="没有的，填写姓名、性别、出生日期"
    )
    name = forms.CharField(label="姓名", max_length=50, required=False)
    sex = forms.ChoiceField(
        label="性别", choices=[("", "（有身份证号可不选）"), ("male", "男"), ("female", "女")], required=False
    )
    birth_date = forms.DateField(label="出生日期", required=False, widget=DATE)
    region = forms.ChoiceField(label="现住村（社区）", required=False)
    arrangement = forms.ChoiceField(label="照料安排", choices=[("", "请选择"), *Arrangement.choices], required=False)
    arrangement_reason = forms.CharField(
        label="无需安排的原因", max_length=200, required=False, help_text="选择“无需安排”时填写，如：由母亲照料"
    )
    caregiver_name = forms.CharField(label="照料人姓名", max_length=50, required=False)
    caregiver_relationship = forms.CharField(label="照料人与儿童的关系", max_length=30, required=False)
    caregiver_phone = forms.CharField(
        label="照料人电话", max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = village_choices()  # type: ignore[attr-defined]

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(data.get(name) for name in self.fields)

    def child_input(self) -> ChildInput:
        d = self.cleaned_data
        return ChildInput(
            id_number=d["id_number"].strip(),
            name=d["name"],
            sex=d["sex"],
            birth_date=d["birth_date"],
            region_code=d["region"],
            arrangement=d["arrangement"],
            arrangement_reason=d["arrangement_reason"],
            caregiver_name=d["caregiver_name"],
            caregiver_relationship=d["caregiver_relationship"],
            caregiver_phone=d["caregiver_phone"],
        )


ChildFormSet = forms.formset_factory(ChildForm, extra=0, max_num=MAX_BLOCKS, absolute_max=MAX_BLOCKS)


def child_formset(data: Any = None, blocks: int = CHILD_BLOCKS) -> Any:
    blocks = max(1, min(blocks, MAX_BLOCKS))
    return ChildFormSet(data, prefix="child", initial=[{} for _ in range(blocks)])


def notice_input(form: NoticeForm, formset: Any) -> NoticeInput:
    d = form.cleaned_data
    children = tuple(f.child_input() for f in formset.forms if not f.is_blank())
    return NoticeInput(
        kind=d["kind"],
        person_name=d["person_name"],
        person_id_number=d["person_id_number"],
        parent_role=d["parent_role"],
        since=d["since"],
        until=d["until"],
        children_need_care=d["children_need_care"],
        children=children,
        note=d["note"],
    )


def show_errors(form: NoticeForm, formset: Any, error: ValidationError) -> None:
    """The service's refusals at their fields: `children[<i>].<field>` at the i-th filled block."""
    filled = [f for f in formset.forms if not f.is_blank()]
    for name, messages in error.message_dict.items():
        if name.startswith("children["):
            index, field = name[len("children[") :].split("].", 1)
            target = filled[int(index)]
            field = "region" if field == "region_code" else field
            target.add_error(field if field in target.fields else None, messages)
        else:
            name = FIELD_NAMES.get(name, name)
            form.add_error(name if name in form.fields else None, messages)


class ReleaseForm(forms.Form):
    released_on = forms.DateField(label="实际释放（解除）日期", widget=DATE)
    version = forms.IntegerField(widget=forms.HiddenInput)


class NoticeFilterForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=[("", "全部"), *NoticeKind.choices], required=False)
    state = forms.ChoiceField(
        label="状态",
        choices=[("", "全部"), ("held", "羁押中"), ("due", "30 天内释放"), ("released", "已释放（解除）")],
        required=False,
    )
    township = forms.ChoiceField(label="儿童所在乡镇（街道）", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", "全部"), *[(t.code, t.name) for t in townships()]]  # type: ignore[attr-defined]
