"""Casework's demo data (found by autodiscovery, after eligibility's screening of the county): three
named children in the demo director's village (东关村, 桓仁镇) with referrals that show who acts on
what — so each role finds work of its own:

- 秦小宝, an orphan: taken at the county window by the caseworker, T01 孤儿保障 (and what else the
  rules give him) waits in the caseworker's inbox, since county caseworkers act for 县民政局, and
  桓仁镇's part of T01 waits for the township supervisor;
- 秦小雪, with no one to support her in fact: taken at 桓仁镇's window; the caseworker has accepted
  T01, whose township part the supervisor has yet to fill in;
- 秦小川, of a 低保 family: T02 最低生活保障 decided (the township's part filled in first), T09 still
  with 县教育局 — the referrals the village director reads on the children's referrals list.

Each child is registered once (by ID number) and screened, as a person's registration would be;
nothing is drafted for them (their measures are taken at the window)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shouhu.core.demo import demo_loader

_PLAIN = {
    "household": {"low_income": False, "extreme_poverty": False, "temporary_hardship": False},
    "disability": None,
    "serious_illness": False,
    "migrant": False,
    "left_behind": False,
    "safety": {"abuse": False, "neglect": False, "abandoned": False},
}


@dataclass(frozen=True)
class DemoCase:
    name: str
    sex: str
    age: int
    facts: dict[str, Any]
    window: str  # the persona who takes the intake
    facts_told: str
    applicant: tuple[str, str]  # name, relationship
    left_out: dict[str, str] = field(default_factory=dict)  # measure → the window's reason
    steps: tuple[tuple[str, str, str], ...] = ()  # (persona, measure, step): accept, part, approve


DEMO_CASES = (
    DemoCase(
        "秦小宝", "male", 8,
        {**_PLAIN, "parents": [{"role": "father", "status": "deceased"}, {"role": "mother", "status": "deceased"}],
         "guardian": {"relationship": "grandparent", "able": True},
         "schooling": {"stage": "primary", "enrolled": True}, "living_arrangement": "kinship"},
        "caseworker", "父母均已去世（有死亡证明），随祖母生活，在读小学。祖母到县民政局申请孤儿保障。",
        ("秦桂芝", "祖母"),
    ),
    DemoCase(
        "秦小雪", "female", 11,
        {**_PLAIN,
         "parents": [{"role": "father", "status": "imprisoned", "since": "2023-05-01", "until": "2031-06-30"},
                     {"role": "mother", "status": "lost_contact", "since": "2022-03-01"}],
         "guardian": {"relationship": "grandparent", "able": True},
         "schooling": {"stage": "primary", "enrolled": True}, "living_arrangement": "kinship"},
        "supervisor_a", "父亲服刑，母亲失联三年以上，随祖父生活。祖父到镇民政办申请。",
        ("秦德林", "祖父"),
        steps=(("caseworker", "T01", "accept"),),
    ),
    DemoCase(
        "秦小川", "male", 13,
        {**_PLAIN, "household": {"low_income": True, "extreme_poverty": False, "temporary_hardship": False},
         "parents": [{"role": "father", "status": "alive"}, {"role": "mother", "status": "alive"}],
         "guardian": {"relationship": "parent", "able": True},
         "schooling": {"stage": "junior", "enrolled": True}, "living_arrangement": "family"},
        "supervisor_a", "父亲务工受伤后家庭收入锐减，母亲申请低保和教育资助。",
        ("林秀英", "母亲"),
        left_out={"T07": "本年度城乡居民医保个人缴费已缴纳，明年参保时再申请"},
        steps=(
            ("supervisor_a", "T02", "part"),
            ("caseworker", "T02", "accept"),
            ("caseworker", "T02", "approve"),
        ),
    ),
)  # fmt: skip
PART_NOTE = "已入户核实：家庭人均收入低于当地低保标准，村民代表评议通过。"
# 低保金 450 元 a month (with the child's supplement), from next month.
APPROVED_AMOUNT = Decimal("450")


def _id_number(case: DemoCase, number: int, on: datetime.date) -> tuple[str, datetime.date]:
    from stdnum.cn import ric

    born = datetime.date(on.year - case.age, 3, 1) + datetime.timedelta(days=40 * number)  # aged age-1 or age
    # The sequence's last digit is odd for a boy; 89x keeps clear of the generated children's.
    body = f"210522{born:%Y%m%d}{899 - 2 * number - (0 if case.sex == 'male' else 1):03d}"
    return body + ric.calc_check_digit(body + "0"), born


def next_month(on: datetime.date) -> datetime.date:
    return datetime.date(on.year + on.month // 12, on.month % 12 + 1, 1)


@demo_loader
def load_demo_referrals(users: dict[str, Any]) -> str | None:
    """The DEMO_CASES, each once (a child already registered is left as it is)."""
    from shouhu.accounts.personas import VILLAGE_A
    from shouhu.core import crypto, dates
    from shouhu.eligibility.rules import ruleset_on
    from shouhu.eligibility.screening import screen_child
    from shouhu.policy.selectors import current_document
    from shouhu.registry import services as registry_services
    from shouhu.registry.exchange.format import parse_record
    from shouhu.registry.models import Child
    from shouhu.registry.selectors import situation_on

    from . import outcomes, services

    if current_document() is None:
        return None
    on = dates.today()
    taken = []
    for number, case in enumerate(DEMO_CASES):
        id_number, born = _id_number(case, number, on)
        if Child.objects.filter(id_number_index=crypto.blind_index(id_number)).exists():
            continue
        data = {"id_number": id_number, "name": case.name, "sex": case.sex, "birth_date": born.isoformat(),
                "region_code": VILLAGE_A, "hukou_region_code": VILLAGE_A, **case.facts}  # fmt: skip
        record, errors = parse_record(data, today=on)
        assert record is not None, errors
        child = registry_services.child_register(actor=None, record=record, effective=on)
        screen_child(child=child, actor=None)
        decision = ruleset_on(on).decide(situation_on(child, on), on)
        proposals = {code: decision.explanations.get(code, "") for code in decision.measures}
        confirmed = [code for code in proposals if code not in case.left_out]
        _intake, referrals = services.intake_take(
            actor=users[case.window],
            child=child,
            proposals=proposals,
            confirmed=confirmed,
            reasons=case.left_out,
            facts=case.facts_told,
            applicant_name=case.applicant[0],
            applicant_relationship=case.applicant[1],
        )
        by_code = {r.code: r for r in referrals}
        for persona, code, step in case.steps:
            referral = by_code[code]
            referral.refresh_from_db()
            if step == "part":
                services.cooperation_note(actor=users[persona], referral=referral, note=PART_NOTE)
            elif step == "accept":
                services.referral_transition(
                    actor=users[persona], referral=referral, action="accept", expected_version=referral.version
                )
            else:
                services.referral_transition(
                    actor=users[persona],
                    referral=referral,
                    action="complete",
                    expected_version=referral.version,
                    outcome="approved",
                    answer=outcomes.Answer(amount=APPROVED_AMOUNT, period="monthly", start_month=next_month(on)),
                )
        taken.append(f"{case.name}（{'、'.join(sorted(by_code))}）")
    if not taken:
        return None
    return f"转介：东关村 {len(taken)} 名演示儿童已受理转办：{'；'.join(taken)}"
