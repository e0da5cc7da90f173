"""Policy rules v1 (shared/design/policy-rules.md) as data: the first version of every rule and
parameter, loaded by a data migration and editable afterwards."""

from __future__ import annotations

PARAMETERS_V1: dict[str, tuple[int, str]] = {
    "adult_age": (18, "成年年龄：所有类别和措施要求年龄小于此值"),
    "parent_unable_months": (6, "服刑、戒毒、拘留、失联满多少个月视为无法履行抚养义务"),
    "parent_severe_grade_max": (2, "父母重残：残疾等级不高于此值（智力、精神残疾 3–4 级另计）"),
    "severe_disability_grade_max": (2, "重残儿童：残疾等级不高于此值"),
    "migrant_age_min": (6, "随迁子女义务教育：年龄下限"),
    "preschool_age_min": (3, "残疾儿童学前教育：年龄下限"),
    "preschool_age_max": (6, "残疾儿童学前教育：年龄上限"),
    "dropout_age_min": (6, "控辍保学：年龄下限"),
    "dropout_age_max": (15, "控辍保学：年龄上限"),
    "rehab_age_max": (6, "0—6岁残疾儿童康复救助：年龄上限"),
}

# (code, kind, label, task number or None, expression)
RULES_V1: list[tuple[str, str, str, int | None, str]] = [
    ("econ_difficult", "block", "家庭经济困难", None,
     "household.low_income or household.extreme_poverty or household.temporary_hardship"
     " or orphan or de_facto_unsupported"),
    ("in_school", "block", "在校", None, "schooling.enrolled and schooling.stage != none"),
    ("orphan", "category", "孤儿", None, "parent_gone(father) and parent_gone(mother)"),
    ("de_facto_unsupported", "category", "事实无人抚养儿童", None,
     "not orphan and ((parent_unable(father) and parent_unable(mother))"
     " or (parent_away_or_missing(father) and parent_unable(mother))"
     " or (parent_unable(father) and parent_away_or_missing(mother)))"),
    ("low_income", "category", "低保家庭儿童", None, "household.low_income"),
    ("extreme_poverty", "category", "特困儿童", None, "household.extreme_poverty"),
    ("temporary_hardship", "category", "临时困难家庭儿童", None, "household.temporary_hardship"),
    ("seriously_ill", "category", "重病儿童", None, "serious_illness"),
    ("severely_disabled", "category", "重残儿童", None, "disability.grade <= $severe_disability_grade_max"),
    ("disabled", "category", "残疾儿童", None, "disability"),
    ("guardianship_at_risk", "category", "监护缺失或不当儿童", None,
     "safety.abuse or safety.neglect or safety.abandoned"
     " or ((father.status in {imprisoned, drug_rehab, detained} or mother.status in {imprisoned, drug_rehab, detained})"
     " and not parent_alive(father) and not parent_alive(mother) and not guardian.able)"),
    ("migrant", "category", "随迁子女", None, "migrant"),
    ("left_behind", "category", "留守儿童", None, "left_behind"),
    ("in_difficulty", "category", "困境儿童", None,
     "orphan or de_facto_unsupported or low_income or extreme_poverty or temporary_hardship or seriously_ill"
     " or disabled or guardianship_at_risk"),
    ("T01", "measure", "孤儿保障", 1, "orphan or de_facto_unsupported"),
    ("T02", "measure", "最低生活保障", 2, "low_income"),
    ("T03", "measure", "临时救助", 3, "temporary_hardship"),
    ("T04", "measure", "其他困境儿童基本生活保障", 4, "in_difficulty and not (T01 or T02 or T03)"),
    ("T05", "measure", "重病重残医疗救助", 5, "(seriously_ill or severely_disabled) and econ_difficult"),
    ("T06", "measure", "听力言语康复纳入医保", 6, "disability.type in {hearing, speech}"),
    ("T07", "measure", "城乡居民医保个人缴费补贴", 7, "low_income or severely_disabled"),
    ("T09", "measure", "教育资助、两免一补", 9, "econ_difficult and in_school"),
    ("T10", "measure", "残疾儿童随班就读与12年免费教育", 10,
     "disabled and econ_difficult and in_school and schooling.stage in {primary, junior, senior, vocational}"),
    ("T11", "measure", "随迁子女义务教育与升学", 11, "migrant and age >= $migrant_age_min"),
    ("T12", "measure", "残疾儿童学前教育", 12, "disabled and age >= $preschool_age_min and age <= $preschool_age_max"),
    ("T14", "measure", "控辍保学", 14,
     "in_difficulty and age >= $dropout_age_min and age <= $dropout_age_max and not in_school"),
    ("T15", "measure", "孤儿安置", 15, "orphan"),
    ("T16", "measure", "儿童福利机构收留抚养", 16,
     "not parent_alive(father) and not parent_alive(mother) and not orphan and not guardian.able"),
    ("T17", "measure", "临时监护与追责", 17, "safety.abuse or safety.neglect or safety.abandoned"),
    ("T18", "measure", "被拘留人员子女照料安排", 18, "father.status == detained or mother.status == detained"),
    ("T19", "measure", "服刑、戒毒人员子女监护帮助", 19,
     "(father.status in {imprisoned, drug_rehab} or mother.status in {imprisoned, drug_rehab})"
     " and not parent_alive(father) and not parent_alive(mother) and not guardian.able"),
    ("T20", "measure", "收养监护能力评估", 20, "living_arrangement == adopted"),
    ("T21", "measure", "0—6岁残疾儿童康复救助", 21,
     "age <= $rehab_age_max and disability.type in {vision, hearing, speech, intellectual, physical, autism}"),
    ("T22", "measure", "残疾孤儿手术康复明天计划", 22, "orphan and disabled and living_arrangement != institution"),
    ("T24", "measure", "残疾儿童优先康复服务", 24, "disabled"),
]  # fmt: skip
