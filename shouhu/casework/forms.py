"""Forms for intake, referral actions, the inbox filters and the calendar. They check what a
person typed and say what is wrong next to the field, in Chinese; the services re-check."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from shouhu.accounts.models import Department, User
from shouhu.core.input_text import person_name_validator
from shouhu.registry.documents import ACCEPT_ATTRIBUTE, MAX_DOCUMENT_MB, document_errors
from shouhu.registry.models import DocumentType

from . import outcomes
from .models import Arrangement, BenefitPeriod, InformMethod, Outcome, OutcomeKind

PHONE = re.compile(r"^[0-9+\- ]{7,20}$")
MAX_DOCUMENTS = 5


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ChildPickForm(forms.Form):
    q = forms.CharField(
        label=_("查找儿童"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("姓名、拼音或身份证号"), "autofocus": True, "type": "search"}),
    )


@dataclass
class MeasureRow:
    code: str
    label: str
    explanation: str
    proposed: bool
    check: forms.BoundField
    reason: forms.BoundField
    in_hand: bool = False


class IntakeForm(forms.Form):
    """The window's form: screening's proposals to confirm (a reason for each one left out), other
    measures to add (a reason for each), the facts, the applicant, and documents."""

    facts = forms.CharField(
        label=_("情况说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    applicant_name = forms.CharField(
        label=_("申请人"), required=False, max_length=50, validators=[person_name_validator("申请人")]
    )
    applicant_relationship = forms.CharField(
        label=_("与儿童关系"), required=False, max_length=30, help_text=_("如：祖母、母亲、村儿童主任")
    )
    applicant_phone = forms.CharField(
        label=_("申请人电话"), required=False, max_length=20, help_text=_("办理结果会以短信告知（短信不含身份证号）")
    )
    doc_type = forms.ChoiceField(label=_("材料类型"), required=False, choices=[("", "请选择"), *DocumentType.choices])
    documents = MultipleFileField(
        label=_("证明材料"),
        required=False,
        help_text=_("可选多个文件：pdf、jpg、png、doc、docx，每个不超过 %(mb)s MB") % {"mb": MAX_DOCUMENT_MB},
    )

    IN_HAND = _("已有在办的转介")

    def __init__(
        self,
        *args: Any,
        proposals: dict[str, str],
        labels: dict[str, str],
        in_hand: set[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.proposals = proposals
        self.labels = labels
        # A measure already being handled is not sent twice by default: unticked, with the reason.
        self.in_hand = in_hand or set()
        codes = list(proposals) + [c for c in labels if c not in proposals]
        for code in codes:
            self.fields[f"m_{code}"] = forms.BooleanField(
                label=self.measure_name(code), required=False, initial=code in proposals and code not in self.in_hand
            )
            self.fields[f"r_{code}"] = forms.CharField(
                label=_("理由"),
                required=False,
                max_length=300,
                widget=forms.TextInput(
                    attrs={"placeholder": _("不采纳时填写理由") if code in proposals else _("增加的理由")}
                ),
                initial=str(self.IN_HAND) if code in proposals and code in self.in_hand else "",
            )
        self.codes = codes

    DETAIL_FIELDS = ("facts", "applicant_name", "applicant_relationship", "applicant_phone", "doc_type", "documents")

    def detail_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.DETAIL_FIELDS]

    def measure_name(self, code: str) -> str:
        return f"{code} {self.labels.get(code, '')}".strip()

    def _rows(self, proposed: bool) -> list[MeasureRow]:
        return [
            MeasureRow(
                code,
                self.labels.get(code, ""),
                self.proposals.get(code, ""),
                proposed,
                self[f"m_{code}"],
                self[f"r_{code}"],
                code in self.in_hand,
            )
            for code in self.codes
            if (code in self.proposals) == proposed
        ]

    def proposed_rows(self) -> list[MeasureRow]:
        return self._rows(True)

    def other_rows(self) -> list[MeasureRow]:
        return self._rows(False)

    def added_any(self) -> bool:
        return self.is_bound and any(self.data.get(f"m_{c}") for c in self.codes if c not in self.proposals)

    def clean_applicant_phone(self) -> str:
        phone = (self.cleaned_data.get("applicant_phone") or "").strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(_("「申请人电话」应为 7 到 20 位数字"))
        return phone

    def clean_documents(self) -> list[UploadedFile]:
        uploads: list[UploadedFile] = self.cleaned_data.get("documents") or []
        if len(uploads) > MAX_DOCUMENTS:
            raise forms.ValidationError(_("一次最多上传 %(n)s 个文件") % {"n": MAX_DOCUMENTS})
        errors = [message for upload in uploads for message in document_errors(upload)]
        if errors:
            raise forms.ValidationError(errors)
        return uploads

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("documents") and not data.get("doc_type"):
            self.add_error("doc_type", _("「材料类型」：上传材料时请选择类型"))
        for code in self.codes:
            checked = data.get(f"m_{code}")
            reason = (data.get(f"r_{code}") or "").strip()
            if code in self.proposals and not checked and not reason:
                self.add_error(f"r_{code}", f"「{self.measure_name(code)}」未采纳筛查建议，请填写理由")
            elif code not in self.proposals and checked and not reason:
                self.add_error(f"r_{code}", f"「{self.measure_name(code)}」不在筛查建议中，请填写增加理由")
        if not self.confirmed_codes(data):
            raise forms.ValidationError(_("请至少确认一项措施"))
        return data

    def confirmed_codes(self, data: dict[str, Any] | None = None) -> list[str]:
        data = data if data is not None else self.cleaned_data
        return [code for code in self.codes if data.get(f"m_{code}")]

    def reasons(self) -> dict[str, str]:
        """Reasons for the changes only: a proposal left out, a measure added."""
        data = self.cleaned_data
        result = {}
        for code in self.codes:
            reason = (data.get(f"r_{code}") or "").strip()
            changed = (code in self.proposals) != bool(data.get(f"m_{code}"))
            if reason and changed:
                result[code] = reason
        return result

    def documents_to_attach(self) -> list[tuple[str, UploadedFile]]:
        return [(self.cleaned_data["doc_type"], upload) for upload in self.cleaned_data.get("documents") or []]

    def answers(self) -> dict[str, Any]:
        """What the window recorded, as the intake services take it (a new intake or a confirmed
        suggestion alike)."""
        data = self.cleaned_data
        return {
            "confirmed": self.confirmed_codes(),
            "reasons": self.reasons(),
            "facts": data["facts"],
            "applicant_name": data["applicant_name"],
            "applicant_relationship": data["applicant_relationship"],
            "applicant_phone": data["applicant_phone"],
            "documents": self.documents_to_attach(),
        }


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("「撤销理由」不能为空")},
    )


MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("「%(name)s」格式应为 YYYY-MM-DD，如 2026-05-10") % {"name": label}},
    )


class TransitionForm(forms.Form):
    """One form for accept / start / complete / return / reject: the service says what each needs.
    Completing asks for the fields of the measure's outcome kind only (`outcomes.FIELDS`); the
    API reads a decision's body with this form too, so both say the same about bad input."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("办理结果"), required=False, choices=Outcome.choices, widget=forms.RadioSelect)
    amount = forms.DecimalField(
        label=_("金额（元）"),
        required=False,
        max_digits=10,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("批准时填写，如 1300 或 1300.50"),
        error_messages={
            "invalid": _("「金额」应为数字，如 1300 或 1300.50"),
            "max_digits": _("「金额」过大，请核对"),
            "max_whole_digits": _("「金额」过大，请核对"),
            "max_decimal_places": _("「金额」最多保留两位小数（分）"),
        },
    )
    period = forms.ChoiceField(
        label=_("发放周期"),
        required=False,
        choices=BenefitPeriod.choices,
        initial=BenefitPeriod.MONTHLY,
        error_messages={"invalid_choice": _("「发放周期」请从列表中选择")},
    )
    start_month = forms.CharField(
        label=_("起始月份"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
        help_text=_("开始发放的月份，如 2026-05"),
    )
    service = forms.CharField(
        label=_("服务内容"), required=False, max_length=100, help_text=_("如：康复训练、随班就读、学前教育学位")
    )
    provider = forms.CharField(
        label=_("服务提供方"), required=False, max_length=100, help_text=_("提供服务的单位或机构")
    )
    start_date = _date_field(_("开始日期"))
    arrangement = forms.ChoiceField(
        label=_("安置方式"),
        required=False,
        choices=[("", _("请选择")), *Arrangement.choices],
        error_messages={"invalid_choice": _("「安置方式」请从列表中选择")},
    )
    arrangement_note = forms.CharField(
        label=_("安置说明"),
        required=False,
        max_length=200,
        help_text=_("如：由祖父母监护、寄养家庭或机构名称；安置方式为「其他」时必填"),
    )
    placed_on = _date_field(_("安置日期"))
    informed_on = _date_field(_("告知日期"))
    informed_how = forms.ChoiceField(
        label=_("告知方式"),
        required=False,
        choices=[("", _("请选择")), *InformMethod.choices],
        error_messages={"invalid_choice": _("「告知方式」请从列表中选择")},
    )
    reason = forms.CharField(label=_("理由"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, kind: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        keep = set(outcomes.FIELDS.get(kind, ())) | {"version", "reason"}
        for name in [*outcomes.ALL_FIELDS, "outcome"]:
            if name not in keep:
                del self.fields[name]
        if "outcome" in self.fields:
            self.fields["outcome"].choices = outcomes.decisions(kind)  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            if name in outcomes.TEXT_LIMITS:
                field.error_messages["max_length"] = _("「%(name)s」不能超过 %(n)s 个字") % {
                    "name": outcomes.NAMES[name],
                    "n": outcomes.TEXT_LIMITS[name],
                }

    def outcome_fields(self) -> list[forms.BoundField]:
        """The kind's own fields, in order, without the decision and the reason."""
        return [self[name] for name in outcomes.FIELDS.get(self.kind, ()) if name not in ("outcome", "reason")]

    def clean_start_month(self) -> datetime.date | None:
        raw = (self.cleaned_data.get("start_month") or "").strip()
        if not raw:
            return None
        match = MONTH.match(raw)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise forms.ValidationError(_("「起始月份」格式应为 YYYY-MM，如 2026-05"))
        return datetime.date(int(match.group(1)), int(match.group(2)), 1)

    def answer(self) -> outcomes.Answer:
        """The kind's fields as the service takes them."""
        data = self.cleaned_data
        return outcomes.Answer(
            **{name: data[name] for name in outcomes.ALL_FIELDS if name in data and data[name] not in (None, "")}
        )


class ReassignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    assignee = forms.ModelChoiceField(
        label=_("改派给"),
        queryset=User.objects.none(),
        error_messages={"required": _("请选择经办人"), "invalid_choice": _("只能改派给本单位的经办人")},
    )

    def __init__(self, *args: Any, choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = choices  # type: ignore[attr-defined]
        self.fields["assignee"].label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]


class TransferForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    department = forms.ModelChoiceField(
        label=_("移交单位"), queryset=Department.objects.none(), error_messages={"required": _("请选择移交单位")}
    )
    reason = forms.CharField(
        label=_("移交理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("「移交理由」不能为空")},
    )

    def __init__(self, *args: Any, choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = choices  # type: ignore[attr-defined]


class CooperateForm(forms.Form):
    note = forms.CharField(
        label=_("配合情况"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("「配合情况」不能为空")},
    )


class ResubmitForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class InboxFilterForm(forms.Form):
    code = forms.ChoiceField(label=_("措施"), required=False)
    township = forms.ChoiceField(label=_("乡镇（街道）"), required=False)

    def __init__(self, *args: Any, measures: dict[str, str], townships: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [("", _("全部措施")), *((c, f"{c} {label}") for c, label in measures.items())]  # type: ignore[attr-defined]
        self.fields["township"].choices = [("", _("全部乡镇")), *townships]  # type: ignore[attr-defined]

    def values(self) -> dict[str, str]:
        if not self.is_bound or not self.is_valid():
            return {"code": "", "township": ""}
        return {"code": self.cleaned_data.get("code") or "", "township": self.cleaned_data.get("township") or ""}


class ChildrenReferralsFilterForm(forms.Form):
    """The children's referrals list: a child's name or the intake's reference, and a measure."""

    q = forms.CharField(label=_("儿童姓名或受理编号"), required=False, max_length=50)
    code = forms.ChoiceField(label=_("措施"), required=False)

    def __init__(self, *args: Any, measures: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [("", _("全部措施")), *((c, f"{c} {label}") for c, label in measures.items())]  # type: ignore[attr-defined]

    def values(self) -> dict[str, str]:
        if not self.is_bound or not self.is_valid():
            return {"q": "", "code": ""}
        return {"q": (self.cleaned_data.get("q") or "").strip(), "code": self.cleaned_data.get("code") or ""}


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=50, error_messages={"required": _("「名称」不能为空")})
    query = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)


class CalendarDayForm(forms.Form):
    date = forms.DateField(
        label=_("日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("「日期」不能为空"), "invalid": _("「日期」格式应为 YYYY-MM-DD")},
    )
    is_working = forms.TypedChoiceField(
        label=_("类型"), coerce=lambda v: v == "1", choices=[("0", _("节假日（休息）")), ("1", _("调休（周末上班）"))]
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=100, help_text=_("如：国庆节、春节调休"))


class DeadlineForm(forms.Form):
    code = forms.CharField(widget=forms.HiddenInput)
    accept_days = forms.IntegerField(
        label=_("受理时限（工作日）"),
        min_value=1,
        max_value=250,
        error_messages={"required": _("「受理时限」不能为空")},
    )
    decide_days = forms.IntegerField(
        label=_("办结时限（工作日）"),
        min_value=1,
        max_value=250,
        error_messages={"required": _("「办结时限」不能为空")},
    )


class OutcomeKindForm(forms.Form):
    code = forms.CharField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("结果类型"),
        choices=OutcomeKind.choices,
        error_messages={
            "required": _("「结果类型」不能为空"),
            "invalid_choice": _("「结果类型」请选择救助补贴类、服务类、安置监护类或告知类"),
        },
    )
