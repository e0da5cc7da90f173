"""The child form: register a child, or record a change.

It does not validate the child itself: it builds an exchange-format object from what was typed and
hands it to `exchange.format.parse_record`, the one validator of the format (the same one imports
and the API use). Its `FieldError`s are mapped back to the form fields they concern
(`parents[1].since` → 母亲「起始日期」), so every error shows next to the field that caused it.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shouhu.access import regions_in_jurisdiction
from shouhu.accounts.models import User
from shouhu.core.dates import today
from shouhu.regions.models import Level

from ..documents import ACCEPT_ATTRIBUTE, MAX_DOCUMENT_MB, document_errors
from ..exchange.format import (
    DISABILITY_TYPES,
    HOUSEHOLD_KEYS,
    LIVING_ARRANGEMENTS,
    NOT_RECORDED,
    PARENT_STATUSES,
    SAFETY_KEYS,
    SCHOOL_STAGES,
    ChildRecord,
    parse_record,
)
from ..facts import NOBODY
from ..identity import birth_date_of, birth_month, id_number_errors, mask_phone
from ..labels import (
    DISABILITY_LABELS,
    ENTRY_HELP,
    LIVING_LABELS,
    NOBODY_LABEL,
    NOT_RECORDED_LABEL,
    RELATIONSHIP_LABELS,
    STAGE_LABELS,
)
from ..models import Child, DocumentType, Sex
from .fields import (
    DATE_WIDGET,
    GRADE_CHOICES,
    PARENT_STATUS_CHOICES,
    add_field_errors,
    code_choices,
    date_field,
    three_way_answer,
    three_way_choices,
    three_way_value,
)

PARENT_ROLES = ("father", "mother")
PARENT_PARTS = ("status", "since", "until", "disability_type", "disability_grade")
# Parent statuses that have no start/end dates worth asking for.
STATUSES_WITHOUT_DATES = ("alive",)
# The guardian choices besides the relationships: not recorded, and recorded as nobody.
GUARDIAN_CHOICES = [(NOT_RECORDED, NOT_RECORDED_LABEL), (NOBODY, f"{NOBODY_LABEL}（没有实际监护人）")]
STAGE_CHOICES = [(NOT_RECORDED, NOT_RECORDED_LABEL), *code_choices(STAGE_LABELS, SCHOOL_STAGES)]


def village_choices(user: User) -> list[tuple[str, Any]]:
    """The villages (communities) a user may register children in, grouped by township."""
    villages = regions_in_jurisdiction(user).filter(level=Level.VILLAGE).select_related("parent").order_by("code")
    groups: dict[str, list[tuple[str, str]]] = {}
    for village in villages:
        township = village.parent.name if village.parent else ""
        groups.setdefault(township, []).append((village.code, village.name))
    if len(groups) == 1:
        return next(iter(groups.values()))
    return list(groups.items())


# Field paths of the exchange format → form fields.
_SIMPLE_PATHS = {
    "guardian.relationship": "guardian_relationship",
    "guardian.able": "guardian_able",
    "guardian": "guardian_relationship",
    "disability.type": "disability_type",
    "disability.grade": "disability_grade",
    "disability": "disability_type",
    "schooling.stage": "school_stage",
    "schooling.enrolled": "school_enrolled",
    "schooling": "school_stage",
}
_PARENT_PATH = re.compile(r"^parents\[(\d+)\](?:\.(\w+))?$")


def field_for_path(path: str, parent_roles: list[str]) -> str:
    """The form field an exchange-format error path concerns ("" for the form as a whole)."""
    if path in _SIMPLE_PATHS:
        return _SIMPLE_PATHS[path]
    match = _PARENT_PATH.match(path)
    if match:
        index, part = int(match.group(1)), match.group(2) or "status"
        if index < len(parent_roles):
            return f"{parent_roles[index]}_{'status' if part == 'role' else part}"
        return ""
    head, _dot, tail = path.partition(".")
    if head in ("household", "safety") and tail:
        return tail
    return head


class ChildForm(forms.Form):
    """Register a child, or record a change (`child` given: prefilled, with 生效日期 and version)."""

    # Identity
    name = forms.CharField(label=_("姓名"), required=False)
    sex = forms.ChoiceField(label=_("性别"), required=False, choices=[("", "—"), *Sex.choices])
    birth_date = date_field(_("出生日期"))
    id_number = forms.CharField(
        label=_("身份证号"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off", "placeholder": "18 位居民身份证号"}),
    )
    no_id_reason = forms.CharField(
        label=_("无身份证号原因"),
        required=False,
        max_length=200,
        help_text=_("没有身份证号时必填，如：弃婴，尚未登记户口"),
    )
    region_code = forms.ChoiceField(label=_("居住村（社区）"), required=False)
    hukou_region_code = forms.CharField(
        label=_("户籍地区划代码"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "12 位，可不填"}),
    )
    phone = forms.RegexField(
        label=_("联系电话"),
        required=False,
        regex=r"^[0-9+\- ]{5,20}$",
        error_messages={"invalid": _("请输入有效的电话号码")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("详细住址"), required=False, max_length=200)
    # Household
    low_income = forms.BooleanField(label=_("低保家庭"), required=False)
    extreme_poverty = forms.BooleanField(label=_("特困供养"), required=False)
    temporary_hardship = forms.BooleanField(label=_("临时困难家庭"), required=False)
    # Parents
    father_status = forms.ChoiceField(
        label=_("父亲状况"),
        required=False,
        choices=PARENT_STATUS_CHOICES,
        initial=NOT_RECORDED,
        help_text=ENTRY_HELP["parent"],
    )
    father_since = date_field(_("起始日期"))
    father_until = date_field(_("结束日期（已知时填）"))
    father_disability_type = forms.ChoiceField(
        label=_("父亲残疾类别"), required=False, choices=code_choices(DISABILITY_LABELS, DISABILITY_TYPES, "—")
    )
    father_disability_grade = forms.ChoiceField(label=_("父亲残疾等级"), required=False, choices=GRADE_CHOICES)
    mother_status = forms.ChoiceField(
        label=_("母亲状况"),
        required=False,
        choices=PARENT_STATUS_CHOICES,
        initial=NOT_RECORDED,
        help_text=ENTRY_HELP["parent"],
    )
    mother_since = date_field(_("起始日期"))
    mother_until = date_field(_("结束日期（已知时填）"))
    mother_disability_type = forms.ChoiceField(
        label=_("母亲残疾类别"), required=False, choices=code_choices(DISABILITY_LABELS, DISABILITY_TYPES, "—")
    )
    mother_disability_grade = forms.ChoiceField(label=_("母亲残疾等级"), required=False, choices=GRADE_CHOICES)
    # Guardian
    guardian_relationship = forms.ChoiceField(
        label=_("实际监护人"), required=False, initial=NOT_RECORDED, help_text=ENTRY_HELP["guardian"]
    )
    guardian_able = forms.ChoiceField(
        label=_("监护人有无监护和抚养能力"),
        required=False,
        choices=three_way_choices("有", "无"),
        initial=NOT_RECORDED,
        help_text=ENTRY_HELP["guardian_able"],
    )
    # The child's own situation
    disability_type = forms.ChoiceField(
        label=_("儿童残疾类别"), required=False, choices=code_choices(DISABILITY_LABELS, DISABILITY_TYPES, "无残疾")
    )
    disability_grade = forms.ChoiceField(label=_("残疾等级"), required=False, choices=GRADE_CHOICES)
    serious_illness = forms.BooleanField(label=_("患重病"), required=False)
    school_stage = forms.ChoiceField(
        label=_("就学阶段"),
        required=False,
        choices=STAGE_CHOICES,
        initial=NOT_RECORDED,
        help_text=ENTRY_HELP["schooling"],
    )
    school_enrolled = forms.ChoiceField(
        label=_("是否在读"),
        required=False,
        choices=three_way_choices("在读", "未在读"),
        initial=NOT_RECORDED,
        help_text=ENTRY_HELP["enrolled"],
    )
    living_arrangement = forms.ChoiceField(
        label=_("生活安置"), required=False, choices=code_choices(LIVING_LABELS, LIVING_ARRANGEMENTS), initial="family"
    )
    migrant = forms.BooleanField(label=_("随迁子女"), required=False)
    left_behind = forms.BooleanField(label=_("留守儿童"), required=False)
    # Safety
    abuse = forms.BooleanField(label=_("遭受虐待"), required=False)
    neglect = forms.BooleanField(label=_("被忽视（疏于照料）"), required=False)
    abandoned = forms.BooleanField(label=_("被遗弃"), required=False)
    # Registration only: one document can come with the form (more on the child's page).
    doc_type = forms.ChoiceField(label=_("材料类型"), required=False, choices=[("", "—"), *DocumentType.choices])
    document = forms.FileField(
        label=_("证明材料"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        help_text=_("pdf、jpg、png、doc、docx，不超过 %(mb)s MB") % {"mb": MAX_DOCUMENT_MB},
    )
    # Registration: since when the facts hold; changes: the day the change took effect.
    effective = forms.DateField(label=_("生效日期"), required=False, widget=DATE_WIDGET)
    # Changes only
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    MARKED_REQUIRED: tuple[str, ...] = ("name", "sex", "birth_date", "region_code")

    def __init__(self, *args: Any, user: User, child: Child | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.child = child
        self.record: ChildRecord | None = None
        villages = village_choices(user)
        region_field: forms.ChoiceField = self.fields["region_code"]  # type: ignore[assignment]
        region_field.choices = villages if len(villages) == 1 else [("", "请选择"), *villages]
        relationship: forms.ChoiceField = self.fields["guardian_relationship"]  # type: ignore[assignment]
        choices = [*GUARDIAN_CHOICES, *RELATIONSHIP_LABELS.items()]
        # A relationship written in words (e.g. imported) stays a choice while the child is edited,
        # also when the form comes back (bound: the prefilled value is in the data, not initial).
        current = self.initial.get("guardian_relationship") or self.data.get("guardian_relationship") or ""
        if child is not None and current and current not in dict(choices):
            choices.append((current, current))
        relationship.choices = choices
        if child is None:
            del self.fields["version"]
            self.fields["effective"].label = _("以上情况的起始日期")
            self.fields["effective"].help_text = _("这些情况从哪天起属实（如低保批准之日）；不清楚就留空，按今天记录")
            self.fields["id_number"].help_text = _("没有身份证号的儿童，请在下面填写原因")
        else:
            del self.fields["doc_type"], self.fields["document"]
            self.fields["effective"].required = True
            self.fields["effective"].help_text = _("变化发生的日期，例如低保批准之日；之前的情况保留在历史中")
            self._describe_kept_values(child)

    def _describe_kept_values(self, child: Child) -> None:
        """Sensitive values are never put back into a form: blank means "keep"."""
        if child.id_number_masked:
            self.fields["id_number"].help_text = _("当前：%(masked)s。留空则不变；如需更正请输入完整号码") % {
                "masked": child.id_number_masked
            }
            del self.fields["no_id_reason"]
            # The day of birth is part of the ID number: beside its mask only the month is shown
            # (docs/security.md, "ID masks"); blank keeps the date the number gives.
            self.MARKED_REQUIRED = tuple(name for name in self.MARKED_REQUIRED if name != "birth_date")
            self.fields["birth_date"].help_text = _("当前：%(month)s（日期以身份证号为准）。留空则不变") % {
                "month": birth_month(child.birth_date)
            }
        if child.phone:
            self.fields["phone"].help_text = _("当前：%(masked)s。留空则不变") % {"masked": mask_phone(child.phone)}
        if child.address:
            self.fields["address"].help_text = _("已登记（不显示）。留空则不变")

    # -- building and validating the exchange-format object --

    def exchange_object(self, data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The exchange-format object for what was typed, and the parent role at each index."""
        id_number = (data.get("id_number") or "").strip()
        birth_date = (data.get("birth_date") or "").strip() or None
        if not id_number and self.child is not None and self.child.id_number:
            id_number = self.child.id_number
            birth_date = birth_date or self.child.birth_date.isoformat()
        elif id_number and not birth_date and self.child is not None and not id_number_errors(id_number):
            birth_date = birth_date_of(id_number).isoformat()  # a corrected number, its date not shown
        reason = (data.get("no_id_reason") or "").strip()
        parents = [item for item in (_parent_item(data, role) for role in PARENT_ROLES) if item]
        disability_type = data.get("disability_type") or ""
        grade = data.get("disability_grade")
        obj: dict[str, Any] = {
            "id_number": id_number or None,
            "no_id_reason": None if id_number else (reason or None),
            "name": (data.get("name") or "").strip(),
            "sex": data.get("sex") or None,
            "birth_date": birth_date,
            "region_code": data.get("region_code") or None,
            "hukou_region_code": (data.get("hukou_region_code") or "").strip() or None,
            "household": {k: bool(data.get(k)) for k in HOUSEHOLD_KEYS},
            "parents": parents,
            "disability": {"type": disability_type, "grade": int(grade) if grade else None}
            if disability_type
            else None,
            "serious_illness": bool(data.get("serious_illness")),
            "schooling": _schooling_item(data),
            "living_arrangement": data.get("living_arrangement") or "family",
            "migrant": bool(data.get("migrant")),
            "left_behind": bool(data.get("left_behind")),
            "safety": {k: bool(data.get(k)) for k in SAFETY_KEYS},
        }
        recorded, guardian = _guardian_item(data)
        if recorded:  # the key's absence is how the exchange format says "not recorded"
            obj["guardian"] = guardian
        return obj, [p["role"] for p in parents]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.is_bound:
            return data
        obj, roles = self.exchange_object(data)
        known = {code for code, _label in _flat(self.fields["region_code"].choices) if code}  # type: ignore[attr-defined]
        record, errors = parse_record(obj, known_regions=known, today=today())
        add_field_errors(self, errors, lambda path: field_for_path(path, roles))
        self.record = record
        upload: UploadedFile | None = data.get("document")
        if upload:
            for message in document_errors(upload):
                self.add_error("document", message)
            if not data.get("doc_type"):
                self.add_error("doc_type", _("请选择材料类型"))
        effective: datetime.date | None = data.get("effective")
        birth_date = self.child.birth_date if self.child is not None else (record.birth_date if record else None)
        if "effective" not in self.errors:
            if effective is None and self.child is not None:
                self.add_error("effective", _("请填写生效日期"))
            elif effective and effective > today():
                self.add_error("effective", _("日期不能晚于今天：请在变化发生后记录"))
            elif effective and birth_date and effective < birth_date:
                shown = (
                    birth_month(birth_date) if self.child is not None and self.child.id_number_masked else birth_date
                )
                self.add_error("effective", _("日期不能早于出生日期 %(d)s") % {"d": str(shown)})
        return data

    def sections(self) -> list[tuple[str | Promise, list[tuple[forms.BoundField, tuple[str, str, str] | None]]]]:
        """The fields grouped as the template shows them, each with its show-when rule."""
        groups = [
            (_("变化"), ["effective"] if self.child is not None else []),
            (
                _("基本信息"),
                [
                    "name",
                    "sex",
                    "birth_date",
                    "id_number",
                    "no_id_reason",
                    "region_code",
                    "hukou_region_code",
                    "phone",
                    "address",
                ],
            ),
            (_("家庭经济状况"), list(HOUSEHOLD_KEYS)),
            (_("父亲"), [f"father_{p}" for p in PARENT_PARTS]),
            (_("母亲"), [f"mother_{p}" for p in PARENT_PARTS]),
            (_("实际监护人"), ["guardian_relationship", "guardian_able"]),
            (_("残疾与疾病"), ["disability_type", "disability_grade", "serious_illness"]),
            (_("就学与生活"), ["school_stage", "school_enrolled", "living_arrangement", "migrant", "left_behind"]),
            (_("安全情况"), list(SAFETY_KEYS)),
            (_("起始日期"), ["effective"] if self.child is None else []),
            (_("证明材料"), ["doc_type", "document"]),
        ]
        return [
            (title, [(self[n], SHOW_WHEN.get(n)) for n in names if n in self.fields])
            for title, names in groups
            if any(n in self.fields for n in names)
        ]


