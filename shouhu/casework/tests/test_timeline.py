"""The child's timeline: everything in one chronological list, each viewer seeing only their part."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.casework import services
from shouhu.casework.timeline import timeline_for
from shouhu.eligibility.screening import screening_request
from shouhu.registry.documents import document_attach

from .helpers import benefit, import_table, screen_with_tasks
from .walk_samples import child, referred

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(personas: dict[str, User]) -> dict[str, Any]:
    import_table()
    a = child("孙小明", "20150601", 1)
    run = screening_request(actor=None, region_code="210522000000", as_of=timezone.localdate())
    screen_with_tasks(run.pk)
    document_attach(
        actor=personas["supervisor_a"],
        child=a,
        doc_type="disability_certificate",
        upload=SimpleUploadedFile("残疾证.pdf", b"%PDF-1.4\n%x\n"),
    )
    intake, by_code = referred(personas["supervisor_a"], a, ["T09", "T06", "T20"])
    services.referral_transition(
        actor=personas["officer_a"], referral=by_code["T09"], action="accept", expected_version=1
    )
    services.referral_transition(
        actor=personas["officer_a"],
        referral=by_code["T09"],
        action="complete",
        expected_version=2,
        outcome="approved",
        answer=benefit(),
    )
    return {"child": a, "intake": intake, **by_code}


def _titles(user: User, story: dict[str, Any]) -> list[str]:
    return [f"{e.kind}:{e.title}" for e in timeline_for(user, story["child"])]


def test_the_window_sees_everything_newest_first(story: dict[str, Any], personas: dict[str, User]) -> None:
    entries = timeline_for(personas["supervisor_a"], story["child"])
    kinds = {e.kind for e in entries}
    assert kinds == {"registry", "circumstance", "screening", "document", "intake", "referral"}
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    titles = _titles(personas["supervisor_a"], story)
    assert "registry:登记" in titles
    assert any(t.startswith("screening:筛查：符合「T09") for t in titles)
    assert "document:上传材料：残疾证" in titles
    assert f"intake:确认转办 {story['intake'].reference}" in titles
    assert any("T09 教育资助、两免一补 · 县教育局：办结 → 已办结" in t for t in titles)
    assert any("T20" in t for t in titles) and any("T06" in t for t in titles)


def test_a_department_officer_sees_only_the_referrals_visible_to_them(
    story: dict[str, Any], personas: dict[str, User]
) -> None:
    officer_a = _titles(personas["officer_a"], story)
    assert officer_a and all(t.startswith("referral:") for t in officer_a)
    assert all("T09" in t for t in officer_a)
    officer_b = _titles(personas["officer_b"], story)  # 县卫健局 cooperates on T06
    assert officer_b and all("T06" in t for t in officer_b)


def test_the_page_is_scoped(story: dict[str, Any], login: Any) -> None:
    url = f"/referrals/children/{story['child'].pk}/timeline/"
    page = login("officer_a").get(url).content.decode()
    assert "T09" in page and "T06" not in page and "残疾证" not in page and "筛查：" not in page
    assert "孙小明" in page and story["child"].id_number_masked in page
    window = login("supervisor_a").get(url).content.decode()
    assert "残疾证" in window and "筛查：符合" in window and 'data-testid="take-intake"' in window
    only = login("supervisor_a").get(url + "?kind=referral").content.decode()
    assert 'data-kind="referral"' in only and 'data-kind="document"' not in only
    assert login("supervisor_b").get(url).status_code == 404
    assert login("leader").get(url).status_code == 403
    assert login("director_a").get(url).status_code == 200


def test_an_officer_with_no_referral_for_the_child_gets_not_found(login: Any) -> None:
    import_table()
    a = child("孙小明", "20150601", 1)
    assert login("officer_a").get(f"/referrals/children/{a.pk}/timeline/").status_code == 404
