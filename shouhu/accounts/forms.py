from __future__ import annotations

from typing import Any

from django import forms

from shouhu.core.input_text import person_name_validator
from shouhu.regions.models import Level, Region

from .models import Department, OrganisationKind, Role, User


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:  # type: ignore[override]
        return f"{obj.code} {obj.name}"


class UserFilterForm(forms.Form):
    q = forms.CharField(label="用户名或姓名", required=False)
    role = forms.ChoiceField(label="角色", required=False, choices=[("", "全部角色"), *Role.choices])
    active = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), ("1", "在用"), ("0", "已停用")])


class UserForm(forms.Form):
    username = forms.RegexField(
        label="用户名",
        regex=r"^[A-Za-z0-9_.@-]{3,150}$",
        max_length=150,
        error_messages={"invalid": "用户名只能包含字母、数字和 _ . @ -，至少 3 位"},
    )
    full_name = forms.CharField(label="姓名", max_length=50, validators=[person_name_validator("姓名")])
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    region = RegionChoiceField(
        label="辖区",
        required=False,
        queryset=Region.objects.none(),
        help_text="乡镇督导员选乡镇（街道），儿童主任选村（社区）",
    )
    department = forms.ModelChoiceField(
        label="所属单位", required=False, queryset=Department.objects.none(), help_text="部门经办人必填"
    )
    organisation = forms.CharField(
        label="所在机构", required=False, max_length=100, help_text="社会组织、学校、医院等（志愿者与强制报告单位填写）"
    )
    organisation_kind = forms.ChoiceField(
        label="机构类别",
        required=False,
        choices=[("", "（不是强制报告责任单位）"), *OrganisationKind.choices],
        help_text="强制报告责任单位必填：报告按机构类别分派给主管部门（学校、幼儿园→教育局，医疗机构、托儿所→卫健局，福利、救助机构→民政局）",
    )
    phone = forms.RegexField(
        label="联系电话", required=False, regex=r"^[0-9+\- ]{5,20}$", error_messages={"invalid": "请输入有效的电话号码"}
    )
    password = forms.CharField(
        label="初始密码", widget=forms.PasswordInput, required=False, help_text="至少 8 位，不能全是数字"
    )

    def __init__(self, *args: Any, editing: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field: forms.ModelChoiceField = self.fields["region"]  # type: ignore[assignment]
        region_field.queryset = Region.objects.exclude(level=Level.COUNTY).order_by("code")
        dept_field: forms.ModelChoiceField = self.fields["department"]  # type: ignore[assignment]
        dept_field.queryset = Department.objects.filter(dissolved_on__isnull=True).exclude(kind="townships")
        self.editing = editing
        if editing is not None:
            self.fields["username"].disabled = True
            del self.fields["password"]
        else:
            self.fields["password"].required = True


class PasswordForm(forms.Form):
    password = forms.CharField(label="新密码", widget=forms.PasswordInput, help_text="至少 8 位，不能全是数字")


class DepartmentForm(forms.Form):
    official_name = forms.CharField(label="全称", max_length=100)
    note = forms.CharField(label="备注", max_length=300, required=False)


class ApiTokenForm(forms.Form):
    """A token for one's own account ("我的API令牌"): which system will use it, until when."""

    name = forms.CharField(label="对接系统名称", max_length=100, help_text="例如：县教育局学籍系统")
    expires_on = forms.DateField(
        label="有效期至",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="留空：长期有效，直到吊销",
        error_messages={"invalid": "「有效期至」应为日期（YYYY-MM-DD）"},
    )