def _flat(choices: Any) -> list[tuple[str, str]]:
    flat: list[tuple[str, str]] = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            flat.extend(label)
        else:
            flat.append((value, label))
    return flat


def _parent_item(data: dict[str, Any], role: str) -> dict[str, Any] | None:
    """A parent as typed; None (left out: not recorded) when the status is 未填写."""
    status = data.get(f"{role}_status") or NOT_RECORDED
    if status == NOT_RECORDED:
        return None
    item: dict[str, Any] = {"role": role, "status": status}
    if status not in STATUSES_WITHOUT_DATES:
        for part in ("since", "until"):
            value = (data.get(f"{role}_{part}") or "").strip()
            if value:
                item[part] = value
    if status == "severe_disability":
        item["disability_type"] = data.get(f"{role}_disability_type") or None
        grade = data.get(f"{role}_disability_grade")
        item["disability_grade"] = int(grade) if grade else None
    return item


def _guardian_item(data: dict[str, Any]) -> tuple[bool, dict[str, Any] | None]:
    """(recorded, guardian): 未填写 is not recorded; 无人照料 is recorded as nobody (None)."""
    relationship = data.get("guardian_relationship") or NOT_RECORDED
    if relationship == NOT_RECORDED:
        return False, None
    if relationship == NOBODY:
        return True, None
    return True, {"relationship": relationship, "able": three_way_value(data.get("guardian_able"))}


