"""A referral's outcome fits its measure (docs/casework.md, "Outcomes by measure kind").

Each measure has an outcome kind (`MeasureOutcomeKind`, set by the county admin): a benefit
(救助补贴类: the decision, an amount per period, the start month), a service (服务类: the service, who
provides it, from when — or 无法提供 with a reason), a placement (安置监护类: the arrangement and its
date) or information (告知类: the family was told, when and how). Deciding a referral records the
kind's own fields (`Answer`), checked here with Chinese messages naming the field, and a summary in
words (`Referral.outcome_detail`) that the timeline, notifications, exports and API keep reading.

Pure checks and reads; the write is `services.referral_transition`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError

from .models import Arrangement, BenefitPeriod, InformMethod, MeasureOutcomeKind, Outcome, OutcomeKind

K = OutcomeKind
# A measure the county adds later without a row is decided as a service (a description, who
# provides it, from when): the closest to the free text every referral had before kinds.
DEFAULT_KIND = K.SERVICE
MAX_AMOUNT = Decimal("99999999.99")
EARLIEST = datetime.date(2000, 1, 1)
# How far ahead a planned start or placement may be dated.
AHEAD_DAYS = 366
TEXT_LIMITS = {"service": 100, "provider": 100, "arrangement_note": 200}

# The fields each kind records, as the forms and the API name them (`outcome` is the decision).
FIELDS: dict[str, tuple[str, ...]] = {
    K.BENEFIT: ("outcome", "amount", "period", "start_month", "reason"),
    K.SERVICE: ("outcome", "service", "provider", "start_date", "reason"),
    K.PLACEMENT: ("outcome", "arrangement", "arrangement_note", "placed_on", "reason"),
    K.INFORMATION: ("informed_on", "informed_how"),
}
ALL_FIELDS = (
    "amount",
    "period",
    "start_month",
    "service",
    "provider",
    "start_date",
    "arrangement",
    "arrangement_note",
    "placed_on",
    "informed_on",
    "informed_how",
)
# Field names in Chinese, for messages.
NAMES = {
    "outcome": "办理结果",
    "amount": "金额",
    "period": "发放周期",
    "start_month": "起始月份",
    "service": "服务内容",
    "provider": "服务提供方",
    "start_date": "开始日期",
    "arrangement": "安置方式",
    "arrangement_note": "安置说明",
    "placed_on": "安置日期",
    "informed_on": "告知日期",
    "informed_how": "告知方式",
    "reason": "理由",
}


def decisions(kind: str) -> list[tuple[str, str]]:
    """The decisions a kind offers, in its words."""
    if kind == K.INFORMATION:
        return [(Outcome.INFORMED.value, Outcome.INFORMED.label)]
    if kind == K.SERVICE:
        return [(Outcome.APPROVED.value, "提供服务"), (Outcome.NOT_APPROVED.value, "无法提供")]
    return [(Outcome.APPROVED.value, Outcome.APPROVED.label), (Outcome.NOT_APPROVED.value, Outcome.NOT_APPROVED.label)]


def kind_of(code: str) -> str:
    """The outcome kind a referral for this measure is decided as now."""
    kind = MeasureOutcomeKind.objects.filter(code=code).values_list("kind", flat=True).first()
    return kind or DEFAULT_KIND


def kind_label(kind: str) -> str:
    return OutcomeKind(kind).label if kind in OutcomeKind.values else ""


@dataclass(frozen=True)
class Answer:
    """What the deciding officer recorded; each kind reads its own fields (FIELDS)."""

    amount: Decimal | None = None
    period: str = ""
    start_month: datetime.date | None = None  # the month's first day
    service: str = ""
    provider: str = ""
    start_date: datetime.date | None = None
    arrangement: str = ""
    arrangement_note: str = ""
    placed_on: datetime.date | None = None
    informed_on: datetime.date | None = None
    informed_how: str = ""


def _required(errors: dict[str, str], name: str, value: object, why: str = "") -> bool:
    if value in (None, ""):
        errors[name] = f"「{NAMES[name]}」不能为空{('：' + why) if why else ''}"
        return False
    return True


def _dated(errors: dict[str, str], name: str, value: datetime.date | None, on: datetime.date, *, past: bool) -> None:
    if value is None:
        return
    latest = on if past else on + datetime.timedelta(days=AHEAD_DAYS)
    if value < EARLIEST:
        errors[name] = f"「{NAMES[name]}」不能早于 {EARLIEST:%Y-%m-%d}"
    elif value > latest:
        errors[name] = (
            f"「{NAMES[name]}」不能晚于今天（{on:%Y-%m-%d}）"
            if past
            else f"「{NAMES[name]}」不能晚于 {latest:%Y-%m-%d}（一年以内）"
        )


def _text(errors: dict[str, str], answer: Answer) -> None:
    for name, limit in TEXT_LIMITS.items():
        if len(getattr(answer, name)) > limit:
            errors[name] = f"「{NAMES[name]}」不能超过 {limit} 个字"


def check(*, kind: str, outcome: str, answer: Answer, reason: str, on: datetime.date) -> dict[str, object]:
    """The referral's columns for this decision (every structured column: the kind's own filled,
    the others cleared), or a ValidationError naming each field that is wrong."""
    errors: dict[str, str] = {}
    if kind == K.INFORMATION:
        outcome = outcome or Outcome.INFORMED
    allowed = [value for value, _label in decisions(kind)]
    if outcome not in allowed:
        words = "或".join(label for _value, label in decisions(kind))
        raise ValidationError({"outcome": f"「办理结果」请选择{words}（{kind_label(kind)}措施）"})
    columns: dict[str, object] = {
        "outcome": outcome,
        "outcome_kind": kind,
        "outcome_amount": None,
        "outcome_period": "",
        "outcome_on": None,
        "outcome_service": "",
        "outcome_provider": "",
        "outcome_arrangement": "",
        "outcome_arrangement_note": "",
        "outcome_informed_how": "",
    }
    answer = Answer(
        **{
            **answer.__dict__,
            "service": answer.service.strip(),
            "provider": answer.provider.strip(),
            "arrangement_note": answer.arrangement_note.strip(),
        }
    )
    if outcome == Outcome.NOT_APPROVED:
        if not reason:
            words = "无法提供" if kind == K.SERVICE else "不批准"
            raise ValidationError({"reason": f"「理由」：{words}必须填写理由"})
        return columns | {"outcome_detail": ""}
    _text(errors, answer)
    if kind == K.BENEFIT:
        if _required(errors, "amount", answer.amount, "批准时请填写金额（元）"):
            assert answer.amount is not None
            if answer.amount <= 0:
                errors["amount"] = "「金额」应大于 0 元"
            elif answer.amount > MAX_AMOUNT:
                errors["amount"] = "「金额」过大，请核对"
            elif answer.amount != answer.amount.quantize(Decimal("0.01")):
                errors["amount"] = "「金额」最多保留两位小数（分）"
        period = answer.period or BenefitPeriod.MONTHLY
        if period not in BenefitPeriod.values:
            errors["period"] = "「发放周期」请选择每月、每学期、每年或一次性"
        if _required(errors, "start_month", answer.start_month, "请填写开始发放的月份，如 2026-05"):
            _dated(errors, "start_month", answer.start_month, on, past=False)
        columns |= {"outcome_amount": answer.amount, "outcome_period": period, "outcome_on": answer.start_month}
    elif kind == K.SERVICE:
        _required(errors, "service", answer.service, "请填写提供的服务，如「康复训练」")
        _required(errors, "provider", answer.provider, "请填写提供服务的单位或机构")
        if _required(errors, "start_date", answer.start_date):
            _dated(errors, "start_date", answer.start_date, on, past=False)
        columns |= {
            "outcome_service": answer.service,
            "outcome_provider": answer.provider,
            "outcome_on": answer.start_date,
        }
    elif kind == K.PLACEMENT:
        if _required(errors, "arrangement", answer.arrangement) and answer.arrangement not in Arrangement.values:
            errors["arrangement"] = "「安置方式」请从列表中选择"
        if answer.arrangement == Arrangement.OTHER and "arrangement_note" not in errors:
            _required(errors, "arrangement_note", answer.arrangement_note, "安置方式为「其他」时请说明")
        if _required(errors, "placed_on", answer.placed_on):
            _dated(errors, "placed_on", answer.placed_on, on, past=False)
        columns |= {
            "outcome_arrangement": answer.arrangement,
            "outcome_arrangement_note": answer.arrangement_note,
            "outcome_on": answer.placed_on,
        }
    else:
        if _required(errors, "informed_on", answer.informed_on):
            _dated(errors, "informed_on", answer.informed_on, on, past=True)
        if _required(errors, "informed_how", answer.informed_how) and answer.informed_how not in InformMethod.values:
            errors["informed_how"] = "「告知方式」请从列表中选择"
        columns |= {"outcome_on": answer.informed_on, "outcome_informed_how": answer.informed_how}
    if errors:
        raise ValidationError(errors)
    return columns | {"outcome_detail": summary(columns)}


def money(amount: Decimal) -> str:
    """1300 → "1,300"; 1300.5 → "1,300.50"."""
    text = f"{amount:,.2f}"
    return text[:-3] if text.endswith(".00") else text


def summary(columns: dict[str, object]) -> str:
    """The decision in words (`Referral.outcome_detail`), from the columns `check` returns."""
    kind, on = columns["outcome_kind"], columns["outcome_on"]
    if columns["outcome"] == Outcome.NOT_APPROVED or not isinstance(on, datetime.date):
        return ""
    if kind == K.BENEFIT:
        amount = columns["outcome_amount"]
        assert isinstance(amount, Decimal)
        period = BenefitPeriod(str(columns["outcome_period"]))
        month = f"{on.year}年{on.month}月"
        if period == BenefitPeriod.ONE_OFF:
            return f"一次性 {money(amount)} 元（{month}）"
        return f"{period.label} {money(amount)} 元，自{month}起"
    if kind == K.SERVICE:
        return f"{columns['outcome_service']}；提供方：{columns['outcome_provider']}；{on:%Y-%m-%d} 起"
    if kind == K.PLACEMENT:
        note = columns["outcome_arrangement_note"]
        label = Arrangement(str(columns["outcome_arrangement"])).label
        return f"{label}{('（' + str(note) + '）') if note else ''}，{on:%Y-%m-%d}"
    return f"{on:%Y-%m-%d} {InformMethod(str(columns['outcome_informed_how'])).label}"
