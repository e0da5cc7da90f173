"""Every role finishes its work ("Nobody can act on it today"): county caseworkers act for 县民政局
(T01 孤儿保障 and the dozen other tasks it leads, and its cooperating parts); the supervisor of the
child's township fills in 各乡镇（街道）'s part of T01–T04 and holds it in their inbox, whose counts
are only what they can act on; a village director lists the referrals of their village's children,
read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_B
from shouhu.casework.models import Referral, ReferralCooperation, ReferralState
from shouhu.casework.panels import referral_panels
from shouhu.core.dates import today
from shouhu.core.models import AuditEvent, Notification

from .helpers import import_table
from .walk_samples import child, referred

pytestmark = pytest.mark.django_db
S = ReferralState


@pytest.fixture
def case(personas: dict[str, User]) -> dict[str, Any]:
    """Children in 东关村 (桓仁镇, village A) and 普乐堡村 (village B): a T01 referral (县民政局,
    各乡镇（街道） cooperating) and a T09 one (县教育局) in village A, a T01 in village B."""
    import_table()
    a = child("秦小宝", "20160301", 31)
    b = child("秦小北", "20160401", 32, region=VILLAGE_B)
    by_code = referred(personas["supervisor_a"], a, ["T01", "T09"])[1]
    t01_b = referred(personas["supervisor_b"], b, ["T01"])[1]["T01"]
    return {"a": a, "b": b, "T01": by_code["T01"], "T09": by_code["T09"], "T01_b": t01_b}


def _content(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _main(page: str) -> str:
    """The page's own content (the header holds the log-out form, the footer the language's)."""
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def _act(client: Client, referral: Referral, action: str, **data: Any) -> Any:
    version = data.pop("version", Referral.objects.get(pk=referral.pk).version)
    return client.post(
        f"/referrals/{referral.pk}/act/{action}/", {f"{action}-{k}": v for k, v in {"version": version, **data}.items()}
    )


def _panel(user: User, title: str) -> Any:
    return next(p for p in referral_panels(user) if p.title == title)


# -- 县民政局's referrals: the county caseworkers ------------------------------------------------


def test_a_t01_referral_reaches_the_county_caseworkers_who_accept_and_decide_it(
    case: dict[str, Any], login: Any, personas: dict[str, User]
) -> None:
    t01: Referral = case["T01"]
    assert t01.department.name == "县民政局" and t01.township_id is None
    assert list(t01.cooperations.values_list("department__name", flat=True)) == ["各乡镇（街道）"]
    caseworker = login("caseworker")
    inbox = _content(caseworker.get("/referrals/"))
    assert f'data-testid="referral-{t01.pk}"' in inbox and f'data-testid="referral-{case["T09"].pk}"' not in inbox
    assert f'data-testid="referral-{case["T01_b"].pk}"' in inbox  # the whole county's
    page = _content(caseworker.get(f"/referrals/{t01.pk}/"))
    assert 'data-testid="do-accept"' in page
    assert _act(caseworker, t01, "accept").status_code == 302
    t01.refresh_from_db()
    assert t01.state == S.ACCEPTED and t01.assigned_to == personas["caseworker"]
    month = today().strftime("%Y-%m")
    decided = _act(caseworker, t01, "complete", outcome="approved", amount="1300", period="monthly", start_month=month)
    assert decided.status_code == 302
    t01.refresh_from_db()
    assert t01.state == S.COMPLETED and t01.outcome_kind == "benefit" and t01.outcome_amount == 1300
    assert t01.outcome_detail == f"每月 1,300 元，自{today().year}年{today().month}月起"
    assert AuditEvent.objects.filter(action="referral.complete", actor=personas["caseworker"]).exists()
    # Not another unit's officer's, not the administrator's, not a township's.
    other = referred(personas["supervisor_a"], case["a"], ["T02"])[1]["T02"]
    assert _act(login("officer_a"), other, "accept").status_code == 404
    assert _act(login("supervisor_a"), other, "accept").status_code == 404
    assert _act(login("admin"), other, "accept").status_code == 403
    # A department's referral stays the department's.
    assert _act(caseworker, case["T09"], "accept").status_code == 404


def test_a_new_civil_affairs_referral_notifies_the_caseworkers_and_the_childs_township(
    personas: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    import_table()
    a = child("秦小宝", "20160301", 31)
    with django_capture_on_commit_callbacks(execute=True):
        t01 = referred(personas["supervisor_a"], a, ["T01"])[1]["T01"]
    told = set(Notification.objects.filter(link=f"/referrals/{t01.pk}/").values_list("recipient__username", "kind"))
    assert ("caseworker", "referral.new") in told
    assert ("supervisor_a", "referral.cooperate") in told  # the township's part
    assert not {key for key, _kind in told} & {"supervisor_b", "officer_a", "admin"}


def test_bulk_accept_in_the_caseworkers_inbox(case: dict[str, Any], login: Any) -> None:
    t01 = case["T01"]
    response = login("caseworker").post(
        "/referrals/bulk-accept/", {"referral": [t01.pk], f"version_{t01.pk}": 1}, follow=True
    )
    assert "已受理 1 件" in _content(response)


def test_a_caseworker_fills_in_civil_affairs_cooperating_part(
    case: dict[str, Any], login: Any, personas: dict[str, User]
) -> None:
    """T10: 县教育局 leads, 县民政局 cooperates: its part is the caseworkers'."""
    t10 = referred(personas["supervisor_a"], case["a"], ["T10"])[1]["T10"]
    part = t10.cooperations.get(department__name="县民政局")
    caseworker = login("caseworker")
    assert 'data-testid="do-cooperate"' in _content(caseworker.get(f"/referrals/{t10.pk}/"))
    assert f'data-testid="part-{t10.pk}"' in _content(caseworker.get("/referrals/?tab=cooperate"))
    assert caseworker.post(f"/referrals/{t10.pk}/cooperate/", {"note": "已核对低保、孤儿名单"}).status_code == 302
    part.refresh_from_db()
    assert part.note == "已核对低保、孤儿名单" and part.noted_by == personas["caseworker"]


