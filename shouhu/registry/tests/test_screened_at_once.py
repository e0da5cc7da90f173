"""A registration or a change made by a person on the registry's pages (or through the API) is
screened at once, and the page the person lands on says what followed; imports are not screened
child by child (the next run screens them)."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from shouhu.accounts.models import User
from shouhu.eligibility.models import Eligibility, PendingFacts, ScreeningRun
from shouhu.registry import services
from shouhu.registry.exchange.commit import commit_file
from shouhu.registry.exchange.format import NOT_RECORDED, parse_record
from shouhu.registry.exchange.validation import validate_file
from shouhu.registry.models import Child

from .example import example
from .io_helpers import id_number, register, write_jsonl
from .test_ui import change_form, change_url
from .ui_factories import form_data
from .ui_factories import register as registered_a_month_ago

pytestmark = pytest.mark.django_db


def _messages(html: str) -> list[str]:
    listed = re.search(r'<ul class="messages">(.*?)</ul>', html, re.S)
    return re.findall(r"<li[^>]*>([^<]*)</li>", listed.group(1)) if listed else []


def test_the_childs_page_says_what_screening_at_once_found(personas: dict[str, User], login: Any) -> None:
    client = login("director_a")
    response = client.post("/children/new/", form_data(), follow=True)
    child = Child.objects.get()
    assert response.redirect_chain[-1][0] == reverse("registry:detail", kwargs={"child_id": child.pk})
    shown = _messages(response.content.decode())
    assert shown[0] == f"已登记儿童 {child.name}"
    screened = shown[1]
    assert screened.startswith("已即时筛查：新增符合 ")
    assert "最低生活保障" in screened and "低保家庭儿童" in screened and "事实无人抚养儿童" in screened
    assert not re.search(r"\bT\d\d\b", screened)  # labels, not codes
    assert ScreeningRun.objects.get(child=child).requested_by == personas["director_a"]


def test_the_change_page_says_what_now_waits_for_a_fact(personas: dict[str, User], login: Any) -> None:
    """Attendance becomes not recorded. The preview screens nothing; the confirmation does."""
    child = registered_a_month_ago(personas["caseworker"])
    client = login("director_a")
    data = change_form(client, child)
    data.update(school_enrolled=NOT_RECORDED)
    preview = client.post(change_url(child), data)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', preview.content.decode()))
    assert not ScreeningRun.objects.exists()
    response = client.post(change_url(child), {**hidden, "confirm": "1"}, follow=True)
    shown = _messages(response.content.decode())
    assert shown[0].startswith(f"已记录 {child.name} 自 ")
    assert shown[1].startswith("已即时筛查：") and "待补充信息后可判定：" in shown[1]
    assert "教育资助、两免一补（缺是否在读）" in shown[1]
    assert PendingFacts.objects.get(child=child).enrolled


def test_an_import_is_screened_by_the_next_run_not_child_by_child(tmp_path: Path, personas: dict[str, User]) -> None:
    kept = register(personas["caseworker"], example(household={"low_income": False}))
    newcomer = example(id_number=id_number(datetime.date(2016, 5, 1), 7), birth_date="2016-05-01")
    path = write_jsonl(tmp_path / "roster.jsonl", [example(), newcomer])
    result = validate_file(path, fmt="jsonl", actor=personas["supervisor_a"])
    outcome = commit_file(path, fmt="jsonl", actor=personas["supervisor_a"], plan=result.plan(), as_of=result.as_of)
    assert (len(outcome.created), outcome.updated) == (1, 1)
    assert not ScreeningRun.objects.exists() and not Eligibility.objects.exists()
    # The same child changed by a person, on its own: screened at once.
    kept.refresh_from_db()
    record, _ = parse_record(example(left_behind=True))
    assert record is not None
    services.child_update(
        actor=personas["director_a"], child=kept, record=record, expected_version=kept.version, announce=True
    )
    assert ScreeningRun.objects.get().child == kept
    assert Eligibility.objects.filter(child=kept, code="T02").exists()
    assert not Eligibility.objects.exclude(child=kept).exists()
