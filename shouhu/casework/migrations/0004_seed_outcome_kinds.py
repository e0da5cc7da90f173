"""Reference data: the outcome kind of every measure of the county table (docs/casework.md,
"Outcomes by measure kind"). `confirmed` is False where the default is a reading of the table the
county should confirm; the admin's 措施结果类型 page shows those and confirms them on saving.

Referrals decided before outcome kinds keep their outcome and free text as they were: their
`outcome_kind` stays blank, which the pages and the API read as "recorded as text"."""

from django.db import migrations

DEFAULTS = {
    "T01": ("benefit", True),  # 孤儿基本生活费, monthly
    "T02": ("benefit", True),  # 低保金, monthly
    "T03": ("benefit", True),  # 临时救助, one-off
    "T04": ("benefit", False),  # 其他困境儿童基本生活保障: an allowance, or only looked after?
    "T05": ("benefit", False),  # 医疗救助: a higher reimbursement rate, not a fixed sum
    "T06": ("information", False),  # 听力言语康复纳入医保: a policy that covers the child
    "T07": ("benefit", True),  # 医保个人缴费补贴, yearly
    "T09": ("benefit", True),  # 教育资助、两免一补, per term
    "T10": ("service", False),  # 随班就读 (a school place) and 12年免费教育 (a fee waiver)
    "T11": ("service", True),  # a school place
    "T12": ("service", True),  # a preschool place
    "T14": ("service", True),  # back to school
    "T15": ("placement", True),  # 亲属抚养、机构养育、家庭寄养、依法收养
    "T16": ("placement", True),  # 儿童福利机构收留抚养
    "T17": ("placement", True),  # 临时监护
    "T18": ("placement", True),  # 委托亲属、其他成年人或机构监护
    "T19": ("placement", True),  # the same for children of prisoners and people in drug rehabilitation
    "T20": ("service", False),  # 收养监护能力评估: an assessment
    "T21": ("service", True),  # 康复救助: surgery, aids, training
    "T22": ("service", True),  # 明天计划: surgery and rehabilitation
    "T24": ("service", True),  # 优先康复服务
}


def seed(apps, schema_editor):
    MeasureOutcomeKind = apps.get_model("casework", "MeasureOutcomeKind")
    for code, (kind, confirmed) in DEFAULTS.items():
        MeasureOutcomeKind.objects.get_or_create(code=code, defaults={"kind": kind, "confirmed": confirmed})


def unseed(apps, schema_editor):
    MeasureOutcomeKind = apps.get_model("casework", "MeasureOutcomeKind")
    MeasureOutcomeKind.objects.filter(code__in=DEFAULTS).delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0003_outcome_kinds")]
    operations = [migrations.RunPython(seed, unseed)]