# -- the township's part: the supervisor of the child's township ------------------------------


def test_the_childs_township_supervisor_records_the_townships_part(
    case: dict[str, Any], login: Any, personas: dict[str, User]
) -> None:
    t01 = case["T01"]
    supervisor = login("supervisor_a")
    page = _content(supervisor.get(f"/referrals/{t01.pk}/"))
    assert 'data-testid="do-cooperate"' in page and 'data-testid="do-accept"' not in page
    assert "桓仁镇" in page.split('data-testid="cooperations"')[1].split("</table>")[0]
    response = supervisor.post(f"/referrals/{t01.pk}/cooperate/", {"note": "已入户核实，孩子随祖母生活"})
    assert response.status_code == 302
    part = ReferralCooperation.objects.get(referral=t01)
    assert part.note == "已入户核实，孩子随祖母生活" and part.noted_by == personas["supervisor_a"]
    assert t01.events.filter(action="cooperate", note="桓仁镇：已入户核实，孩子随祖母生活").exists()
    assert "桓仁镇" in AuditEvent.objects.get(action="referral.cooperate").summary
    # Another township's supervisor, an officer, a director, the county administrator may not.
    assert login("supervisor_b").post(f"/referrals/{t01.pk}/cooperate/", {"note": "x"}).status_code == 404
    assert login("officer_a").post(f"/referrals/{t01.pk}/cooperate/", {"note": "x"}).status_code == 404
    assert login("director_a").post(f"/referrals/{t01.pk}/cooperate/", {"note": "x"}).status_code == 403
    assert login("admin").post(f"/referrals/{t01.pk}/cooperate/", {"note": "x"}).status_code == 403
    # 普乐堡镇's supervisor fills in the part of 普乐堡镇's child.
    assert (
        login("supervisor_b").post(f"/referrals/{case['T01_b'].pk}/cooperate/", {"note": "已核实"}).status_code == 302
    )
    assert login("supervisor_a").post(f"/referrals/{case['T01_b'].pk}/cooperate/", {"note": "x"}).status_code == 404


def test_a_supervisors_home_counts_only_what_it_can_act_on(
    case: dict[str, Any], login: Any, personas: dict[str, User]
) -> None:
    """Submitted in 桓仁镇: T09 (县教育局's to accept) and T01 (县民政局's, the township's part to
    fill in). The supervisor accepts nothing: 待受理 0, 待配合 1."""
    panel = _panel(personas["supervisor_a"], "转介待办")
    assert panel.stat == 1 and "待受理 0 件" in panel.text and "待配合 1 件" in panel.text
    login("supervisor_a").post(f"/referrals/{case['T01'].pk}/cooperate/", {"note": "已核实"})
    panel = _panel(personas["supervisor_a"], "转介待办")
    assert panel.stat == 0 and "待配合 0 件" in panel.text
    assert _panel(personas["caseworker"], "转介待办").stat == 2  # the two T01s to accept


