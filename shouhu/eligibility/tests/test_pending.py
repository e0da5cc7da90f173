"""The 待补充信息 worklist (/eligibility/pending/): who sees which children, the filters, what each
row says and where its link goes, the home panels' counts, and the undetermined items on a
child's eligibility page. The rows are made directly (screening fills them in production)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from shouhu.accounts.models import User
from shouhu.accounts.personas import TOWNSHIP_A, VILLAGE_A, VILLAGE_B
from shouhu.eligibility.models import PendingFacts
from shouhu.registry.models import Child, ChildStatus

from .eligibility_factories import register, today

pytestmark = pytest.mark.django_db
VILLAGE_A2 = "210522100202"  # 西关村, township A
NO_CHILDREN_LIST = ("officer_a", "officer_b", "leader", "community_a", "reporter_a")


def pending(child: Child, codes: str = "T01 de_facto_unsupported orphan", **facts: bool) -> PendingFacts:
    """The worklist row screening would leave for `child` (by default: the mother not recorded)."""
    flags = facts or {"mother": True}
    return PendingFacts.objects.create(child=child, codes=codes, as_of=today(), **flags)


def orphan_unless_mother(name: str, region_code: str = VILLAGE_A) -> Child:
    """Father dead, mother not recorded: orphan and T01 wait for the mother."""
    return register(name=name, region_code=region_code, parents=[{"role": "father", "status": "deceased"}])


def text(response: Any) -> str:
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


def names_in(response: Any) -> list[str]:
    assert response.status_code == 200, response.status_code
    return re.findall(r'<li data-child="\d+">\s*<p class="who"><a href="[^"]+">([^<]+)</a>', response.content.decode())


@pytest.fixture
def world(personas: dict[str, User]) -> dict[str, Child]:
    a = orphan_unless_mother("待补甲")
    a2 = register(name="待补乙", region_code=VILLAGE_A2, schooling=None)
    b = orphan_unless_mother("待补丙", VILLAGE_B)
    pending(a)
    pending(a2, codes="T09 T14", enrolled=True)
    pending(b, codes="T16 T19", guardian=True, father=True)
    register(name="齐全丁")  # everything recorded: no row
    return {"a": a, "a2": a2, "b": b}


# -- who sees what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("director_a", ["待补甲"]),
        ("director_b", ["待补丙"]),
        ("supervisor_a", ["待补甲", "待补乙"]),
        ("supervisor_b", ["待补丙"]),
        ("caseworker", ["待补甲", "待补乙", "待补丙"]),
        ("admin", ["待补甲", "待补乙", "待补丙"]),
    ],
)
def test_each_role_sees_the_children_of_its_own_area(
    world: dict[str, Child], login: Any, persona: str, expected: list[str]
) -> None:
    assert names_in(login(persona).get("/eligibility/pending/")) == expected


@pytest.mark.parametrize("persona", NO_CHILDREN_LIST)
def test_roles_that_cannot_record_facts_are_refused(world: dict[str, Child], login: Any, persona: str) -> None:
    assert login(persona).get("/eligibility/pending/").status_code == 403


def test_the_scope_is_the_access_layers(world: dict[str, Child], personas: dict[str, User]) -> None:
    from shouhu.access import pending_visible_to

    assert set(pending_visible_to(personas["director_a"]).values_list("child__name", flat=True)) == {"待补甲"}
    assert not pending_visible_to(personas["leader"]).exists()
    assert not pending_visible_to(personas["officer_a"]).exists()


def test_a_closed_record_is_not_on_the_list(world: dict[str, Child], login: Any) -> None:
    Child.objects.filter(pk=world["a"].pk).update(status=ChildStatus.CLOSED)
    assert names_in(login("supervisor_a").get("/eligibility/pending/")) == ["待补乙"]


# -- filters ---------------------------------------------------------------------------------


def test_filter_by_fact(world: dict[str, Child], login: Any) -> None:
    client = login("caseworker")
    assert names_in(client.get("/eligibility/pending/", {"fact": "mother"})) == ["待补甲"]
    assert names_in(client.get("/eligibility/pending/", {"fact": "enrolled"})) == ["待补乙"]
    assert names_in(client.get("/eligibility/pending/", {"fact": "guardian"})) == ["待补丙"]
    assert names_in(client.get("/eligibility/pending/", {"fact": "father"})) == ["待补丙"]


def test_filter_by_township_and_village(world: dict[str, Child], login: Any) -> None:
    client = login("caseworker")
    assert names_in(client.get("/eligibility/pending/", {"region": TOWNSHIP_A})) == ["待补甲", "待补乙"]
    assert names_in(client.get("/eligibility/pending/", {"region": VILLAGE_A2})) == ["待补乙"]
    assert names_in(client.get("/eligibility/pending/", {"region": VILLAGE_A, "fact": "enrolled"})) == []
    supervisor = login("supervisor_a")
    assert names_in(supervisor.get("/eligibility/pending/", {"region": VILLAGE_A2, "fact": "enrolled"})) == ["待补乙"]


def test_a_region_outside_the_area_is_not_found(world: dict[str, Child], login: Any) -> None:
    assert login("supervisor_a").get("/eligibility/pending/", {"region": VILLAGE_B}).status_code == 404
    assert login("director_a").get("/eligibility/pending/", {"region": TOWNSHIP_A}).status_code == 404


def test_the_filters_offer_only_the_area(world: dict[str, Child], login: Any) -> None:
    html = login("supervisor_a").get("/eligibility/pending/").content.decode()
    assert "西关村" in html and "普乐堡村" not in html
    # A village director's list is one village: no region filter, the fact filter stays.
    html = login("director_a").get("/eligibility/pending/").content.decode()
    assert 'name="region"' not in html and 'name="fact"' in html


# -- what a row says and where it leads ------------------------------------------------------


def test_a_row_names_the_facts_and_what_could_follow(world: dict[str, Child], login: Any) -> None:
    page = text(login("director_a").get("/eligibility/pending/"))
    assert "待补充： 母亲情况" in page
    assert "补充后可能符合：孤儿、事实无人抚养儿童、T01 孤儿保障" in page
    assert "共 1 名儿童" in page
    page = text(login("director_b").get("/eligibility/pending/"))
    assert "待补充： 父亲情况 实际监护人及其监护能力 补充后可能符合：" in page


def test_the_link_opens_the_change_form_at_the_fields_to_fill(world: dict[str, Child], login: Any) -> None:
    client = login("supervisor_a")
    html = client.get("/eligibility/pending/").content.decode()
    link = f"/children/{world['a2'].pk}/change/?focus=school_stage,school_enrolled#focus"
    assert f'href="{link}"' in html
    form = client.get(link).content.decode()
    assert re.search(r'<div class="field focus" id="focus" data-field="school_stage"', form)
    assert re.search(r'<div class="field focus" data-field="school_enrolled"', form)
    assert re.search(r'<div class="field" data-field="father_status"', form)
    assert 'data-testid="focus-notice"' in form
    # Names that are not the form's fields mark nothing.
    plain = client.get(f"/children/{world['a2'].pk}/change/?focus=nonsense,<x>").content.decode()
    assert 'id="focus"' not in plain and 'class="field focus"' not in plain
    assert 'data-testid="focus-notice"' not in plain


def test_the_empty_list_says_so(login: Any, personas: dict[str, User]) -> None:
    response = login("director_a").get("/eligibility/pending/")
    assert "没有待补充信息的儿童" in text(response)
    assert "没有符合条件的儿童" in text(login("director_a").get("/eligibility/pending/", {"fact": "father"}))


def test_the_list_pages_and_its_query_count_is_bounded(
    personas: dict[str, User], login: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(60):
        child = orphan_unless_mother(f"待补{i:02d}", VILLAGE_A if i % 2 else VILLAGE_A2)
        pending(child, mother=True, enrolled=bool(i % 3 == 0))
    client = login("supervisor_a")
    # 8 + 3: the page's audit row (the chain's head taken, the row, the head moved on: core/chain.py)
    with django_assert_max_num_queries(11):
        first = client.get("/eligibility/pending/")
    assert len(names_in(first)) == 50
    assert "第 1 / 2 页，共 60 条" in text(first)
    next_link = re.search(r'href="\?([^"]*page=2[^"]*)"', first.content.decode())
    assert next_link is not None
    with django_assert_max_num_queries(11):
        second = client.get("/eligibility/pending/?" + unescape(next_link.group(1)))
    assert len(names_in(second)) == 10
    with django_assert_max_num_queries(11):
        filtered = client.get("/eligibility/pending/", {"fact": "enrolled", "region": VILLAGE_A2})
    assert len(names_in(filtered)) == 10


# -- home panels -----------------------------------------------------------------------------


def panel(response: Any, title: str) -> str | None:
    html = response.content.decode()
    found = re.search(
        rf'<article data-testid="panel">\s*<header><strong>{title}</strong></header>(.*?)</article>', html, re.S
    )
    return found.group(1) if found else None


def test_home_panels_count_the_children_and_each_fact(world: dict[str, Child], login: Any) -> None:
    director = panel(login("director_a").get("/"), "待补充信息")
    assert director is not None
    assert '<div class="stat">1</div>' in director
    assert '<a href="/eligibility/pending/?fact=mother">母亲情况：1 名</a>' in director
    assert "?fact=father" not in director
    supervisor = panel(login("supervisor_a").get("/"), "待补充信息")
    assert supervisor is not None and '<div class="stat">2</div>' in supervisor
    assert '<a href="/eligibility/pending/?fact=enrolled">是否在读：1 名</a>' in supervisor
    caseworker = panel(login("caseworker").get("/"), "待补充信息")
    assert caseworker is not None and '<div class="stat">3</div>' in caseworker
    assert '<a href="/eligibility/pending/">查看待补充信息</a>' in caseworker
    for persona in NO_CHILDREN_LIST:
        assert panel(login(persona).get("/"), "待补充信息") is None


def test_the_home_panel_says_when_nothing_waits(login: Any, personas: dict[str, User]) -> None:
    director = panel(login("director_b").get("/"), "待补充信息")
    assert director is not None and "没有待补充信息的儿童" in director


# -- the child's eligibility page -----------------------------------------------------------


def test_the_child_page_shows_the_undetermined_items(world: dict[str, Child], login: Any) -> None:
    response = login("supervisor_a").get(f"/eligibility/children/{world['a'].pk}/")
    page = text(response)
    assert "待补充： 母亲情况" in page
    section = re.search(r'data-testid="pending">(.*?)</section>', response.content.decode(), re.S)
    assert section is not None
    words = re.sub(r"\s+", "", unescape(re.sub(r"<[^>]+>", "", section.group(1))))
    assert "若补充，可能符合：孤儿、事实无人抚养儿童、T01孤儿保障" in words
    # Decided categories and measures stay apart: orphan is not among them.
    categories = re.search(r'data-testid="categories">(.*?)</ul>', response.content.decode(), re.S)
    assert categories is None or 'data-code="orphan"' not in categories.group(1)
    assert f'href="/children/{world["a"].pk}/change/?focus=mother_status#focus"' in response.content.decode()


def test_the_child_page_shows_nothing_pending_for_a_child_without_a_row(world: dict[str, Child], login: Any) -> None:
    complete = Child.objects.get(name="齐全丁")
    assert (
        'data-testid="pending"' not in login("director_a").get(f"/eligibility/children/{complete.pk}/").content.decode()
    )


def test_others_cannot_see_the_childs_undetermined_items(world: dict[str, Child], login: Any) -> None:
    url = f"/eligibility/children/{world['a'].pk}/"
    assert login("supervisor_b").get(url).status_code == 404
    assert login("director_b").get(url).status_code == 404
    for persona in NO_CHILDREN_LIST:
        assert login(persona).get(url).status_code == 403


def test_a_closed_childs_page_has_no_link_to_record(world: dict[str, Child], login: Any) -> None:
    Child.objects.filter(pk=world["a"].pk).update(status=ChildStatus.CLOSED)
    html = login("supervisor_a").get(f"/eligibility/children/{world['a'].pk}/").content.decode()
    assert 'data-testid="pending"' in html and 'data-testid="record-facts"' not in html
