"""Uploading a roster to import: the file's format and size are checked before it is stored."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..exchange.reading import ImportFileError, detect_format
from ..exchange.runs import MAX_IMPORT_BYTES


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("名单文件"),
        help_text=gettext_lazy("按导入模板填写的 Excel（.xlsx）或 CSV（UTF-8 或 GB18030 编码），或交换格式（.jsonl）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.jsonl,.ndjson,.json"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            detect_format(upload.name)
        except ImportFileError as error:
            raise forms.ValidationError(str(error)) from None
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("文件过大，上限为 %(mb)s MB") % {"mb": MAX_IMPORT_BYTES // 2**20})
        return upload
