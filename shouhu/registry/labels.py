"""Chinese labels for exchange-format values."""

from __future__ import annotations

from .exchange.format import FIELD_LABELS

PARENT_STATUS_LABELS = {
    "alive": "健在（有抚养能力）", "deceased": "死亡", "declared_dead": "宣告死亡", "declared_missing": "宣告失踪",
    "unknown": "查找不到", "lost_contact": "失联", "imprisoned": "服刑", "drug_rehab": "强制隔离戒毒",
    "detained": "被拘留或限制人身自由", "severe_disability": "重残", "serious_illness": "重病",
    "guardianship_revoked": "被撤销监护资格", "deported": "被遣送（驱逐）出境",
}  # fmt: skip
DISABILITY_LABELS = {
    "vision": "视力残疾", "hearing": "听力残疾", "speech": "言语残疾", "physical": "肢体残疾",
    "intellectual": "智力残疾", "mental": "精神残疾", "autism": "孤独症", "multiple": "多重残疾",
}  # fmt: skip
STAGE_LABELS = {
    "none": "未入学", "preschool": "学前", "primary": "小学", "junior": "初中", "senior": "高中", "vocational": "中职",
}  # fmt: skip
LIVING_LABELS = {
    "family": "家庭",
    "kinship": "亲属抚养",
    "foster": "家庭寄养",
    "institution": "机构养育",
    "adopted": "收养",
}
RELATIONSHIP_LABELS = {
    "grandparent": "祖父母/外祖父母", "sibling": "兄弟姐妹", "relative": "其他亲属", "foster_parent": "寄养家庭",
    "institution": "福利机构", "parent": "父母", "other": "其他",
    # County civil affairs as the guardian of record (临时监护 and 长期监护 by the state, 未保法 Art. 92/94).
    "civil_affairs": "民政部门（国家监护）",
}  # fmt: skip
# What a kind with no row in force reads as (registry/facts.py): the default, or "未填写" for the
# facts that can be not recorded.
KIND_DEFAULTS = {
    "father": "父亲情况未填写", "mother": "母亲情况未填写", "guardian": "实际监护人未填写", "disability": "无残疾",
    "schooling": "就学情况未填写", "living_arrangement": "家庭",
}  # fmt: skip
NOT_RECORDED_LABEL = "未填写"
# The guardian recorded as nobody (the guardian row's status "none"), as files and forms say it.
NOBODY_LABEL = "无人照料"
# What "未填写" and the recorded choices beside it mean, for the help text wherever people enter
# these facts: under policy rules v2 a not-recorded fact decides nothing and is listed for someone
# to record, while 查找不到, 无人照料 and 未在读 are recorded facts that do decide.
UNKNOWN_PARENT_HELP = "查找不到：经查找确实找不到生父母（会据此认定）。"
ENTRY_HELP = {
    "parent": f"未填写：尚未核实，系统不会据此认定孤儿或事实无人抚养，会列入待补充信息清单。{UNKNOWN_PARENT_HELP}",
    "guardian": "未填写：尚未核实，系统不会据此认定无人监护，会列入待补充信息清单。"
    f"{NOBODY_LABEL}：已核实没有人实际照料儿童（会据此认定）。",
    "guardian_able": "未填写：尚未核实监护人有无监护和抚养能力，系统不会据此认定监护缺失，会列入待补充信息清单。",
    "schooling": "未填写：尚未核实，系统不会据此认定辍学，会列入待补充信息清单。未入学：已核实没有上学。",
    "enrolled": "未填写：尚未核实是否在读，系统不会据此认定辍学，会列入待补充信息清单。"
    "未在读：已入学但现在不在读（辍学、休学）。",
}
# The not-recorded facts (exchange format v2) in words, for worklists and explanations.
FACT_LABELS = {
    "parents.father": "父亲情况", "parents.mother": "母亲情况", "schooling.enrolled": "是否在读",
    "guardian": "实际监护人及其监护能力",
}  # fmt: skip
# The change form's fields that record each of those facts (forms/child.py): the 待补充信息
# worklist links to the form with `?focus=` these, and the form marks them.
FACT_FORM_FIELDS = {
    "parents.father": ("father_status",), "parents.mother": ("mother_status",),
    "schooling.enrolled": ("school_stage", "school_enrolled"), "guardian": ("guardian_relationship", "guardian_able"),
}  # fmt: skip


def change_label(kind: str) -> str:
    """What a planned change concerns, in words: a circumstance's kind, or an identity field."""
    from .models import Kind

    return str(Kind(kind).label) if kind in Kind.values else FIELD_LABELS.get(kind, kind)
