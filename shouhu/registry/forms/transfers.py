"""Moving a child between townships: the request (the asker's village, the new address) and the
decision (confirm, or refuse with a reason)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shouhu.accounts.models import User

from .child import village_choices


class TransferRequestForm(forms.Form):
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        help_text=_("已在本县其他地区登记的儿童的身份证号"),
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("姓名"), max_length=50)
    to_region = forms.ChoiceField(label=_("迁入村（社区）"))
    address = forms.CharField(label=_("新住址"), max_length=200, help_text=_("儿童在迁入地的详细住址"))
    reason = forms.CharField(
        label=_("迁入说明"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如：随父母迁居、由祖父母接回照料"),
    )
    MARKED_REQUIRED = ("id_number", "name", "to_region", "address")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ChoiceField = self.fields["to_region"]  # type: ignore[assignment]
        field.choices = [("", _("请选择")), *village_choices(user)]


class TransferDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("处理"),
        choices=[("confirm", _("同意迁入")), ("refuse", _("不同意"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("处理意见"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("不同意时必须说明理由"),
    )
