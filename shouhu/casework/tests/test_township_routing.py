"""A township's own measures reach the township: a measure whose task each township answers for
is one referral to the child's township, in that township supervisor's inbox only; a supervisor's
home card names what reaches the township, and never shows an inbox empty by design."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shouhu.accounts.models import User
from shouhu.casework import services
from shouhu.eligibility.models import Rule
from shouhu.policy.models import PolicyDocument

from .helpers import import_table, register

pytestmark = pytest.mark.django_db


def card(client: Any, title: str) -> str:
    html = client.get(reverse("home")).content.decode()
    assert title in html, html
    return html[html.index(title) :].split("</article>")[0]


def test_a_township_measure_reaches_the_childs_township_only(personas: dict[str, User], login: Any) -> None:
    import_table()
    Rule.objects.filter(code="T24").update(task_number=25)  # task 25: 各乡镇（街道）分头落实
    child = register()  # in 桓仁镇 (township A)
    intake = services.intake_create(actor=personas["caseworker"], child=child, proposals={"T24": ""})
    [referral] = services.intake_confirm(actor=personas["caseworker"], intake=intake, confirmed=["T24"])
    assert referral.department.name == "各乡镇（街道）"
    assert referral.township is not None and referral.township.name == "桓仁镇"

    a, b = login("supervisor_a"), login("supervisor_b")
    inbox_a = a.get(reverse("referrals:inbox"), {"tab": "new"})
    assert [r.pk for r in inbox_a.context["page"].object_list] == [referral.pk]
    assert "T24 残疾儿童优先康复服务（牵头）" in inbox_a.content.decode()
    inbox_b = b.get(reverse("referrals:inbox"), {"tab": "all"})
    assert list(inbox_b.context["page"].object_list) == []
    # Both homes say what reaches the township; A's counts the referral waiting for it.
    home_a = card(a, "转介待办")
    assert "待受理 1 件" in home_a and "T24 残疾儿童优先康复服务（牵头）" in home_a
    assert "?tab=all&amp;code=T24" in home_a
    home_b = card(b, "转介待办")
    assert "待受理 0 件" in home_b and "T01 孤儿保障（配合）" in home_b and "T24 残疾儿童优先康复服务（牵头）" in home_b


def test_a_supervisor_to_whom_nothing_can_be_routed_sees_what_the_township_handles(
    personas: dict[str, User], login: Any
) -> None:
    import_table()
    # No measure's task names a township (T01–T04 moved to task 20, 县民政局 alone): nothing can
    # reach a township's inbox.
    document = PolicyDocument.objects.get()
    townships = set(
        document.tasks.filter(responsibilities__department__kind="townships").values_list("number", flat=True)
    )
    Rule.objects.filter(task_number__in=townships).update(task_number=20)
    home = login("supervisor_b").get(reverse("home")).content.decode()
    assert "转介待办" not in home
    panel = home[home.index("本乡镇（街道）的转介") :].split("</article>")[0]
    assert "现行任务分工表没有转给乡镇（街道）办理或配合的措施" in panel and "待配合 0 件" in panel
    assert reverse("policy:township", args=["210522101000"]) in panel
