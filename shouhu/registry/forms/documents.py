"""Attaching a document to a child's record (the file is checked by `documents.document_errors`)."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from ..documents import ACCEPT_ATTRIBUTE, MAX_DOCUMENT_MB, document_errors
from ..models import DocumentType


class DocumentForm(forms.Form):
    doc_type = forms.ChoiceField(label=_("材料类型"), choices=[("", "请选择"), *DocumentType.choices])
    document = forms.FileField(
        label=_("文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        help_text=_("pdf、jpg、png、doc、docx，不超过 %(mb)s MB") % {"mb": MAX_DOCUMENT_MB},
        error_messages={"required": _("请选择要上传的文件")},
    )

    def clean_document(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["document"]
        errors = document_errors(upload)
        if errors:
            raise forms.ValidationError(errors)
        return upload