# -- the township's inbox holds what reaches the township -------------------------------------


def test_a_township_supervisors_inbox_holds_the_townships_parts(case: dict[str, Any], login: Any) -> None:
    t01, t09 = case["T01"], case["T09"]
    supervisor = login("supervisor_a")
    new = _content(supervisor.get("/referrals/"))
    assert f'data-testid="referral-{t09.pk}"' not in new and f'data-testid="referral-{t01.pk}"' not in new
    parts = _content(supervisor.get("/referrals/?tab=cooperate"))
    assert f'data-testid="referral-{t01.pk}"' in parts and f'data-testid="referral-{t09.pk}"' not in parts
    assert "本乡镇（街道）配合：待填写" in parts.split(f'data-testid="part-{t01.pk}"')[1][:60]
    assert 'data-testid="tab-cooperate">待配合 <span class="badge">1</span>' in parts
    # What reaches the township is named: the measures the table names 各乡镇（街道） in.
    named = parts.split('data-testid="township-measures"')[1].split("</p>")[0]
    for measure in ("T01 孤儿保障（配合）", "T02 最低生活保障（配合）", "T03 临时救助（配合）"):
        assert measure in named
    assert "T09" not in named
    assert f'data-testid="referral-{case["T01_b"].pk}"' not in _content(supervisor.get("/referrals/?tab=all"))
    # An officer's inbox names no township's measures.
    assert 'data-testid="township-measures"' not in _content(login("officer_a").get("/referrals/"))


# -- a village director's way back to the referrals of their village's children ---------------


def test_a_director_lists_the_referrals_of_their_villages_children_read_only(
    case: dict[str, Any], login: Any, personas: dict[str, User]
) -> None:
    director = login("director_a")
    listing = _content(director.get("/referrals/children/"))
    for key in ("T01", "T09"):
        assert f'data-testid="referral-{case[key].pk}"' in listing
    assert f'data-testid="referral-{case["T01_b"].pk}"' not in listing
    assert "T01 孤儿保障" in listing and "县民政局" in listing and "县教育局" in listing
    assert 'method="post"' not in _main(listing) and "只供查看" in listing
    one = _content(director.get(f"/referrals/children/{case['a'].pk}/"))
    assert "秦小宝的转介" in one and f'data-testid="referral-{case["T09"].pk}"' in one
    detail = _content(director.get(f"/referrals/{case['T01'].pk}/"))
    assert 'data-testid="child-referrals-link"' in detail and 'method="post"' not in _main(detail)
    assert director.get(f"/referrals/children/{case['b'].pk}/").status_code == 404
    assert login("director_b").get(f"/referrals/children/{case['a'].pk}/").status_code == 404
    assert f'data-testid="referral-{case["T01_b"].pk}"' in _content(login("director_b").get("/referrals/children/"))
    assert login("officer_a").get("/referrals/children/").status_code == 403
    assert login("leader").get("/referrals/children/").status_code == 403
    panel = _panel(personas["director_a"], "辖区儿童的转介")
    assert panel.stat == 2 and panel.link == "/referrals/children/"


def test_the_childrens_referrals_list_marks_what_the_viewer_acts_on(case: dict[str, Any], login: Any) -> None:
    supervisor = _content(login("supervisor_a").get("/referrals/children/?tab=all"))
    row = supervisor.split(f'data-testid="referral-{case["T01"].pk}"')[1].split("</tr>")[0]
    assert "本乡镇（街道）配合：待填写" in row
    caseworker = _content(login("caseworker").get("/referrals/children/?tab=all"))
    assert "由您办理" in caseworker.split(f'data-testid="referral-{case["T01"].pk}"')[1].split("</tr>")[0]
    assert "由您办理" not in caseworker.split(f'data-testid="referral-{case["T09"].pk}"')[1].split("</tr>")[0]
    searched = _content(login("caseworker").get("/referrals/children/?tab=all&q=秦小北"))
    assert f'data-testid="referral-{case["T01_b"].pk}"' in searched
    assert f'data-testid="referral-{case["T01"].pk}"' not in searched
