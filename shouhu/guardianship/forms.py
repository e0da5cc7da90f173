"""A step's form (one form, its fields cut to the step's: an outcome, the applicant, the decision's
parents and guardian, the follow-up dates, a document), the start form and the list's filters.
Business rules are the services'; a form reads and types the fields and shows the services'
refusals at its fields."""

from __future__ import annotations

from typing import Any

from django import forms

from shouhu.core.dates import today
from shouhu.regions.models import Region
from shouhu.registry.documents import ACCEPT_ATTRIBUTE, MAX_DOCUMENT_MB
from shouhu.registry.labels import RELATIONSHIP_LABELS

from .models import DocumentType, InterventionState, Outcome, StepAction
from .services import APPOINTED_GUARDIANS, HOME_GUARDIANS, PARENTS, StepInput
from .transitions import APPLICANT_UNITS, Step

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The document each step usually comes with: preselected on its form.
STEP_DOCUMENT = {
    StepAction.WARN: DocumentType.WARNING,
    StepAction.TEMPORARY: DocumentType.TEMPORARY_DECISION,
    StepAction.APPLY: DocumentType.APPLICATION,
    StepAction.DECIDE: DocumentType.JUDGMENT,
    StepAction.RETURN_HOME: DocumentType.HANDOVER,
    StepAction.FOLLOW_UP: DocumentType.FOLLOW_UP,
}
FOLLOW_UP_FIELDS = ("follow_up_1", "follow_up_2", "follow_up_3")


class StepForm(forms.Form):
    # What the user saw when the page was drawn: a stale form is answered with both values.
    version = forms.IntegerField(widget=forms.HiddenInput)
    state = forms.ChoiceField(widget=forms.HiddenInput, choices=InterventionState.choices, required=False)
    on = forms.DateField(label="日期", widget=DATE)
    outcome = forms.ChoiceField(label="结果", choices=[])
    applicant = forms.ChoiceField(label="申请单位", choices=[(u, u) for u in APPLICANT_UNITS])
    filed_on = forms.DateField(label="申请日期", widget=DATE)
    court_case_number = forms.CharField(label="法院案号", max_length=60, required=False, help_text="法院立案后填写")
    revoke_father = forms.BooleanField(label="撤销父亲的监护资格", required=False)
    revoke_mother = forms.BooleanField(label="撤销母亲的监护资格", required=False)
    guardian = forms.ChoiceField(label="监护人", choices=[])
    follow_up_1 = forms.DateField(label="第一次回访日期", widget=DATE)
    follow_up_2 = forms.DateField(label="第二次回访日期", widget=DATE, required=False)
    follow_up_3 = forms.DateField(label="第三次回访日期", widget=DATE, required=False)
    note = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False)
    doc_type = forms.ChoiceField(label="材料类型", choices=DocumentType.choices, required=False)
    document = forms.FileField(
        label="材料",
        required=False,
        help_text=f"可选；PDF、图片或 Word 文件，不超过 {MAX_DOCUMENT_MB} MB",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )

    def __init__(self, *args: Any, step: Step, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", step.action)
        initial = {"on": today(), "doc_type": STEP_DOCUMENT.get(StepAction(step.action), DocumentType.OTHER)}
        kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.step = step
        keep = {"version", "state", "on", "note", "doc_type", "document"}
        if step.has_outcome:
            keep.add("outcome")
            self.fields["outcome"].choices = [  # type: ignore[attr-defined]
                ("", "请选择"),
                *[(value, Outcome(value).label) for value, _ in step.outcomes],
            ]
        if step.action == StepAction.APPLY:
            keep |= {"applicant", "filed_on", "court_case_number"}
        if step.action == StepAction.DECIDE:
            keep |= {"revoke_father", "revoke_mother", "guardian"}
            self.fields["guardian"].choices = _guardians(APPOINTED_GUARDIANS, "判决撤销时：法院指定的监护人")  # type: ignore[attr-defined]
            self.fields["guardian"].required = False
            self.fields["guardian"].label = "法院指定的监护人"
        if step.action == StepAction.RETURN_HOME:
            keep |= {"guardian", *FOLLOW_UP_FIELDS}
            self.fields["guardian"].choices = _guardians(HOME_GUARDIANS, "请选择")  # type: ignore[attr-defined]
            self.fields["guardian"].label = "回归后的监护人"
        if step.action == StepAction.FOLLOW_UP:
            self.fields["note"].label = "回访情况"
            self.fields["note"].required = True
        if step.action == StepAction.CLOSE:
            self.fields["note"].label = "结案理由"
            self.fields["note"].required = True
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]

    def step_input(self, files: Any = None) -> StepInput:
        data = self.cleaned_data
        document = data.get("document")
        return StepInput(
            action=self.step.action,
            on=data.get("on"),
            outcome=data.get("outcome", ""),
            note=data.get("note", ""),
            applicant=data.get("applicant", ""),
            filed_on=data.get("filed_on"),
            court_case_number=data.get("court_case_number", ""),
            revoked_parents=tuple(p for p in PARENTS if data.get(f"revoke_{p}")),
            guardian=data.get("guardian", ""),
            follow_up_dates=tuple(data[name] for name in FOLLOW_UP_FIELDS if data.get(name)),
            documents=[(data.get("doc_type") or DocumentType.OTHER, document)] if document else [],
        )


def _guardians(values: tuple[str, ...], empty: str) -> list[tuple[str, str]]:
    return [("", empty), *[(v, RELATIONSHIP_LABELS[v]) for v in values]]


# The services' field names → the form's (the follow-up dates are three fields here).
FIELD_NAMES = {"follow_up_dates": "follow_up_1", "documents": "document", "revoked_parents": "revoke_father"}


class FilterForm(forms.Form):
    state = forms.ChoiceField(label="步骤", required=False)
    township = forms.ChoiceField(label="乡镇（街道）", required=False)
    follow_up_due = forms.BooleanField(label="只看回访已到期", required=False)

    def __init__(self, *args: Any, townships: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", "全部"), ("open", "未结案"), *InterventionState.choices]  # type: ignore[attr-defined]
        self.fields["township"].choices = [("", "全部"), *[(t.code, t.name) for t in townships]]  # type: ignore[attr-defined]
