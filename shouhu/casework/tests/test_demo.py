"""Casework's demo data gives every role work of its own: a T01 referral routed to 县民政局 in the
county caseworker's inbox, 桓仁镇's part of a T01 for supervisor_a to fill in, and referrals of a
child in director_a's village (东关村) on their children's referrals list. Loaded once."""

from __future__ import annotations

from typing import Any

import pytest

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_A
from shouhu.casework import selectors
from shouhu.casework.demo import load_demo_referrals
from shouhu.casework.models import Referral, ReferralState

from .helpers import import_table

pytestmark = pytest.mark.django_db
S = ReferralState


def test_the_demo_gives_each_role_work_of_its_own(personas: dict[str, User], login: Any) -> None:
    import_table()
    message = load_demo_referrals(personas)
    assert message is not None and "秦小宝" in message
    t01 = Referral.objects.get(child__name="秦小宝", code="T01")
    assert t01.department.name == "县民政局" and t01.state == S.SUBMITTED and t01.child.region_code == VILLAGE_A
    caseworker_inbox = set(selectors.inbox(personas["caseworker"], tab="new").values_list("pk", flat=True))
    assert t01.pk in caseworker_inbox
    assert "秦小宝" in login("caseworker").get("/referrals/?tab=new").content.decode()
    # 桓仁镇's part of 秦小雪's T01 (accepted by the caseworker) waits for supervisor_a.
    waiting = Referral.objects.get(child__name="秦小雪", code="T01")
    assert waiting.state == S.ACCEPTED and waiting.cooperations.get().note == ""
    parts = set(selectors.inbox(personas["supervisor_a"], tab="cooperate").values_list("pk", flat=True))
    assert waiting.pk in parts
    # 秦小川's T02 decided with the township's part filled in; T09 still with 县教育局; T07 left out.
    decided = Referral.objects.get(child__name="秦小川", code="T02")
    assert decided.state == S.COMPLETED and decided.cooperations.get().noted_by == personas["supervisor_a"]
    assert Referral.objects.get(child__name="秦小川", code="T09").state == S.SUBMITTED
    assert not Referral.objects.filter(child__name="秦小川", code="T07").exists()
    village = login("director_a").get("/referrals/children/?tab=all").content.decode()
    assert all(name in village for name in ("秦小宝", "秦小雪", "秦小川"))
    # Once.
    count = Referral.objects.count()
    assert load_demo_referrals(personas) is None and Referral.objects.count() == count
