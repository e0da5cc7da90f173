"""Closing a child's record and reopening it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import CloseReason
from .fields import DATE_WIDGET


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("销档原因"), choices=[("", "请选择"), *CloseReason.choices])
    closed_on = forms.DateField(label=_("销档日期"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("说明"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReopenForm(forms.Form):
    note = forms.CharField(
        label=_("恢复原因"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写恢复档案的原因")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
