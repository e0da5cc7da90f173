"""The home page's 资格筛查 card: the latest screening of the user's whole jurisdiction."""

from __future__ import annotations

from typing import Any

import pytest

from shouhu.accounts.models import User
from shouhu.accounts.personas import TOWNSHIP_B, VILLAGE_A, VILLAGE_B
from shouhu.eligibility.screening import run_screening, screening_request

from .eligibility_factories import disabled_child, today

pytestmark = pytest.mark.django_db
COUNTY = "210522000000"


def card(page: str) -> str:
    return page.split("<strong>资格筛查</strong>", 1)[1].split("</article>", 1)[0]


def test_county_users_see_the_countys_latest_run_not_a_newer_townships(personas: dict[str, User], login: Any) -> None:
    on = today()
    disabled_child(5, on, name="甲", region_code=VILLAGE_A)
    disabled_child(4, on, name="乙", region_code=VILLAGE_B)
    county = run_screening(screening_request(actor=personas["admin"], region_code=COUNTY, as_of=on))
    township = run_screening(screening_request(actor=personas["supervisor_b"], region_code=TOWNSHIP_B, as_of=on))
    assert township.created_at >= county.created_at
    for key in ("caseworker", "admin", "leader"):
        shown = card(login(key).get("/").content.decode())
        assert "最近一次：桓仁满族自治县" in shown, key
        assert f"/eligibility/runs/{county.pk}/" in shown, key
    # A township supervisor's card: their own township's run, newer than the county's.
    assert f"/eligibility/runs/{township.pk}/" in card(login("supervisor_b").get("/").content.decode())
    assert f"/eligibility/runs/{county.pk}/" in card(login("supervisor_a").get("/").content.decode())