def _schooling_item(data: dict[str, Any]) -> dict[str, Any] | None:
    """The schooling as typed; None when the stage is 未填写."""
    stage = data.get("school_stage") or NOT_RECORDED
    if stage == NOT_RECORDED:
        return None
    # 未入学 is known not in school: the attendance answer (hidden then) does not apply.
    enrolled = False if stage == "none" else three_way_value(data.get("school_enrolled"))
    return {"stage": stage, "enrolled": enrolled}


def initial_from_record(record: ChildRecord) -> dict[str, Any]:
    """Form values for a child's situation (never the ID number, phone or address)."""
    initial: dict[str, Any] = {
        "name": record.name,
        "sex": record.sex,
        "birth_date": "" if record.id_number else record.birth_date.isoformat(),  # the ID number's date: not shown
        "no_id_reason": record.no_id_reason or "",
        "region_code": record.region_code,
        "hukou_region_code": record.hukou_region_code or "",
        "serious_illness": record.serious_illness,
        "school_stage": record.school_stage or NOT_RECORDED,
        "school_enrolled": three_way_answer(record.school_enrolled),
        "living_arrangement": record.living_arrangement,
        "migrant": record.migrant,
        "left_behind": record.left_behind,
    }
    for key in (*HOUSEHOLD_KEYS, *SAFETY_KEYS):
        initial[key] = getattr(record, key)
    for role in PARENT_ROLES:
        initial[f"{role}_status"] = NOT_RECORDED  # unless recorded, below
    for parent in record.parents:
        initial[f"{parent.role}_status"] = parent.status
        initial[f"{parent.role}_since"] = parent.since.isoformat() if parent.since else ""
        initial[f"{parent.role}_until"] = parent.until.isoformat() if parent.until else ""
        initial[f"{parent.role}_disability_type"] = parent.disability_type or ""
        initial[f"{parent.role}_disability_grade"] = str(parent.disability_grade or "")
    initial.update(_guardian_initial(record))
    if record.disability:
        initial["disability_type"] = record.disability.type
        initial["disability_grade"] = str(record.disability.grade)
    return initial


