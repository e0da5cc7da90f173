from __future__ import annotations

from django import forms


class RegionCreateForm(forms.Form):
    code = forms.RegexField(
        label="统计用区划代码",
        regex=r"^\d{12}$",
        max_length=12,
        error_messages={"invalid": "请输入 12 位数字统计用区划代码"},
    )
    name = forms.CharField(label="名称", max_length=100)


class RegionRenameForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)


class RegionImportForm(forms.Form):
    file = forms.FileField(label="区划代码文件（CSV：代码,名称[,上级代码]，UTF-8 或 GB18030）")