def _guardian_initial(record: ChildRecord) -> dict[str, str]:
    if not record.guardian_recorded:
        return {"guardian_relationship": NOT_RECORDED, "guardian_able": NOT_RECORDED}
    if record.guardian is None:
        return {"guardian_relationship": NOBODY, "guardian_able": NOT_RECORDED}
    return {
        "guardian_relationship": record.guardian.relationship,
        "guardian_able": three_way_answer(record.guardian.able),
    }


# Which part of the form shows when (read by static/shouhu/registry.js; without script all show).
SHOW_WHEN = {
    "no_id_reason": ("id_number", "", "empty"),
    "father_since": ("father_status", " ".join(s for s in PARENT_STATUSES if s != "alive"), "in"),
    "father_until": ("father_status", " ".join(s for s in PARENT_STATUSES if s != "alive"), "in"),
    "father_disability_type": ("father_status", "severe_disability", "in"),
    "father_disability_grade": ("father_status", "severe_disability", "in"),
    "mother_since": ("mother_status", " ".join(s for s in PARENT_STATUSES if s != "alive"), "in"),
    "mother_until": ("mother_status", " ".join(s for s in PARENT_STATUSES if s != "alive"), "in"),
    "mother_disability_type": ("mother_status", "severe_disability", "in"),
    "mother_disability_grade": ("mother_status", "severe_disability", "in"),
    "guardian_able": ("guardian_relationship", f"{NOT_RECORDED} {NOBODY}", "not"),
    "disability_grade": ("disability_type", "", "filled"),
    "school_enrolled": ("school_stage", f"{NOT_RECORDED} none", "not"),
}
